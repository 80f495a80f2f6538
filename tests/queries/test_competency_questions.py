"""Competency questions of the ontology (queries/cq-*.rq): each is answered on the shipped
build (union of the ontology, data and inferred graphs), and each answer is EMPTY when the
same query runs on the data graph alone, which proves that the answer needs the reasoning.
Their full pinned answers are compared in test_research_queries.py."""

from __future__ import annotations

import pytest
from cgqueries_testlib import DATA_GRAPH, QUERY_DIR, queries, read_expected, rows_of

ID = "https://w3id.org/cicagraph/id/"
REGISTRY = queries()
CQ_NAMES = sorted(p.stem for p in QUERY_DIR.glob("cq-*.rq"))


def test_there_are_enough_competency_questions() -> None:
    assert len(CQ_NAMES) >= 8
    assert all(name in REGISTRY for name in CQ_NAMES)


@pytest.mark.parametrize("name", CQ_NAMES)
def test_competency_question_is_answered_with_reasoning(shipped_store, name: str) -> None:
    rows = rows_of(shipped_store, REGISTRY[name])
    assert rows and rows == read_expected(name)


@pytest.mark.parametrize("name", CQ_NAMES)
def test_competency_question_is_empty_without_reasoning(shipped_store, name: str) -> None:
    assert rows_of(shipped_store, REGISTRY[name], default_graph_uris=(DATA_GRAPH,)) == []


def values(rows: list[dict[str, str]], var: str) -> set[str]:
    return {r[var].removeprefix(ID) for r in rows if var in r}


def test_kazakhstan_participates_via_the_property_chain(shipped_store) -> None:
    orgs = values(rows_of(shipped_store, REGISTRY["cq-organizations-of-state"]), "org")
    assert {"org/cica", "org/sco", "org/csto", "org/eaeu", "org/osce", "org/oic"} <= orgs


def test_almaty_act_adopted_at_the_first_summit(shipped_store) -> None:
    rows = rows_of(shipped_store, REGISTRY["cq-meeting-where-document-adopted"])
    assert [(r["meeting"], r["start"]) for r in rows] == [(ID + "meeting/cica-summit-1", "2002-06-04")]
    rows = rows_of(shipped_store, REGISTRY["cq-meeting-where-document-adopted"],
                   {"document": ID + "document/cbm-catalogue-2021"})
    assert [r["meeting"] for r in rows] == [ID + "meeting/cica-ministerial-6"]


def test_forums_organs_and_organizations_are_inferred_organizations(shipped_store) -> None:
    orgs = values(rows_of(shipped_store, REGISTRY["cq-organizations-by-inferred-type"]), "organization")
    assert {"org/cica", "org/sco", "org/asean", "org/cica-secretariat"} <= orgs


def test_city_is_part_of_a_region_transitively(shipped_store) -> None:
    cities = values(rows_of(shipped_store, REGISTRY["cq-cities-in-region"]), "city")
    assert {"place/almaty", "place/astana", "place/dushanbe", "place/shanghai"} <= cities
    assert "place/new-york" not in cities and "place/moscow" not in cities


def test_belarus_memberships_by_the_inverse_property(shipped_store) -> None:
    rows = rows_of(shipped_store, REGISTRY["cq-memberships-held"])
    assert (ID + "org/sco", ID + "role/member", "2024-07-04") in {(r["org"], r["role"], r.get("start")) for r in rows}
    assert (ID + "org/cica", ID + "role/observer") in {(r["org"], r["role"]) for r in rows}
