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
from rdflib.namespace import OWL, RDF, RDFS

from cicagraph.errors import InconsistentOntology
from cicagraph.pipeline.rules import Closure, Triple, _list, is_noise, rl_closure

log = logging.getLogger(__name__)

Engine = LiteralType["owlrl", "fast"]

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
    inferred: set[Triple]  # only what reasoning added, minus noise
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    engine: str = "fast"

    @property
    def consistent(self) -> bool:
        return not self.problems

    def per_predicate(self) -> list[tuple[str, int]]:
        counts = Counter(str(p) for _, p, _ in self.inferred)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


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


def consistency_problems(closure: Closure) -> list[Problem]:
    """Contradictions in the closure (asserted + inferred): members of owl:Nothing, disjoint
    classes sharing an individual, a functional property with two values, and sameAs together
    with differentFrom."""
    index, V, term = closure.index, closure.V, closure.interner.term
    problems: list[Problem] = []
    for x in sorted(map(term, index.subjects(V.type, V.Nothing))):
        problems.append(Problem("nothing", (str(x),), "owl:Nothing", f"{x} is a member of owl:Nothing (an unsatisfiable class)"))

    disjoint: set[tuple[int, int]] = set(index.pairs(V.disjointWith))
    for group in index.subjects(V.type, V.AllDisjointClasses):
        members = _list(index, index.value(group, V.members), V)
        disjoint.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    for a, b in sorted(disjoint, key=lambda pair: (str(term(pair[0])), str(term(pair[1])))):
        for x in sorted(map(term, index.subjects(V.type, a) & index.subjects(V.type, b))):
            axiom = f"{_label(term(a))} owl:disjointWith {_label(term(b))}"
            message = f"{x} is both a {_label(term(a))} and a {_label(term(b))}, but {axiom}"
            problems.append(Problem("disjoint", (str(x), str(term(a)), str(term(b))), axiom, message))

    for prop in sorted(index.subjects(V.type, V.FunctionalProperty), key=lambda i: str(term(i))):
        values: dict[int, set[int]] = {}
        for s, o in index.pairs(prop):
            values.setdefault(s, set()).add(o)
        for s, objs in values.items():
            if len(objs) < 2:
                continue
            distinct = _distinct_values(objs, closure)
            if len(distinct) > 1:
                shown = ", ".join(sorted(str(o) for o in distinct))
                axiom = f"{_label(term(prop))} a owl:FunctionalProperty"
                message = f"{term(s)} has {len(distinct)} values for {_label(term(prop))} ({shown}), but {axiom}"
                problems.append(Problem("functional", (str(term(s)), str(term(prop)), *sorted(str(o) for o in distinct)), axiom, message))

    clashes = {
        tuple(sorted((str(term(a)), str(term(b)))))
        for a, b in index.pairs(V.differentFrom)
        if a != b and (b in index.objects(a, V.sameAs) or a in index.objects(b, V.sameAs))
    }
    for a, b in sorted(clashes):
        message = f"{a} and {b} are stated both the same (owl:sameAs) and different (owl:differentFrom)"
        problems.append(Problem("same-different", (a, b), "owl:sameAs / owl:differentFrom", message))
    problems.sort(key=lambda p: (p.kind, p.message))
    return problems


def _distinct_values(objs: set[int], closure: Closure) -> list[rdflib.term.Node]:
    """Values that are really different: named resources not asserted owl:sameAs each other
    (the reasoner's own sameAs from this very property does not count), literals by value.
    A blank node may denote anything, so it clashes with nothing."""
    term, V, asserted = closure.interner.term, closure.V, closure.asserted
    distinct: list[int] = []
    for o in sorted(objs, key=lambda i: str(term(i))):
        if isinstance(term(o), rdflib.BNode):
            continue
        if any(_same_value(o, d, term, asserted, V) for d in distinct):
            continue
        distinct.append(o)
    return [term(o) for o in distinct]


def _same_value(a: int, b: int, term, asserted, V) -> bool:
    if a < 0 and b < 0:  # two literals: compare values
        x, y = term(a), term(b)
        return x.eq(y) if x.datatype == y.datatype else x == y
    return asserted((a, V.sameAs, b)) or asserted((b, V.sameAs, a))


def reason(ontology: rdflib.Graph, data: rdflib.Graph, engine: Engine = "fast", *, raise_on_problems: bool = False) -> Reasoning:
    """The OWL 2 RL closure of ontology + data, minus noise, and its consistency problems."""
    started = time.perf_counter()
    if engine == "owlrl":
        inferred, errors = owlrl_closure(ontology, data)
        asserted = set(ontology) | set(data)
        closure = Closure.of(asserted | inferred, asserted)
    else:
        inferred, errors, closure = rl_closure(ontology, data)
    problems = consistency_problems(closure)
    known = {p.message for p in problems}
    # owlrl reports disjointness itself; keep only what our own check did not name.
    problems += [Problem("owlrl", (), "OWL 2 RL", e) for e in errors if not e.startswith("Disjoint classes") and e not in known]
    result = Reasoning(inferred=inferred, problems=problems, seconds=time.perf_counter() - started, engine=engine)
    log.info("reasoning (%s): %d inferred triples, %d problem(s) in %.2f s", engine, len(inferred), len(problems), result.seconds)
    if raise_on_problems and problems:
        shown = "\n".join(f"  - {p.message}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = f"\n  … and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise InconsistentOntology(f"the data is inconsistent with the ontology:\n{shown}{more}", problems)
    return result


MAX_PROBLEMS_SHOWN = 20
