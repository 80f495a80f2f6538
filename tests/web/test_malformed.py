"""Every route against malformed input (issue 13, item 4): never a 5xx; every error is the
one JSON shape (``{"ok": false, "error": …, "status": …}``) or, for a browser, an HTML page;
no error body carries the input's markup raw. The routes are read from ``app.url_map``, so
a new route is swept without a change here."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from cgweb_testlib import serving
from cicagraph.config import Project, Settings
from cicagraph.web import create_app
from cicagraph.web.errors import MAX_ERROR_TEXT_CHARS

REPO = Path(__file__).resolve().parents[2]
MARK = "<svg onload=alert(1)>"

# Values for a route's variables: characters an IRI cannot hold, NUL, bad percent escapes,
# traversal, markup, a long value, odd Unicode.
SEGMENTS = ["a b", "<x>", "%FF", "%00", "%", "%zz", "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E", "a%0d%0aSet-Cookie:x",
            "x" * 3000, "%E2%80%AE", "state/KAZ%FF", "cica.%3Cx%3E", "%F0%9F%92%A9", ".ttl", "a..b.csv"]
# Query strings: markup, bad percent escapes, bad dates and numbers, repeated parameters.
QUERIES = ["query=%3Csvg%20onload%3Dalert(1)%3E", "format=%3Csvg%20onload%3Dalert(1)%3E", "format=%FF",
           "on=not-a-date", "on=9999-99-99", "on=%00", "by=%3Cx%3E", "q=%FF%FE", "q=" + "a" * 5000,
           "min=abc", "date=2012-13-45", "since=%3Cx%3E", "forum=%00", "query=ASK%7B%7D&query=ASK%7B%7D",
           "default-graph-uri=%3Cx%3E&query=ASK%7B%7D", "named-graph-uri=a%20b&query=ASK%7B%7D",
           "query=SELECT%20*%20%7B", "%FF=%FF", "update=DROP%20ALL"]
ACCEPTS = ["application/json;q=abc", "*/*;q=2", "text/csv;q=-1, application/json;q=0.12345", ";;;,,,",
           "text/html;level=<x>", "*/*;q=0.5;q=0.7", "a/b," * 2000, "\x7f\x01", "text/html"]
METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]
BODIES = [
    ("application/sparql-query", b"\xff\xfe\x00<svg onload=alert(1)>"),
    ("application/sparql-query; charset=latin-1", b"ASK {}"),
    ("application/x-www-form-urlencoded", b"query=%FF%FE&query"),
    ("application/x-www-form-urlencoded", b"%%%===&&&"),
    ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
    ("application/json", b"{"),
    ("text/plain", MARK.encode()),
]


@pytest.fixture(scope="module")
def app(shipped_build: Path, shipped_store: ox.Store) -> Flask:
    app = create_app(Settings(project=Project(REPO), build_dir=shipped_build, query_timeout_s=5.0),
                     store=shipped_store)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _paths(rule: Rule) -> Iterator[str]:
    """The rule with each variable replaced by every malformed segment (and one sane value)."""
    if not rule.arguments:
        yield rule.rule
        return
    for value in ["cica", *SEGMENTS]:
        yield re.sub(r"<(?:[a-z]+:)?[a-z_]+>", lambda m: value, rule.rule)


def _check(response, what: str) -> None:  # type: ignore[no-untyped-def]
    status = response.status_code
    assert status < 500, f"{what}: {status} {response.get_data()[:300]!r}"
    if status < 400 or response.request.method == "HEAD":
        return
    body = response.get_data()
    if response.mimetype == "text/html":
        assert MARK.encode() not in body and b"<x>" not in body, f"{what}: markup echoed in the error page"
        return
    assert response.mimetype == "application/json", f"{what}: error as {response.mimetype}"
    data = json.loads(body)
    assert data["ok"] is False and data["status"] == status and isinstance(data["error"], str), what
    assert set(data) <= {"ok", "error", "status", "hint"}, what
    assert len(data["error"]) <= MAX_ERROR_TEXT_CHARS and len(data.get("hint") or "") <= MAX_ERROR_TEXT_CHARS, what
    assert b"<" not in body and b">" not in body, f"{what}: an error body with raw markup: {body[:300]!r}"


def test_sweep_every_route(app: Flask, client: FlaskClient) -> None:
    rules = list(app.url_map.iter_rules())
    assert len(rules) >= 20  # the sweep sees the whole app
    seen = 0
    for rule in rules:
        for path in _paths(rule):
            sane = path.endswith("cica") or not rule.arguments
            for method in METHODS if sane else ("GET", "HEAD", "POST"):
                _check(client.open(path, method=method), f"{method} {path}")
                seen += 1
            for query in QUERIES:
                _check(client.get(path + "?" + query), f"GET {path}?{query}")
                seen += 1
            if sane:
                for accept in ACCEPTS:
                    for q in ("", "?query=ASK%7B%7D"):
                        _check(client.get(path + q, headers={"Accept": accept}), f"GET {path}{q} Accept: {accept[:40]}")
                        seen += 1
                for content_type, body in BODIES:
                    _check(client.post(path, data=body, content_type=content_type), f"POST {path} {content_type}")
                    seen += 1
    assert seen > 1500


def test_head_works_wherever_get_does(app: Flask, client: FlaskClient) -> None:
    for path in ["/", "/sparql", "/sparql?query=ASK%20%7B%7D", "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201",
                 "/id/state/KAZ", "/id/state/KAZ.ttl", "/search?q=kaz", "/views/timeline/cica", "/queries",
                 "/downloads/", "/healthz", "/ontology", "/editor", "/static/site.css"]:
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code, path
        assert head.get_data() == b"", path
        assert head.headers["Content-Type"] == got.headers["Content-Type"], path


def test_bad_q_values_are_ignored(client: FlaskClient) -> None:
    for accept, expected in [("application/json;q=abc", "application/sparql-results+json"),
                             ("text/csv;q=2", "text/csv"),
                             ("text/csv;q=-1", "text/csv"),
                             ("text/csv;q=0.12345, application/sparql-results+xml;q=0.5", "text/csv"),
                             ("text/tab-separated-values;q=0.5, text/csv;q=nonsense", "text/csv"),
                             (";;;,,,", "application/sparql-results+json"),
                             ("text/csv;q=0", None)]:  # a well-formed q=0 still refuses
        r = client.get("/sparql?query=ASK%7B%7D", headers={"Accept": accept})
        if expected is None:
            assert r.status_code == 406, accept
        else:
            assert r.status_code == 200 and r.mimetype == expected, (accept, r.status_code, r.mimetype)


def test_resource_paths_an_iri_cannot_hold_are_404(client: FlaskClient) -> None:
    for path in ["/id/a b", "/id/<x>", "/id/%3Cx%3E", "/id/%FF", "/id/%00", "/id/state/KAZ%FF.ttl", "/id/a%22b"]:
        for accept in ("application/json", "text/turtle", "text/html"):
            r = client.get(path, headers={"Accept": accept})
            assert r.status_code == 404, (path, accept)


def test_error_echo_is_cut_and_escaped(client: FlaskClient) -> None:
    r = client.get("/sparql?query=ASK%7B%7D&format=" + "%3Cscript%3E" * 200)
    assert r.status_code == 406
    body = r.get_data()
    assert b"<" not in body and b"\\u003cscript\\u003e" in body
    assert len(r.get_json()["error"]) <= MAX_ERROR_TEXT_CHARS


def test_browser_gets_an_html_error_page(client: FlaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get("/id/state/NOPE" + "%3Cx%3E", headers={"Accept": accept})
    assert r.status_code == 404 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "404" in html and "<x>" not in html
    assert client.get("/id/state/NOPE", headers={"Accept": "*/*"}).mimetype == "application/json"
    assert client.get("/id/state/NOPE").mimetype == "application/json"


def _raw(port: int, data: bytes) -> bytes:
    """Send ``data``; the answer's head and body (by its Content-Length), or all until EOF."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(data)
        out = b""
        while True:
            head, sep, body = out.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if sep and length and len(body) >= int(length.group(1)):
                return out
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


# Malformed chunked bodies (a chunk size larger than the body limit is test_abuse.py's:
# werkzeug's dev server waits for those bytes, waitress answers 413 at once).
CHUNKED = [b"ZZ\r\nASK {}\r\n0\r\n\r\n", b"6\r\nASK {}XX0\r\n\r\n", b"-1\r\nASK {}\r\n0\r\n\r\n",
           b"6;ext=<x>\r\nASK {}\r\n0\r\n\r\n", b"6\r\nASK {}\r\nZ\r\n\r\n"]


@pytest.mark.parametrize("content_type", [b"application/sparql-query", b"application/x-www-form-urlencoded"])
def test_malformed_chunked_post_is_4xx(app: Flask, content_type: bytes) -> None:
    """Through a real WSGI server (werkzeug's, as ``--dev``; waitress's in test_abuse.py)."""
    with serving(app) as base:
        port = int(base.rsplit(":", 1)[1])
        for body in CHUNKED:
            answer = _raw(port, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: " + content_type +
                          b"\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body)
            status = int(answer.split(b" ", 2)[1])
            assert 400 <= status < 500, (body, answer[:300])
