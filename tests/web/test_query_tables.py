"""Research-query results as clean HTML tables: column titles from ``# column:`` header
lines or humanised variable names, no echoed parameter columns, IRIs by their label or
generated title linking to their page, datatypes on hover, links to the table downloads."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from cicagraph.config import Project, Settings
from cicagraph.query.queries import parse_query_file
from cicagraph.web import create_app
from cicagraph.web.research import column_titles, result_columns

REPO = Path(__file__).resolve().parents[2]


class _Table(HTMLParser):
    """The column headings and the cells (their HTML-free text) of the first results table."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.rows: list[list[str]] = []
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("th", "td"):
            self._in, self._text = tag, []
        elif tag == "tr":
            self._row: list[str] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self.headings.append("".join(self._text).strip())
        elif tag == "td":
            self._row.append("".join(self._text).strip())
        elif tag == "tr" and self._in == "td":
            self.rows.append(self._row)
        if tag in ("th", "td"):
            self._in = tag if tag == "td" else None

    def handle_data(self, data: str) -> None:
        if self._in in ("th", "td"):
            self._text.append(data)


def _table(html: str) -> _Table:
    t = _Table()
    t.feed(html)
    return t


def test_column_titles_and_no_parameter_columns(tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text(
        "# title: Members\n"
        "# param: forum iri https://w3id.org/cicagraph/id/org/cica The forum\n"
        "# column: start Member since\n"
        "# column: stateLabel Member state\n"
        "SELECT ?forum ?forumLabel ?state ?stateLabel ?start ?asOf ?nationalityLabel WHERE {\n"
        "  ?m <http://www.w3.org/ns/org#organization> ?forum ; <http://www.w3.org/ns/org#member> ?state .\n"
        "}\n# column: ignored After the header\n"
    )
    canned = parse_query_file(path)
    assert column_titles(canned.text) == {"start": "Member since", "stateLabel": "Member state"}
    columns = result_columns(canned, ["forum", "forumLabel", "state", "stateLabel", "start", "asOf", "nationalityLabel"])
    assert [(c.variable, c.title, c.label_variable) for c in columns] == [
        ("state", "Member state", "stateLabel"),  # ?state named by ?stateLabel: one column
        ("start", "Member since", None),
        ("asOf", "As of", None),
        ("nationalityLabel", "Nationality", None),  # a label without its IRI stays a column
    ]  # ?forum and ?forumLabel only echo the parameter


def test_fixture_query_table(client: FlaskClient) -> None:
    html = client.get("/queries/summits", query_string={"min": "1"}, headers={"Accept": "text/html"}).get_data(as_text=True)
    table = _table(html)
    assert table.headings == ["Summit", "Name", "Date", "N"]  # no ?min column, no "?" names
    assert table.rows and all(len(r) == 4 for r in table.rows)
    assert table.rows[0][0] == "First CICA Summit"  # the IRI by its label
    assert 'href="/id/meeting/cica-summit-1"' in html
    assert re.search(r'<span class="typed" title="xsd:date">\d{4}-\d\d-\d\d</span>', html)  # datatype on hover
    assert '<span class="tag">xsd:' not in html


def test_members_table_leaves_out_both_parameters(client: FlaskClient) -> None:
    html = client.get("/queries/members", headers={"Accept": "text/html"}).get_data(as_text=True)
    table = _table(html)
    assert "Forum" not in table.headings and "Since" not in table.headings
    assert table.headings[0] == "State"
    assert {r[0] for r in table.rows} >= {"Kazakhstan", "China"}
    assert "?state" in html  # the variable stays available, on hover


def test_links_to_the_clean_table_downloads(client: FlaskClient) -> None:
    html = client.get("/queries/members", query_string={"since": "2000-01-01"}, headers={"Accept": "text/html"}).get_data(as_text=True)
    for ext, text in (("csv", "CSV"), ("tsv", "TSV"), ("json", "JSON")):
        m = re.search(rf'<a href="(/queries/members\.{ext}\?since=2000-01-01)">table \({text}\)</a>', html)
        assert m, ext
        r = client.get(m.group(1).replace("&amp;", "&"))
        assert r.status_code == 200
        if ext != "json":
            assert "Azerbaijan" in r.get_data(as_text=True) and "China" not in r.get_data(as_text=True)
    assert '/queries/members?since=2000-01-01&amp;format=json' in html  # the SPARQL results stay too


@pytest.fixture(scope="module")
def shipped_client(shipped_build: Path, shipped_store: ox.Store) -> FlaskClient:
    app = create_app(Settings(project=Project(REPO), build_dir=shipped_build), store=shipped_store)
    app.config["TESTING"] = True
    return app.test_client()


def test_shipped_query_table(shipped_client: FlaskClient) -> None:
    html = shipped_client.get("/queries/cica-members-on-date", query_string={"date": "2012-01-01"},
                              headers={"Accept": "text/html"}).get_data(as_text=True)
    table = _table(html)
    assert table.headings[0] == "State" and "Date" not in table.headings and "State label" not in table.headings
    names = {r[0] for r in table.rows}
    assert "Kazakhstan" in names and not any(n.startswith(("state:", "https://")) for n in names)


def test_shipped_iri_columns_show_titles(shipped_client: FlaskClient) -> None:
    """IRIs without a label column: facts by their generated title, sources by host and date."""
    html = shipped_client.get("/queries/count-claims-over-time", headers={"Accept": "text/html"}).get_data(as_text=True)
    table = _table(html)
    assert "Org" not in table.headings  # the parameter
    claims = table.headings.index("Claim")
    assert table.rows and all(re.match(r"^\d+ \w", r[claims]) for r in table.rows)  # "15 members of CICA (…"
    cells = [c for r in table.rows for c in r]
    assert not [c for c in cells if re.match(r"^(claim|src|role|io):\S+$", c) or c.startswith("https://w3id.org/")]
