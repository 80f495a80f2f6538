"""Serving the app: gunicorn workers in production, Flask's reloader with ``dev=True``,
and one in-process request for ``cicagraph serve --get PATH``."""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from flask import Flask, Response

from cicagraph.config import Settings
from cicagraph.web import create_app

log = logging.getLogger(__name__)

GUNICORN_THREADS = 4  # per worker; pyoxigraph releases the GIL while evaluating
GRACEFUL_TIMEOUT_S = 30


def _recycle_after_timeouts(app: Flask) -> None:
    """Under gunicorn: a worker still running a timed-out evaluation (pyoxigraph cannot
    cancel it) finishes its in-flight requests and exits; the arbiter starts a fresh one."""
    from cicagraph import sparql

    @app.after_request
    def _maybe_recycle(response: Response) -> Response:
        if response.status_code == 503 and sparql.abandoned_queries() > 0:
            log.warning("worker %d holds a timed-out query; recycling it", os.getpid())
            os.kill(os.getpid(), signal.SIGTERM)
        return response


def run_server(settings: Settings, *, dev: bool = False) -> None:
    """Serve until interrupted: gunicorn with ``settings.workers`` workers (access log on
    stderr), or Flask's debug server with the reloader when ``dev``."""
    if dev:
        app = create_app(settings)
        app.run(host=settings.host, port=settings.port, debug=True, use_reloader=True, threaded=True)
        return

    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def __init__(self, options: dict[str, Any]) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            # Each worker opens the store once, at start-up (no preload: a read-only
            # RocksDB store and pyoxigraph's threads must not be shared across fork).
            app = create_app(settings)
            _recycle_after_timeouts(app)
            return app

    options = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": GUNICORN_THREADS,
        "accesslog": "-",
        "errorlog": "-",
        # gunicorn's own watchdog must outlast the query time limit.
        "timeout": max(30, int(settings.query_timeout_s * 3) + 5),
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "keepalive": 5,
        # the longest request line gunicorn accepts short of "unlimited": GET queries up
        # to ~8 KB; longer ones are POSTed (the app's own body limit applies there)
        "limit_request_line": 8190,
    }
    if "control_socket_disable" in _gunicorn_settings():
        # gunicorn >= 24 opens a control socket in $HOME by default; one server per
        # machine would fight over it, and nothing here uses it.
        options["control_socket_disable"] = True
    log.info("serving on http://%s with %d gunicorn workers", options["bind"], settings.workers)
    _Gunicorn(options).run()


def _gunicorn_settings() -> set[str]:
    from gunicorn.config import KNOWN_SETTINGS

    return {setting.name for setting in KNOWN_SETTINGS}


def get_once(settings: Settings, path: str) -> tuple[int, bytes, str]:
    """Run one GET request in-process; returns (status, body, content type)."""
    app = create_app(settings)
    with app.test_client() as client:
        response = client.get(path)
        return response.status_code, response.get_data(), response.content_type or ""
