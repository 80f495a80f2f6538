"""The researcher views in a real headless Chromium (Debian's, via Playwright), over the
shipped build on loopback: no request leaves loopback, no page script fails.

Run with ``CICAGRAPH_SCREENSHOT_DIR=docs/screenshots`` to refresh the README's screenshots
(and ``CICAGRAPH_SCREENSHOT_BUILD=build`` to use a full build, with the ontology docs)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from cgweb_testlib import chromium_page, serving

from cicagraph.config import Project, Settings
from cicagraph.pipeline.store import load_dataset_file
from cicagraph.query.queries import load_queries
from cicagraph.query.research_tables import panel_table
from cicagraph.tabular import TABLE_FORMATS
from cicagraph.web import create_app

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(shipped_build: Path) -> Iterator[tuple[str, Any]]:
    build = Path(os.environ.get("CICAGRAPH_SCREENSHOT_BUILD") or shipped_build)
    app = create_app(Settings(project=Project(REPO), build_dir=build), store=load_dataset_file(build / "dataset.nq"))
    with serving(app) as url:
        yield url, app


@pytest.fixture
def page(server: tuple[str, Any]) -> Iterator[Any]:
    with chromium_page(viewport={"width": 1300, "height": 900}, accept_downloads=True) as (page, outside, errors):
        yield page
    assert outside == [], f"a page tried to reach outside loopback: {outside}"
    assert errors == [], f"page script errors: {errors}"


def shoot(page: Any, tmp_path: Path, name: str) -> Path:
    directory = Path(os.environ.get("CICAGRAPH_SCREENSHOT_DIR", tmp_path))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    page.screenshot(path=str(path), full_page=False)
    return path


def test_cica_timeline_shows_28_member_bars_and_the_observers(page: Any, server, tmp_path: Path) -> None:
    base, _ = server
    page.goto(base + "/views/timeline/cica?on=2014-06-30")
    members = page.locator("svg.timeline g.bar.member")
    observers = page.locator("svg.timeline g.bar.observer")
    assert members.count() == 28
    assert observers.count() >= 10
    assert members.first.is_visible() and observers.first.is_visible()
    # hover text names the state, role, dates and sources
    assert "member of" in members.first.locator("title").text_content()
    assert shoot(page, tmp_path, "view-timeline-cica.png").stat().st_size > 20_000


def test_date_control_changes_the_overlap_matrix(page: Any, server, tmp_path: Path) -> None:
    base, _ = server
    page.goto(base + "/views/overlap?on=2024-12-31")

    def cells() -> list[str]:
        return page.locator("#overlap-matrix td.cell").evaluate_all("els => els.map(e => e.dataset.status)")

    late = cells()
    page.fill("input#on", "2004-12-31")
    with page.expect_navigation():
        page.locator("form.date-control button").click()
    assert "on=2004-12-31" in page.url
    early = cells()
    assert early != late
    assert early.count("member") < late.count("member")
    page.goto(base + "/views/overlap?on=2014-06-30")
    shoot(page, tmp_path, "view-overlap-2014.png")


def test_csv_link_downloads_the_panel_rows(page: Any, server, tmp_path: Path) -> None:
    base, app = server
    page.goto(base + "/id/org/cica")
    link = page.locator("a.csv-link", has_text="state-year panel")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("cicagraph-") and download.suggested_filename.endswith(".csv")
    path = tmp_path / "panel.csv"
    download.save_as(str(path))
    context = app.extensions["cicagraph"]
    expected = panel_table(context.store, load_queries(REPO / "queries"), forums=["cica"], version=context.version)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    expected_rows = list(csv.reader(io.StringIO(TABLE_FORMATS["csv"].write(expected).decode())))
    assert rows == expected_rows and len(rows) > 28


def test_the_sparql_behind_a_view_opens_in_the_editor(page: Any, server, tmp_path: Path) -> None:
    base, _ = server
    page.goto(base + "/views/counts/cica")
    shoot(page, tmp_path, "view-counts-cica.png")
    page.locator("a.sparql-link").click()
    page.locator(".yasqe .CodeMirror").wait_for(timeout=15_000)
    page.wait_for_function("window.cicagraphYasgui && window.cicagraphYasgui.getTab().getQuery().includes('VALUES ?forum')")
    page.locator(".yasqe_queryButton:visible").click()
    page.locator(".yasr:visible table.dataTable tbody tr").first.wait_for(timeout=15_000)


PAGES = [
    ("/", "page-home.png"),
    ("/id/org/cica", "page-forum-cica.png"),
    ("/id/state/BLR", "page-state-blr.png"),
    ("/id/membership/cica-BGD-member", "page-membership.png"),
    ("/id/source/P19", "page-source.png"),
    ("/queries/cica-members-on-date?date=2010-12-31", "page-query-results.png"),
    ("/ontology", "page-ontology.png"),
    ("/downloads/", "page-downloads.png"),
    ("/search?q=kazak", "page-search.png"),
]


@pytest.mark.parametrize("path, name", PAGES)
def test_every_page_renders_without_script_errors(page: Any, server, tmp_path: Path, path: str, name: str) -> None:
    base, _ = server
    response = page.goto(base + path)
    assert response is not None and response.status == 200
    assert page.locator("header a.brand").is_visible()  # the site's navigation, on every page
    shoot(page, tmp_path, name)
