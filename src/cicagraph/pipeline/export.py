"""Publishing the built dataset: dumps in every RDF format of :mod:`cicagraph.formats`
with a ``SHA256SUMS`` file, and a VoID description of the dataset."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, RDF, XSD

from cicagraph import __version__
from cicagraph.config import GRAPHS, NS, ONTOLOGY_IRI, ONTOLOGY_NS, RESOURCE_NS
from cicagraph.formats import RDF_FORMATS, RdfFormat
from cicagraph.pipeline.store import graph_counts
from cicagraph.tabular import LICENSE, DatasetVersion

log = logging.getLogger(__name__)

DUMP_STEM = "cicagraph"
CHECKSUMS = "SHA256SUMS"
DATASET_IRI = NS + "dataset"
WIKIDATA_LINKSET_IRI = NS + "dataset/wikidata-links"
WIKIDATA_DATASET = "http://www.wikidata.org/"
WIKIDATA_PROPERTY = ONTOLOGY_NS + "wikidata"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")

TURTLE_PREFIXES = {
    "cg": ONTOLOGY_NS,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}


def dump_name(fmt: RdfFormat) -> str:
    """File name of the dump in ``fmt``: ``cicagraph.<ext>``."""
    return f"{DUMP_STEM}.{fmt.name}"


def _union_triples(store: ox.Store) -> list[ox.Triple]:
    """Every triple of every graph once, sorted so that dumps are reproducible."""
    seen = {(str(q.subject), str(q.predicate), str(q.object)): q for q in store}
    return [ox.Triple(q.subject, q.predicate, q.object) for _, q in sorted(seen.items())]


def write_downloads(store: ox.Store, out_dir: Path) -> list[Path]:
    """Write the dataset in every RDF format (quad formats keep the three named graphs,
    triple formats hold their union) and ``SHA256SUMS``; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    quads = sorted(store, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    triples = _union_triples(store)
    written: list[Path] = []
    for fmt in RDF_FORMATS.values():
        path = out_dir / dump_name(fmt)
        prefixes = TURTLE_PREFIXES if fmt.name in ("ttl", "trig") else None
        data = quads if fmt.quads else triples
        ox.serialize(data, str(path), format=fmt.oxigraph, prefixes=prefixes)
        written.append(path)
        log.info("wrote %s (%d %s)", path, len(data), "quads" if fmt.quads else "triples")
    sums = out_dir / CHECKSUMS
    sums.write_text("".join(f"{sha256_of(p)}  {p.name}\n" for p in written), encoding="utf-8")
    written.append(sums)
    return written


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _count(store: ox.Store, query: str) -> int:
    solution = next(iter(store.query(query, use_default_graph_as_union=True)))  # type: ignore[arg-type]
    return int(solution[0].value)


def void_description(store: ox.Store, base_url: str, version: DatasetVersion | None = None) -> rdflib.Graph:
    """VoID: the dataset (with how to cite it: version, build date, content hash), one
    ``void:subset`` per named graph, the dumps under ``<base_url>downloads/``, the SPARQL
    endpoint, and a Linkset to Wikidata."""
    version = version or DatasetVersion()
    base = base_url.rstrip("/") + "/"
    g = rdflib.Graph()
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    g.bind("sd", SD)
    dataset = rdflib.URIRef(DATASET_IRI)
    counts = graph_counts(store)
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, rdflib.Literal("cicagraph", lang="en")))
    g.add((dataset, DCTERMS.description, rdflib.Literal(
        "Knowledge graph of Asia's security forums (CICA and its neighbours) and confidence-building measures.",
        lang="en")))
    g.add((dataset, DCTERMS.hasVersion, rdflib.Literal(__version__)))
    g.add((dataset, DCTERMS.bibliographicCitation, rdflib.Literal(version.citation())))
    g.add((dataset, DCTERMS.identifier, rdflib.Literal(f"{version.label} (inputs sha256:{version.content_hash})")))
    g.add((dataset, DCTERMS.license, rdflib.URIRef(LICENSE)))
    if version.built_at:
        g.add((dataset, DCTERMS.modified, rdflib.Literal(version.built_at, datatype=XSD.dateTime)))
    g.add((dataset, VOID.sparqlEndpoint, rdflib.URIRef(base + "sparql")))
    g.add((dataset, VOID.uriSpace, rdflib.Literal(RESOURCE_NS)))
    g.add((dataset, VOID.vocabulary, rdflib.URIRef(ONTOLOGY_NS)))
    g.add((dataset, VOID.triples, rdflib.Literal(len(_union_triples(store)), datatype=XSD.integer)))
    g.add((dataset, VOID.distinctSubjects, rdflib.Literal(
        _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }"), datatype=XSD.integer)))
    g.add((dataset, VOID.rootResource, rdflib.URIRef(ONTOLOGY_IRI)))
    for fmt in RDF_FORMATS.values():
        dump = rdflib.URIRef(base + "downloads/" + dump_name(fmt))
        g.add((dataset, VOID.dataDump, dump))
        g.add((dump, DCTERMS["format"], rdflib.Literal(fmt.media_type)))
    for name, iri in GRAPHS.items():
        subset = rdflib.URIRef(iri)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, RDF.type, SD.NamedGraph))
        g.add((subset, SD.name, subset))
        g.add((subset, DCTERMS.title, rdflib.Literal(f"cicagraph {name} graph", lang="en")))
        g.add((subset, VOID.triples, rdflib.Literal(counts[name], datatype=XSD.integer)))
    links = _count(store, f"SELECT (COUNT(*) AS ?n) {{ SELECT DISTINCT ?s ?o {{ ?s <{WIKIDATA_PROPERTY}> ?o }} }}")
    linkset = rdflib.URIRef(WIKIDATA_LINKSET_IRI)
    g.add((dataset, VOID.subset, linkset))
    g.add((linkset, RDF.type, VOID.Linkset))
    g.add((linkset, VOID.linkPredicate, rdflib.URIRef(WIKIDATA_PROPERTY)))
    g.add((linkset, VOID.subjectsTarget, dataset))
    g.add((linkset, VOID.objectsTarget, rdflib.URIRef(WIKIDATA_DATASET)))
    g.add((linkset, VOID.triples, rdflib.Literal(links, datatype=XSD.integer)))
    g.add((rdflib.URIRef(WIKIDATA_DATASET), RDF.type, VOID.Dataset))
    g.add((rdflib.URIRef(WIKIDATA_DATASET), VOID.sparqlEndpoint, rdflib.URIRef("https://query.wikidata.org/sparql")))
    g.add((rdflib.URIRef(WIKIDATA_DATASET), VOID.uriSpace, rdflib.Literal("http://www.wikidata.org/entity/")))
    return g
