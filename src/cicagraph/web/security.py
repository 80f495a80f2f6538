"""Security headers on every response (issue 13, item 5), set by one ``after_request`` hook.

* ``Content-Security-Policy`` (:data:`CONTENT_SECURITY_POLICY`): everything from this
  server only; scripts only from files under ``/static`` (no inline script anywhere: the
  editor page passes its settings as JSON data blocks that ``static/editor.js`` reads), no
  plugins (``object-src 'none'``), no ``<base>`` rewriting, forms post only here, and no
  framing (``frame-ancestors 'none'``). ``style-src`` allows ``'unsafe-inline'``: YASGUI
  (CodeMirror, DataTables) writes ``style`` attributes and ``<style>`` elements at run time
  and the pages' SVG charts carry ``style`` attributes; a style cannot run script. Images
  may be ``data:`` URIs (YASGUI's icons). ``connect-src 'self'``: YASGUI queries only this
  endpoint (its LOV autocompleters are switched off in ``editor.js``).
* ``X-Content-Type-Options: nosniff``: a JSON error or a CSV table is never run as a page.
* ``X-Frame-Options: DENY``: ``frame-ancestors`` for browsers without CSP level 2.
* ``Referrer-Policy`` (:data:`REFERRER_POLICY`): links out (sources, Wikidata) carry no
  query strings of this site.

Every response gets them all, error responses included (a browser enforces the policy only
on documents, but a file it might render, an SVG download say, is covered too). A view that
sets one of these headers itself keeps its own value.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
REFERRER_POLICY = "strict-origin-when-cross-origin"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": REFERRER_POLICY,
}


def security_headers(response: Response) -> Response:
    """The ``after_request`` hook: the headers above, without overriding a view's own."""
    headers = response.headers
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(security_headers)
