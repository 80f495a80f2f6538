"""Issue 11: the result cache (same bytes as uncached, never across builds, never a failed
answer, within its byte budget) and HTTP caching (ETag, Cache-Control, 304, Range)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import pytest
from flask import Flask

from cicagraph.config import Settings
from cicagraph.pipeline.build import build
from cicagraph.query.cache import ENTRY_OVERHEAD_BYTES, CachedAnswer, ResultCache
from cicagraph.query.sparql import normalized_query
from cicagraph.web import create_app
from cicagraph.web.context import ctx

KAZ = "https://w3id.org/cicagraph/id/state/KAZ"
QUERIES = [
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50", "application/sparql-results+json"),
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50", "application/sparql-results+xml"),
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50", "text/csv"),
    ("ASK { ?s a ?o }", "application/sparql-results+json"),
    (f"CONSTRUCT {{ <{KAZ}> ?p ?o }} WHERE {{ <{KAZ}> ?p ?o }}", "text/turtle"),
    (f"DESCRIBE <{KAZ}>", "application/n-triples"),
]


def stats(client) -> dict:
    return json.loads(client.get("/healthz").data)["result_cache"]


def sparql_get(client, query: str, accept: str, **headers: str):
    return client.get("/sparql?query=" + quote(query), headers={"Accept": accept, **headers})


# --- the cache itself ----------------------------------------------------------------------


def test_the_byte_budget_holds_under_many_distinct_entries() -> None:
    cache = ResultCache(max_bytes=200_000)
    for i in range(10_000):
        cache.put(("q", i), CachedAnswer(b"x" * (i % 3000), "text/csv"))
        assert cache.stats()["bytes"] <= 200_000
    s = cache.stats()
    assert s["evictions"] > 9_000 and 0 < s["entries"] < 10_000
    assert s["bytes"] == sum(len(b"x" * (i % 3000)) + ENTRY_OVERHEAD_BYTES
                             for i in range(10_000) if cache.get(("q", i)) is not None)


def test_least_recently_used_goes_first_and_oversized_entries_are_refused() -> None:
    cache = ResultCache(max_bytes=8 * (1000 + ENTRY_OVERHEAD_BYTES))
    for i in range(8):
        assert cache.put(i, CachedAnswer(b"a" * 1000, "text/plain"))
    cache.get(0)  # now the most recently used
    cache.put(8, CachedAnswer(b"b" * 1000, "text/plain"))
    assert cache.get(0) is not None and cache.get(1) is None
    assert not cache.put("big", CachedAnswer(b"c" * (cache.max_entry_bytes + 1), "text/plain"))
    assert cache.get("big") is None and cache.stats()["too_large"] == 1


def test_a_zero_budget_turns_it_off() -> None:
    cache = ResultCache(0)
    assert not cache.enabled and not cache.put("k", CachedAnswer(b"v", "text/plain")) and cache.get("k") is None
    assert cache.stats()["hits"] == cache.stats()["misses"] == 0


@pytest.mark.parametrize("a, b", [
    ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT  ?x\nWHERE {\n\t?x ?p ?o\n}\n"),
    ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x # the subjects\nWHERE { ?x ?p ?o } # done"),
    ("ASK { ?s ?p 'a#b' }", "ASK {\n  ?s ?p 'a#b'\n}"),
])
def test_reindented_copies_share_a_key(a: str, b: str) -> None:
    assert normalized_query(a) == normalized_query(b)


@pytest.mark.parametrize("a, b", [
    ("ASK { ?s ?p -1 }", "ASK { ?s ?p - 1 }"),  # a negative number vs. a syntax error
    ("ASK { ?s ?p 'a  b' }", "ASK { ?s ?p 'a b' }"),  # strings byte for byte
    ("ASK { ?s ?p '''a\nb''' }", "ASK { ?s ?p '''a b''' }"),
    ("ASK { ?s ?p <urn:a#b> }", "ASK { ?s ?p <urn:a> }"),  # '#' inside an IRI is no comment
    ("SELECT ?x { ?x ?p ?o }", "SELECT ?y { ?y ?p ?o }"),
])
def test_different_queries_keep_different_keys(a: str, b: str) -> None:
    assert normalized_query(a) != normalized_query(b)


# --- through the endpoint ------------------------------------------------------------------


@pytest.mark.parametrize("query, accept", QUERIES)
def test_a_cached_answer_is_byte_identical_to_an_uncached_one(make_app: Callable[..., Flask], query: str, accept: str) -> None:
    uncached = sparql_get(make_app(result_cache_bytes=0).test_client(), query, accept)
    client = make_app(result_cache_bytes=1 << 20).test_client()
    first = sparql_get(client, query, accept)
    again = sparql_get(client, query, accept)
    posted = client.post("/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query", "Accept": accept})
    assert uncached.status_code == first.status_code == again.status_code == posted.status_code == 200
    assert uncached.data == first.data == again.data == posted.data
    assert uncached.mimetype == again.mimetype == posted.mimetype
    s = stats(client)
    assert s["hits"] >= 2 and s["entries"] >= 1


def test_cache_hits_skip_the_query(make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    from cicagraph.query import sparql

    runs = []
    real = sparql.run_query
    monkeypatch.setattr(sparql, "run_query", lambda *a, **k: runs.append(1) or real(*a, **k))
    client = make_app().test_client()
    for text in ("SELECT ?s { ?s a ?o } LIMIT 3", "SELECT  ?s\n{ ?s a ?o }   LIMIT 3 # again"):
        assert sparql_get(client, text, "text/csv").status_code == 200
    assert len(runs) == 1


def test_failed_and_timed_out_queries_are_never_cached(make_app: Callable[..., Flask], slow_query: str) -> None:
    hurried = make_app(query_timeout_s=0.01).test_client()
    client = make_app(max_result_rows=5).test_client()
    for _ in range(2):
        assert sparql_get(client, "SELECT ?s ?p ?o { ?s ?p ?o }", "text/csv").status_code == 413  # row cap
        assert sparql_get(client, "SELECT ?s { ?s ?p }", "text/csv").status_code == 400  # syntax
    for _ in range(2):
        assert sparql_get(hurried, slow_query, "application/sparql-results+json").status_code == 503  # time limit
    for c in (hurried, client):
        s = stats(c)
        assert s["entries"] == 0 and s["hits"] == 0
    error = sparql_get(client, "SELECT ?s { ?s ?p }", "text/csv")
    assert error.headers["Cache-Control"] == "no-store" and "ETag" not in error.headers


def test_the_row_cap_is_part_of_the_key(make_app: Callable[..., Flask]) -> None:
    """An answer cached under one row cap is never served under a smaller one."""
    app = make_app(max_result_rows=1000)
    client = app.test_client()
    assert sparql_get(client, "SELECT ?s ?p ?o { ?s ?p ?o } LIMIT 20", "text/csv").status_code == 200
    small = make_app(max_result_rows=5)
    ctx_small = small.app_context()
    with ctx_small:
        ctx().result_cache = app.extensions["cicagraph"].result_cache  # one cache, two settings
    assert sparql_get(small.test_client(), "SELECT ?s ?p ?o { ?s ?p ?o } LIMIT 20", "text/csv").status_code == 413


def test_a_new_build_never_serves_an_old_answer(tiny_settings: Settings, tmp_path: Path) -> None:
    settings = tiny_settings.with_(build_dir=tmp_path / "build")
    query = f"SELECT ?name {{ <{KAZ}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?name }} ORDER BY ?name"
    build(settings, docs=False, downloads=False)
    old_app = create_app(settings)
    old = sparql_get(old_app.test_client(), query, "text/csv")
    shared = old_app.extensions["cicagraph"].result_cache
    facts = settings.project.data_dir / "facts.ttl"
    facts.write_text(facts.read_text().replace('"Kazakhstan"@en', '"Republic of Kazakhstan"@en'))
    build(settings, docs=False, downloads=False)
    new_app = create_app(settings)
    new_app.extensions["cicagraph"].result_cache = shared  # even sharing one cache object
    new = sparql_get(new_app.test_client(), query, "text/csv")
    assert old.status_code == new.status_code == 200 and old.data != new.data
    assert old.headers["ETag"] != new.headers["ETag"]
    assert shared.stats()["hits"] == 0


def test_pages_are_cached_and_identical(make_app: Callable[..., Flask]) -> None:
    paths = ["/", "/id/state/KAZ", "/queries", "/ontology", "/downloads/", "/search?q=kaz"]
    fresh = {p: make_app(result_cache_bytes=0).test_client().get(p) for p in paths}
    client = make_app().test_client()
    for path in paths:
        first, again = client.get(path), client.get(path)
        assert fresh[path].status_code == first.status_code == again.status_code == 200, path
        assert fresh[path].data == first.data == again.data, path
        assert first.headers["Content-Type"] == again.headers["Content-Type"]
    assert stats(client)["hits"] >= len(paths)


# --- HTTP caching --------------------------------------------------------------------------


CONDITIONAL = [
    ("/sparql?query=" + quote("ASK { ?s ?p ?o }"), "application/sparql-results+json"),
    ("/id/state/KAZ", "text/html"),
    ("/id/state/KAZ", "text/turtle"),
    ("/queries", "text/html"),
    ("/ontology", "text/turtle"),
    ("/ontology", "text/html"),
    ("/", "text/html"),
]


@pytest.mark.parametrize("path, accept", CONDITIONAL)
def test_etag_and_304(client, path: str, accept: str) -> None:
    first = client.get(path, headers={"Accept": accept})
    assert first.status_code == 200, first.data[:300]
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=") and "Accept" in first.headers["Vary"]
    again = client.get(path, headers={"Accept": accept, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.head(path, headers={"Accept": accept, "If-None-Match": etag}).status_code == 304
    stale = client.get(path, headers={"Accept": accept, "If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.data == first.data
    other = client.get(path, headers={"Accept": "application/ld+json, text/csv;q=0.5"})
    assert other.headers.get("ETag") != etag


def test_research_query_tables_revalidate(client) -> None:
    listing = json.loads(client.get("/queries", headers={"Accept": "application/json"}).data)
    name = next(q["name"] for q in listing["queries"] if not q.get("parameters"))
    for path in (f"/queries/{name}", f"/queries/{name}.csv"):
        first = client.get(path)
        assert first.status_code == 200 and first.headers["ETag"]
        assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_downloads_revalidate_and_serve_ranges(make_app: Callable[..., Flask], settings: Settings) -> None:
    settings.downloads_dir.mkdir(parents=True)
    body = bytes(range(256)) * 40
    (settings.downloads_dir / "cicagraph.nq").write_bytes(body)
    client = make_app().test_client()
    whole = client.get("/downloads/cicagraph.nq")
    assert whole.status_code == 200 and whole.data == body
    etag = whole.headers["ETag"]
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert client.get("/downloads/cicagraph.nq", headers={"If-None-Match": etag}).status_code == 304
    part = client.get("/downloads/cicagraph.nq", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == body[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    tail = client.get("/downloads/cicagraph.nq", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == body[-10:]
    resumed = client.get("/downloads/cicagraph.nq", headers={"Range": "bytes=5000-", "If-Range": etag})
    assert resumed.status_code == 206 and resumed.data == body[5000:]
    changed = client.get("/downloads/cicagraph.nq", headers={"Range": "bytes=5000-", "If-Range": '"an-old-build"'})
    assert changed.status_code == 200 and changed.data == body  # the file changed: the whole of it
    assert client.get("/downloads/cicagraph.nq", headers={"Range": f"bytes={len(body) + 5}-"}).status_code == 416


def test_health_is_never_cached(client) -> None:
    r = client.get("/healthz")
    assert "ETag" not in r.headers and "max-age" not in r.headers.get("Cache-Control", "")


def test_max_age_is_a_setting(make_app: Callable[..., Flask]) -> None:
    r = make_app(http_max_age_s=42).test_client().get("/id/state/KAZ")
    assert r.headers["Cache-Control"] == "public, max-age=42"


def test_serve_cache_options(runner, tiny_settings: Settings, tmp_path: Path) -> None:
    from cicagraph.cli import cli

    args = ["--project", str(tiny_settings.project.root), "--build-dir", str(tmp_path / "build"), "serve"]
    for extra, enabled, budget in ((["--no-cache"], False, 0), (["--cache-mb", "3"], True, 3 << 20), ([], True, 64 << 20)):
        result = runner.invoke(cli, [*args, *extra, "--get", "/healthz"])
        assert result.exit_code == 0, result.output
        cache = json.loads(result.output)["result_cache"]
        assert cache["enabled"] is enabled and cache["max_bytes"] == budget


def test_304s_and_cached_pages_carry_the_security_headers(client) -> None:
    first = client.get("/id/state/KAZ", headers={"Accept": "text/html"})
    again = client.get("/id/state/KAZ", headers={"Accept": "text/html"})  # from the page cache
    revalidated = client.get("/id/state/KAZ", headers={"Accept": "text/html", "If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304
    for r in (first, again, revalidated):
        for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
            assert r.headers.get(header) == first.headers[header], (r.status_code, header)


def test_a_plain_get_is_replayed_before_flask_parses_it(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    first = client.get("/id/state/KAZ", headers={"Accept": "text/html"})
    calls = []
    view = app.view_functions["resources.resource"]
    app.view_functions["resources.resource"] = lambda *a, **k: calls.append(1) or view(*a, **k)
    again = client.get("/id/state/KAZ", headers={"Accept": "text/html"})
    assert calls == [] and again.data == first.data
    assert sorted(again.headers.items()) == sorted(first.headers.items())  # every hook's headers, as sent
    # anything conditional, partial, another Accept or HEAD goes through the app
    client.get("/id/state/KAZ", headers={"Accept": "text/turtle"})
    client.head("/id/state/KAZ", headers={"Accept": "text/html"})
    client.get("/id/state/KAZ", headers={"Accept": "text/html", "Range": "bytes=0-9"})
    assert len(calls) == 3
    assert client.get("/id/state/KAZ", headers={"Accept": "text/html", "If-None-Match": first.headers["ETag"]}).status_code == 304


def test_errors_are_never_replayed(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    for _ in range(2):
        assert client.get("/id/state/NOPE", headers={"Accept": "text/html"}).status_code == 404
    assert stats(client)["entries"] == 0


def test_hits_and_misses_count_cacheable_answers_once(make_app: Callable[..., Flask]) -> None:
    client = make_app().test_client()
    for _ in range(3):
        client.get("/healthz")  # not cacheable: neither hit nor miss
    assert (stats(client)["hits"], stats(client)["misses"]) == (0, 0)
    for _ in range(3):
        sparql_get(client, "ASK { ?s ?p ?o }", "application/sparql-results+json")
        client.get("/id/state/KAZ")
    s = stats(client)
    assert (s["misses"], s["hits"]) == (2, 4)
