"""Research queries that cite: each fact-listing query carries its sources and their quotes
aggregated in one row per fact (never one row per source)."""

from __future__ import annotations

import pytest
from cgqueries_testlib import queries, rows_of

REGISTRY = queries()
CITING = sorted(name for name, q in REGISTRY.items() if "AS ?sources" in q.text)
FACT_QUERIES = {  # the questions researchers cite facts from: each must cite
    "cica-and-sco-states", "memberships-of-state", "cica-members-by-accession-year", "observers-who-became-members",
    "cica-chairs-over-time", "cica-secretariat-heads", "coordinators-by-state", "summits-and-ministerials",
    "count-claims-over-time", "proposals-and-proponents", "cica-members-on-date", "membership-spells",
    "members-on-date-in-two-forums", "partners-and-memoranda",
}


def test_the_fact_queries_cite() -> None:
    assert FACT_QUERIES <= set(CITING)


@pytest.mark.parametrize("name", CITING)
def test_one_row_per_fact_with_its_sources(shipped_store, name: str) -> None:
    rows = rows_of(shipped_store, REGISTRY[name])
    assert rows
    assert all(row.get("sources") for row in rows), f"{name}: a row without a source"
    keys = [tuple(sorted((k, v) for k, v in row.items() if k not in ("sources", "quotes"))) for row in rows]
    assert len(keys) == len(set(keys)), f"{name}: the same fact on several rows"
    assert not any("source" in row for row in rows)  # no per-source column left
