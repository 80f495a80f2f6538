"""Canonical Turtle for the ontology, so that a Protégé save gives a reviewable diff.

Layout: fixed prefixes; the ``owl:Ontology`` header; then classes, object properties,
datatype properties, annotation properties, other named resources (individuals); then
anonymous axioms (``owl:AllDisjointClasses`` …). Each section is sorted by IRI, predicates
come in a fixed order (``rdf:type``, labels, definition, comments, then logical axioms,
then anything else by IRI), objects are sorted. Blank nodes used once are written inline
(``[ … ]`` or ``( … )`` for RDF lists).

:func:`canonical_turtle` is lossless: its output parses to a graph isomorphic to the input.
:func:`owl_normal_form` additionally removes the harmless differences the OWL API
(Protégé) introduces on save — reversed ``owl:disjointWith``/``owl:inverseOf`` triples,
extra ``rdf:type owl:NamedIndividual``, explicit ``^^xsd:string`` — giving an
OWL-equivalent (not isomorphic) graph, used for comparisons and optionally by
:func:`normalize_file`.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

log = logging.getLogger(__name__)

CG = Namespace("https://w3id.org/cicagraph/ontology#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
VANN = Namespace("http://purl.org/vocab/vann/")

PREFIXES: tuple[tuple[str, str], ...] = (
    ("cg", str(CG)),
    ("owl", str(OWL)),
    ("rdf", str(RDF)),
    ("rdfs", str(RDFS)),
    ("xsd", str(XSD)),
    ("org", "http://www.w3.org/ns/org#"),
    ("skos", str(SKOS)),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("dcterms", str(DCTERMS)),
    ("vann", str(VANN)),
)

PREDICATE_ORDER: tuple[URIRef, ...] = (
    RDF.type,
    RDFS.label,
    SKOS.prefLabel,
    SKOS.altLabel,
    SKOS.definition,
    RDFS.comment,
    SKOS.note,
    SKOS.scopeNote,
    SKOS.example,
    DCTERMS.title,
    DCTERMS.description,
    DCTERMS.license,
    DCTERMS.creator,
    DCTERMS.contributor,
    OWL.versionIRI,
    OWL.versionInfo,
    VANN.preferredNamespacePrefix,
    VANN.preferredNamespaceUri,
    OWL.imports,
    RDFS.subClassOf,
    OWL.equivalentClass,
    OWL.disjointWith,
    OWL.hasKey,
    RDFS.subPropertyOf,
    OWL.equivalentProperty,
    OWL.inverseOf,
    RDFS.domain,
    RDFS.range,
    OWL.propertyChainAxiom,
    OWL.members,
    OWL.onProperty,
    OWL.someValuesFrom,
    OWL.allValuesFrom,
    OWL.hasValue,
    OWL.unionOf,
    OWL.intersectionOf,
    OWL.oneOf,
)

SECTIONS: tuple[tuple[str, tuple[URIRef, ...]], ...] = (
    ("Ontology", (OWL.Ontology,)),
    ("Classes", (OWL.Class, RDFS.Class, RDFS.Datatype)),
    ("Object properties", (OWL.ObjectProperty,)),
    ("Datatype properties", (OWL.DatatypeProperty,)),
    ("Annotation properties", (OWL.AnnotationProperty, RDF.Property)),
)

SYMMETRIC_AXIOMS: tuple[URIRef, ...] = (
    OWL.disjointWith,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.inverseOf,
    OWL.propertyDisjointWith,
    OWL.sameAs,
    OWL.differentFrom,
)

_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?$")
_INDENT = "    "


class _Writer:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.refcount: dict[BNode, int] = defaultdict(int)
        for o in graph.objects():
            if isinstance(o, BNode):
                self.refcount[o] += 1
        self.labels: dict[BNode, str] = {}
        self.pending: list[BNode] = []
        self.written: set[BNode] = set()

    # ------------------------------------------------------------------ terms
    def iri(self, node: URIRef) -> str:
        text = str(node)
        for prefix, ns in PREFIXES:
            if text.startswith(ns) and _LOCAL.match(text[len(ns):]):
                return f"{prefix}:{text[len(ns):]}"
        return f"<{text}>"

    def literal(self, lit: Literal) -> str:
        def qname(dt: str) -> str | None:
            short = self.iri(URIRef(dt))
            return None if short.startswith("<") else short

        return lit._literal_n3(use_plain=True, qname_callback=qname)

    def inlinable(self, node: BNode) -> bool:
        return self.refcount[node] == 1 and node not in self.labels

    def term(self, node: Node, depth: int, stack: frozenset[BNode]) -> str:
        if isinstance(node, URIRef):
            return self.iri(node)
        if isinstance(node, Literal):
            return self.literal(node)
        if isinstance(node, BNode):
            if self.inlinable(node) and node not in stack:
                items = self.list_items(node)
                if items is not None:
                    inner = " ".join(self.term(i, depth + 1, stack | {node}) for i in items)
                    return f"( {inner} )" if inner else "()"
                body = self.predicate_block(node, depth + 1, stack | {node})
                return "[\n" + body + "\n" + _INDENT * depth + "]"
            return self.bnode_label(node)
        raise TypeError(f"cannot serialise {node!r}")

    def bnode_label(self, node: BNode) -> str:
        if node not in self.labels:
            self.labels[node] = f"_:b{len(self.labels)}"
            self.pending.append(node)
        return self.labels[node]

    def list_items(self, node: BNode) -> list[Node] | None:
        """Items of a well-formed RDF list starting at node, else None."""
        items: list[Node] = []
        seen: set[Node] = set()
        cur: Node = node
        while cur != RDF.nil:
            if not isinstance(cur, BNode) or cur in seen:
                return None
            if cur != node and self.refcount[cur] != 1:
                return None
            preds = list(self.g.predicate_objects(cur))
            firsts = [o for p, o in preds if p == RDF.first]
            rests = [o for p, o in preds if p == RDF.rest]
            if len(firsts) != 1 or len(rests) != 1 or len(preds) != 2:
                return None
            seen.add(cur)
            items.append(firsts[0])
            cur = rests[0]
        return items

    # ------------------------------------------------------------------ blocks
    def ordered_predicates(self, subject: Node) -> list[URIRef]:
        preds = set(self.g.predicates(subject))
        rank = {p: i for i, p in enumerate(PREDICATE_ORDER)}
        return sorted(preds, key=lambda p: (rank.get(p, len(rank)), str(p)))  # type: ignore[arg-type]

    def objects(self, subject: Node, pred: URIRef, depth: int, stack: frozenset[BNode]) -> list[str]:
        rendered = [
            (0 if isinstance(o, URIRef) else 1 if isinstance(o, Literal) else 2,
             self.term(o, depth, stack))
            for o in self.g.objects(subject, pred)
        ]
        return [text for _, text in sorted(rendered)]

    def predicate_block(self, subject: Node, depth: int, stack: frozenset[BNode]) -> str:
        lines = []
        pad = _INDENT * depth
        for pred in self.ordered_predicates(subject):
            verb = "a" if pred == RDF.type else self.iri(pred)
            objs = self.objects(subject, pred, depth, stack)
            if any("\n" in o for o in objs):
                joined = (" ,\n" + pad + _INDENT).join(objs)
            else:
                joined = " , ".join(objs)
            lines.append(f"{pad}{verb} {joined}")
        return " ;\n".join(lines)

    def statement(self, subject: Node) -> str:
        if isinstance(subject, BNode):
            self.written.add(subject)
            head = self.labels.get(subject, "[]")
        else:
            head = self.iri(subject)  # type: ignore[arg-type]
        stack = frozenset({subject}) if isinstance(subject, BNode) else frozenset()
        block = self.predicate_block(subject, 1, stack)
        if block.startswith(_INDENT + "a "):  # "cg:X a owl:Class ;" on the subject line
            return head + " " + block[len(_INDENT):] + " .\n"
        return head + "\n" + block + " .\n"


def _kind_rank(graph: Graph, subject: URIRef) -> int:
    types = set(graph.objects(subject, RDF.type))
    for i, (_, kinds) in enumerate(SECTIONS):
        if types & set(kinds):
            return i
    return len(SECTIONS)


def canonical_turtle(graph: Graph) -> str:
    """Serialise graph as canonical Turtle (isomorphic to graph; stable across runs)."""
    w = _Writer(graph)
    out = ["".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES)]
    named = sorted({s for s in graph.subjects() if isinstance(s, URIRef)}, key=str)
    groups: dict[int, list[URIRef]] = defaultdict(list)
    for s in named:
        groups[_kind_rank(graph, s)].append(s)
    titles = [t for t, _ in SECTIONS] + ["Individuals and other resources"]
    for rank, title in enumerate(titles):
        if not groups.get(rank):
            continue
        if rank:
            out.append(f"# {'=' * 20} {title}\n")
        out.extend(w.statement(s) for s in groups[rank])

    # anonymous top-level axioms (not the object of any triple), ordered by their text
    roots = [b for b in {s for s in graph.subjects() if isinstance(s, BNode)} if w.refcount[b] == 0]
    if roots:
        rendered = sorted(w.statement(b) for b in roots)
        out.append(f"# {'=' * 20} Anonymous axioms\n")
        out.extend(rendered)
    # blank nodes that could not be inlined (shared or cyclic), with labels
    while w.pending:
        node = w.pending.pop(0)
        if node not in w.written and (node, None, None) in graph:
            out.append(w.statement(node))
    return "\n".join(out)


SET_LISTS: tuple[URIRef, ...] = (
    OWL.members,
    OWL.unionOf,
    OWL.intersectionOf,
    OWL.oneOf,
    OWL.disjointUnionOf,
    OWL.hasKey,
)


def _orient_key(node: URIRef) -> tuple[bool, str]:
    """Own (cg:) terms first, then by IRI: the subject side of a symmetric axiom."""
    return (not str(node).startswith(str(CG)), str(node))


def _list_nodes(graph: Graph, head: Node) -> tuple[list[Node], list[Node]] | None:
    items: list[Node] = []
    nodes: list[Node] = []
    cur = head
    while cur != RDF.nil:
        if not isinstance(cur, BNode) or cur in nodes:
            return None
        first, rest = graph.value(cur, RDF.first), graph.value(cur, RDF.rest)
        if first is None or rest is None:
            return None
        nodes.append(cur)
        items.append(first)
        cur = rest
    return items, nodes


def owl_normal_form(graph: Graph) -> Graph:
    """OWL-equivalent copy without the noise an OWL API (Protégé) save introduces.

    Symmetric axioms between two IRIs are written from the own (cg:) term, else from the
    smaller IRI; the IRI members of set-valued OWL lists (``owl:members``, ``owl:unionOf``,
    ``owl:hasKey`` …) are sorted; ``rdf:type owl:NamedIndividual`` is dropped where the
    resource has another, non-OWL type; ``"x"^^xsd:string`` becomes ``"x"``.
    Not isomorphic to the input in general.
    """
    from rdflib.collection import Collection

    out = Graph()
    owl_ns = str(OWL)
    skip: set[Node] = set()
    relists: list[tuple[Node, URIRef, list[Node]]] = []
    for s, p, o in graph.triples((None, None, None)):
        if p in SET_LISTS and isinstance(o, BNode):
            found = _list_nodes(graph, o)
            if found and all(isinstance(i, URIRef) for i in found[0]):
                skip.update(found[1])
                relists.append((s, p, sorted(found[0], key=str)))
    for s, p, o in graph:
        if s in skip or (o in skip and p in SET_LISTS):
            continue
        if (p in SYMMETRIC_AXIOMS and isinstance(s, URIRef) and isinstance(o, URIRef)
                and _orient_key(o) < _orient_key(s)):
            s, o = o, s
        if p == RDF.type and o == OWL.NamedIndividual:
            others = [t for t in graph.objects(s, RDF.type) if not str(t).startswith(owl_ns)]
            if others:
                continue
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        out.add((s, p, o))
    for s, p, items in relists:
        head = BNode()
        Collection(out, head, items)
        out.add((s, p, head))
    return out


def _parse_any(path: Path) -> Graph:
    fmt = "turtle" if path.suffix in {".ttl", ".turtle"} else None
    if fmt is None and path.suffix == ".owl":
        head = path.read_text(encoding="utf-8", errors="replace")[:2000].lstrip()
        fmt = "xml" if head.startswith("<") else "turtle"
    return Graph().parse(path, format=fmt)


def normalize_file(path: Path, *, owl_normal: bool = False) -> bool:
    """Rewrite path (Turtle, or a Protégé ``.owl`` save) as canonical Turtle in place.

    With ``owl_normal=True`` the graph first goes through :func:`owl_normal_form`
    (OWL-equivalent, removes Protégé save noise); otherwise the rewrite is isomorphic to
    the input. Returns True if the file content changed.
    """
    path = Path(path)
    graph = _parse_any(path)
    if owl_normal:
        graph = owl_normal_form(graph)
    text = canonical_turtle(graph)
    old = path.read_text(encoding="utf-8")
    if text == old:
        return False
    path.write_text(text, encoding="utf-8")
    log.info("rewrote %s in canonical order", path)
    return True


def canonical_equal(a: Graph, b: Graph) -> bool:
    """True if two graphs are the same ontology modulo Protégé save noise."""
    return canonical_turtle(owl_normal_form(a)) == canonical_turtle(owl_normal_form(b))


__all__: Iterable[str] = (
    "canonical_turtle",
    "normalize_file",
    "owl_normal_form",
    "canonical_equal",
    "PREFIXES",
)
