"""HTTP-only errors and the one place where every error becomes a JSON body.

Body shape, for every status: ``{"ok": false, "error": "...", "status": 400}`` plus
``"hint"`` when there is one. 4xx are the client's and are not logged; 5xx are logged with
their traceback.

A browser (a GET or HEAD whose ``Accept`` prefers ``text/html`` to JSON, as a browser's
navigation does) gets the same message as a small HTML page with the same status.

Messages may quote the request (a format name, an Accept header, a query fragment): each
text is cut to :data:`MAX_ERROR_TEXT_CHARS` characters and the JSON escapes ``< > &`` (and
U+2028/2029) as JSON unicode escapes, so that no error body is markup in any context; the HTML
page escapes as every template does.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from cicagraph.errors import CicagraphError

log = logging.getLogger(__name__)

MAX_ERROR_TEXT_CHARS = 500  # an error message or hint, quoted input included
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


class NotFound(CicagraphError):
    status = 404


class MethodNotAllowed(CicagraphError):
    status = 405

    def __init__(self, message: str, *, allowed: tuple[str, ...] = ("GET", "POST", "OPTIONS")) -> None:
        super().__init__(message)
        self.allowed = allowed


class NotAcceptable(CicagraphError):
    status = 406


class RequestTooLarge(CicagraphError):
    status = 413


class UnsupportedMediaType(CicagraphError):
    status = 415


def cut_text(text: str) -> str:
    text = str(text)
    if len(text) > MAX_ERROR_TEXT_CHARS:
        text = text[:MAX_ERROR_TEXT_CHARS - 1] + "…"
    return text


def safe_json(body: dict[str, object]) -> str:
    text = json.dumps(body, ensure_ascii=False)
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return text + "\n"


def _wants_html() -> bool:
    """A browser's navigation: GET/HEAD with ``text/html`` preferred to JSON."""
    try:
        if request.method not in ("GET", "HEAD"):
            return False
        # JSON first: a tie (*/*, no Accept) is JSON
        return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
    except Exception:  # noqa: BLE001 - never fail while reporting a failure
        return False


def error_response(status: int, message: str, hint: str | None = None) -> Response:
    """The canonical JSON error response (an HTML page for a browser)."""
    message = cut_text(message)
    hint = cut_text(hint) if hint else None
    if _wants_html():
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Error"
        try:
            page = render_template("error.html", status=status, reason=reason, message=message, hint=hint)
            return Response(page, status=status, mimetype="text/html")
        except Exception:  # noqa: BLE001 - the JSON body below then
            log.exception("error page could not be rendered")
    body: dict[str, object] = {"ok": False, "error": message, "status": status}
    if hint:
        body["hint"] = hint
    return Response(safe_json(body), status=status, mimetype="application/json")


def handle_cicagraph_error(e: CicagraphError) -> Response:
    if e.status >= 500 and not _expected_5xx(e):
        log.error("server error: %s", e.message, exc_info=e)
    response = error_response(e.status, e.message, e.hint)
    if isinstance(e, MethodNotAllowed):
        response.headers["Allow"] = ", ".join(e.allowed)
    retry_after = getattr(e, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _expected_5xx(e: CicagraphError) -> bool:
    # A query that ran out of time is the query's fault, not the server's: log one line.
    from cicagraph.errors import QueryTimeout

    if isinstance(e, QueryTimeout):
        log.info("query timeout: %s", e.message)
        return True
    if getattr(e, "retry_after", None):  # the fair share refused a turn: the client's doing
        return True
    return False


def handle_http_exception(e: HTTPException) -> Response:
    status = e.code or 500
    message = e.description or e.name
    if status == 413:
        from flask import current_app

        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        message = f"the request body is larger than the limit of {limit} bytes"
    response = error_response(status, message)
    if status == 405 and getattr(e, "valid_methods", None):
        response.headers["Allow"] = ", ".join(e.valid_methods)  # type: ignore[attr-defined]
    return response


def handle_unexpected(e: Exception) -> Response:
    log.error("unhandled error", exc_info=e)
    return error_response(500, "internal server error")


def init_app(app: Flask) -> None:
    app.register_error_handler(CicagraphError, handle_cicagraph_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
