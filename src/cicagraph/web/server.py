"""Serving the app: gunicorn's arbiter with waitress inside each worker in production,
Flask's reloader with ``dev=True``, and one in-process request for ``cicagraph serve --get PATH``.

Why waitress inside gunicorn workers (issue 13, measured with ``bench/abuse.py``'s
stalled-socket attack: 32 connections sending headers without body, a short body, or
unfinished headers; 2 workers; normal client ``ASK {}`` every 50 ms; 2-CPU VM):

================================  ===================================  ====================
server                            normal query during the attack       stalled sockets
================================  ===================================  ====================
gunicorn 27 gthread, 2x4 threads  no answer (timeouts)                 32/32 open after 15 s
gunicorn 27 gthread, 2x64 threads median 1.7 ms (idle 1.6 ms)          32/32 open after 15 s
granian 2.8 WSGI, 2x4 threads,    no answer (timeouts)                 10 closed at 5.0 s
  header read timeout 5 s                                              (partial headers);
                                                                       22 body stalls open
waitress 3.0, 8 threads,          median 1.6 ms (idle 1.5 ms)          32/32 closed at 6.0 s
  channel timeout 5 s
================================  ===================================  ====================

gthread hands a connection to a thread once its first bytes arrive and the thread then
blocks on it (more threads only raise the number of sockets it takes); granian times out
headers but not bodies. Waitress reads the whole request (headers and body) in its event
loop and only then gives it to a thread, and closes sockets silent for
:data:`~cicagraph.config.REQUEST_READ_TIMEOUT_S` (``Settings.read_timeout_s``,
``CICAGRAPH_READ_TIMEOUT_S``): a slow client costs a buffer, not a thread. Waitress alone
is one process, so :class:`WaitressWorker` runs it inside gunicorn
workers: the arbiter still restarts a worker that dies and recycles one that holds a
runaway query, and the workers share the listening sockets.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from typing import Any

from flask import Flask, Response

from cicagraph.config import (
    MAX_CONNECTIONS_PER_WORKER,
    MAX_REQUEST_HEADER_BYTES,
    REQUEST_READ_TIMEOUT_S,
    WORKER_THREADS,
    Settings,
)
from cicagraph.web import create_app

log = logging.getLogger(__name__)

GRACEFUL_TIMEOUT_S = 30


def _recycle_after_timeouts(app: Flask) -> None:
    """Under gunicorn: a worker still running a timed-out evaluation (pyoxigraph cannot
    cancel it) finishes its in-flight requests and exits; the arbiter starts a fresh one."""
    from cicagraph.query import sparql
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
        "worker_class": "cicagraph.web.server.WaitressWorker",
        "threads": WORKER_THREADS,
        "worker_connections": MAX_CONNECTIONS_PER_WORKER,
        "accesslog": "-",
        "errorlog": "-",
        # the arbiter's heartbeat watchdog (the worker's event loop beats every second)
        "timeout": max(30, int(settings.query_timeout_s * 3) + 5),
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "keepalive": settings.read_timeout_s,
    }
    if "control_socket_disable" in _gunicorn_settings():
        # gunicorn >= 24 opens a control socket in $HOME by default; one server per
        # machine would fight over it, and nothing here uses it.
        options["control_socket_disable"] = True
    log.info("serving on http://%s with %d gunicorn workers", options["bind"], settings.workers)
    _Gunicorn(options).run()


def _json_error_task() -> type:
    """waitress's own protocol errors (malformed chunked body, oversized headers…) as the
    one JSON error body, never echoing the request."""
    from waitress.task import ErrorTask

    from cicagraph.web.errors import cut_text, safe_json
    from cicagraph.web.security import HEADERS

    class JsonErrorTask(ErrorTask):  # type: ignore[misc]
        def execute(self) -> None:
            e = self.request.error
            body = safe_json({"ok": False, "error": cut_text(f"{e.reason.lower()}: {e.body}"), "status": e.code}).encode()
            self.status = f"{e.code} {e.reason}"
            self.response_headers.extend([("Content-Type", "application/json"), *HEADERS.items()])
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    return JsonErrorTask


def _access_logged(app: Any, access_log: logging.Logger) -> Any:
    """WSGI middleware: one access-log line per request, in gunicorn's default format."""
    import time as _time

    def logged(environ: dict[str, Any], start_response: Any) -> Any:
        seen: dict[str, str] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"] = status.split(" ", 1)[0]
            seen["length"] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(status, headers, exc_info)

        result = app(environ, start)
        query = environ.get("QUERY_STRING")
        target = environ.get("PATH_INFO", "") + ("?" + query if query else "")
        access_log.info('%s - - [%s] "%s %s %s" %s %s "%s" "%s"', environ.get("REMOTE_ADDR", "-"),
                        _time.strftime("%d/%b/%Y:%H:%M:%S %z"), environ.get("REQUEST_METHOD"), target[:200],
                        environ.get("SERVER_PROTOCOL"), seen.get("status", "-"), seen.get("length", "-"),
                        environ.get("HTTP_REFERER", "-"), environ.get("HTTP_USER_AGENT", "-")[:200])
        return result

    return logged


try:
    from gunicorn.workers.base import Worker as _GunicornWorker
except ImportError:  # pragma: no cover - gunicorn is a dependency
    _GunicornWorker = object  # type: ignore[assignment,misc]


class WaitressWorker(_GunicornWorker):  # type: ignore[misc,valid-type]
    """A gunicorn worker that serves with waitress: each request is read whole by
    waitress's event loop, then one of ``threads`` threads runs the app on it."""

    def run(self) -> None:
        from waitress import wasyncore
        from waitress.channel import HTTPChannel
        from waitress.server import create_server

        settings_limit = getattr(self.wsgi, "config", {}).get("MAX_CONTENT_LENGTH") or 1024 * 1024
        context = getattr(self.wsgi, "extensions", {}).get("cicagraph")
        read_timeout_s = max(1, int(context.settings.read_timeout_s if context else REQUEST_READ_TIMEOUT_S))
        app = _access_logged(self.wsgi, self.log.access_log)
        socket_map: dict[int, Any] = {}
        for listener in self.sockets:
            listener.setblocking(False)
        server = create_server(
            app,
            map=socket_map,
            sockets=[listener.sock for listener in self.sockets],
            threads=self.cfg.threads,
            channel_timeout=read_timeout_s,
            cleanup_interval=1,
            connection_limit=self.cfg.worker_connections,
            max_request_header_size=MAX_REQUEST_HEADER_BYTES,
            # a little over the app's own limit, so that the app answers 413 itself
            max_request_body_size=settings_limit + 64 * 1024,
            expose_tracebacks=False,
            ident="cicagraph",
            asyncore_use_poll=True,
        )
        servers = [v for v in socket_map.values() if hasattr(v, "accepting") and hasattr(v, "channel_class")]

        class Channel(HTTPChannel):  # type: ignore[misc]
            error_task_class = _json_error_task()

        for listener_server in servers:
            listener_server.channel_class = Channel
        dispatcher = servers[0].task_dispatcher
        while self.alive:
            self.notify()
            wasyncore.loop(timeout=1.0, map=socket_map, use_poll=True, count=1)
            if self.ppid != os.getppid():
                self.log.info("parent changed, shutting down: %s", self)
                break
        # graceful: accept nothing more, finish what is in flight, then exit
        for listener_server in servers:
            listener_server.accepting = False
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline:
            self.notify()
            wasyncore.loop(timeout=0.1, map=socket_map, use_poll=True, count=1)
            if not (dispatcher.active_count or dispatcher.queue or any(
                    _in_flight(ch) for ch in socket_map.values() if isinstance(ch, HTTPChannel))):
                break
        dispatcher.shutdown(cancel_pending=True, timeout=1)
        wasyncore.close_all(socket_map)


def _in_flight(channel: Any) -> bool:
    """A connection still owed an answer: a request being read, queued or answered, or one
    accepted just now whose bytes may not have been read yet (closing it would reset it)."""
    return bool(channel.requests or channel.request is not None or channel.total_outbufs_len
                or time.time() - channel.creation_time < 1.0)


def _gunicorn_settings() -> set[str]:
    from gunicorn.config import KNOWN_SETTINGS

    return {setting.name for setting in KNOWN_SETTINGS}


def get_once(settings: Settings, path: str) -> tuple[int, bytes, str]:
    """Run one GET request in-process; returns (status, body, content type)."""
    app = create_app(settings)
    with app.test_client() as client:
        response = client.get(path)
        return response.status_code, response.get_data(), response.content_type or ""
