"""A fast OWL 2 RL forward chainer (the rules of OWL 2 Profiles §4.3, tables 4–9).

owlrl applies every rule to the whole graph on each round; this engine first closes the
schema (the ``scm-*`` rules), then compiles the schema into lookup tables and applies the
instance rules semi-naively: each round only joins the triples that are new in that round.
Its output, minus noise, must equal owlrl's — ``tests/test_reason.py`` holds that oracle.

Schema triples are assumed not to be derived from instance data (true of OWL 2 RL unless
``owl:sameAs`` is stated between classes or properties; the oracle test would catch it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator

import rdflib
from rdflib.namespace import OWL, RDF, RDFS

Triple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]


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


def _list(index: "Index", head) -> list:
    """The members of the RDF list starting at ``head``."""
    members = []
    seen = set()
    while head is not None and head != RDF.nil and head not in seen:
        seen.add(head)
        first = index.value(head, RDF.first)
        if first is not None:
            members.append(first)
        head = index.value(head, RDF.rest)
    return members


def _fixpoint(index: Index, step) -> None:
    delta = set(index.triples)
    while delta:
        new = {t for t in step(delta) if t not in index.triples}
        for t in new:
            index.add(t)
        delta = new


def close_schema(triples: Iterable[Triple]) -> Index:
    """Apply the scm-* rules to fixpoint, in an index of all the triples."""
    index = Index(triples)
    restrictions = list(index.subjects(RDF.type, OWL.Restriction))

    def step(delta: set[Triple]) -> Iterator[Triple]:
        for s, p, o in delta:
            if p == RDFS.subClassOf:
                for d in index.objects(o, RDFS.subClassOf):  # scm-sco
                    yield (s, RDFS.subClassOf, d)
                for c in index.subjects(RDFS.subClassOf, s):
                    yield (c, RDFS.subClassOf, o)
                if (o, RDFS.subClassOf, s) in index.triples:  # scm-eqc2
                    yield (s, OWL.equivalentClass, o)
                    yield (o, OWL.equivalentClass, s)
                for prop in index.subjects(RDFS.domain, s):  # scm-dom1
                    yield (prop, RDFS.domain, o)
                for prop in index.subjects(RDFS.range, s):  # scm-rng1
                    yield (prop, RDFS.range, o)
            elif p == OWL.equivalentClass:  # scm-eqc1
                yield (s, RDFS.subClassOf, o)
                yield (o, RDFS.subClassOf, s)
            elif p == RDFS.subPropertyOf:
                for q in index.objects(o, RDFS.subPropertyOf):  # scm-spo
                    yield (s, RDFS.subPropertyOf, q)
                for q in index.subjects(RDFS.subPropertyOf, s):
                    yield (q, RDFS.subPropertyOf, o)
                if (o, RDFS.subPropertyOf, s) in index.triples:  # scm-eqp2
                    yield (s, OWL.equivalentProperty, o)
                    yield (o, OWL.equivalentProperty, s)
                for c in index.objects(o, RDFS.domain):  # scm-dom2
                    yield (s, RDFS.domain, c)
                for c in index.objects(o, RDFS.range):  # scm-rng2
                    yield (s, RDFS.range, c)
            elif p == OWL.equivalentProperty:  # scm-eqp1
                yield (s, RDFS.subPropertyOf, o)
                yield (o, RDFS.subPropertyOf, s)
            elif p == RDFS.domain:
                for d in index.objects(o, RDFS.subClassOf):
                    yield (s, RDFS.domain, d)
                for q in index.subjects(RDFS.subPropertyOf, s):
                    yield (q, RDFS.domain, o)
            elif p == RDFS.range:
                for d in index.objects(o, RDFS.subClassOf):
                    yield (s, RDFS.range, d)
                for q in index.subjects(RDFS.subPropertyOf, s):
                    yield (q, RDFS.range, o)
        # scm-int, scm-uni, scm-hv, scm-svf, scm-avf: small, recomputed each round
        for c, head in list(index.pairs(OWL.intersectionOf)):
            for member in _list(index, head):
                yield (c, RDFS.subClassOf, member)
        for c, head in list(index.pairs(OWL.unionOf)):
            for member in _list(index, head):
                yield (member, RDFS.subClassOf, c)
        for r1 in restrictions:
            for r2 in restrictions:
                if r1 == r2:
                    continue
                p1, p2 = index.value(r1, OWL.onProperty), index.value(r2, OWL.onProperty)
                if p1 is None or p2 is None:
                    continue
                sub_prop = p1 == p2 or (p1, RDFS.subPropertyOf, p2) in index.triples
                v1, v2 = index.value(r1, OWL.hasValue), index.value(r2, OWL.hasValue)
                if v1 is not None and v1 == v2 and sub_prop:  # scm-hv
                    yield (r1, RDFS.subClassOf, r2)
                c1, c2 = index.value(r1, OWL.someValuesFrom), index.value(r2, OWL.someValuesFrom)
                if c1 is not None and c2 is not None and (
                    (p1 == p2 and (c1 == c2 or (c1, RDFS.subClassOf, c2) in index.triples)) or (c1 == c2 and sub_prop)
                ):  # scm-svf1, scm-svf2
                    yield (r1, RDFS.subClassOf, r2)
                a1, a2 = index.value(r1, OWL.allValuesFrom), index.value(r2, OWL.allValuesFrom)
                if a1 is not None and a2 is not None:
                    if p1 == p2 and (a1 == a2 or (a1, RDFS.subClassOf, a2) in index.triples):  # scm-avf1
                        yield (r1, RDFS.subClassOf, r2)
                    if a1 == a2 and (p2, RDFS.subPropertyOf, p1) in index.triples:  # scm-avf2
                        yield (r1, RDFS.subClassOf, r2)

    _fixpoint(index, step)
    return index


class Schema:
    """The closed schema compiled into lookup tables for the instance rules."""

    def __init__(self, closed: Index) -> None:
        def table(p) -> dict:
            out: dict = defaultdict(set)
            for s, o in closed.pairs(p):
                out[s].add(o)
            return out

        self.superclasses = table(RDFS.subClassOf)
        for s, o in closed.pairs(OWL.equivalentClass):
            self.superclasses[s].add(o)
        self.superproperties = table(RDFS.subPropertyOf)
        for s, o in closed.pairs(OWL.equivalentProperty):
            self.superproperties[s].add(o)
        self.domains = table(RDFS.domain)
        self.ranges = table(RDFS.range)
        self.inverse: dict = defaultdict(set)
        for a, b in closed.pairs(OWL.inverseOf):
            self.inverse[a].add(b)
            self.inverse[b].add(a)
        typed = lambda kind: {s for s in closed.subjects(RDF.type, kind)}  # noqa: E731
        self.functional = typed(OWL.FunctionalProperty)
        self.inverse_functional = typed(OWL.InverseFunctionalProperty)
        self.symmetric = typed(OWL.SymmetricProperty)
        self.transitive = typed(OWL.TransitiveProperty)
        self.chains: dict = defaultdict(list)  # property in chain -> [(super, [p1..pn])]
        for sup, head in closed.pairs(OWL.propertyChainAxiom):
            chain = _list(closed, head)
            for prop in set(chain):
                self.chains[prop].append((sup, chain))
        self.intersections: dict = defaultdict(list)  # member class -> [(C, members)]
        self.intersection_of: dict = {}
        self.unions: dict = defaultdict(set)  # member class -> union classes
        for c, head in closed.pairs(OWL.intersectionOf):
            members = _list(closed, head)
            self.intersection_of[c] = members
            for m in members:
                self.intersections[m].append((c, members))
        for c, head in closed.pairs(OWL.unionOf):
            for m in _list(closed, head):
                self.unions[m].add(c)
        self.has_value: dict = {}  # restriction -> (p, v)
        self.has_value_by_pv: dict = defaultdict(set)
        self.svf: dict = defaultdict(list)  # onProperty -> [(restriction, filler)]
        self.avf: dict = {}  # restriction -> (p, filler)
        self.max1: dict = {}  # restriction -> p  (max cardinality 1)
        for r in closed.subjects(RDF.type, OWL.Restriction):
            p = closed.value(r, OWL.onProperty)
            if p is None:
                continue
            if (v := closed.value(r, OWL.hasValue)) is not None:
                self.has_value[r] = (p, v)
                self.has_value_by_pv[(p, v)].add(r)
            if (c := closed.value(r, OWL.someValuesFrom)) is not None:
                self.svf[p].append((r, c))
            if (c := closed.value(r, OWL.allValuesFrom)) is not None:
                self.avf[r] = (p, c)
            if (n := closed.value(r, OWL.maxCardinality)) is not None and str(n) == "1":
                self.max1[r] = p
        self.keys: dict = {}  # class -> [properties]
        for c, head in closed.pairs(OWL.hasKey):
            self.keys[c] = _list(closed, head)


def instance_rules(schema: Schema, index: Index):
    sup, dom, rng = schema.superclasses, schema.domains, schema.ranges

    def step(delta: set[Triple]) -> Iterator[Triple]:
        for s, p, o in delta:
            if p == OWL.sameAs:
                if s == o:
                    continue
                yield (o, OWL.sameAs, s)  # eq-sym
                for z in index.objects(o, OWL.sameAs):  # eq-trans
                    yield (s, OWL.sameAs, z)
                for (x, q, y) in _mentioning(index, s):  # eq-rep-s/p/o
                    yield (o if x == s else x, o if q == s else q, o if y == s else y)
            elif _same(index, s) or _same(index, o) or _same(index, p):
                for s2 in _same(index, s) | {s}:
                    for p2 in _same(index, p) | {p}:
                        for o2 in _same(index, o) | {o}:
                            yield (s2, p2, o2)
            if p == RDF.type:
                for d in sup.get(o, ()):  # cax-sco, cax-eqc
                    yield (s, RDF.type, d)
                for c, members in schema.intersections.get(o, ()):  # cls-int1
                    if all((s, RDF.type, m) in index.triples for m in members):
                        yield (s, RDF.type, c)
                for m in schema.intersection_of.get(o, ()):  # cls-int2
                    yield (s, RDF.type, m)
                for u in schema.unions.get(o, ()):  # cls-uni
                    yield (s, RDF.type, u)
                if o in schema.has_value:  # cls-hv1
                    q, v = schema.has_value[o]
                    yield (s, q, v)
                if o in schema.avf:  # cls-avf (the type premise is new)
                    q, c = schema.avf[o]
                    for y in index.objects(s, q):
                        yield (y, RDF.type, c)
                for q, fillers in schema.svf.items():  # cls-svf1 (the filler premise is new)
                    for r, c in fillers:
                        if c == o:
                            for u in index.subjects(q, s):
                                yield (u, RDF.type, r)
                if o in schema.max1:  # cls-maxc2
                    q = schema.max1[o]
                    yield from _same_values(index.objects(s, q))
                if o in schema.keys:  # prp-key
                    yield from _key_matches(schema.keys[o], o, s, index)
                continue
            for c in dom.get(p, ()):  # prp-dom
                yield (s, RDF.type, c)
            if not isinstance(o, rdflib.Literal):
                for c in rng.get(p, ()):  # prp-rng (literal typing is noise)
                    yield (o, RDF.type, c)
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
                    if o2 != o and not isinstance(o, rdflib.Literal):
                        yield (o, OWL.sameAs, o2)
            if p in schema.inverse_functional:  # prp-ifp
                for s2 in index.subjects(p, o):
                    if s2 != s:
                        yield (s, OWL.sameAs, s2)
            for sup_p, chain in schema.chains.get(p, ()):  # prp-spo2
                for start, end in _chain_matches(index, chain, s, p, o):
                    yield (start, sup_p, end)
            if (p, o) in schema.has_value_by_pv:  # cls-hv2
                for r in schema.has_value_by_pv[(p, o)]:
                    yield (s, RDF.type, r)
            for r, c in schema.svf.get(p, ()):  # cls-svf1, cls-svf2
                if c == OWL.Thing or (o, RDF.type, c) in index.triples:
                    yield (s, RDF.type, r)
            for r, (q, c) in schema.avf.items():  # cls-avf (the property premise is new)
                if q == p and (s, RDF.type, r) in index.triples and not isinstance(o, rdflib.Literal):
                    yield (o, RDF.type, c)
            for r, q in schema.max1.items():  # cls-maxc2 (the property premise is new)
                if q == p and (s, RDF.type, r) in index.triples:
                    for o2 in index.objects(s, p):
                        if o2 != o:
                            yield (o, OWL.sameAs, o2)
            for c, props in schema.keys.items():  # prp-key (a key value is new)
                if p in props and (s, RDF.type, c) in index.triples:
                    yield from _key_matches(props, c, s, index)

    return step


def _same(index: Index, term) -> set:
    return index.objects(term, OWL.sameAs)


def _mentioning(index: Index, term) -> list[Triple]:
    found = [(term, p, o) for (s, p), objs in list(index.by_sp.items()) if s == term for o in objs]
    found += [(s, p, term) for (p, o), subs in list(index.by_po.items()) if o == term for s in subs]
    found += [(s, term, o) for s, o in index.pairs(term)]
    return found


def _same_values(values: set) -> Iterator[Triple]:
    for a in values:
        for b in values:
            if a != b and not isinstance(a, rdflib.Literal):
                yield (a, OWL.sameAs, b)


def _key_matches(props: list, cls, x, index: Index) -> Iterator[Triple]:
    key = [index.objects(x, p) for p in props]
    if not all(key):
        return
    for y in index.subjects(RDF.type, cls):
        if y != x and all(index.objects(y, p) & values for p, values in zip(props, key)):
            yield (x, OWL.sameAs, y)


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


def rl_closure(*graphs: Iterable[Triple]) -> tuple[set[Triple], list[str], Index]:
    """The OWL 2 RL closure of the union of ``graphs``: (inferred triples minus noise, error
    messages, an index of the whole closure) — the contract of
    :func:`cicagraph.reason.owlrl_closure`, plus the index for the consistency check."""
    from cicagraph.reason import is_noise

    asserted: set[Triple] = set()
    for graph in graphs:
        asserted.update(graph)
    closed = close_schema(asserted)
    _fixpoint(closed, instance_rules(Schema(closed), closed))
    errors = [
        f"Lexical value of the literal '{o}' does not match its datatype ({o.datatype})"
        for _, _, o in asserted
        if isinstance(o, rdflib.Literal) and o.datatype is not None and getattr(o, "ill_typed", False)
    ]
    inferred = {t for t in closed.triples if t not in asserted and not is_noise(*t)}
    return inferred, errors, closed
