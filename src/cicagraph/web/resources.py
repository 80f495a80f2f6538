"""Linked data: ``https://w3id.org/cicagraph/id/<path>`` served at ``/id/<path>`` and the
ontology at ``/ontology``, as HTML or RDF by content negotiation or a file suffix."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Union

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, send_file

from cicagraph.config import GRAPH_INFERRED, GRAPH_ONTOLOGY, ONTOLOGY_IRI, ONTOLOGY_NS, RESOURCE_NS
from cicagraph.formats import RDF_FORMATS
from cicagraph.web.context import ctx
from cicagraph.web.errors import NotFound
from cicagraph.web.negotiate import GRAPH_MEDIA_TYPES, negotiate

bp = Blueprint("resources", __name__)

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT_TITLE = "http://purl.org/dc/terms/title"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
CG_QUOTE = ONTOLOGY_NS + "quote"
CG_URL = ONTOLOGY_NS + "url"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = {
    "cg": ONTOLOGY_NS,
    "state": RESOURCE_NS + "state/", "io": RESOURCE_NS + "org/", "person": RESOURCE_NS + "person/",
    "mtg": RESOURCE_NS + "meeting/", "doc": RESOURCE_NS + "document/", "ms": RESOURCE_NS + "membership/",
    "tenure": RESOURCE_NS + "tenure/", "coord": RESOURCE_NS + "coordination/", "cbm": RESOURCE_NS + "cbm/",
    "role": RESOURCE_NS + "role/", "issue": RESOURCE_NS + "issue/", "principle": RESOURCE_NS + "principle/",
    "initiative": RESOURCE_NS + "initiative/", "claim": RESOURCE_NS + "claim/",
    "proposal": RESOURCE_NS + "proposal/", "event": RESOURCE_NS + "event/",
    "decision": RESOURCE_NS + "decision/", "adoption": RESOURCE_NS + "adoption/",
    "place": RESOURCE_NS + "place/", "src": RESOURCE_NS + "source/", "concept": RESOURCE_NS + "concept/",
    "id": RESOURCE_NS,
    "org": "http://www.w3.org/ns/org#", "skos": SKOS, "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/", "xsd": XSD,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "owl": "http://www.w3.org/2002/07/owl#", "wd": "http://www.wikidata.org/entity/",
}
# Longest namespace first, so that state: wins over id:.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
# Turtle prefixes for RDF output (only those whose local parts are valid names).
TURTLE_PREFIXES = {k: v for k, v in PREFIXES.items() if k != "id"}


def compact(iri: str) -> str:
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def local_href(iri: str) -> str:
    """Where a link to ``iri`` goes: our own IRIs are rewritten to this server."""
    if iri.startswith(RESOURCE_NS):
        return "/id/" + iri[len(RESOURCE_NS):]
    if iri.startswith(ONTOLOGY_NS):
        return "/ontology#" + iri[len(ONTOLOGY_NS):]
    if iri == ONTOLOGY_IRI:
        return "/ontology"
    return iri


def display_term(term: Term | None, label: str | None = None) -> dict[str, str] | None:
    """A term as the templates show it: text, link, language or datatype."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"kind": "iri", "text": label or compact(term.value), "href": local_href(term.value), "iri": term.value}
    if isinstance(term, ox.Literal):
        shown: dict[str, str] = {"kind": "literal", "text": term.value}
        if term.language:
            shown["lang"] = term.language
        elif term.datatype.value != XSD + "string":
            shown["datatype"] = compact(term.datatype.value)
        return shown
    if isinstance(term, ox.BlankNode):
        return {"kind": "bnode", "text": "_:" + term.value}
    return {"kind": "triple", "text": str(term)}


def _objects(store: ox.Store, node: ox.NamedNode | ox.BlankNode, predicate: str) -> list[Term]:
    seen: dict[str, Term] = {}
    for quad in store.quads_for_pattern(node, ox.NamedNode(predicate), None, None):
        seen.setdefault(str(quad.object), quad.object)
    return list(seen.values())


def label_of(store: ox.Store, term: Term) -> str | None:
    """skos:prefLabel, rdfs:label or dcterms:title, English first."""
    if not isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return None
    for predicate in (SKOS + "prefLabel", RDFS_LABEL, DCT_TITLE):
        labels = [t for t in _objects(store, term, predicate) if isinstance(t, ox.Literal)]
        if labels:
            english = [t for t in labels if t.language == "en"]
            return (english or labels)[0].value
    return None


@dataclass
class Provenance:
    sources: list[dict[str, str]] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)


def provenance(store: ox.Store, node: ox.NamedNode | ox.BlankNode) -> Provenance:
    """The sources a fact is derived from and the quotes that support it."""
    prov = Provenance()
    for source in _objects(store, node, PROV_DERIVED):
        shown = display_term(source, label_of(store, source)) or {}
        if isinstance(source, ox.NamedNode):
            urls = _objects(store, source, CG_URL)
            if urls:
                shown = {**shown, "url": urls[0].value}  # type: ignore[union-attr]
        prov.sources.append(shown)
    prov.quotes = [t.value for t in _objects(store, node, CG_QUOTE) if isinstance(t, ox.Literal)]
    return prov


def _triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    seen: dict[tuple[str, str, str], ox.Triple] = {}
    for q in quads:
        seen.setdefault((str(q.subject), str(q.predicate), str(q.object)), ox.Triple(q.subject, q.predicate, q.object))
    return list(seen.values())


def _rdf_response(triples: list[ox.Triple], media_type: str) -> Response:
    fmt = next(f for f in RDF_FORMATS.values() if f.media_type == media_type)
    prefixes = TURTLE_PREFIXES if fmt.name in ("ttl", "trig") else None
    body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes) or b""
    response = Response(body, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response


def _split_suffix(path: str) -> tuple[str, str | None]:
    stem, dot, suffix = path.rpartition(".")
    if dot and suffix in RDF_FORMATS:
        return stem, RDF_FORMATS[suffix].media_type
    return path, None


def _resource_node(path: str) -> ox.NamedNode:
    """The IRI of ``/id/<path>``; a path that makes no valid IRI names no resource (404)."""
    try:
        return ox.NamedNode(RESOURCE_NS + path)
    except ValueError:
        raise NotFound("no resource with that path: it contains characters an IRI cannot hold",
                       hint="resource paths look like /id/state/KAZ") from None


@bp.route("/id/<path:path>")
def resource(path: str) -> Response | str:
    """One resource of the knowledge graph."""
    store = ctx().store
    forced: str | None = None
    node = _resource_node(path)
    if next(store.quads_for_pattern(node, None, None, None), None) is None:
        stem, forced = _split_suffix(path)
        node = _resource_node(stem)
    outgoing = list(store.quads_for_pattern(node, None, None, None))
    incoming = list(store.quads_for_pattern(None, None, node, None))
    if not outgoing and not incoming:
        raise NotFound(f"no resource {node.value} in the knowledge graph")
    media_type = forced or negotiate(GRAPH_MEDIA_TYPES, rdf=True, extra=("text/html",))
    if media_type != "text/html":
        return _rdf_response(_triples(outgoing) + _triples(incoming), media_type)
    return render_template("resource.html", **_page(store, node, outgoing, incoming))


def _page(store: ox.Store, node: ox.NamedNode, outgoing: list[ox.Quad], incoming: list[ox.Quad]) -> dict[str, object]:
    inferred = ox.NamedNode(GRAPH_INFERRED)
    types: dict[str, dict[str, str]] = {}
    properties: dict[str, list[dict[str, object]]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for q in sorted(outgoing, key=lambda q: (q.graph_name == inferred, str(q.predicate), str(q.object))):
        key = (q.predicate.value, str(q.object))
        if key in seen:
            continue
        seen.add(key)
        if q.predicate.value == RDF_TYPE:
            # compact names: several vocabularies label their class "Agent"
            types.setdefault(q.object.value, display_term(q.object) or {})  # type: ignore[union-attr]
            continue
        properties[q.predicate.value].append(
            {"term": display_term(q.object, label_of(store, q.object)), "inferred": q.graph_name == inferred}
        )
    referenced: dict[str, list[dict[str, object]]] = defaultdict(list)
    seen = set()
    for q in sorted(incoming, key=lambda q: (str(q.predicate), str(q.subject))):
        key = (q.predicate.value, str(q.subject))
        if key in seen:
            continue
        seen.add(key)
        referenced[q.predicate.value].append(
            {
                "term": display_term(q.subject, label_of(store, q.subject)),
                "inferred": q.graph_name == inferred,
                "provenance": provenance(store, q.subject),  # type: ignore[arg-type]
            }
        )
    return {
        "iri": node.value,
        "label": label_of(store, node) or compact(node.value),
        "types": list(types.values()),
        "properties": [
            (display_term(ox.NamedNode(p), label_of(store, ox.NamedNode(p))), values)
            for p, values in sorted(properties.items())
        ],
        "referenced": [
            (display_term(ox.NamedNode(p), label_of(store, ox.NamedNode(p))), values)
            for p, values in sorted(referenced.items())
        ],
        "provenance": provenance(store, node),
        "formats": [(f.name, f.media_type) for f in RDF_FORMATS.values() if not f.quads or f.name == "jsonld"],
        "path": node.value[len(RESOURCE_NS):],
    }


@bp.route("/ontology")
@bp.route("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Response | str:
    """The ontology: pyLODE HTML when built, else a term list; RDF by conneg or suffix."""
    context = ctx()
    if suffix is not None:
        if suffix not in RDF_FORMATS:
            raise NotFound(f"no ontology serialization '.{suffix}'; choose one of {', '.join(RDF_FORMATS)}")
        media_type = RDF_FORMATS[suffix].media_type
    else:
        media_type = negotiate(GRAPH_MEDIA_TYPES, rdf=True, extra=("text/html",))
    store = context.store
    triples = _triples(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_ONTOLOGY)))
    if media_type != "text/html":
        return _rdf_response(triples, media_type)
    html = context.settings.docs_dir / "ontology" / "index.html"
    if html.is_file():
        return send_file(html, mimetype="text/html")
    terms = sorted(
        {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ONTOLOGY_NS)}
    )
    rows = [
        {"name": iri[len(ONTOLOGY_NS):], "iri": iri, "label": label_of(store, ox.NamedNode(iri)) or ""}
        for iri in terms
    ]
    return render_template("ontology.html", terms=rows, triples=len(triples))
