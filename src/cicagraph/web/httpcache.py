"""HTTP caching (issue 11): every GET answer is a pure function of the build and the request.

For the cacheable blueprints, before the view runs:

* the **ETag** is derived from the build (content hash and build time) and the request (path,
  query string, ``Accept``, ``Host``, and today's date, which views default their date
  control to) — so a ``304 Not Modified`` for a matching ``If-None-Match`` costs no query and
  no rendering;
* the page's bytes are looked up in the worker's :class:`~cicagraph.query.cache.ResultCache`
  under the same key; a 200 that was rendered is put there afterwards.

``/sparql`` gets ETags and 304s here and keeps its own result cache keyed on the normalised
query text (``web/endpoint.py``); files (downloads, the ontology's HTML) are sent by
``send_file`` with this ETag, which also gives them ``Range`` and ``If-Range``.
Responses other than 200/206 are marked ``Cache-Control: no-store``: an error, a time-out or
a busy answer must not be reused by any cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import Flask, Response, g, request

from cicagraph.query.cache import CachedAnswer
from cicagraph.web.context import ctx

# blueprints whose GET answers depend on nothing but the build and the request
CACHEABLE_BLUEPRINTS = frozenset({"home", "views", "tables", "queries", "resources", "downloads", "sparql", "ui"})
# of those, the ones whose rendered pages go into the result cache (/sparql has its own;
# files sent by send_file are never stored: they are read from disk as they are)
PAGE_CACHED_BLUEPRINTS = CACHEABLE_BLUEPRINTS - {"sparql"}
# headers that the app's after_request hooks set on every response: not stored with a page
_NOT_STORED = frozenset({"content-length", "date", "etag", "cache-control", "access-control-allow-origin"})


def init_app(app: Flask) -> None:
    # Registered first, so that Flask (which runs after_request hooks in reverse order) runs
    # it last, on the response as the client gets it.
    app.after_request(_after)
    app.before_request(_before)


def current_etag() -> str | None:
    """This request's ETag value (unquoted), or None when the route is not cacheable."""
    return g.get("cicagraph_etag")


def _before() -> Response | None:
    if request.method not in ("GET", "HEAD") or request.blueprint not in CACHEABLE_BLUEPRINTS:
        return None
    context = ctx()
    key = (
        context.build_token,
        request.path,
        request.query_string.decode("latin-1"),
        request.headers.get("Accept", ""),
        request.host,
        dt.date.today().isoformat(),
    )
    etag = f"{context.version.short_hash}-{hashlib.sha256(repr(key).encode()).hexdigest()[:24]}"
    g.cicagraph_etag = etag
    if request.if_none_match.contains_weak(etag) or request.if_none_match.star_tag:
        response = Response(status=304)
        response.set_etag(etag)
        return response
    if request.blueprint in PAGE_CACHED_BLUEPRINTS:
        g.cicagraph_page_key = ("page", *key)
        hit = context.result_cache.get(g.cicagraph_page_key)
        if hit is not None:
            g.cicagraph_page_hit = True
            return Response(hit.body, status=200, headers=list(hit.headers))
    return None


def _after(response: Response) -> Response:
    etag = g.get("cicagraph_etag")
    if etag is None:
        return response
    if response.status_code in (200, 206, 304):
        response.set_etag(etag)
        max_age = ctx().settings.http_max_age_s
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
        response.vary.add("Accept")
    else:
        response.headers["Cache-Control"] = "no-store"
    key = g.get("cicagraph_page_key")
    if (
        key is not None
        and not g.get("cicagraph_page_hit")
        and request.method == "GET"
        and response.status_code == 200
        and not response.direct_passthrough
        and not response.is_streamed
    ):
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in _NOT_STORED)
        ctx().result_cache.put(key, CachedAnswer(response.get_data(), response.mimetype or "", headers))
    return response
