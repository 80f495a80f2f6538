"""Every research query in queries/*.rq, run with its default parameters on the shipped
build, gives exactly its pinned answer (tests/queries/expected/<name>.json, order included).

The pinned answers were checked against the reference facts; after reviewing a change,
re-pin with ``python tests/queries/regenerate.py NAME`` (never done by the tests).
"""

from __future__ import annotations

import re

import pytest
from cgqueries_testlib import (
    EXPECTED_DIR,
    QUERY_DIR,
    expected_path,
    queries,
    read_expected,
    rows_of,
)

from cicagraph.errors import QueryError

ID = "https://w3id.org/cicagraph/id/"
QUERY_FILES = sorted(QUERY_DIR.glob("*.rq"))
NAMES = [p.stem for p in QUERY_FILES]
REGISTRY = queries()
STANDARD_PREFIXES = {
    "cg": "https://w3id.org/cicagraph/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def run(store, name: str, **params: str) -> list[dict[str, str]]:
    return rows_of(store, REGISTRY[name], params)


# --- the collection itself ------------------------------------------------------------------


def test_every_query_file_is_collected_and_pinned() -> None:
    assert len(NAMES) >= 33
    assert sorted(REGISTRY) == NAMES, "every queries/*.rq must load into the registry"
    missing = [n for n in NAMES if not expected_path(n).is_file()]
    assert not missing, f"queries without a pinned answer: {missing}"
    orphans = sorted(p.stem for p in EXPECTED_DIR.glob("*.json") if p.stem not in REGISTRY)
    assert not orphans, f"pinned answers without a query: {orphans}"


@pytest.mark.parametrize("name", NAMES)
def test_query_file_conventions(name: str) -> None:
    q = REGISTRY[name]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name)
    assert q.title and q.description and q.tags
    declared = dict(re.findall(r"^PREFIX\s+(\w+):\s*<([^>]+)>", q.text, re.M))
    assert declared == STANDARD_PREFIXES, "use the standard PREFIX block"
    assert re.search(r"^ORDER BY ", q.text, re.M), "results must be ordered deterministically"
    for p in q.params:
        assert p.default is not None, f"{name}: parameter {p.name} needs a default for the pinned answer"


@pytest.mark.parametrize("name", NAMES)
def test_query_gives_its_pinned_answer(shipped_store, name: str) -> None:
    rows = run(shipped_store, name)
    assert rows, f"{name} answers nothing on the shipped data"
    assert rows == read_expected(name)


# --- non-default parameters (facts checked against the reference facts B2, B3, B11) ----------

MEMBERS_2006 = {"AFG", "AZE", "CHN", "EGY", "IND", "IRN", "ISR", "KAZ", "KGZ", "MNG", "PAK", "PSE",
                "RUS", "TJK", "TUR", "UZB", "THA", "KOR"}  # 18 after the 2nd Summit (P70)
JOINED_2008_2022 = {"JOR", "ARE", "IRQ", "VNM", "BHR", "KHM", "QAT", "BGD", "LKA", "KWT"}


def members_on(store, date: str) -> set[str]:
    rows = run(store, "cica-members-on-date", date=date)
    assert all(r["date"] == date for r in rows)
    return {r["state"].removeprefix(ID + "state/") for r in rows}


def test_cica_members_on_date_grows_from_2006_to_2024(shipped_store) -> None:
    in_2006 = members_on(shipped_store, "2006-12-31")
    in_2024 = members_on(shipped_store, "2024-12-31")
    assert in_2006 == MEMBERS_2006
    assert in_2006 < in_2024 and len(in_2024) == 28
    assert {"KOR", "THA"} <= in_2006 and in_2024 - in_2006 == JOINED_2008_2022


def test_cica_members_on_date_compares_mixed_precision_dates(shipped_store) -> None:
    # Thailand admitted 22 Oct 2004 (xsd:date): not a member the day before
    assert "THA" not in members_on(shipped_store, "2004-10-21")
    assert "THA" in members_on(shipped_store, "2004-10-22")
    # Bahrain and Cambodia joined "2011" (xsd:gYear): a year counts from its first day
    assert not {"BHR", "KHM"} & members_on(shipped_store, "2010-12-31")
    assert {"BHR", "KHM"} <= members_on(shipped_store, "2011-06-01")
    # Vietnam and Iraq joined "2010-06" (xsd:gYearMonth)
    assert not {"VNM", "IRQ"} & members_on(shipped_store, "2010-05-31")
    assert {"VNM", "IRQ"} <= members_on(shipped_store, "2010-06-15")
    # the initiator Kazakhstan has no dated membership and always counts
    assert "KAZ" in members_on(shipped_store, "1999-01-01")


def test_memberships_of_belarus(shipped_store) -> None:
    rows = run(shipped_store, "memberships-of-state", state=ID + "state/BLR")
    status = {(r["org"].removeprefix(ID + "org/"), r["role"].removeprefix(ID + "role/")): r for r in rows}
    assert ("cica", "member") not in status  # no territory in Asia (P56)
    assert "end" not in status[("cica", "observer")]
    assert status[("sco", "member")]["start"] == "2024-07-04"  # P100
    assert "end" not in status[("sco", "member")]
    assert (status[("sco", "observer")]["start"], status[("sco", "observer")]["end"]) == ("2015", "2024-07-04")
    assert (status[("sco", "dialogue-partner")]["start"], status[("sco", "dialogue-partner")]["end"]) == ("2010", "2015")


def test_forum_membership_timeline_of_cica(shipped_store) -> None:
    rows = run(shipped_store, "forum-membership-timeline", org=ID + "org/cica")
    starts = [(r["date"], r["member"].removeprefix(ID + "state/")) for r in rows
              if r["event"] == "start" and r["role"] == ID + "role/member"]
    assert [d for d, _ in starts] == sorted(d for d, _ in starts)
    assert ("2022-10-13", "KWT") == starts[-1]  # 28th member, 6th Summit (P16)


def test_forums_sharing_members_with_the_sco(shipped_store) -> None:
    rows = run(shipped_store, "forums-sharing-members-with-cica", org=ID + "org/sco")
    shared = {r["other"].removeprefix(ID + "org/"): int(r["sharedMembers"]) for r in rows}
    # the 9 SCO members other than Belarus are CICA members; CSTO: KAZ, KGZ, RUS, TJK, BLR
    assert shared["cica"] == 9 and shared["csto"] == 5
    assert [int(r["sharedMembers"]) for r in rows] == sorted(shared.values(), reverse=True)


# --- parameters are bound, never spliced -------------------------------------------------------


@pytest.mark.parametrize(
    "name, params",
    [
        ("cica-members-on-date", {"date": '"> } ; DROP'}),
        ("cica-members-on-date", {"date": "2006-12-31\" } UNION { ?s ?p ?o"}),
        ("cica-members-on-date", {"date": "31/12/2006"}),
        ("memberships-of-state", {"state": "https://w3id.org/cicagraph/id/state/K AZ"}),
        ("memberships-of-state", {"state": "https://w3id.org/cicagraph/id/state/KAZ> } ; DROP GRAPH <x"}),
        ("memberships-of-state", {"state": "KAZ"}),
        ("facts-from-source", {"source": "<https://w3id.org/cicagraph/id/source/P01>"}),
        ("memberships-of-state", {"country": "https://w3id.org/cicagraph/id/state/KAZ"}),
    ],
)
def test_malicious_or_malformed_parameter_is_refused(name: str, params: dict[str, str]) -> None:
    with pytest.raises(QueryError):
        REGISTRY[name].bindings(params)


def test_parameter_value_is_data_not_query_text(shipped_store) -> None:
    # a syntactically valid but unknown IRI simply matches nothing
    assert run(shipped_store, "memberships-of-state", state="https://example.org/x?y=1#z") == []
