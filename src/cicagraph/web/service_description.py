"""The SPARQL 1.1 Service Description returned by ``GET /sparql`` without a query."""

from __future__ import annotations

import pyoxigraph as ox

from cicagraph.config import GRAPHS
from cicagraph.formats import rdf_format_for

# https://www.w3.org/ns/formats/ names every media type the endpoint can answer with.
_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                   "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG")


def service_description_turtle(endpoint: str, counts: dict[str, int]) -> str:
    named = "".join(
        f"""
        sd:namedGraph [ a sd:NamedGraph ; sd:name <{GRAPHS[name]}> ;
            sd:graph [ a sd:Graph ; void:triples {n} ] ] ;"""
        for name, n in counts.items()
    )
    formats = ", ".join(f"<http://www.w3.org/ns/formats/{f}>" for f in _RESULT_FORMATS)
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    dcterms:title "cicagraph SPARQL endpoint"@en ;
    dcterms:description "Read-only SPARQL 1.1 Query endpoint over the cicagraph knowledge graph. Updates, SERVICE and LOAD are refused; queries have a time limit and a row cap."@en ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat {formats} ;
    sd:feature sd:UnionDefaultGraph ;
    sd:defaultEntailmentRegime <http://www.w3.org/ns/entailment/Simple> ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph ; void:triples {sum(counts.values())} ] ;{named}
    ] .
"""


def service_description(endpoint: str, counts: dict[str, int], media_type: str) -> bytes:
    """The description in ``media_type`` (any RDF format of the registry)."""
    fmt = rdf_format_for(media_type)
    assert fmt is not None
    text = service_description_turtle(endpoint, counts)
    if fmt.name == "ttl":
        return text.encode()
    quads = ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)
    return ox.serialize(quads, format=fmt.oxigraph) or b""
