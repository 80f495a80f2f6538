"""Linked data: ``https://w3id.org/cicagraph/id/<path>`` served at ``/id/<path>`` and the
ontology at ``/ontology``, as HTML or RDF by content negotiation or a file suffix."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, send_file

from cicagraph.config import (
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    ONTOLOGY_NS,
    RESOURCE_NS,
)
from cicagraph.formats import RDF_FORMATS
from cicagraph.web import titles
from cicagraph.web.context import ctx
from cicagraph.web.errors import NotFound
from cicagraph.web.httpcache import current_etag
from cicagraph.web.negotiate import GRAPH_MEDIA_TYPES, negotiate
from cicagraph.web.terms import (
    CG_QUOTE,
    OWL_INVERSE,
    PROV_DERIVED,
    PROV_ENTITY,
    PROV_QUALIFIED,
    RDF_TYPE,
    TURTLE_PREFIXES,
    Provenance,
    Term,
    compact,
    display_term,
    label_of,
    provenance,
    shown_property,
    shown_term,
)

bp = Blueprint("resources", __name__)


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
        return send_file(html, mimetype="text/html", etag=current_etag() or True)
    terms = sorted(
        {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ONTOLOGY_NS)}
    )
    rows = [
        {"name": iri[len(ONTOLOGY_NS):], "iri": iri, "label": label_of(store, ox.NamedNode(iri)) or ""}
        for iri in terms
    ]
    return render_template("ontology.html", terms=rows, triples=len(triples))
