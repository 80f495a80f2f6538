"""A fast OWL 2 RL forward chainer (the rules of OWL 2 Profiles §4.3, tables 4–9).

owlrl applies every rule to the whole graph on each round; this engine first closes the
schema (the ``scm-*`` rules), then compiles the schema into lookup tables and applies the
instance rules semi-naively: each round only joins the triples that are new in that round.
Its output, minus noise, must equal owlrl's — ``tests/test_reason.py`` holds that oracle.

Schema triples are assumed not to be derived from instance data (true of OWL 2 RL unless
``owl:sameAs`` is stated between classes or properties; the oracle test would catch it).

Terms are interned as integers before the rules run (literals get negative ids), so every
comparison and hash in the hot loop is an integer one rather than rdflib's Python-level
``__eq__``/``__hash__``: about 10x faster on large graphs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

Triple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]
IdTriple = tuple[int, int, int]

# owlrl's noise, left out of both engines' inferred graphs (see cicagraph.pipeline.reason).
BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
REFLEXIVE_NOISE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}


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


VOCABULARY = {
    "type": RDF.type, "first": RDF.first, "rest": RDF.rest, "nil": RDF.nil,
    "subClassOf": RDFS.subClassOf, "subPropertyOf": RDFS.subPropertyOf, "domain": RDFS.domain, "range": RDFS.range,
    "sameAs": OWL.sameAs, "differentFrom": OWL.differentFrom, "equivalentClass": OWL.equivalentClass,
    "equivalentProperty": OWL.equivalentProperty, "inverseOf": OWL.inverseOf, "Thing": OWL.Thing,
    "Nothing": OWL.Nothing, "Restriction": OWL.Restriction, "onProperty": OWL.onProperty,
    "hasValue": OWL.hasValue, "someValuesFrom": OWL.someValuesFrom, "allValuesFrom": OWL.allValuesFrom,
    "maxCardinality": OWL.maxCardinality, "intersectionOf": OWL.intersectionOf, "unionOf": OWL.unionOf,
    "propertyChainAxiom": OWL.propertyChainAxiom, "hasKey": OWL.hasKey, "disjointWith": OWL.disjointWith,
    "AllDisjointClasses": OWL.AllDisjointClasses, "members": OWL.members,
    "FunctionalProperty": OWL.FunctionalProperty, "InverseFunctionalProperty": OWL.InverseFunctionalProperty,
    "SymmetricProperty": OWL.SymmetricProperty, "TransitiveProperty": OWL.TransitiveProperty,
}


class Interner:
    """Terms <-> integers: IRIs and blank nodes get positive ids, literals negative ones."""

    def __init__(self) -> None:
        self.ids: dict[rdflib.term.Node, int] = {}
        self.terms: list[rdflib.term.Node] = [rdflib.URIRef("urn:cicagraph:unused")]
        self.literals: list[rdflib.term.Node] = [rdflib.Literal("")]

    def id(self, term: rdflib.term.Node) -> int:
        found = self.ids.get(term)
        if found is not None:
            return found
        if isinstance(term, rdflib.Literal):
            new = -len(self.literals)
            self.literals.append(term)
        else:
            new = len(self.terms)
            self.terms.append(term)
        self.ids[term] = new
        return new

    def term(self, ident: int) -> rdflib.term.Node:
        return self.literals[-ident] if ident < 0 else self.terms[ident]

    def triple(self, t: IdTriple) -> Triple:
        return (self.term(t[0]), self.term(t[1]), self.term(t[2]))


class Vocab:
    """Integer ids of the built-in terms the rules test for (attributes named as in OWL)."""

    def __init__(self, interner: Interner) -> None:
        for name, term in VOCABULARY.items():
            setattr(self, name, interner.id(term))


class Index:
    """A triple set with the three lookups the rules need."""

    def __init__(self, triples: Iterable[Triple] = ()) -> None:
        self.triples: set[Triple] = set()
        self.by_sp: dict[tuple, set] = defaultdict(set)
        self.by_po: dict[tuple, set] = defaultdict(set)
        self.by_p: dict[rdflib.term.Node, set] = defaultdict(set)
        for t in triples:
            self.add(t)

    def add(self, t: Triple) -> bool:
        if t in self.triples:
            return False
        s, p, o = t
        self.triples.add(t)
        self.by_sp[(s, p)].add(o)
        self.by_po[(p, o)].add(s)
        self.by_p[p].add((s, o))
        return True

    def objects(self, s, p) -> set:
        return self.by_sp.get((s, p), set())

    def subjects(self, p, o) -> set:
        return self.by_po.get((p, o), set())

    def pairs(self, p) -> set:
        return self.by_p.get(p, set())

    def value(self, s, p):
        values = self.objects(s, p)
        return next(iter(values)) if values else None


def _list(index: "Index", head, V: "Vocab") -> list:
    """The members of the RDF list starting at ``head``."""
    members = []
    seen = set()
    while head is not None and head != V.nil and head not in seen:
        seen.add(head)
        first = index.value(head, V.first)
        if first is not None:
            members.append(first)
        head = index.value(head, V.rest)
    return members


def _fixpoint(index: Index, step) -> set:
    """Apply ``step`` until nothing new comes out; return every triple it added."""
    added: set = set()
    delta = index.triples  # the first round reads every triple; nothing is added during it
    while delta:
        new = {t for t in step(delta) if t not in index.triples}
        for t in new:
            index.add(t)
        added |= new
        delta = new
    return added


def _hierarchy(index: Index, s: int, o: int, sub: int, equivalent: int) -> Iterator[IdTriple]:
    """Transitivity of a new ``s sub o`` link, and equivalence when it closes a cycle."""
    for above in index.objects(o, sub):
        yield (s, sub, above)
    for below in index.subjects(sub, s):
        yield (below, sub, o)
    if (o, sub, s) in index.triples:
        yield (s, equivalent, o)
        yield (o, equivalent, s)


def close_schema(triples: Iterable[Triple], V: "Vocab") -> tuple[Index, set]:
    """Apply the scm-* rules to fixpoint, in an index of all the triples: (the index, the
    triples the rules added)."""
    index = Index(triples)
    restrictions = list(index.subjects(V.type, V.Restriction))

    def step(delta: set[Triple]) -> Iterator[Triple]:
        for s, p, o in delta:
            if p == V.subClassOf:
                yield from _hierarchy(index, s, o, V.subClassOf, V.equivalentClass)  # scm-sco, scm-eqc2
                for prop in index.subjects(V.domain, s):  # scm-dom1
                    yield (prop, V.domain, o)
                for prop in index.subjects(V.range, s):  # scm-rng1
                    yield (prop, V.range, o)
            elif p == V.equivalentClass:  # scm-eqc1
                yield (s, V.subClassOf, o)
                yield (o, V.subClassOf, s)
            elif p == V.subPropertyOf:
                yield from _hierarchy(index, s, o, V.subPropertyOf, V.equivalentProperty)  # scm-spo, scm-eqp2
                for c in index.objects(o, V.domain):  # scm-dom2
                    yield (s, V.domain, c)
                for c in index.objects(o, V.range):  # scm-rng2
                    yield (s, V.range, c)
            elif p == V.equivalentProperty:  # scm-eqp1
                yield (s, V.subPropertyOf, o)
                yield (o, V.subPropertyOf, s)
            elif p == V.domain:
                for d in index.objects(o, V.subClassOf):
                    yield (s, V.domain, d)
                for q in index.subjects(V.subPropertyOf, s):
                    yield (q, V.domain, o)
            elif p == V.range:
                for d in index.objects(o, V.subClassOf):
                    yield (s, V.range, d)
                for q in index.subjects(V.subPropertyOf, s):
                    yield (q, V.range, o)
        # scm-int, scm-uni, scm-hv, scm-svf, scm-avf: small, recomputed each round
        for c, head in list(index.pairs(V.intersectionOf)):
            for member in _list(index, head, V):
                yield (c, V.subClassOf, member)
        for c, head in list(index.pairs(V.unionOf)):
            for member in _list(index, head, V):
                yield (member, V.subClassOf, c)
        for r1 in restrictions:
            for r2 in restrictions:
                if r1 == r2:
                    continue
                p1, p2 = index.value(r1, V.onProperty), index.value(r2, V.onProperty)
                if p1 is None or p2 is None:
                    continue
                sub_prop = p1 == p2 or (p1, V.subPropertyOf, p2) in index.triples
                v1, v2 = index.value(r1, V.hasValue), index.value(r2, V.hasValue)
                if v1 is not None and v1 == v2 and sub_prop:  # scm-hv
                    yield (r1, V.subClassOf, r2)
                c1, c2 = index.value(r1, V.someValuesFrom), index.value(r2, V.someValuesFrom)
                if c1 is not None and c2 is not None and (
                    (p1 == p2 and (c1 == c2 or (c1, V.subClassOf, c2) in index.triples)) or (c1 == c2 and sub_prop)
                ):  # scm-svf1, scm-svf2
                    yield (r1, V.subClassOf, r2)
                a1, a2 = index.value(r1, V.allValuesFrom), index.value(r2, V.allValuesFrom)
                if a1 is not None and a2 is not None:
                    if p1 == p2 and (a1 == a2 or (a1, V.subClassOf, a2) in index.triples):  # scm-avf1
                        yield (r1, V.subClassOf, r2)
                    if a1 == a2 and (p2, V.subPropertyOf, p1) in index.triples:  # scm-avf2
                        yield (r1, V.subClassOf, r2)

    return index, _fixpoint(index, step)


class Schema:
    """The closed schema compiled into lookup tables for the instance rules."""

    def __init__(self, closed: Index, V: "Vocab", decode) -> None:
        def table(p) -> dict:
            out: dict = defaultdict(set)
            for s, o in closed.pairs(p):
                out[s].add(o)
            return out

        self.superclasses = table(V.subClassOf)
        for s, o in closed.pairs(V.equivalentClass):
            self.superclasses[s].add(o)
        self.superproperties = table(V.subPropertyOf)
        for s, o in closed.pairs(V.equivalentProperty):
            self.superproperties[s].add(o)
        self.domains = table(V.domain)
        self.ranges = table(V.range)
        self.inverse: dict = defaultdict(set)
        for a, b in closed.pairs(V.inverseOf):
            self.inverse[a].add(b)
            self.inverse[b].add(a)
        typed = lambda kind: {s for s in closed.subjects(V.type, kind)}  # noqa: E731
        self.functional = typed(V.FunctionalProperty)
        self.inverse_functional = typed(V.InverseFunctionalProperty)
        self.symmetric = typed(V.SymmetricProperty)
        self.transitive = typed(V.TransitiveProperty)
        self.chains: dict = defaultdict(list)  # property in chain -> [(super, [p1..pn])]
        for sup, head in closed.pairs(V.propertyChainAxiom):
            chain = _list(closed, head, V)
            for prop in set(chain):
                self.chains[prop].append((sup, chain))
        self.intersections: dict = defaultdict(list)  # member class -> [(C, members)]
        self.intersection_of: dict = {}
        self.unions: dict = defaultdict(set)  # member class -> union classes
        for c, head in closed.pairs(V.intersectionOf):
            members = _list(closed, head, V)
            self.intersection_of[c] = members
            for m in members:
                self.intersections[m].append((c, members))
        for c, head in closed.pairs(V.unionOf):
            for m in _list(closed, head, V):
                self.unions[m].add(c)
        self.has_value: dict = {}  # restriction -> (p, v)
        self.has_value_by_pv: dict = defaultdict(set)
        self.svf: dict = defaultdict(list)  # onProperty -> [(restriction, filler)]
        self.avf: dict = {}  # restriction -> (p, filler)
        self.max1: dict = {}  # restriction -> p  (max cardinality 1)
        for r in closed.subjects(V.type, V.Restriction):
            p = closed.value(r, V.onProperty)
            if p is None:
                continue
            if (v := closed.value(r, V.hasValue)) is not None:
                self.has_value[r] = (p, v)
                self.has_value_by_pv[(p, v)].add(r)
            if (c := closed.value(r, V.someValuesFrom)) is not None:
                self.svf[p].append((r, c))
            if (c := closed.value(r, V.allValuesFrom)) is not None:
                self.avf[r] = (p, c)
            if (n := closed.value(r, V.maxCardinality)) is not None and str(decode(n)) == "1":
                self.max1[r] = p
        self.keys: dict = {}  # class -> [properties]
        for c, head in closed.pairs(V.hasKey):
            self.keys[c] = _list(closed, head, V)


def instance_rules(schema: Schema, index: Index, V: "Vocab"):
    sup, dom, rng = schema.superclasses, schema.domains, schema.ranges

    def step(delta: set[Triple]) -> Iterator[Triple]:
        for s, p, o in delta:
            if p == V.sameAs:
                if s == o:
                    continue
                yield (o, V.sameAs, s)  # eq-sym
                for z in index.objects(o, V.sameAs):  # eq-trans
                    yield (s, V.sameAs, z)
                for (x, q, y) in _mentioning(index, s):  # eq-rep-s/p/o
                    yield (o if x == s else x, o if q == s else q, o if y == s else y)
            elif _same(index, s, V) or _same(index, o, V) or _same(index, p, V):
                for s2 in _same(index, s, V) | {s}:
                    for p2 in _same(index, p, V) | {p}:
                        for o2 in _same(index, o, V) | {o}:
                            yield (s2, p2, o2)
            if p == V.type:
                for d in sup.get(o, ()):  # cax-sco, cax-eqc
                    yield (s, V.type, d)
                for c, members in schema.intersections.get(o, ()):  # cls-int1
                    if all((s, V.type, m) in index.triples for m in members):
                        yield (s, V.type, c)
                for m in schema.intersection_of.get(o, ()):  # cls-int2
                    yield (s, V.type, m)
                for u in schema.unions.get(o, ()):  # cls-uni
                    yield (s, V.type, u)
                if o in schema.has_value:  # cls-hv1
                    q, v = schema.has_value[o]
                    yield (s, q, v)
                if o in schema.avf:  # cls-avf (the type premise is new)
                    q, c = schema.avf[o]
                    for y in index.objects(s, q):
                        yield (y, V.type, c)
                for q, fillers in schema.svf.items():  # cls-svf1 (the filler premise is new)
                    for r, c in fillers:
                        if c == o:
                            for u in index.subjects(q, s):
                                yield (u, V.type, r)
                if o in schema.max1:  # cls-maxc2
                    q = schema.max1[o]
                    yield from _same_values(index.objects(s, q), V)
                if o in schema.keys:  # prp-key
                    yield from _key_matches(schema.keys[o], o, s, index, V)
                continue
            for c in dom.get(p, ()):  # prp-dom
                yield (s, V.type, c)
            if not o < 0:
                for c in rng.get(p, ()):  # prp-rng (literal typing is noise)
                    yield (o, V.type, c)
            for q in schema.superproperties.get(p, ()):  # prp-spo1, prp-eqp
                yield (s, q, o)
            for q in schema.inverse.get(p, ()):  # prp-inv
                yield (o, q, s)
            if p in schema.symmetric:  # prp-symp
                yield (o, p, s)
            if p in schema.transitive:  # prp-trp
                for z in index.objects(o, p):
                    yield (s, p, z)
                for w in index.subjects(p, s):
                    yield (w, p, o)
            if p in schema.functional:  # prp-fp
                for o2 in index.objects(s, p):
                    if o2 != o and not o < 0:
                        yield (o, V.sameAs, o2)
            if p in schema.inverse_functional:  # prp-ifp
                for s2 in index.subjects(p, o):
                    if s2 != s:
                        yield (s, V.sameAs, s2)
            for sup_p, chain in schema.chains.get(p, ()):  # prp-spo2
                for start, end in _chain_matches(index, chain, s, p, o):
                    yield (start, sup_p, end)
            if (p, o) in schema.has_value_by_pv:  # cls-hv2
                for r in schema.has_value_by_pv[(p, o)]:
                    yield (s, V.type, r)
            for r, c in schema.svf.get(p, ()):  # cls-svf1, cls-svf2
                if c == V.Thing or (o, V.type, c) in index.triples:
                    yield (s, V.type, r)
            for r, (q, c) in schema.avf.items():  # cls-avf (the property premise is new)
                if q == p and (s, V.type, r) in index.triples and not o < 0:
                    yield (o, V.type, c)
            for r, q in schema.max1.items():  # cls-maxc2 (the property premise is new)
                if q == p and (s, V.type, r) in index.triples:
                    for o2 in index.objects(s, p):
                        if o2 != o:
                            yield (o, V.sameAs, o2)
            for c, props in schema.keys.items():  # prp-key (a key value is new)
                if p in props and (s, V.type, c) in index.triples:
                    yield from _key_matches(props, c, s, index, V)

    return step


def _same(index: Index, term, V: "Vocab") -> set:
    return index.objects(term, V.sameAs)


def _mentioning(index: Index, term) -> list[Triple]:
    found = [(term, p, o) for (s, p), objs in list(index.by_sp.items()) if s == term for o in objs]
    found += [(s, p, term) for (p, o), subs in list(index.by_po.items()) if o == term for s in subs]
    found += [(s, term, o) for s, o in index.pairs(term)]
    return found


def _same_values(values: set, V: "Vocab") -> Iterator[Triple]:
    for a in values:
        for b in values:
            if a != b and not a < 0:
                yield (a, V.sameAs, b)


def _key_matches(props: list, cls, x, index: Index, V: "Vocab") -> Iterator[Triple]:
    key = [index.objects(x, p) for p in props]
    if not all(key):
        return
    # Only instances that share a value of the first key property can match: look them up
    # instead of scanning every instance of the class (quadratic on large data).
    candidates = {y for value in key[0] for y in index.subjects(props[0], value)}
    for y in candidates:
        if y != x and (y, V.type, cls) in index.triples and all(index.objects(y, p) & values for p, values in zip(props, key)):
            yield (x, V.sameAs, y)


def _chain_matches(index: Index, chain: list, s, p, o) -> Iterator[tuple]:
    """Ends (u0, un) of every path u0 p1 u1 … pn un that uses the triple (s p o) at some
    position k where chain[k] == p."""
    for k, link in enumerate(chain):
        if link != p:
            continue
        lefts = {s}
        for q in reversed(chain[:k]):
            lefts = {w for node in lefts for w in index.subjects(q, node)}
        rights = {o}
        for q in chain[k + 1 :]:
            rights = {z for node in rights for z in index.objects(node, q)}
        for a in lefts:
            for b in rights:
                yield (a, b)


def rl_closure(*graphs: Iterable[Triple]) -> tuple[set[Triple], list[str], "Closure"]:
    """The OWL 2 RL closure of the union of ``graphs``: (inferred triples minus noise, error
    messages, the whole closure for the consistency check) — the contract of
    :func:`cicagraph.pipeline.reason.owlrl_closure`, plus the closure."""

    interner = Interner()
    V = Vocab(interner)
    intern = interner.id
    asserted: set[IdTriple] = set()
    errors: list[str] = []
    for graph in graphs:
        for s, p, o in graph:
            asserted.add((intern(s), intern(p), intern(o)))
    for literal in interner.literals[1:]:
        if literal.datatype is not None and getattr(literal, "ill_typed", False):
            errors.append(f"Lexical value of the literal '{literal}' does not match its datatype ({literal.datatype})")
    closed, schema_added = close_schema(asserted, V)
    del asserted  # the index holds the only copy from here on
    added = schema_added | _fixpoint(closed, instance_rules(Schema(closed, V, interner.term), closed, V))
    inferred = {t for t in map(interner.triple, added) if not is_noise(*t)}
    return inferred, errors, Closure(closed, added, interner, V)


class Closure:
    """The closure as integer triples with their index, and the way back to terms."""

    def __init__(self, index: Index, inferred: set[IdTriple], interner: Interner, vocab: Vocab) -> None:
        self.index = index
        self.inferred = inferred  # what the rules added (noise included)
        self.interner = interner
        self.V = vocab

    @classmethod
    def of(cls, triples: Iterable[Triple], asserted: Iterable[Triple]) -> "Closure":
        interner = Interner()
        V = Vocab(interner)
        intern = interner.id
        ids = {(intern(s), intern(p), intern(o)) for s, p, o in triples}
        given = {(intern(s), intern(p), intern(o)) for s, p, o in asserted}
        return cls(Index(ids), ids - given, interner, V)

    def asserted(self, t: IdTriple) -> bool:
        return t in self.index.triples and t not in self.inferred
