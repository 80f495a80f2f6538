"""The query store: the built dataset (three named graphs) in pyoxigraph.

rdflib stays the in-process API for parsing, pyshacl and owlrl; every query runs here,
because pyoxigraph's engine is one to two orders of magnitude faster than rdflib's.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

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


def quads_of(graphs: dict[str, Iterable[tuple]]) -> Iterable[ox.Quad]:
    """Quads of the named graphs (rdflib graphs or sets of triples), keyed by short name
    ('ontology', 'data', 'inferred')."""
    for name, graph in graphs.items():
        g = ox.NamedNode(GRAPHS[name])
        for s, p, o in graph:
            yield ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), g)


def new_store(graphs: dict[str, Iterable[tuple]], path: Path | None = None) -> ox.Store:
    """A store holding ``graphs``; on disk at ``path`` (replacing its content) or in memory."""
    store = ox.Store(str(path)) if path is not None else ox.Store()
    if path is not None:
        store.clear()
    store.extend(quads_of(graphs))
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
