"""The researcher views, tables over HTTP, the landing page, browse lists and search, on an
app over the shipped build (a fresh app per test)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Iterator

import pytest
from cgweb_testlib import serving
from flask.testing import FlaskClient

from cicagraph.config import Project, Settings
from cicagraph.query import panel
from cicagraph.query.queries import load_queries
from cicagraph.web import create_app

REPO = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html"}


@pytest.fixture
def shipped_app(shipped_build: Path, shipped_store):
    app = create_app(Settings(project=Project(REPO), build_dir=shipped_build), store=shipped_store)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(shipped_app) -> FlaskClient:
    return shipped_app.test_client()


@pytest.fixture
def shipped_server(shipped_app) -> Iterator[str]:
    with serving(shipped_app) as url:
        yield url


def spells(shipped_store, forum: str | None = None) -> list[panel.Spell]:
    query = load_queries(REPO / "queries")[panel.SPELLS_QUERY]
    return [s for s in panel.load_spells(shipped_store, query) if forum is None or s.forum_slug == forum]


# --- timeline ------------------------------------------------------------------------------------


def test_cica_timeline_has_a_bar_per_membership(client: FlaskClient, shipped_store) -> None:
    html = client.get("/views/timeline/cica", headers=HTML).get_data(as_text=True)
    cica = spells(shipped_store, "cica")
    bars = re.findall(r'<g class="bar (\w+)[^"]*" data-state="(\w+)"', html)
    assert len([b for b in bars if b[0] == "member"]) == len([s for s in cica if s.status == "member"]) == 28
    assert len([b for b in bars if b[0] == "observer"]) == len([s for s in cica if s.status == "observer"]) > 5
    # open-ended bars end in an arrow; undated starts are marked, not drawn from the founding
    assert html.count('class="open-end"') == len([s for s in cica if s.end_earliest is None and s.certain_from])
    assert html.count('class="undated-start"') == len([s for s in cica if s.start_latest is None and s.as_of_latest])
    assert "Download this as CSV" in html and 'href="/editor#query=' in html


def test_timeline_csv_is_the_memberships_with_sources(client: FlaskClient, shipped_store) -> None:
    r = client.get("/views/timeline/cica.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == len(spells(shipped_store, "cica"))
    assert all(row["source_ids"] for row in rows)


def test_the_sparql_behind_a_view_opens_the_query_with_its_parameter(client: FlaskClient) -> None:
    html = client.get("/views/timeline/sco", headers=HTML).get_data(as_text=True)
    link = re.search(r'class="sparql-link" href="([^"]+)"', html).group(1)
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(link.replace("&amp;", "&")).fragment)["query"][0]
    assert "VALUES ?forum { <https://w3id.org/cicagraph/id/org/sco> }" in query
    assert client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}).status_code == 200


# --- counts --------------------------------------------------------------------------------------


def test_member_count_view_shows_the_sources_counts(client: FlaskClient, shipped_store) -> None:
    html = client.get("/views/counts/cica", headers=HTML).get_data(as_text=True)
    claims = list(shipped_store.query(
        "PREFIX cg: <https://w3id.org/cicagraph/ontology#> SELECT DISTINCT ?c { ?c a cg:CountClaim ; "
        "cg:about <https://w3id.org/cicagraph/id/org/cica> ; cg:count ?n ; cg:countedRole ?r ; cg:asOf ?d }",
        use_default_graph_as_union=True))
    assert len(claims) > 10 and html.count('<circle class="claim') == len(claims)
    assert 'class="members-line"' in html and 'class="undated-band"' in html
    rows = list(csv.DictReader(io.StringIO(client.get("/views/counts/cica.csv").get_data(as_text=True))))
    by_year = {int(r["year"]): int(r["members"]) for r in rows}
    assert by_year[2022] >= 27 and by_year[2010] < by_year[2022]


# --- overlap -------------------------------------------------------------------------------------


def test_overlap_changes_with_the_date(client: FlaskClient) -> None:
    def matrix(on: str) -> dict[str, str]:
        html = client.get(f"/views/overlap?on={on}&forum=cica&forum=sco", headers=HTML).get_data(as_text=True)
        return dict(re.findall(r'<a href="/id/state/(\w+)">[^<]*</a></td>\s*<td class="cell (\w+)"', html))

    early, late = matrix("2004-12-31"), matrix("2024-12-31")
    assert early.get("KWT", "none") == "none" and late["KWT"] == "member"  # Kuwait joined on 13 Oct 2022 (P16)
    assert early.get("BGD", "none") == "none" and late["BGD"] == "member"


def test_overlap_pairs_and_csv(client: FlaskClient) -> None:
    html = client.get("/views/overlap?on=2024-12-31", headers=HTML).get_data(as_text=True)
    assert "Shared members, pair by pair" in html and "/queries/members-on-date-in-two-forums?" in html
    rows = list(csv.DictReader(io.StringIO(client.get("/views/overlap.csv?on=2024-12-31&forum=cica&forum=sco").get_data(as_text=True))))
    assert rows and set(rows[0]) == {"iso3", "state", "date", "cica", "sco"}


def test_bad_date_and_unknown_forum(client: FlaskClient) -> None:
    r = client.get("/views/overlap?on=2014-13-40")
    assert r.status_code == 400 and "on must be a date" in r.get_json()["error"]
    r = client.get("/views/timeline/nowhere")
    assert r.status_code == 404 and "cica" in r.get_json()["hint"]


# --- resource pages ------------------------------------------------------------------------------


def test_state_and_forum_pages_carry_their_timelines(client: FlaskClient) -> None:
    state = client.get("/id/state/BLR", headers=HTML).get_data(as_text=True)
    assert 'class="chart timeline"' in state and 'data-forum="sco"' in state and 'data-forum="cica"' in state
    forum = client.get("/id/org/cica", headers=HTML).get_data(as_text=True)
    assert "Meetings by year" in forum and "Documents adopted" in forum and "/views/timeline/cica" in forum
    for html in (state, forum, client.get("/browse/states", headers=HTML).get_data(as_text=True)):
        assert 'class="csv-link"' in html and 'class="sparql-link" href="/editor#query=' in html


# --- tables over HTTP ----------------------------------------------------------------------------


def test_panel_csv_over_http_matches_the_library(client: FlaskClient, shipped_store) -> None:
    from cicagraph.query.research_tables import panel_table

    r = client.get("/panel.csv?forum=cica&forum=sco&from=2000&to=2024")
    assert r.status_code == 200
    version = client.application.extensions["cicagraph"].version
    expected = panel_table(shipped_store, load_queries(REPO / "queries"), forums=["cica", "sco"], first="2000", last="2024", version=version)
    from cicagraph.tabular import TABLE_FORMATS

    assert r.data == TABLE_FORMATS["csv"].write(expected)
    disposition = r.headers["Content-Disposition"]
    assert f"cicagraph-{version.label}-panel-cica-sco-2000-2024.csv" in disposition
    assert 'rel="describedby"' in r.headers["Link"]
    meta = client.get("/panel.csv-metadata.json?forum=cica&forum=sco&from=2000&to=2024").get_json()
    assert meta["url"].endswith("/panel.csv?forum=cica&forum=sco&from=2000&to=2024")
    assert meta["cicagraph:contentHash"] == version.content_hash


def test_every_research_query_is_a_table(client: FlaskClient) -> None:
    for canned in load_queries(REPO / "queries").values():
        r = client.get(f"/queries/{canned.name}.csv")
        if canned.text.lstrip("# \n").upper().find("CONSTRUCT") >= 0 and r.status_code != 200:
            continue
        assert r.status_code in (200, 400), (canned.name, r.status_code)
        if r.status_code == 200:
            header = next(csv.reader(io.StringIO(r.get_data(as_text=True))))
            assert not {p.name for p in canned.params} & set(header), canned.name


def test_table_formats_and_errors(client: FlaskClient) -> None:
    assert client.get("/queries/summits-and-ministerials.json").get_json()["dataset"]["version"]
    assert client.get("/queries/summits-and-ministerials.tsv").mimetype == "text/tab-separated-values"
    assert client.get("/queries/summits-and-ministerials.parquet").mimetype == "application/vnd.apache.parquet"
    assert client.get("/queries/summits-and-ministerials.xlsx").status_code == 404
    assert client.get("/queries/no-such-query.csv").status_code == 404
    assert client.get("/queries/cica-members-on-date.csv?date=yesterday").status_code == 400
    assert client.get("/panel.csv?forum=nowhere").status_code == 400


def test_pandas_recipe_from_the_readme(shipped_server: str) -> None:
    import pandas as pd

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    recipe = re.search(r"```python\n(import pandas as pd\n.*?)```", readme, re.S).group(1)
    recipe = recipe.replace("http://127.0.0.1:8000", shipped_server)
    scope: dict = {}
    exec(compile(recipe, "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    df = scope["panel"]
    assert isinstance(df, pd.DataFrame) and {"iso3", "year", "status_code"} <= set(df.columns)
    assert set(df["forum"]) == {"cica", "sco"} and df["status_code"].isna().any()


# --- landing page, browse, search, cite ------------------------------------------------------------


def test_landing_page_says_what_this_is(client: FlaskClient, shipped_app) -> None:
    html = client.get("/", headers=HTML).get_data(as_text=True)
    version = shipped_app.extensions["cicagraph"].version
    assert "Conference on Interaction and" in html and "Cite this dataset" in html
    assert version.label in html and version.content_hash in html
    counts = dict(re.findall(r'href="/browse/(\w+)"><strong>(\d+)</strong>', html))
    assert int(counts["states"]) == 65 and int(counts["memberships"]) >= 240
    assert "/views/timeline/cica" in html and "/coverage" in html


def test_browse_lists_link_to_every_resource(client: FlaskClient) -> None:
    html = client.get("/browse/states", headers=HTML).get_data(as_text=True)
    assert len(re.findall(r'<li><a href="/id/state/[A-Z]{3}">', html)) == 65
    rows = list(csv.DictReader(io.StringIO(client.get("/browse/states.csv").get_data(as_text=True))))
    assert len(rows) == 65 and rows[0]["label"]
    assert client.get("/browse/nothing").status_code == 404


def test_search_by_any_name_in_any_language(client: FlaskClient) -> None:
    results = client.get("/search?q=kazak&format=json").get_json()["results"]
    assert results[0]["iri"] == "https://w3id.org/cicagraph/id/state/KAZ" and results[0]["kind"] == "state"
    ru = client.get("/search?q=свмда&format=json").get_json()["results"]
    assert ru[0]["iri"] == "https://w3id.org/cicagraph/id/org/cica" and ru[0]["names"][0]["lang"] == "ru"
    assert client.get("/search?q=k&format=json").get_json()["results"] == []
    html = client.get("/search?q=%3Cscript%3E", headers=HTML).get_data(as_text=True)
    assert "<script>" not in html


def test_void_carries_the_citation(client: FlaskClient, shipped_app) -> None:
    import rdflib

    g = rdflib.Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data, format="turtle")
    version = shipped_app.extensions["cicagraph"].version
    from cicagraph.pipeline.export import DATASET_IRI

    citation = list(g.objects(rdflib.URIRef(DATASET_IRI), rdflib.URIRef("http://purl.org/dc/terms/bibliographicCitation")))
    assert citation and version.label in str(citation[0])


def test_citation_cff_matches_the_package() -> None:
    from cicagraph import __version__

    text = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    assert "cff-version: 1.2.0" in text and f'version: "{__version__}"' in text
    assert "license: CC-BY-4.0" in text


def test_every_resource_page_has_a_cite_line(client: FlaskClient, shipped_app) -> None:
    version = shipped_app.extensions["cicagraph"].version
    for path in ("/id/membership/cica-BGD-member", "/id/state/KAZ", "/id/org/cica"):
        html = client.get(path, headers=HTML).get_data(as_text=True)
        cite = re.search(r'<section class="cite".*?</section>', html, re.S).group(0)
        assert version.label in cite and "https://w3id.org/cicagraph/id/" in cite
        assert 'class="site-footer' in html and version.label in html.split('class="site-footer', 1)[1]
    fact = client.get("/id/membership/cica-BGD-member", headers=HTML).get_data(as_text=True)
    cite = re.search(r'<section class="cite".*?</section>', fact, re.S).group(0)
    assert "Source: P19" in cite and "“" in cite  # the source and its quote
