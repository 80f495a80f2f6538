"""How the HTML pages show RDF terms: compact names, local links for the dataset's own IRIs,
labels, and the sources (with quotes) behind a fact. Shared by the linked-data pages, the
research-query pages and the views."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Union
from urllib.parse import unquote

import cachetools
import pyoxigraph as ox
from flask import has_app_context

from cicagraph.config import ONTOLOGY_IRI, ONTOLOGY_NS, RESOURCE_NS
from cicagraph.web import titles
from cicagraph.web.context import ctx

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
    fact without a label the title made from its parts (:mod:`cicagraph.web.titles`).

    Remembered per app for the app's own (read-only) store: a forum's page names ~600
    linked facts, each title taking a dozen store lookups."""
    memo = _title_memo(store)
    if memo is None:
        return titles.title(store, term)
    key = str(term)
    with _title_lock:
        if key in memo:
            return memo[key]  # type: ignore[no-any-return]
    found = titles.title(store, term)
    with _title_lock:
        memo[key] = found
    return found


TITLE_MEMO_ENTRIES = 50_000  # titles remembered per app (~100 bytes each)
_title_lock = threading.Lock()


def _title_memo(store: ox.Store) -> cachetools.LRUCache | None:  # type: ignore[type-arg]
    if not has_app_context():
        return None
    context = ctx()
    if context.store is not store:
        return None
    with _title_lock:
        memo = context.memo.get("titles")
        if memo is None:
            memo = context.memo["titles"] = cachetools.LRUCache(maxsize=TITLE_MEMO_ENTRIES)
    return memo  # type: ignore[return-value]


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
                url = urls[0].value  # type: ignore[union-attr]
                if url.lower().startswith(("http://", "https://")):  # never a javascript: link
                    shown["url"] = url
                    shown["url_text"] = unquote(url)  # readable, not %E0%A6…
                else:
                    shown["url_shown"] = url
        shown["quotes"] = quotes.get(key, [])
        prov.sources.append(shown)
    prov.sources.sort(key=lambda s: (not s["quotes"], str(s.get("text", ""))))
    if only is None:
        prov.quotes = sorted(t.value for t in _objects(store, node, CG_QUOTE) if isinstance(t, ox.Literal))
    return prov
