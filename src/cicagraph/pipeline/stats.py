"""Counts of the built dataset: triples per graph, instances per class."""

from __future__ import annotations

import pyoxigraph as ox

from cicagraph.pipeline.store import graph_counts

CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class . FILTER(isIRI(?class)) }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""


def dataset_stats(store: ox.Store) -> dict:
    classes = {
        row["class"].value: int(row["n"].value)
        for row in store.query(CLASS_COUNTS, use_default_graph_as_union=True)
    }
    typed = store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c }", use_default_graph_as_union=True)
    return {
        "graphs": graph_counts(store),
        "classes": classes,
        "instances": int(next(iter(typed))["n"].value),
    }
