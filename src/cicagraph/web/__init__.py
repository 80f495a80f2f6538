"""The web service: SPARQL 1.1 Query Protocol, YASGUI, research queries, linked data,
downloads. ``create_app`` is the one entry point (gunicorn, ``flask run``, tests)."""

from __future__ import annotations

import logging
from dataclasses import fields
from typing import Any, Mapping

import pyoxigraph as ox
from flask import Flask, Response, request

from cicagraph.config import Settings
from cicagraph.pipeline.store import graph_counts, open_store
from cicagraph.query.cache import ResultCache
from cicagraph.query.queries import load_queries
from cicagraph.tabular import DatasetVersion
from cicagraph.web import errors, httpcache, security
from cicagraph.web.context import WebContext
from cicagraph.web.negotiate import LenientRequest

log = logging.getLogger(__name__)

_SETTING_NAMES = {f.name for f in fields(Settings)}


def _split_config(config: Settings | Mapping[str, Any] | None) -> tuple[Settings, dict[str, Any]]:
    if isinstance(config, Settings):
        return config, {}
    config = dict(config or {})
    flask_config = {k: config.pop(k) for k in list(config) if k not in _SETTING_NAMES}
    return Settings.load(overrides=config), flask_config


def create_app(settings: Settings | Mapping[str, Any] | None = None, store: ox.Store | None = None) -> Flask:
    """The Flask app. ``settings`` may be a :class:`Settings` or a mapping of settings fields
    (other keys, e.g. ``TESTING``, go to ``app.config``); the store is opened once, here."""
    settings, flask_config = _split_config(settings)
    app = Flask(__name__)
    app.request_class = LenientRequest  # malformed Accept q-values are ignored, not a 406
    app.config.update(MAX_CONTENT_LENGTH=settings.max_request_bytes, JSON_AS_ASCII=False)
    app.config.update(flask_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if store is None:
        store = open_store(settings)
    queries = load_queries(settings.project.queries_dir)
    version = DatasetVersion.from_manifest_file(settings.manifest_file)
    context = app.extensions["cicagraph"] = WebContext(settings, store, queries, graph_counts(store), version,
                                             result_cache=ResultCache(settings.result_cache_bytes))

    httpcache.init_app(app)  # first: its after_request hook runs last
    errors.init_app(app)
    from cicagraph.web import (
        downloads,
        endpoint,
        health,
        home,
        research,
        resources,
        tables,
        ui,
        views,
    )

    for module in (home, endpoint, ui, views, tables, research, resources, downloads, health):
        app.register_blueprint(module.bp)
    app.after_request(_cors)
    security.init_app(app)  # CSP, nosniff, no framing, Referrer-Policy
    # every page can say which build it shows (the footer, the "cite this" lines)
    app.context_processor(lambda: {"dataset_version": version})
    # complete answers replayed before Flask parses anything (web/httpcache.py)
    app.wsgi_app = httpcache.ResponseCache(app.wsgi_app, context)  # type: ignore[method-assign]
    log.info("cicagraph app ready: %d research queries", len(queries))
    return app


def _cors(response: Response) -> Response:
    """Public, read-only data: any origin may GET/POST (simple and preflighted requests)."""
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Accept, Content-Type"
        )
        headers["Access-Control-Max-Age"] = "86400"
    return response
