"""Output formats as one registry keyed by name/extension, shared by ``cicagraph export``,
``cicagraph query --format`` and HTTP content negotiation."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from cicagraph.errors import CicagraphError


@dataclass(frozen=True)
class RdfFormat:
    name: str  # CLI name and file extension
    media_type: str
    oxigraph: ox.RdfFormat
    rdflib: str  # rdflib serializer/parser name
    quads: bool  # can hold named graphs
    spec: str


RDF_FORMATS: dict[str, RdfFormat] = {
    f.name: f
    for f in (
        RdfFormat("ttl", "text/turtle", ox.RdfFormat.TURTLE, "turtle", False, "https://www.w3.org/TR/turtle/"),
        RdfFormat("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES, "nt", False, "https://www.w3.org/TR/n-triples/"),
        RdfFormat("nq", "application/n-quads", ox.RdfFormat.N_QUADS, "nquads", True, "https://www.w3.org/TR/n-quads/"),
        RdfFormat("trig", "application/trig", ox.RdfFormat.TRIG, "trig", True, "https://www.w3.org/TR/trig/"),
        RdfFormat("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD, "json-ld", True, "https://www.w3.org/TR/json-ld11/"),
        RdfFormat("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML, "xml", False, "https://www.w3.org/TR/rdf-syntax-grammar/"),
    )
}
# Aliases accepted on the command line and in ?format=
RDF_ALIASES = {"turtle": "ttl", "ntriples": "nt", "nquads": "nq", "json-ld": "jsonld", "rdfxml": "rdf", "xml": "rdf"}


@dataclass(frozen=True)
class ResultsFormat:
    name: str
    media_type: str
    oxigraph: ox.QueryResultsFormat
    spec: str


RESULTS_FORMATS: dict[str, ResultsFormat] = {
    f.name: f
    for f in (
        ResultsFormat("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON, "https://www.w3.org/TR/sparql11-results-json/"),
        ResultsFormat("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML, "https://www.w3.org/TR/rdf-sparql-XMLres/"),
        ResultsFormat("csv", "text/csv", ox.QueryResultsFormat.CSV, "https://www.w3.org/TR/sparql11-results-csv-tsv/"),
        ResultsFormat("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV, "https://www.w3.org/TR/sparql11-results-csv-tsv/"),
    )
}


def rdf_format(name: str) -> RdfFormat:
    key = RDF_ALIASES.get(name.lower(), name.lower())
    try:
        return RDF_FORMATS[key]
    except KeyError:
        raise CicagraphError(
            f"unknown RDF format {name!r}; choose one of {', '.join(RDF_FORMATS)}"
        ) from None


class UnsupportedFormat(CicagraphError):
    """The requested format does not fit the result (Turtle for a SELECT…): 406 over HTTP."""

    status = 406


# Media types that are accepted as synonyms of a registered one (HTTP Accept, ?format=).
MEDIA_TYPE_ALIASES = {
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",  # N-Triples' historical media type
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}
_RDF_BY_MEDIA = {f.media_type: f for f in RDF_FORMATS.values()}
_RESULTS_BY_MEDIA = {f.media_type: f for f in RESULTS_FORMATS.values()}
_RESULTS_ALIASES = {"srj": "json", "srx": "xml", "sparql-results+json": "json", "sparql-results+xml": "xml"}


def rdf_format_for(name_or_media_type: str) -> RdfFormat | None:
    """The RDF format named by a registry name, an alias or a media type; ``None`` if unknown."""
    key = name_or_media_type.strip().lower()
    if "/" in key:
        key = key.split(";", 1)[0].strip()
        key = {"application/json": "application/ld+json", "text/plain": "application/n-triples",
               "application/xml": "application/rdf+xml", "text/xml": "application/rdf+xml",
               "application/x-turtle": "text/turtle"}.get(key, key)
        return _RDF_BY_MEDIA.get(key)
    key = RDF_ALIASES.get(key, key)
    if key == "json":
        key = "jsonld"
    return RDF_FORMATS.get(key)


def results_format_for(name_or_media_type: str) -> ResultsFormat | None:
    """The SPARQL results format named by a registry name or a media type; ``None`` if unknown."""
    key = name_or_media_type.strip().lower()
    if "/" in key:
        key = key.split(";", 1)[0].strip()
        return _RESULTS_BY_MEDIA.get(MEDIA_TYPE_ALIASES.get(key, key))
    return RESULTS_FORMATS.get(_RESULTS_ALIASES.get(key, key))
