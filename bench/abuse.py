"""The abuse benchmark (issue 13): attacks on a live ``cicagraph serve`` on loopback, and what
a normal client sees meanwhile.

    python bench/abuse.py                      # ~1 min; prints Markdown, writes nothing
    python bench/abuse.py --out bench/results/abuse-latest.md

It starts the production server (:func:`cicagraph.web.server.run_server`, the real worker
processes) on a random loopback port over the test fixture dataset, then, one attack at a
time, measures the latency of a normal query (``ASK {}``) idle and during:

* **stalled sockets**: 32 connections that send headers and no body, a body shorter than
  its Content-Length, or headers that never end;
* **slow queries**: 8 clients (from another loopback address, 127.0.0.2) sending a
  cross-product query that runs past the time limit, plus one ``ORDER BY`` over a
  cartesian product (the memory hog);
* **deep nesting**: 2 clients sending the queries that used to overflow the parser's stack.

Printed per attack: requests, 5xx, worker crashes (workers that died of a signal or exited
unasked, read from the server log), worker PIDs before and after, the normal query's
latency (median, p95, max, failures) and the peak RSS of the whole server. Every attack
is bounded in time and count and everything stays on loopback.

The attack helpers are imported by ``tests/web/test_abuse.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "web" / "fixtures"
ATTACKER = "127.0.0.2"  # Linux routes all of 127/8 to lo: a second client address

NORMAL_QUERY = "ASK {}"
SLOW_QUERY = ("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
              "FILTER(STR(?c) < STR(?i)) }")
MEMORY_HOG = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?c ?f ?i ?l"
DEEP_QUERIES = [
    "SELECT * WHERE " + "{" * 2500 + " ?s ?p ?o " + "}" * 2500,
    "ASK { FILTER(" + "(" * 6000 + "1" + ")" * 6000 + ") }",
    "SELECT * WHERE { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * 3300 + "}",
    "ASK { FILTER(" + "!" * 30000 + "true) }",
]


# --- a server ------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> set[int]:
        """The arbiter's children (psutil, else Linux's /proc/PID/task/*/children)."""
        try:
            import psutil
        except ImportError:  # pragma: no cover - the bench extra has it
            pids: set[int] = set()
            for children in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
                pids.update(int(p) for p in children.read_text().split())
            return pids
        return {c.pid for c in psutil.Process(self.process.pid).children()}

    def rss_bytes(self) -> int:
        import psutil

        try:
            procs = [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children()]
            return sum(p.memory_info().rss for p in procs)
        except psutil.Error:
            return 0

    def crashes(self) -> list[str]:
        """Log lines of workers that died unasked (signal, non-zero exit, timeout kill)."""
        text = self.log.read_text(errors="replace")
        pattern = re.compile(r".*(was sent SIG(?!TERM)\w+|exited with code [1-9]|WORKER TIMEOUT|"
                             r"Segmentation fault|core dumped).*")
        return [m.group(0) for m in pattern.finditer(text)]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workdir: Path, *, env_extra: dict[str, str] | None = None,
                 command: list[str] | None = None, timeout_s: float = 1.0, src: Path | None = None) -> Server:
    """``cicagraph serve`` (2 workers) over the fixture dataset on a free loopback port."""
    build = workdir / "build"
    build.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "dataset.nq", build / "dataset.nq")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(src or ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "CICAGRAPH_PROJECT": str(FIXTURES),
        "CICAGRAPH_BUILD_DIR": str(build),
        "CICAGRAPH_PORT": str(port),
        "CICAGRAPH_WORKERS": "2",
        "CICAGRAPH_QUERY_TIMEOUT_S": str(timeout_s),
        **(env_extra or {}),
    }
    code = "from cicagraph.config import Settings; from cicagraph.web.server import run_server; run_server(Settings.load())"
    argv = command or [sys.executable, "-c", code]
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([a.replace("{port}", str(port)) for a in argv], env=env,
                                   stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    server = Server(process, "127.0.0.1", port, log)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(server.base + "/healthz", timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                server.stop()
                raise RuntimeError("the server did not start:\n" + log.read_text()) from None
            time.sleep(0.1)
    time.sleep(0.3)  # let the second worker boot too
    return server


# --- clients --------------------------------------------------------------------------------


def request(base: str, query: str, *, source: str | None = None, timeout: float = 10.0,
            method: str = "GET") -> tuple[int, float]:
    """One query; (status or 0 for a transport failure, seconds). ``source`` binds the
    client socket to another loopback address."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    body = b""
    if method == "GET":
        head = f"GET /sparql?{urllib.parse.urlencode({'query': query})} HTTP/1.1\r\n"
    else:
        body = query.encode()
        head = (f"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\n"
                f"Content-Length: {len(body)}\r\n")
    raw = (head + f"Host: {host}\r\nAccept: application/sparql-results+json\r\n"
           "Connection: close\r\n\r\n").encode() + body
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout,
                                      source_address=(source, 0) if source else None) as s:
            s.sendall(raw)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    except (OSError, ValueError, IndexError):
        status = 0
    return status, time.monotonic() - started


@dataclass
class Latency:
    samples: list[float] = field(default_factory=list)
    failures: int = 0

    def line(self) -> str:
        if not self.samples:
            return f"no answer ({self.failures} failures)"
        s = sorted(self.samples)
        p95 = s[min(len(s) - 1, int(len(s) * 0.95))]
        return (f"median {statistics.median(s) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
                f"max {s[-1] * 1000:.1f} ms, {len(s)} answers, {self.failures} failures")

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("inf")


def probe_latency(base: str, stop: threading.Event, result: Latency, interval: float = 0.05,
                  timeout: float = 5.0) -> None:
    """A normal client: ``ASK {}`` every ``interval`` s until ``stop``."""
    while not stop.is_set():
        status, seconds = request(base, NORMAL_QUERY, timeout=timeout)
        if status == 200:
            result.samples.append(seconds)
        else:
            result.failures += 1
        stop.wait(interval)


def idle_latency(base: str, count: int = 40) -> Latency:
    result = Latency()
    for _ in range(count):
        status, seconds = request(base, NORMAL_QUERY)
        if status == 200:
            result.samples.append(seconds)
        else:
            result.failures += 1
        time.sleep(0.02)
    return result


STALLS = {
    # headers complete, Content-Length promises a body that never comes
    "headers-no-body": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                       b"Content-Length: 100\r\n\r\n",
    # a body shorter than its Content-Length
    "short-body": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 100\r\n\r\nASK {",
    # headers never finished
    "partial-headers": b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n",
}


@dataclass
class Stalled:
    kind: str
    sock: socket.socket
    opened: float
    closed_after: float | None = None  # seconds until the server closed it


def open_stalled(host: str, port: int, count: int = 32) -> list[Stalled]:
    """``count`` stalled connections, the three kinds in turn."""
    kinds = list(STALLS)
    stalled = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        s = socket.create_connection((host, port), timeout=5, source_address=(ATTACKER, 0))
        s.sendall(STALLS[kind])
        s.setblocking(False)
        stalled.append(Stalled(kind, s, time.monotonic()))
    return stalled


def watch_stalled(stalled: list[Stalled], until: float) -> None:
    """Note when the server closes each stalled socket (EOF or reset), until ``until``."""
    import selectors

    sel = selectors.DefaultSelector()
    for st in stalled:
        sel.register(st.sock, selectors.EVENT_READ, st)
    open_ = len(stalled)
    while open_ and time.monotonic() < until:
        for key, _ in sel.select(timeout=0.05):
            st = key.data
            try:
                data = st.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                st.closed_after = time.monotonic() - st.opened
                sel.unregister(st.sock)
                open_ -= 1
    sel.close()


def close_all(stalled: list[Stalled]) -> None:
    for st in stalled:
        st.sock.close()


def hammer(base: str, queries: list[str], stop: threading.Event, counts: dict[str, int],
           source: str | None = ATTACKER, method: str = "POST", timeout: float = 15.0) -> None:
    """One attacking client: sends ``queries`` in turn until ``stop``; counts statuses."""
    i = 0
    while not stop.is_set():
        status, _ = request(base, queries[i % len(queries)], source=source, method=method, timeout=timeout)
        # 503 is the service's answer to abuse (time limit, memory budget, fair share);
        # any other 5xx is a failure
        key = "503" if status == 503 else "5xx" if status >= 500 else ("transport" if status == 0 else str(status))
        counts[key] = counts.get(key, 0) + 1
        counts["requests"] = counts.get("requests", 0) + 1
        i += 1
        if status == 503:
            stop.wait(0.2)  # a polite attacker; Retry-After is longer


class RssPeak:
    """The server's summed RSS, sampled every 50 ms on a thread."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.rss_bytes())
            self._stop.wait(0.05)

    def __enter__(self) -> "RssPeak":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)


# --- the attacks ------------------------------------------------------------------------


@dataclass
class AttackReport:
    name: str
    latency: Latency
    counts: dict[str, int] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)
    pids_before: set[int] = field(default_factory=set)
    pids_after: set[int] = field(default_factory=set)
    rss_peak: int = 0
    notes: list[str] = field(default_factory=list)


def _during(server: Server, name: str, seconds: float, attackers: list[Callable[[threading.Event], None]],
            settle: float = 0.5) -> AttackReport:
    settle_workers(server)
    before_crashes = len(server.crashes())
    pids_before = server.worker_pids()
    stop = threading.Event()
    latency = Latency()
    threads = [threading.Thread(target=a, args=(stop,), daemon=True) for a in attackers]
    with RssPeak(server) as rss:
        for t in threads:
            t.start()
        time.sleep(settle)
        probe_stop = threading.Event()
        probe = threading.Thread(target=probe_latency, args=(server.base, probe_stop, latency), daemon=True)
        probe.start()
        time.sleep(seconds)
        probe_stop.set()
        stop.set()
        probe.join(10)
        for t in threads:
            t.join(20)
    report = AttackReport(name, latency, crashes=server.crashes()[before_crashes:],
                          pids_before=pids_before, pids_after=server.worker_pids(), rss_peak=rss.peak)
    return report


def settle_workers(server: Server, quiet_s: float = 1.5, limit_s: float = 15.0) -> None:
    """Wait until the worker PIDs have not changed for ``quiet_s`` (a worker recycled after
    the previous attack has been replaced), so that each attack is measured on its own."""
    deadline = time.monotonic() + limit_s
    pids, since = server.worker_pids(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = server.worker_pids()
        if now != pids:
            pids, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s and len(now) >= 2:
            return


def attack_stalled(server: Server, count: int = 32, seconds: float = 4.0,
                   read_timeout_s: float | None = None) -> AttackReport:
    stalled = open_stalled(server.host, server.port, count)
    holder: dict[str, object] = {}

    def watcher(stop: threading.Event) -> None:
        watch_stalled(stalled, time.monotonic() + (read_timeout_s or seconds) + seconds + 2)

    try:
        report = _during(server, f"{count} stalled sockets", seconds, [watcher], settle=0.2)
    finally:
        close_all(stalled)
    closed = [st.closed_after for st in stalled if st.closed_after is not None]
    report.counts = {"stalled": len(stalled), "closed by the server": len(closed)}
    if closed:
        report.notes.append(f"stalled sockets closed after {min(closed):.1f}–{max(closed):.1f} s")
    still = [st.kind for st in stalled if st.closed_after is None]
    if still:
        report.notes.append(f"{len(still)} still open at the end ({', '.join(sorted(set(still)))})")
    holder["stalled"] = stalled
    return report


def attack_slow_queries(server: Server, clients: int = 8, seconds: float = 6.0) -> AttackReport:
    counts: dict[str, int] = {}
    attackers = [(lambda stop, q=[MEMORY_HOG if i == 0 else SLOW_QUERY]: hammer(server.base, q, stop, counts))
                 for i in range(clients)]
    report = _during(server, f"{clients} slow-query clients", seconds, attackers)
    report.counts = counts
    return report


def attack_deep_nesting(server: Server, clients: int = 2, seconds: float = 4.0) -> AttackReport:
    counts: dict[str, int] = {}
    attackers = [(lambda stop: hammer(server.base, DEEP_QUERIES, stop, counts)) for _ in range(clients)]
    report = _during(server, f"{clients} deep-nesting clients", seconds, attackers)
    report.counts = counts
    return report


# --- report ------------------------------------------------------------------------------


def markdown(idle: Latency, reports: list[AttackReport], label: str) -> str:
    lines = [
        f"# Abuse benchmark ({label})",
        "",
        f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "- command: `python bench/abuse.py --out bench/results/abuse-latest.md`",
        "- server: `cicagraph serve` (2 workers), fixture dataset, query time limit 1 s; "
        "normal client `ASK {}` every 50 ms from 127.0.0.1, attackers from 127.0.0.2",
        "",
        f"Idle latency of the normal query: {idle.line()}",
        "",
        "| attack | attacker requests / statuses | 5xx other than 503 | worker crashes | worker PIDs unchanged | normal query during | × idle median | RSS peak |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r.counts.items()))
        five = r.counts.get("5xx", 0)
        ratio = r.latency.median / idle.median if idle.samples else float("nan")
        lines.append(f"| {r.name} | {statuses} | {five} | {len(r.crashes)} | "
                     f"{'yes' if r.pids_before == r.pids_after else 'no'} | {r.latency.line()} | "
                     f"{ratio:.2f} | {r.rss_peak / 2**20:.0f} MiB |")
    for r in reports:
        for note in r.notes:
            lines.append(f"\n- {r.name}: {note}")
        for crash in r.crashes[:5]:
            lines.append(f"\n- {r.name}: crash: `{crash.strip()}`")
    return "\n".join(lines) + "\n"


def run(label: str = "after", env_extra: dict[str, str] | None = None,
        command: list[str] | None = None, src: Path | None = None) -> str:
    with tempfile.TemporaryDirectory(prefix="cicagraph-abuse-") as tmp:
        server = start_server(Path(tmp), env_extra=env_extra, command=command, src=src)
        try:
            idle = idle_latency(server.base)
            reports = [attack_stalled(server), attack_slow_queries(server), attack_deep_nesting(server)]
            final = idle_latency(server.base, 10)
            text = markdown(idle, reports, label)
            text += f"\nAfter the attacks: normal query {final.line()}\n"
        finally:
            server.stop()
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    parser.add_argument("--label", default="cicagraph serve")
    parser.add_argument("--src", type=Path, help="serve the package from this src/ (e.g. an older "
                        "checkout made with `git worktree add`, for before/after figures)")
    args = parser.parse_args(argv)
    text = run(args.label, src=args.src)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
