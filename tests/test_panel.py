"""The state-year membership panel (cicagraph.query.panel) and the clean research tables, on the
shipped build: coding, rules, unknown kept apart from none, formats and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from cicagraph.errors import CicagraphError
from cicagraph.pipeline.dates import bounds
from cicagraph.query import panel
from cicagraph.query.queries import load_queries
from cicagraph.query.research_tables import panel_table, query_table
from cicagraph.tabular import TABLE_FORMATS, DatasetVersion, csvw_metadata, humanise

REPO = Path(__file__).resolve().parent.parent
QUERIES = load_queries(REPO / "queries")
VERSION = DatasetVersion("0.1.0", "f" * 64, "2026-12-03T00:00:00+00:00")


def cells(table, **where) -> list[dict]:
    return [r for r in table.records() if all(r[k] == v for k, v in where.items())]


def status(table, iso3: str, year: int, forum: str = "cica") -> tuple[str, int | None]:
    [row] = cells(table, iso3=iso3, year=year, forum=forum)
    return row["status"], row["status_code"]


@pytest.fixture(scope="module")
def long_panel(shipped_store):
    return panel_table(shipped_store, QUERIES, forums=["cica", "sco"], first="1992", last="2025", version=VERSION)


# --- date bounds ------------------------------------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize("lexical, datatype, expected", [
    ("2014", XSD + "gYear", (dt.date(2014, 1, 1), dt.date(2014, 12, 31), "year")),
    ("2010-06", XSD + "gYearMonth", (dt.date(2010, 6, 1), dt.date(2010, 6, 30), "month")),
    ("2024-02", XSD + "gYearMonth", (dt.date(2024, 2, 1), dt.date(2024, 2, 29), "month")),
    ("2014-05-20", XSD + "date", (dt.date(2014, 5, 20), dt.date(2014, 5, 20), "day")),
    ("2023-02-30", XSD + "date", None),
    ("2014", XSD + "string", None),
])
def test_date_bounds(lexical: str, datatype: str, expected) -> None:
    assert bounds(lexical, datatype) == expected


def test_every_dated_fact_has_its_bounds_in_the_inferred_graph(shipped_store) -> None:
    missing = list(shipped_store.query("""PREFIX cg: <https://w3id.org/cicagraph/ontology#>
SELECT ?s ?d WHERE { GRAPH <https://w3id.org/cicagraph/graph/data> { ?s cg:startDate ?d }
  FILTER NOT EXISTS { GRAPH <https://w3id.org/cicagraph/graph/inferred> { ?s cg:startEarliest ?e ; cg:startLatest ?l ; cg:startPrecision ?p } } }"""))
    assert missing == []


# --- the coding ---------------------------------------------------------------------------------


def test_iraq_and_vietnam_are_cica_members_from_2010(long_panel) -> None:
    for iso3 in ("IRQ", "VNM"):
        assert status(long_panel, iso3, 2010) == ("member", 1)
        assert status(long_panel, iso3, 2024) == ("member", 1)
    assert status(long_panel, "IRQ", 2009) == ("none", 0)
    assert status(long_panel, "VNM", 2009) == ("observer", 3)  # an observer from 2004 (P08)


def test_bangladesh_observer_from_2010_then_member_from_2014(long_panel) -> None:
    assert status(long_panel, "BGD", 2009) == ("none", 0)
    assert [status(long_panel, "BGD", y) for y in (2010, 2013)] == [("observer", 3)] * 2
    assert status(long_panel, "BGD", 2014) == ("member", 1)
    [row] = cells(long_panel, iso3="BGD", year=2014, forum="cica")
    assert row["start"] == "2014-05-20" and "P19" in row["source_ids"].split("; ")


def test_belarus_path_in_the_sco(long_panel) -> None:
    path = [status(long_panel, "BLR", y, "sco")[0] for y in (2009, 2010, 2014, 2015, 2023, 2024)]
    assert path == ["none", "associate", "associate", "observer", "observer", "member"]


def test_a_status_attested_without_a_start_is_unknown_before_the_attestation(shipped_store, long_panel) -> None:
    # Every CICA/SCO membership of a state that a source attests (cg:asOf) without dating its
    # start: unknown (empty code) in the years before the attestation, never 0 or 1 -
    # unless another, dated status of the same state holds then - and held from it on.
    spells = panel.load_spells(shipped_store, QUERIES[panel.SPELLS_QUERY])
    undated = [s for s in spells if s.forum_slug in ("cica", "sco") and s.start is None and s.as_of_latest]
    assert len(undated) >= 5
    for s in undated:
        others = [o for o in spells if o.state == s.state and o.forum == s.forum and o is not s]
        year = s.as_of_latest.year
        for y in range(1992, year):
            end = dt.date(y, 12, 31)
            if any(o.held(end, end) == "yes" for o in others):
                continue
            [row] = cells(long_panel, iso3=s.iso3, year=y, forum=s.forum_slug)
            assert (row["status"], row["status_code"]) == ("unknown", None), (s.membership, y)
            assert row["as_of"] == s.as_of and row["source_ids"]
        if s.end is None and year <= 2025:
            [row] = cells(long_panel, iso3=s.iso3, year=year, forum=s.forum_slug)
            assert row["status"] in ("member", "associate", "observer"), (s.membership, year)


def test_unknown_is_an_empty_code_in_csv_never_zero(long_panel) -> None:
    body = TABLE_FORMATS["csv"].write(long_panel).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    unknown = [r for r in rows if r["status"] == "unknown"]
    assert unknown and all(r["status_code"] == "" for r in unknown)
    assert {r["status_code"] for r in rows if r["status"] == "none"} == {"0"}
    assert list(rows[0]) == [c.name for c in panel.LONG_COLUMNS]


def test_every_role_of_a_state_membership_is_coded(shipped_store) -> None:
    roles = {row["role"].value for row in shipped_store.query(
        "PREFIX org: <http://www.w3.org/ns/org#> PREFIX cg: <https://w3id.org/cicagraph/ontology#> "
        "SELECT DISTINCT ?role { ?m a org:Membership ; org:member ?s ; org:role ?role . ?s a cg:State }",
        use_default_graph_as_union=True)}
    assert roles and roles <= set(panel.ROLE_STATUS)


def test_an_unmapped_role_is_a_clear_error() -> None:
    with pytest.raises(CicagraphError, match="does not map"):
        panel._status_of("https://w3id.org/cicagraph/id/role/chair", "urn:x")


# --- rules, shapes, units -------------------------------------------------------------------------


def spell(**kw) -> panel.Spell:
    base = dict(membership="urn:m", forum="urn:f", forum_label="F", state="urn:s", state_label="S", iso3="SSS",
                wikidata=None, status="member", role_labels="member", start=None, end=None, as_of=None,
                start_earliest=None, start_latest=None, end_earliest=None, end_latest=None, as_of_latest=None,
                sources="", quotes="")
    base.update(kw)
    return panel.Spell(**base)  # type: ignore[arg-type]


def test_year_end_and_any_time_rules_differ_for_a_status_ended_mid_year() -> None:
    s = spell(start_earliest=dt.date(2000, 1, 1), start_latest=dt.date(2000, 1, 1),
              end_earliest=dt.date(2005, 6, 30), end_latest=dt.date(2005, 6, 30))
    year_end = panel.build_panel([s], forums=["urn:f"], first=dt.date(2005, 1, 1), last=dt.date(2005, 12, 31))
    any_time = panel.build_panel([s], forums=["urn:f"], first=dt.date(2005, 1, 1), last=dt.date(2005, 12, 31), rule="any")
    assert year_end.records()[0]["status"] == "none"
    assert any_time.records()[0]["status"] == "member"


def test_a_start_known_only_to_the_year_is_unknown_within_that_year_on_a_day() -> None:
    s = spell(start="2011", start_earliest=dt.date(2011, 1, 1), start_latest=dt.date(2011, 12, 31))
    assert s.held(dt.date(2010, 12, 31), dt.date(2010, 12, 31)) == "no"
    assert s.held(dt.date(2011, 6, 1), dt.date(2011, 6, 1)) == "unknown"
    assert s.held(dt.date(2011, 12, 31), dt.date(2011, 12, 31)) == "yes"


def test_wide_panel_is_the_long_panel_pivoted(shipped_store, long_panel) -> None:
    wide = panel_table(shipped_store, QUERIES, forums=["cica", "sco"], first="1992", last="2025", shape="wide", version=VERSION)
    assert [c.name for c in wide.columns] == ["iso3", "state", "wikidata", "year", "cica", "cica_status", "sco", "sco_status"]
    long_codes = {(r["iso3"], r["year"], r["forum"]): r["status_code"] for r in long_panel.records()}
    for r in wide.records():
        assert r["cica"] == long_codes[(r["iso3"], r["year"], "cica")]
        assert r["sco"] == long_codes[(r["iso3"], r["year"], "sco")]
    assert len(wide.rows) * 2 == len(long_panel.rows)


def test_day_unit_and_all_states(shipped_store) -> None:
    t = panel_table(shipped_store, QUERIES, forums=["cica"], first="2014-05-19", last="2014-05-21", unit="day",
                    all_states=True, version=VERSION)
    assert {r["date"] for r in t.records()} == {"2014-05-19", "2014-05-20", "2014-05-21"}
    states = {r["iso3"] for r in t.records()}
    assert len(t.rows) == 3 * len(states) and "BRA" in states  # a state with no CICA status: coded 0
    assert {r["status"] for r in cells(t, iso3="BRA")} == {"none"}
    assert [r["status"] for r in sorted(cells(t, iso3="BGD"), key=lambda r: r["date"])] == ["observer", "member", "member"]


def test_bad_arguments_are_clear_errors(shipped_store) -> None:
    with pytest.raises(CicagraphError, match="no memberships of states in 'nato-plus'"):
        panel_table(shipped_store, QUERIES, forums=["nato-plus"], version=VERSION)
    with pytest.raises(CicagraphError, match="neither a year"):
        panel_table(shipped_store, QUERIES, forums=["cica"], first="last year", version=VERSION)
    with pytest.raises(CicagraphError, match="more than"):
        panel_table(shipped_store, QUERIES, forums=["cica"], first="1000-01-01", last="2025-12-31", unit="day", version=VERSION)


# --- formats and metadata --------------------------------------------------------------------------


def test_every_format_carries_the_dataset_version(long_panel, tmp_path: Path) -> None:
    assert long_panel.file_name(TABLE_FORMATS["csv"]) == f"cicagraph-0.1.0+{'f' * 12}-panel-cica-sco-1992-2025.csv"
    body = json.loads(TABLE_FORMATS["json"].write(long_panel))
    assert body["dataset"]["content_hash"] == "f" * 64 and len(body["rows"]) == len(long_panel.rows)
    assert body["table"]["coding"]["unknown"] is None and body["table"]["rule"] == "year-end"
    meta = csvw_metadata(long_panel, "panel.csv", TABLE_FORMATS["csv"])
    assert [c["name"] for c in meta["tableSchema"]["columns"]] == long_panel.column_names
    assert meta["schema:version"] == VERSION.label


def test_parquet_round_trip(long_panel) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(TABLE_FORMATS["parquet"].write(long_panel)))
    assert table.num_rows == len(long_panel.rows) and table.column_names == long_panel.column_names
    assert table.schema.field("status_code").type == "int64"
    assert b"content_hash" in table.schema.metadata[b"cicagraph"]


def test_clean_query_table_drops_parameters_and_adds_names(shipped_store) -> None:
    t = query_table(shipped_store, QUERIES["cica-members-on-date"], {"date": "2006-12-31"}, VERSION)
    assert "date" not in t.column_names  # the echoed parameter
    assert t.column_names[:2] == ["state", "stateLabel"]
    assert {r["stateLabel"] for r in t.records()} >= {"Thailand", "Republic of Korea"}
    counts = query_table(shipped_store, QUERIES["member-count-per-year"], {}, VERSION)
    assert "forum" not in counts.column_names and counts.columns[1].datatype == "integer"
    assert humanise("stateLabel") == "State" and humanise("fromInForum") == "From in forum"


def test_member_count_query_agrees_with_the_panel(shipped_store) -> None:
    counts = {r["year"]: r["members"] for r in query_table(shipped_store, QUERIES["member-count-per-year"], {}, VERSION).records()}
    t = panel_table(shipped_store, QUERIES, forums=["cica"], first="1992", last="2026", version=VERSION)
    from_panel = {y: sum(1 for r in t.records() if r["year"] == y and r["status"] == "member") for y in range(1992, 2027)}
    assert counts == from_panel


# --- the CLI --------------------------------------------------------------------------------------


def test_cli_panel_and_table(runner, shipped_build: Path, tmp_path: Path) -> None:
    from cicagraph.cli import cli

    out = tmp_path / "panel.csv"
    args = ["--project", str(REPO), "--build-dir", str(shipped_build)]
    result = runner.invoke(cli, args + ["panel", "--forum", "cica", "--from", "2009", "--to", "2011", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["year"] for r in rows} == {"2009", "2010", "2011"}
    meta = json.loads(Path(str(out) + "-metadata.json").read_text())
    assert meta["url"] == "panel.csv" and meta["dc:license"].startswith("https://creativecommons.org/")
    result = runner.invoke(cli, args + ["table", "partners-and-memoranda", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"]
    result = runner.invoke(cli, args + ["panel", "--forum", "nope"])
    assert result.exit_code == 2 and "no memberships of states in 'nope'" in result.output
    result = runner.invoke(cli, args + ["table", "no-such-query"])
    assert result.exit_code == 2 and "no research query named" in result.output
