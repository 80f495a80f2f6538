"""Linked data: ``https://w3id.org/cicagraph/id/<path>`` served at ``/id/<path>`` and the
ontology at ``/ontology``, as HTML or RDF by content negotiation or a file suffix."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Union
from urllib.parse import unquote

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, send_file

from cicagraph.config import GRAPH_INFERRED, GRAPH_ONTOLOGY, ONTOLOGY_IRI, ONTOLOGY_NS, RESOURCE_NS
from cicagraph.formats import RDF_FORMATS
from cicagraph.web import titles
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
PROV_QUALIFIED = "http://www.w3.org/ns/prov#qualifiedDerivation"
PROV_ENTITY = "http://www.w3.org/ns/prov#entity"
CG_QUOTE = ONTOLOGY_NS + "quote"
CG_URL = ONTOLOGY_NS + "url"
XSD = "http://www.w3.org/2001/XMLSchema#"
WIKIDATA = "http://www.wikidata.org/entity/"
OWL_INVERSE = "http://www.w3.org/2002/07/owl#inverseOf"

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
    """A term as the templates show it: text, link, language or datatype (shown on hover)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        curie = compact(term.value)
        shown = {"kind": "iri", "text": label or curie, "href": local_href(term.value), "iri": term.value}
        if label and curie != term.value:
            shown["curie"] = curie
        return shown
    if isinstance(term, ox.Literal):
        shown = {"kind": "literal", "text": term.value}
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
    """What a node is called on a page: its label (skos:prefLabel, rdfs:label or
    dcterms:title, English first), a source's title, publisher and date, or for an n-ary
    fact without a label the title made from its parts (:mod:`cicagraph.web.titles`)."""
    return titles.title(store, term)


def shown_term(store: ox.Store, term: Term | None) -> dict[str, str] | None:
    """A term with its title, ready for the ``term`` macro."""
    if term is None:
        return None
    text = label_of(store, term)
    if text is None and isinstance(term, ox.NamedNode) and term.value.startswith(WIKIDATA):
        text = "Wikidata " + term.value[len(WIKIDATA):]
    return display_term(term, text)


def shown_property(store: ox.Store, iri: str) -> dict[str, str]:
    """A predicate by its readable label ("derived from"), linked to its definition."""
    return display_term(ox.NamedNode(iri), titles.property_label(store, iri)) or {}


@dataclass
class Provenance:
    sources: list[dict[str, object]] = field(default_factory=list)  # each with "url" and "quotes"
    quotes: list[str] = field(default_factory=list)  # quotes on the fact itself (older pattern)

    def __bool__(self) -> bool:
        return bool(self.sources or self.quotes)


def provenance(store: ox.Store, node: ox.NamedNode | ox.BlankNode, only: ox.NamedNode | None = None) -> Provenance:
    """The sources a fact is derived from, each with the quotes copied from it (its
    ``prov:qualifiedDerivation``s), and quotes that sit on the fact itself (``cg:quote``).
    ``only``: just that source (on the source's own page)."""
    prov = Provenance()
    quotes: dict[str, list[str]] = defaultdict(list)
    order: dict[str, Term] = {}
    for source in _objects(store, node, PROV_DERIVED):
        order.setdefault(str(source), source)
    for derivation in _objects(store, node, PROV_QUALIFIED):
        if not isinstance(derivation, (ox.NamedNode, ox.BlankNode)):
            continue
        said = [t.value for t in _objects(store, derivation, CG_QUOTE) if isinstance(t, ox.Literal)]
        for entity in _objects(store, derivation, PROV_ENTITY):
            order.setdefault(str(entity), entity)
            quotes[str(entity)].extend(q for q in said if q not in quotes[str(entity)])
    for key, source in order.items():
        if only is not None and source != only:
            continue
        shown: dict[str, object] = dict(shown_term(store, source) or {})
        if isinstance(source, ox.NamedNode):
            urls = _objects(store, source, CG_URL)
            if urls:
                shown["url"] = urls[0].value  # type: ignore[union-attr]
                shown["url_text"] = unquote(urls[0].value)  # type: ignore[union-attr]  # readable, not %E0%A6…
        shown["quotes"] = quotes.get(key, [])
        prov.sources.append(shown)
    prov.sources.sort(key=lambda s: (not s["quotes"], str(s.get("text", ""))))
    if only is None:
        prov.quotes = sorted(t.value for t in _objects(store, node, CG_QUOTE) if isinstance(t, ox.Literal))
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


_PART_RANK = {p: i for i, p in enumerate(titles.PART_ORDER)}
# Shown in the page's Sources section rather than among its properties.
_SOURCE_PREDICATES = {PROV_DERIVED, PROV_QUALIFIED, CG_QUOTE}


def _inverses(store: ox.Store) -> dict[str, set[str]]:
    """owl:inverseOf pairs of the ontology, both ways."""
    pairs: dict[str, set[str]] = defaultdict(set)
    for q in store.quads_for_pattern(None, ox.NamedNode(OWL_INVERSE), None, None):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            pairs[q.subject.value].add(q.object.value)
            pairs[q.object.value].add(q.subject.value)
    return pairs


def _types(store: ox.Store, iris: Iterable[str]) -> list[dict[str, str]]:
    """Classes by their labels; a label two of them share says its vocabulary: "Agent (foaf)"."""
    named = {iri: titles.label(store, ox.NamedNode(iri)) for iri in iris}
    counts: dict[str, int] = defaultdict(int)
    for text in named.values():
        if text:
            counts[text] += 1
    shown = [display_term(ox.NamedNode(iri), text if text and counts[text] == 1
                          else f"{text} ({compact(iri).split(':')[0]})" if text else None) or {}
             for iri, text in named.items()]
    return sorted(shown, key=lambda t: t["text"].lower())


def _page(store: ox.Store, node: ox.NamedNode, outgoing: list[ox.Quad], incoming: list[ox.Quad]) -> dict[str, object]:
    from cicagraph.web.views import resource_panels

    inferred = ox.NamedNode(GRAPH_INFERRED)
    inverse = _inverses(store)
    # an inferred inverse says again what the other direction says (org:hasMembership of
    # org:member): list the fact once, where it is asserted
    incoming_keys = {(q.predicate.value, str(q.subject)) for q in incoming}
    outgoing_keys = {(q.predicate.value, str(q.object)) for q in outgoing}

    def repeated(q: ox.Quad, other_side: set[tuple[str, str]], other: Term) -> bool:
        return q.graph_name == inferred and any((inv, str(other)) in other_side for inv in inverse.get(q.predicate.value, ()))

    type_iris: dict[str, None] = {}
    properties: dict[str, list[dict[str, object]]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for q in sorted(outgoing, key=lambda q: (q.graph_name == inferred, str(q.predicate), str(q.object))):
        key = (q.predicate.value, str(q.object))
        if key in seen or repeated(q, incoming_keys, q.object):
            continue
        seen.add(key)
        if q.predicate.value == RDF_TYPE:
            type_iris.setdefault(q.object.value)  # type: ignore[union-attr]
            continue
        if q.predicate.value in _SOURCE_PREDICATES:
            continue
        properties[q.predicate.value].append({"term": shown_term(store, q.object), "inferred": q.graph_name == inferred})
    is_source = bool(titles.types_of(store, node) & titles.SOURCE)
    referenced: dict[str, list[dict[str, object]]] = defaultdict(list)
    seen = set()
    for q in sorted(incoming, key=lambda q: (str(q.predicate), str(q.subject))):
        key = (q.predicate.value, str(q.subject))
        if key in seen or repeated(q, outgoing_keys, q.subject):
            continue
        seen.add(key)
        if q.predicate.value == PROV_ENTITY and isinstance(q.subject, ox.BlankNode):
            continue  # a derivation: its fact is listed under "source of", with the quote
        subject = q.subject
        is_fact = bool(titles.types_of(store, subject) & titles.FACT)
        referenced[q.predicate.value].append(
            {
                "term": shown_term(store, subject),
                "inferred": q.graph_name == inferred,
                # the sources of facts (a state's sources say nothing about its memberships)
                "provenance": provenance(store, subject, only=node if is_source else None)  # type: ignore[arg-type]
                if is_fact or is_source else Provenance(),
            }
        )

    def by_text(values: list[dict[str, object]]) -> list[dict[str, object]]:
        return sorted(values, key=lambda v: (v["inferred"], str((v["term"] or {}).get("text", "")).lower()))  # type: ignore[union-attr]

    def by_label(groups: dict[str, list[dict[str, object]]], inverse: bool = False) -> list[tuple[dict[str, str], list[dict[str, object]]]]:
        rows = []
        for p, values in groups.items():
            shown = shown_property(store, p)
            if inverse:
                shown = {**shown, "text": titles.inverse_label(store, p)}
            # a fact's parts first, in reading order; then what is asserted; inferred last
            rank = _PART_RANK.get(p, len(_PART_RANK)) if not inverse else 0
            only_inferred = all(v["inferred"] for v in values)
            rows.append(((only_inferred, rank, shown["text"].lower()), shown, by_text(values)))
        return [(shown, values) for _, shown, values in sorted(rows, key=lambda r: r[0])]

    title = label_of(store, node) or compact(node.value)
    # other languages only where the title is mostly in that language (not "… member of СВМДА")
    other_titles: dict[str, str] = {}
    return {
        "iri": node.value,
        "curie": compact(node.value),
        "label": title,
        "other_titles": other_titles,
        "is_source": is_source,
        "types": _types(store, type_iris),
        "properties": by_label(properties),
        "referenced": by_label(referenced, inverse=True),
        "provenance": provenance(store, node),
        "panels": resource_panels(node.value),
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
