"""The YASGUI page in a real headless Chromium (Debian's, via Playwright for Python): type
a query, run it against the live endpoint, see result rows; no request leaves loopback."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from cgweb_testlib import chromium_page

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server: str) -> Iterator[Any]:
    with chromium_page(viewport={"width": 1280, "height": 900}) as (page, outside, errors):
        page.outside_requests = outside  # type: ignore[attr-defined]
        page.js_errors = errors  # type: ignore[attr-defined]
        yield page
    assert outside == [], f"the UI tried to reach outside loopback: {outside}"


def _screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    directory = Path(os.environ.get("CICAGRAPH_SCREENSHOT_DIR", tmp_path))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_type_and_run_a_query_in_yasgui(page: Any, live_server: str, tmp_path: Path) -> None:
    page.goto(live_server + "/editor")
    editor = page.locator(".yasqe .CodeMirror")
    editor.wait_for(timeout=15_000)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type('SELECT ?state ?name WHERE { ?state ?p ?name . FILTER(?name = "Kazakhstan"@en) }')
    typed = page.evaluate("window.cicagraphYasgui.getTab().getQuery()")
    assert "Kazakhstan" in typed and typed.count("}") == 1, typed
    page.locator(".yasqe_queryButton").click()
    rows = page.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=15_000)
    text = rows.first.inner_text()
    assert "Kazakhstan" in text and "KAZ" in text
    shot = _screenshot(page, tmp_path, "yasgui-typed-query.png")
    assert shot.stat().st_size > 10_000
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_pick_a_research_query(page: Any, live_server: str, tmp_path: Path) -> None:
    page.goto(live_server + "/editor")
    page.locator(".yasqe .CodeMirror").wait_for(timeout=15_000)
    page.select_option("#query-picker", "summits")
    page.wait_for_function("window.cicagraphYasgui.getTab().getQuery().includes('cg:Summit')")
    page.locator(".yasqe_queryButton:visible").click()
    rows = page.locator(".yasr:visible table.dataTable tbody tr")
    rows.first.wait_for(timeout=15_000)
    assert "First CICA Summit" in rows.first.inner_text()
    _screenshot(page, tmp_path, "yasgui-research-query.png")
