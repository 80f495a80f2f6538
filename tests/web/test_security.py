"""Security headers (issue 13, item 5) and markup in the data: labels, titles and quotes that
carry ``<script>``, ``<img onerror>`` and ``"><svg onload>`` are shown as text on every page,
in a real headless Chromium, and no script runs that is not a file of this server."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from cgweb_testlib import chromium_page, serving
from cicagraph.config import GRAPH_DATA, Project, Settings
from cicagraph.web import create_app
from cicagraph.web.security import CONTENT_SECURITY_POLICY, REFERRER_POLICY

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]

# Every kind of response: HTML pages, JSON, RDF, CSV, static files, errors, redirects.
PATHS = ["/", "/search?q=kaz", "/views", "/views/timeline/cica", "/editor", "/id/state/KAZ",
         "/id/state/KAZ.ttl", "/sparql?query=ASK%20%7B%7D", "/sparql", "/queries", "/healthz",
         "/static/site.css", "/static/editor.js", "/no/such/page", "/sparql?query=SELECT", "/ontology"]


def _directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize("path", PATHS)
def test_every_response_has_the_security_headers(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code < 500
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == REFERRER_POLICY
    assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_content_security_policy_directives(client: FlaskClient) -> None:
    policy = _directives(client.get("/").headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other host
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    # YASGUI and CodeMirror write style attributes and <style> elements: styles only
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]


def test_headers_on_head_options_and_post(client: FlaskClient) -> None:
    for r in (client.head("/"), client.options("/sparql"),
              client.post("/sparql", data="ASK {}", content_type="application/sparql-query")):
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_templates_have_no_inline_script() -> None:
    """Only ``<script src=…>`` and JSON data blocks (``type="application/json"``), no ``on…=``."""
    import re

    templates = Path(__file__).resolve().parents[2] / "src" / "cicagraph" / "web" / "templates"
    for path in templates.glob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path.name}: inline script {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{path.name}: an inline event handler"
        assert "javascript:" not in text, path.name


# --- markup in the data, in a real browser -------------------------------------------------


@pytest.fixture
def markup_app(shipped_build: Path, tmp_path: Path) -> Flask:
    """A test build: the shipped build's dataset plus ``fixtures/markup-labels.ttl`` in its
    data graph, served with the shipped project's research queries (the views need them)."""
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(shipped_build / "dataset.nq", build / "dataset.nq")
    if (shipped_build / "manifest.json").is_file():
        shutil.copy(shipped_build / "manifest.json", build / "manifest.json")
    store = ox.Store()
    store.load(path=str(FIXTURES / "markup-labels.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_DATA))
    with (build / "dataset.nq").open("ab") as out:
        out.write(ox.serialize(store, format=ox.RdfFormat.N_QUADS) or b"")
    app = create_app(Settings(project=Project(REPO), build_dir=build, query_timeout_s=5.0))
    app.config["TESTING"] = True
    return app


PAGES = ["/", "/id/state/XSS", "/id/membership/cica-XSS-member", "/id/source/X01", "/id/org/cica",
         "/search?q=xanadu", "/search?q=" + quote("<script>window.pwned='q'</script>"),
         "/search?q=" + quote("\"><svg onload=window.pwn()>"), "/views", "/views/timeline/cica",
         "/views/timeline/cica?by=forum", "/views/counts/cica", "/views/overlap", "/browse/states",
         "/queries", "/editor"]

_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.__pwnCalls = 0;
Object.defineProperty(window, 'pwn', {value: () => { window.__pwnCalls += 1; }, writable: false});
"""


def test_markup_in_labels_runs_no_script(markup_app: Flask) -> None:
    with serving(markup_app) as base, chromium_page() as (page, outside, errors):
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.add_init_script(_WATCH)
        for path in PAGES:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("load")
            if path == "/editor":
                page.locator(".yasqe .CodeMirror").wait_for(timeout=15_000)
            state = page.evaluate("({pwned: window.pwned, calls: window.__pwnCalls, csp: window.__csp,"
                                  " hrefs: [...document.querySelectorAll('a[href^=\"javascript:\" i]')].length})")
            assert state["pwned"] is None, f"{path}: a payload ran ({state['pwned']})"
            assert state["calls"] == 0, f"{path}: a payload called window.pwn()"
            assert state["csp"] == [], f"{path}: the page broke its Content-Security-Policy: {state['csp']}"
            assert state["hrefs"] == 0, f"{path}: a javascript: link"
            if path in ("/id/state/XSS", "/search?q=xanadu"):
                # shown, as text
                assert "Xanadu<script>window.pwned='script'</script>" in page.inner_text("main"), path
        assert errors == [] and console == [], (errors, console)
        assert outside == []


def test_source_url_other_than_http_is_not_a_link(markup_app: Flask) -> None:
    html = markup_app.test_client().get("/id/membership/cica-XSS-member", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "javascript:" in html  # shown as text
    assert 'href="javascript:' not in html


def test_editor_works_under_the_policy(make_app: Callable[..., Any]) -> None:
    """YASGUI under the policy: the editor loads, runs a query, no violation or script error."""
    with serving(make_app()) as base, chromium_page() as (page, outside, errors):
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.add_init_script(_WATCH)
        page.goto(base + "/editor")
        page.locator(".yasqe .CodeMirror").wait_for(timeout=15_000)
        page.evaluate("() => { window.cicagraphYasgui.getTab().setQuery('SELECT ?s WHERE { ?s a <https://w3id.org/cicagraph/ontology#State> }'); }")
        page.locator(".yasqe_queryButton").click()
        page.locator(".yasr table.dataTable tbody tr").first.wait_for(timeout=15_000)
        assert page.evaluate("window.__csp") == []
        assert errors == [] and console == [] and outside == []
