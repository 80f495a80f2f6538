"""Shared by the research-query tests and ``regenerate.py``: run a canned query with its
default parameters and turn the answer into plain JSON rows.

A row is an object ``variable -> string``: an IRI as its full string, a literal as its
lexical value (no datatype or language), a blank node as ``_:label``; an unbound variable
is left out of the row (as in the SPARQL JSON results format). Rows keep the query's order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

import pyoxigraph as ox

from cicagraph.query.queries import CannedQuery, load_queries
from cicagraph.query.sparql import run_query

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
QUERY_DIR = REPO / "queries"
EXPECTED_DIR = HERE / "expected"

GRAPH = "https://w3id.org/cicagraph/graph/"
DATA_GRAPH = GRAPH + "data"
TIMEOUT_S = 10
MAX_ROWS = 100_000


def queries() -> dict[str, CannedQuery]:
    return load_queries(QUERY_DIR)


def term_value(term: object) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value  # type: ignore[attr-defined]


def rows_of(
    store: ox.Store,
    query: CannedQuery,
    params: Mapping[str, str] | None = None,
    default_graph_uris: tuple[str, ...] = (),
) -> list[dict[str, str]]:
    """The answer of ``query`` (default parameters unless ``params``) as JSON rows."""
    outcome = run_query(
        store,
        query.text,
        substitutions=query.bindings(dict(params or {})),
        default_graph_uris=default_graph_uris,
        timeout_s=TIMEOUT_S,
        max_rows=MAX_ROWS,
    )
    assert outcome.kind == "select", f"{query.name} is not a SELECT query"
    return [
        {var: term_value(term) for var, term in zip(outcome.variables, row) if term is not None}
        for row in outcome.rows
    ]


def expected_path(name: str) -> Path:
    return EXPECTED_DIR / f"{name}.json"


def read_expected(name: str) -> list[dict[str, str]]:
    return json.loads(expected_path(name).read_text(encoding="utf-8"))


def write_expected(name: str, rows: list[dict[str, str]]) -> Path:
    path = expected_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
