"""HTTP caching (issue 11): every GET answer is a pure function of the build and the request.

For the cacheable blueprints, before the view runs:

* the **ETag** is derived from the build (content hash and build time) and the request (path,
  query string, ``Accept``, ``Host``, and today's date, which views default their date
  control to) — so a ``304 Not Modified`` for a matching ``If-None-Match`` costs no query and
  no rendering;
* a 200 that was rendered is kept, with its final headers, in the worker's
  :class:`~cicagraph.query.cache.ResultCache`; :class:`ResponseCache`, a WSGI middleware in
  front of Flask, answers the next plain GET with the same raw key (path, query string,
  ``Accept``, ``Host``) from there without parsing the request at all — a hit costs less than
  Flask's routing of an empty route.

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
from cicagraph.web.context import WebContext, ctx

# blueprints whose GET answers depend on nothing but the build and the request
CACHEABLE_BLUEPRINTS = frozenset({"home", "views", "tables", "queries", "resources", "downloads", "sparql", "ui"})


def init_app(app: Flask) -> None:
    # Registered first, so that Flask (which runs after_request hooks in reverse order) runs
    # it last, on the response as the client gets it.
    app.after_request(_after)
    app.before_request(_before)


def current_etag() -> str | None:
    """This request's ETag value (unquoted), or None when the route is not cacheable."""
    return g.get("cicagraph_etag")


def representation(environ: dict) -> tuple[str, ...]:  # type: ignore[type-arg]
    """What a GET answer depends on besides the build: the one source of the ETag and of the
    response cache's key (views default their date control to today)."""
    return (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_HOST", ""), environ.get("wsgi.url_scheme", ""),
            dt.date.today().isoformat())


def _before() -> Response | None:
    if request.method not in ("GET", "HEAD") or request.blueprint not in CACHEABLE_BLUEPRINTS:
        return None
    context = ctx()
    key = (context.build_token, *representation(request.environ))
    etag = f"{context.version.short_hash}-{hashlib.sha256(repr(key).encode()).hexdigest()[:24]}"
    g.cicagraph_etag = etag
    if request.if_none_match.contains_weak(etag) or request.if_none_match.star_tag:
        response = Response(status=304)
        response.set_etag(etag)
        return response
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
    if (
        request.method == "GET"
        and response.status_code == 200
        and not response.direct_passthrough
        and not response.is_streamed
    ):
        request.environ[_KEEP] = True  # ResponseCache keeps it, with the headers of every hook
    return response


_KEEP = "cicagraph.keep_response"
MISS_COUNTED = "cicagraph.miss_counted"  # set by a layer below that counted this miss itself
# a plain GET: anything that makes the answer conditional or partial goes through Flask
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE", "HTTP_IF_RANGE")


class ResponseCache:
    """WSGI middleware: complete 200 answers of cacheable GETs, replayed byte for byte.

    The key is the raw request as the app's answer depends on it (the same parts as the
    ETag's); the answer stored is the one the client got, after every ``after_request``
    hook (security headers, CORS, ETag, Cache-Control)."""

    def __init__(self, wsgi_app, context: WebContext) -> None:  # type: ignore[no-untyped-def]
        self.wsgi_app = wsgi_app
        self.context = context

    def _key(self, environ: dict) -> tuple | None:  # type: ignore[type-arg]
        if environ.get("REQUEST_METHOD") != "GET" or any(h in environ for h in _CONDITIONAL):
            return None
        return ("response", self.context.build_token, *representation(environ))

    def __call__(self, environ: dict, start_response):  # type: ignore[no-untyped-def]
        cache = self.context.result_cache
        key = self._key(environ) if cache.enabled else None
        if key is None:
            return self.wsgi_app(environ, start_response)
        hit = cache.get(key, count_miss=False)  # most routes: counted below once known cacheable
        if hit is not None:
            start_response("200 OK", list(hit.headers))
            return [hit.body]
        captured: list = []

        def capture(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        if not environ.get(_KEEP) or not captured or not captured[0].startswith("200"):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        headers = tuple(captured[1])
        media_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if not environ.get(MISS_COUNTED):
            cache.count_miss()
        cache.put(key, CachedAnswer(body, media_type, headers))
        return [body]
