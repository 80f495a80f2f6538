"""HTTP-only errors and the one place where every error becomes a JSON body.

Body shape, for every status: ``{"ok": false, "error": "...", "status": 400}`` plus
``"hint"`` when there is one. 4xx are the client's and are not logged; 5xx are logged with
their traceback.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from cicagraph.errors import CicagraphError

log = logging.getLogger(__name__)


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


def error_response(status: int, message: str, hint: str | None = None) -> Response:
    """The canonical JSON error response."""
    body: dict[str, object] = {"ok": False, "error": message, "status": status}
    if hint:
        body["hint"] = hint
    response = jsonify(body)
    response.status_code = status
    return response


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
