"""Stage 3: OWL 2 RL reasoning, kept apart from the asserted facts, and a consistency check.

The inferred graph holds only what reasoning added, minus owlrl's noise: reflexive
``owl:sameAs`` (and reflexive subclass/subproperty/equivalence), triples with a literal as
subject, and axiomatic triples about the RDF/RDFS/OWL/XSD vocabularies themselves.
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

log = logging.getLogger(__name__)

Engine = LiteralType["owlrl", "fast"]

BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
REFLEXIVE_NOISE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}
OWLRL_ERROR = rdflib.URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")
OWLRL_ERROR_MESSAGE = rdflib.URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")


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
    engine: str = "owlrl"

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
    # "everything is a Thing" and datatype membership of literals say nothing about our data
    if p == RDF.type and o in (OWL.Thing, RDFS.Resource):
        return True
    if p in (RDFS.subClassOf, RDFS.domain, RDFS.range) and o in (OWL.Thing, RDFS.Resource):
        return True
    return False


def owlrl_closure(asserted: rdflib.Graph) -> tuple[rdflib.Graph, list[str]]:
    """owlrl's full OWL 2 RL closure of ``asserted``: (new triples minus noise, owlrl errors).

    ``owl:hasKey`` axioms are withheld from owlrl: its prp-key rule (owlrl 7.6, OWLRL.py,
    ``for i in range(0, len(pis) - 1)``) compares no key value at all for a one-property key
    and so makes every pair of instances of the keyed class ``owl:sameAs``.
    """
    work = rdflib.Graph()
    work += asserted
    work.remove((None, OWL.hasKey, None))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    errors = []
    for node in list(work.subjects(RDF.type, OWLRL_ERROR_MESSAGE)):
        errors.extend(str(m) for m in work.objects(node, OWLRL_ERROR))
    inferred = rdflib.Graph()
    for triple in work:
        s, p, o = triple
        if p in (OWLRL_ERROR,) or (p == RDF.type and o == OWLRL_ERROR_MESSAGE):
            continue
        if triple in asserted or is_noise(s, p, o):
            continue
        inferred.add(triple)
    return inferred, errors


LABEL_PREFIXES = {
    "cg": "https://w3id.org/cicagraph/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": str(OWL),
    "rdfs": str(RDFS),
}


def _label(term: rdflib.term.Node, graph: rdflib.Graph | None = None) -> str:
    """A compact name for messages: cg:State rather than the full IRI."""
    text = str(term)
    for prefix, namespace in LABEL_PREFIXES.items():
        if text.startswith(namespace) and text[len(namespace):].replace("-", "").replace("_", "").isalnum():
            return f"{prefix}:{text[len(namespace):]}"
    return f"<{text}>" if isinstance(term, rdflib.URIRef) else text


def consistency_problems(closure: rdflib.Graph, schema: rdflib.Graph, asserted: rdflib.Graph) -> list[Problem]:
    """Contradictions in the closure (asserted + inferred): members of owl:Nothing, disjoint
    classes sharing an individual, a functional property with two values, and sameAs together
    with differentFrom."""
    problems: list[Problem] = []
    for x in closure.subjects(RDF.type, OWL.Nothing):
        problems.append(Problem("nothing", (str(x),), "owl:Nothing", f"{x} is a member of owl:Nothing (an unsatisfiable class)"))

    disjoint_pairs: set[tuple[rdflib.term.Node, rdflib.term.Node]] = set()
    for a, b in schema.subject_objects(OWL.disjointWith):
        disjoint_pairs.add((a, b))
    for group in schema.subjects(RDF.type, OWL.AllDisjointClasses):
        members_list = schema.value(group, OWL.members)
        if members_list is not None:
            members = list(rdflib.collection.Collection(schema, members_list))
            disjoint_pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    for a, b in sorted(disjoint_pairs):
        common = set(closure.subjects(RDF.type, a)) & set(closure.subjects(RDF.type, b))
        for x in sorted(common):
            axiom = f"{_label(a, schema)} owl:disjointWith {_label(b, schema)}"
            problems.append(
                Problem("disjoint", (str(x), str(a), str(b)), axiom, f"{x} is both a {_label(a, schema)} and a {_label(b, schema)}, but {axiom}")
            )

    for prop in sorted(set(schema.subjects(RDF.type, OWL.FunctionalProperty))):
        values: dict[rdflib.term.Node, set[rdflib.term.Node]] = {}
        for s, o in closure.subject_objects(prop):
            values.setdefault(s, set()).add(o)
        for s, objs in sorted(values.items()):
            distinct = _distinct_values(objs, asserted)
            if len(distinct) > 1:
                shown = ", ".join(sorted(str(o) for o in distinct))
                axiom = f"{_label(prop, schema)} a owl:FunctionalProperty"
                problems.append(
                    Problem("functional", (str(s), str(prop), *sorted(str(o) for o in distinct)), axiom, f"{s} has {len(distinct)} values for {_label(prop, schema)} ({shown}), but {axiom}")
                )

    clashes = {
        tuple(sorted((a, b)))
        for a, b in closure.subject_objects(OWL.differentFrom)
        if a != b and ((a, OWL.sameAs, b) in closure or (b, OWL.sameAs, a) in closure)
    }
    for a, b in sorted(clashes):
        problems.append(Problem("same-different", (str(a), str(b)), "owl:sameAs / owl:differentFrom", f"{a} and {b} are stated both the same (owl:sameAs) and different (owl:differentFrom)"))
    return problems


def _distinct_values(objs: set[rdflib.term.Node], asserted: rdflib.Graph) -> set[rdflib.term.Node]:
    """Values that are really different: named resources not stated owl:sameAs each other,
    literals by value. A blank node may denote anything, so it clashes with nothing."""
    distinct: list[rdflib.term.Node] = []
    for o in sorted(objs, key=str):
        if isinstance(o, rdflib.BNode):
            continue
        if any(_same_value(o, d, asserted) for d in distinct):
            continue
        distinct.append(o)
    return set(distinct)


def _same_value(a: rdflib.term.Node, b: rdflib.term.Node, asserted: rdflib.Graph) -> bool:
    if isinstance(a, rdflib.Literal) and isinstance(b, rdflib.Literal):
        return a.eq(b) if a.datatype == b.datatype else a == b
    return (a, OWL.sameAs, b) in asserted or (b, OWL.sameAs, a) in asserted


def reason(ontology: rdflib.Graph, data: rdflib.Graph, engine: Engine = "fast", *, raise_on_problems: bool = False) -> Reasoning:
    """The OWL 2 RL closure of ontology + data, minus noise, and its consistency problems."""
    started = time.perf_counter()
    asserted = rdflib.Graph()
    asserted += ontology
    asserted += data
    if engine == "owlrl":
        inferred, errors = owlrl_closure(asserted)
    else:
        from cicagraph.rules import rl_closure

        inferred, errors = rl_closure(asserted)
    closure = asserted + inferred
    problems = consistency_problems(closure, ontology, asserted)
    known = {p.message for p in problems}
    for error in errors:
        # owlrl reports disjointness itself; keep only what our own check did not name.
        if not error.startswith("Disjoint classes") and error not in known:
            problems.append(Problem("owlrl", (), "OWL 2 RL", error))
    result = Reasoning(inferred=inferred, problems=problems, seconds=time.perf_counter() - started, engine=engine)
    log.info("reasoning (%s): %d inferred triples, %d problem(s) in %.2f s", engine, len(inferred), len(problems), result.seconds)
    if raise_on_problems and problems:
        raise InconsistentOntology(
            "the data is inconsistent with the ontology:\n" + "\n".join(f"  - {p.message}" for p in problems), problems
        )
    return result
