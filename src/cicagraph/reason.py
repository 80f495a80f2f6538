"""Stage 3: OWL 2 RL reasoning, kept apart from the asserted facts, and a consistency check.

The inferred graph holds only what reasoning added, minus owlrl's noise: reflexive
``owl:sameAs`` (and reflexive subclass/subproperty/equivalence), triples with a literal as
subject, axiomatic triples about the RDF/RDFS/OWL/XSD vocabularies themselves, and
"everything is an owl:Thing".
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal as LiteralType

import owlrl
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from cicagraph.errors import InconsistentOntology
from cicagraph.rules import Index, Triple, _list, rl_closure

log = logging.getLogger(__name__)

Engine = LiteralType["owlrl", "fast"]

BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
REFLEXIVE_NOISE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}
OWLRL_ERROR = rdflib.URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")
OWLRL_ERROR_MESSAGE = rdflib.URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")
LABEL_PREFIXES = {
    "cg": "https://w3id.org/cicagraph/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": str(OWL),
    "rdfs": str(RDFS),
}


@dataclass(frozen=True)
class Problem:
    """One consistency problem: what kind, which resources, which axiom."""

    kind: str  # "nothing" | "disjoint" | "functional" | "same-different" | "owlrl"
    resources: tuple[str, ...]
    axiom: str
    message: str


@dataclass
class Reasoning:
    inferred: rdflib.Graph
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    engine: str = "fast"

    @property
    def consistent(self) -> bool:
        return not self.problems

    def per_predicate(self) -> list[tuple[str, int]]:
        counts = Counter(str(p) for _, p, _ in self.inferred)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def is_noise(s: rdflib.term.Node, p: rdflib.term.Node, o: rdflib.term.Node) -> bool:
    if isinstance(s, rdflib.Literal):
        return True
    if p in REFLEXIVE_NOISE and s == o:
        return True
    if isinstance(s, rdflib.URIRef) and str(s).startswith(BUILTIN_NAMESPACES):
        return True
    if p == RDF.type and o in (OWL.Thing, RDFS.Resource):
        return True
    if p in (RDFS.subClassOf, RDFS.domain, RDFS.range) and o in (OWL.Thing, RDFS.Resource):
        return True
    return False


def owlrl_closure(*graphs: rdflib.Graph) -> tuple[set[Triple], list[str]]:
    """owlrl's full OWL 2 RL closure of the union of ``graphs``: (new triples minus noise,
    owlrl's error messages).

    ``owl:hasKey`` axioms are withheld from owlrl: its prp-key rule (owlrl 7.6, OWLRL.py,
    ``for i in range(0, len(pis) - 1)``) compares no key value at all for a one-property key
    and so makes every pair of instances of the keyed class ``owl:sameAs``.
    """
    work = rdflib.Graph()
    for graph in graphs:
        work += graph
    asserted = set(work)
    work.remove((None, OWL.hasKey, None))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    errors = [str(m) for node in work.subjects(RDF.type, OWLRL_ERROR_MESSAGE) for m in work.objects(node, OWLRL_ERROR)]
    inferred = {
        t
        for t in work
        if t[1] != OWLRL_ERROR and t[2] != OWLRL_ERROR_MESSAGE and t not in asserted and not is_noise(*t)
    }
    return inferred, errors


def _label(term: rdflib.term.Node) -> str:
    """A compact name for messages: cg:State rather than the full IRI."""
    text = str(term)
    for prefix, namespace in LABEL_PREFIXES.items():
        local = text[len(namespace) :]
        if text.startswith(namespace) and local.replace("-", "").replace("_", "").isalnum():
            return f"{prefix}:{local}"
    return f"<{text}>" if isinstance(term, rdflib.URIRef) else text


def consistency_problems(closure: Index, asserted: set[Triple]) -> list[Problem]:
    """Contradictions in the closure (asserted + inferred): members of owl:Nothing, disjoint
    classes sharing an individual, a functional property with two values, and sameAs together
    with differentFrom."""
    problems: list[Problem] = []
    for x in sorted(closure.subjects(RDF.type, OWL.Nothing)):
        problems.append(Problem("nothing", (str(x),), "owl:Nothing", f"{x} is a member of owl:Nothing (an unsatisfiable class)"))

    disjoint: set[tuple] = set(closure.pairs(OWL.disjointWith))
    for group in closure.subjects(RDF.type, OWL.AllDisjointClasses):
        members = _list(closure, closure.value(group, OWL.members))
        disjoint.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    for a, b in sorted(disjoint):
        for x in sorted(closure.subjects(RDF.type, a) & closure.subjects(RDF.type, b)):
            axiom = f"{_label(a)} owl:disjointWith {_label(b)}"
            message = f"{x} is both a {_label(a)} and a {_label(b)}, but {axiom}"
            problems.append(Problem("disjoint", (str(x), str(a), str(b)), axiom, message))

    for prop in sorted(closure.subjects(RDF.type, OWL.FunctionalProperty)):
        values: dict = {}
        for s, o in closure.pairs(prop):
            values.setdefault(s, set()).add(o)
        for s, objs in sorted(values.items()):
            distinct = _distinct_values(objs, asserted)
            if len(distinct) > 1:
                shown = ", ".join(sorted(str(o) for o in distinct))
                axiom = f"{_label(prop)} a owl:FunctionalProperty"
                message = f"{s} has {len(distinct)} values for {_label(prop)} ({shown}), but {axiom}"
                problems.append(Problem("functional", (str(s), str(prop), *sorted(str(o) for o in distinct)), axiom, message))

    clashes = {
        tuple(sorted((a, b)))
        for a, b in closure.pairs(OWL.differentFrom)
        if a != b and b in closure.objects(a, OWL.sameAs) | set(closure.subjects(OWL.sameAs, a))
    }
    for a, b in sorted(clashes):
        message = f"{a} and {b} are stated both the same (owl:sameAs) and different (owl:differentFrom)"
        problems.append(Problem("same-different", (str(a), str(b)), "owl:sameAs / owl:differentFrom", message))
    return problems


def _distinct_values(objs: set, asserted: set[Triple]) -> list:
    """Values that are really different: named resources not asserted owl:sameAs each other
    (the reasoner's own sameAs from this very property does not count), literals by value.
    A blank node may denote anything, so it clashes with nothing."""
    distinct: list = []
    for o in sorted(objs, key=str):
        if isinstance(o, rdflib.BNode) or any(_same_value(o, d, asserted) for d in distinct):
            continue
        distinct.append(o)
    return distinct


def _same_value(a, b, asserted: set[Triple]) -> bool:
    if isinstance(a, rdflib.Literal) and isinstance(b, rdflib.Literal):
        return a.eq(b) if a.datatype == b.datatype else a == b
    return (a, OWL.sameAs, b) in asserted or (b, OWL.sameAs, a) in asserted


def reason(ontology: rdflib.Graph, data: rdflib.Graph, engine: Engine = "fast", *, raise_on_problems: bool = False) -> Reasoning:
    """The OWL 2 RL closure of ontology + data, minus noise, and its consistency problems."""
    started = time.perf_counter()
    asserted = set(ontology) | set(data)
    if engine == "owlrl":
        inferred, errors = owlrl_closure(ontology, data)
        closure = Index(asserted | inferred)
    else:
        inferred, errors, closure = rl_closure(asserted)
    problems = consistency_problems(closure, asserted)
    known = {p.message for p in problems}
    # owlrl reports disjointness itself; keep only what our own check did not name.
    problems += [Problem("owlrl", (), "OWL 2 RL", e) for e in errors if not e.startswith("Disjoint classes") and e not in known]
    graph = rdflib.Graph()
    for triple in inferred:
        graph.add(triple)
    result = Reasoning(inferred=graph, problems=problems, seconds=time.perf_counter() - started, engine=engine)
    log.info("reasoning (%s): %d inferred triples, %d problem(s) in %.2f s", engine, len(graph), len(problems), result.seconds)
    if raise_on_problems and problems:
        shown = "\n".join(f"  - {p.message}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = f"\n  … and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise InconsistentOntology(f"the data is inconsistent with the ontology:\n{shown}{more}", problems)
    return result


MAX_PROBLEMS_SHOWN = 20
