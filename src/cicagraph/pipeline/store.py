"""The query store: the built dataset (three named graphs) in pyoxigraph.

rdflib stays the in-process API for parsing, pyshacl and owlrl; every query runs here,
because pyoxigraph's engine is one to two orders of magnitude faster than rdflib's.
"""

from __future__ import annotations

import hashlib
import logging
from operator import itemgetter
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
import rdflib

from cicagraph.config import GRAPHS, Settings
from cicagraph.errors import NotBuilt

log = logging.getLogger(__name__)


def to_ox_term(term: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to an oxigraph term")


def quads_of(graphs: dict[str, Iterable[tuple]]) -> list[ox.Quad]:
    """Quads of the named graphs (rdflib graphs or sets of triples), keyed by short name
    ('ontology', 'data', 'inferred'), in a reproducible order with reproducible blank nodes.

    Why: rdflib hands out triples in hash order (which changes with PYTHONHASHSEED) and
    gives blank nodes random ids; the store answers in insertion order where SPARQL leaves
    the order open (inside GROUP_CONCAT, among ties). Sorting, and naming each blank node by
    what it says (:func:`stable_blank_labels`), makes the same inputs give the same dump,
    the same checksums and the same answers, build after build."""
    return list(iter_quads(graphs))


def iter_quads(graphs: dict[str, Iterable[tuple]]) -> Iterator[ox.Quad]:
    """:func:`quads_of` one by one, each sort entry freed as its quad is handed out (at 1M
    triples the list of quads alone held ~350 MB next to the store they go into)."""
    rows = [(name, s, p, o) for name, graph in graphs.items() for s, p, o in graph]
    labels = stable_blank_labels((s, p, o) for _, s, p, o in rows)
    # Each term object is converted once, with the strings the order is taken from (its
    # N-Triples form, and its bare value for predicates), keyed by id(): rdflib terms hash
    # in Python, and the rows keep every term alive. At 1M triples, converting and
    # stringifying every position of every quad in the sort key took ~30 s of CPU.
    terms: dict[int, tuple] = {}
    get = terms.get
    keyed = []
    append = keyed.append
    for name, s, p, o in rows:
        converted = []
        for t in (s, p, o):
            hit = get(id(t))
            if hit is None:
                ox_term = ox.BlankNode(labels[t]) if isinstance(t, rdflib.BNode) else to_ox_term(t)
                hit = terms[id(t)] = (ox_term, str(ox_term), ox_term.value)
            converted.append(hit)
        ts, tp, to = converted
        append(((GRAPHS[name], ts[1], tp[2], to[1]), ts[0], tp[0], to[0], name))
    del rows, terms
    # Descending, then popped from the end: ascending order out, memory given back as it goes.
    # (Equal keys are the same quad twice: their order does not matter.)
    keyed.sort(key=itemgetter(0), reverse=True)
    graph_names = {name: ox.NamedNode(GRAPHS[name]) for name in graphs}
    pop = keyed.pop
    while keyed:
        _, s, p, o, name = pop()
        yield ox.Quad(s, p, o, graph_names[name])


def stable_blank_labels(triples: Iterable[tuple]) -> dict[rdflib.BNode, str]:
    """A label for every blank node from what it says: its non-blank neighbours, then, round
    by round, its blank neighbours' labels (an RDF list or an ``owl:AllDisjointClasses`` node
    is told apart by its members), until no round tells more nodes apart. The same data
    gives the same labels whatever ids the parser chose; nodes that say exactly the same
    are numbered in the order of their descriptions."""
    edges: dict[rdflib.BNode, list[tuple[str, object]]] = {}
    for s, p, o in triples:
        if isinstance(s, rdflib.BNode):
            edges.setdefault(s, []).append((f"> {p.n3()}", o))
        if isinstance(o, rdflib.BNode):
            edges.setdefault(o, []).append((f"< {p.n3()}", s))

    def digest_round(current: dict[rdflib.BNode, str]) -> dict[rdflib.BNode, str]:
        out = {}
        for b, around in edges.items():
            lines = sorted(f"{p} {current[n] if isinstance(n, rdflib.BNode) else n.n3()}" for p, n in around)  # type: ignore[union-attr]
            out[b] = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:20]
        return out

    digests = digest_round({b: "_" for b in edges})
    for _ in range(MAX_BLANK_ROUNDS):
        refined = digest_round(digests)
        if len(set(refined.values())) <= len(set(digests.values())):
            break
        digests = refined
    labels: dict[rdflib.BNode, str] = {}
    seen: dict[str, int] = {}
    for b in sorted(digests, key=lambda b: (digests[b], str(b))):
        n = seen.get(digests[b], 0)
        seen[digests[b]] = n + 1
        labels[b] = f"b{digests[b]}{'' if n == 0 else f'n{n}'}"
    return labels


MAX_BLANK_ROUNDS = 8  # rounds of refinement; RDF lists in the ontology need a few


def new_store(graphs: dict[str, Iterable[tuple]], path: Path | None = None) -> ox.Store:
    """A store holding ``graphs``; on disk at ``path`` (replacing its content) or in memory."""
    store = ox.Store(str(path)) if path is not None else ox.Store()
    if path is not None:
        store.clear()
    store.extend(iter_quads(graphs))
    if path is not None:
        store.flush()
        store.optimize()
    return store


def load_dataset_file(path: Path, store_path: Path | None = None) -> ox.Store:
    """An N-Quads dump of the built dataset, loaded into a fresh store."""
    if not path.is_file():
        raise NotBuilt(f"no built dataset at {path}", hint="run `cicagraph build` first")
    store = ox.Store(str(store_path)) if store_path is not None else ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


def open_store(settings: Settings) -> ox.Store:
    """The store the service queries: the persistent one when ``store_dir`` is set (opened
    read-only, so several server workers can share it), else the dump loaded into memory."""
    if settings.store_dir is not None:
        if not (settings.store_dir / "CURRENT").exists():
            raise NotBuilt(
                f"no store at {settings.store_dir}",
                hint="run `cicagraph build --store DIR` first",
            )
        return ox.Store.read_only(str(settings.store_dir))
    return load_dataset_file(settings.dataset_file)


def graph_counts(store: ox.Store) -> dict[str, int]:
    """Triples per named graph, keyed by short name."""
    counts = {}
    for name, iri in GRAPHS.items():
        result = store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        counts[name] = int(next(iter(result))["n"].value)
    return counts


def dump_dataset(store: ox.Store, fmt: str, graph_iri: str | None = None) -> bytes:
    """One graph (``graph_iri``) or the whole dataset in ``fmt`` (a formats.py name). Triple
    formats get the union of the graphs when no graph is named."""
    from cicagraph.formats import rdf_format

    spec = rdf_format(fmt)
    if graph_iri is not None:
        return store.dump(format=spec.oxigraph, from_graph=ox.NamedNode(graph_iri))
    if spec.quads:
        return store.dump(format=spec.oxigraph)
    union = ox.Store()
    union.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store)
    return union.dump(format=spec.oxigraph, from_graph=ox.DefaultGraph())
