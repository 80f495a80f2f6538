"""The coverage report (cicagraph.curation.coverage) and `cicagraph coverage`: per-forum dating, quotes
per source, and the gap list (data/gaps.ttl) checked against the data — the suite fails when a
gap is closed in the data but still listed as open, or the other way round."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from cicagraph.cli import cli
from cicagraph.config import Project
from cicagraph.curation.coverage import CoverageReport, coverage_report

REPO = Path(__file__).resolve().parent.parent
CG = rdflib.Namespace("https://w3id.org/cicagraph/ontology#")
GAP = "https://w3id.org/cicagraph/id/gap/"


@pytest.fixture(scope="module")
def shipped() -> CoverageReport:
    return coverage_report(Project(REPO))


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throw-away copy of the project's inputs (ontology, data, shapes, checks, queries)."""
    for part in ("ontology", "data", "shapes", "checks", "queries"):
        shutil.copytree(REPO / part, tmp_path / part)
    return tmp_path


def gap(report: CoverageReport, slug: str):
    return next(g for g in report.gaps if g.gap == GAP + slug)


def test_the_shipped_gap_list_agrees_with_the_data(shipped: CoverageReport) -> None:
    assert shipped.ok, "\n" + "\n".join(f"{g.gap}: {p}" for g in shipped.inconsistent for p in g.problems)


def test_every_gap_has_a_status_and_its_evidence(shipped: CoverageReport) -> None:
    assert len(shipped.gaps) >= 40
    for g in shipped.gaps:
        assert g.status in ("open", "closed", "searched-not-found"), g.gap
        if g.status == "closed":
            assert g.sources, f"{g.gap} is closed without a source"
        if g.status == "searched-not-found":
            assert g.queries, f"{g.gap} is searched-not-found without the queries tried"


def test_forums_and_quotes_are_counted(shipped: CoverageReport) -> None:
    cica = next(f for f in shipped.forums if f.forum.endswith("/org/cica"))
    assert cica.memberships == cica.with_start + cica.only_as_of + cica.undated
    assert cica.with_start >= 19 and cica.undated == 0
    q = shipped.quotes
    assert q.facts == q.quote_per_source + q.some_quotes + q.no_quote
    assert q.quote_per_source > 300


def test_text_and_json_agree(shipped: CoverageReport) -> None:
    data = shipped.to_json()
    assert data["ok"] is shipped.ok
    assert sum(data["gap_counts"].values()) == len(shipped.gaps) == len(data["gaps"])
    json.dumps(data)  # serialisable
    text = shipped.to_text()
    assert "Memberships per forum" in text and "CICA" in text
    assert f"Gaps: {len(shipped.gaps)}" in text
    assert "Gap list consistent with the data." in text


def test_a_closed_gap_whose_fact_is_undated_again_is_inconsistent(project_copy: Path) -> None:
    """Remove Qatar's start date in a temp copy: the gap listed as closed no longer holds."""
    cica = project_copy / "data" / "cica.ttl"
    text = cica.read_text(encoding="utf-8")
    block = re.search(r"ms:cica-QAT-member a org:Membership ;.*?\n\n", text, re.S).group(0)
    cica.write_text(text.replace(block, block.replace('    cg:startDate "2014-05-20"^^xsd:date ;\n', "")), encoding="utf-8")
    report = coverage_report(Project(project_copy))
    assert not report.ok
    g = gap(report, "cica-qatar-accession-day")
    assert g.lacking == ["https://w3id.org/cicagraph/id/membership/cica-QAT-member"]
    assert "listed as closed" in g.problems[0]


def test_an_open_gap_whose_fact_is_now_dated_is_inconsistent(project_copy: Path) -> None:
    """Date Lebanon's end of observer status in a temp copy (a made-up value, never shipped):
    the gap listed as searched-not-found is now contradicted by the data."""
    cica = project_copy / "data" / "cica.ttl"
    text = cica.read_text(encoding="utf-8")
    text = text.replace("ms:cica-LBN-observer a org:Membership ;\n",
                        'ms:cica-LBN-observer a org:Membership ;\n    cg:endDate "2007"^^xsd:gYear ;\n', 1)
    cica.write_text(text, encoding="utf-8")
    report = coverage_report(Project(project_copy))
    assert not report.ok
    assert "every concerned resource now has cg:endDate" in gap(report, "cica-observer-end-lbn").problems[0]


def test_precision_counts(project_copy: Path) -> None:
    """A gap that needs the day is not closed by a year."""
    graph = rdflib.Graph()
    graph.parse(data="""
        @prefix cg: <https://w3id.org/cicagraph/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix prov: <http://www.w3.org/ns/prov#> . @prefix org: <http://www.w3.org/ns/org#> .
        <https://w3id.org/cicagraph/id/membership/x> a org:Membership ; cg:startDate "2014"^^xsd:gYear .
        <https://w3id.org/cicagraph/id/source/s> a cg:WebPage .
        <https://w3id.org/cicagraph/id/gap/x-day> a cg:Gap ; cg:gapStatus "closed" ;
            prov:wasDerivedFrom <https://w3id.org/cicagraph/id/source/s> ;
            cg:concerns <https://w3id.org/cicagraph/id/membership/x> ;
            cg:missingProperty cg:startDate ; cg:requiredPrecision "day" .
    """, format="turtle")
    report = coverage_report(graph)
    assert not report.ok and report.gaps[0].lacking


def test_status_rules(project_copy: Path) -> None:
    graph = rdflib.Graph()
    graph.parse(data="""
        @prefix cg: <https://w3id.org/cicagraph/ontology#> .
        <https://w3id.org/cicagraph/id/gap/a> a cg:Gap ; cg:gapStatus "closed" .
        <https://w3id.org/cicagraph/id/gap/b> a cg:Gap ; cg:gapStatus "searched-not-found" .
        <https://w3id.org/cicagraph/id/gap/c> a cg:Gap ; cg:gapStatus "done" ;
            cg:concerns <https://w3id.org/cicagraph/id/state/XXX> .
    """, format="turtle")
    problems = {g.gap.rsplit("/", 1)[1]: g.problems for g in coverage_report(graph).gaps}
    assert "no closing source" in problems["a"][0]
    assert "no cg:searchQuery" in problems["b"][0]
    assert "not one of" in problems["c"][0] and "does not declare" in problems["c"][1]


def test_cli_exit_codes_and_formats(project_copy: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["--project", str(REPO), "coverage"])
    assert ok.exit_code == 0, ok.output
    assert "Gap list consistent with the data." in ok.output
    as_json = runner.invoke(cli, ["--project", str(REPO), "coverage", "--format", "json"])
    assert as_json.exit_code == 0 and json.loads(as_json.output)["ok"] is True
    # inconsistent copy -> exit 1
    cica = project_copy / "data" / "cica.ttl"
    text = cica.read_text(encoding="utf-8")
    cica.write_text(text.replace("ms:cica-LBN-observer a org:Membership ;\n",
                                 'ms:cica-LBN-observer a org:Membership ;\n    cg:endDate "2007"^^xsd:gYear ;\n', 1), encoding="utf-8")
    bad = runner.invoke(cli, ["--project", str(project_copy), "coverage"])
    assert bad.exit_code == 1 and "INCONSISTENT" in bad.output
    # unparsable data -> exit 2
    (project_copy / "data" / "broken.ttl").write_text("this is not turtle .", encoding="utf-8")
    broken = runner.invoke(cli, ["--project", str(project_copy), "coverage"])
    assert broken.exit_code == 2


# --- CICA's member count at the end of each year (queries/cica-member-count-by-year.rq) ------
#
# The query's live answer equals tests/queries/expected/cica-member-count-by-year.json (checked
# by tests/queries/test_research_queries.py); here the figures are pinned beside the count
# claims of the sources. Each entry: year -> (members at 31 December, dated by a start,
# only attested by cg:asOf, {claimed count: claim} of that year).
CICA_YEAR_END = {
    # 1999: 15 states attended the 1st Ministerial (P01, P02, P23), but only 7 are attested as
    # members in 1999 (Tajikistan with a start; Azerbaijan, Afghanistan, Iran, Israel, Pakistan,
    # Turkey by cg:asOf 1999-09-14): the other 8 are first attested on 4 June 2002 (W004).
    # Disagreement documented: the count is a lower bound, no accession is inferred from silence.
    1999: (7, 1, 6, {"15": "cica-members-1999-P01"}),
    2002: (16, 1, 15, {"16": "cica-members-2002-P73"}),
    2006: (18, 3, 15, {"18": "cica-members-2006-P70"}),
    2010: (22, 7, 15, {"22": "cica-members-2010-P71"}),
    # 2014: the sources' 23 (P22, an internal miscount, C-04), 24 (P69, before the summit) and
    # 25 (P19, on 20 May, Qatar before Bangladesh) are counts before the summit's two
    # admissions; 26 after it (P06) agrees with the data.
    2014: (26, 11, 15, {"26": "cica-members-2014-P06"}),
    2019: (27, 12, 15, {}),
    2022: (28, 13, 15, {"28": "cica-members-2022-P16"}),
}


def _year_rows() -> dict[int, list[dict[str, str]]]:
    rows = json.loads((REPO / "tests" / "queries" / "expected" / "cica-member-count-by-year.json").read_text(encoding="utf-8"))
    by_year: dict[int, list[dict[str, str]]] = {}
    for row in rows:
        by_year.setdefault(int(row["year"]), []).append(row)
    return by_year


def test_cica_member_count_covers_every_year_1999_2025() -> None:
    by_year = _year_rows()
    assert sorted(by_year) == list(range(1999, 2026))
    counts = [int(by_year[y][0]["members"]) for y in range(1999, 2026)]
    assert counts == sorted(counts), "CICA never lost a member: the year-end count never falls"
    assert counts[-1] == 28


@pytest.mark.parametrize("year", sorted(CICA_YEAR_END))
def test_cica_member_count_at_year_end_beside_the_count_claims(year: int) -> None:
    members, dated, attested, claims = CICA_YEAR_END[year]
    rows = _year_rows()[year]
    assert {(r["members"], r["dated"], r["attested"]) for r in rows} == {(str(members), str(dated), str(attested))}
    claimed = {r["claimedCount"]: r["claim"].rsplit("/", 1)[1] for r in rows if "claim" in r}
    for count, claim in claims.items():
        assert claimed.get(count) == claim, f"{year}: the sources' count {count} ({claim}) is not beside the data's {members}"
    agreeing = [c for c in claimed if int(c) == members]
    assert agreeing or year in (1999, 2019), f"{year}: no source's count agrees with the data's {members}"
