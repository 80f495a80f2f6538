"""The cicagraph benchmark: one command, side by side on the same data, results as Markdown.

    python bench/run.py                      # 10k and 100k (about 10 min on 2 cores)
    python bench/run.py --sizes 10k,100k,1m  # add 1M (about +15 min)
    python bench/run.py --sizes 10m          # the on-disk-store path at 10M triples
    python bench/run.py --quick              # 10k only, short runs (smoke test, ~2 min)

For each size it generates a synthetic graph (bench/generate.py), then measures:

1. build per stage (load / validate / reason / store, the real pipeline in a child process)
   and the child's peak RSS; then the on-disk store (bulk load of the built dataset);
2. query latency p50/p95 per query of the mix (bench/queries.py), pyoxigraph vs rdflib's
   engine, each in its own child process with a per-query time limit;
3. HTTP throughput and latency at concurrency 1 and 8, with a Python load generator
   (one process per keep-alive connection, loopback only, fixed duration), for
   ``cicagraph serve`` (the real CLI: gunicorn, in memory and ``--store``), ``oxigraph serve``
   (in memory), ``oxigraph serve-read-only`` on the same on-disk store, and two minimal
   Flask apps (bench/minimal_app.py) with pyoxigraph and with rdflib behind the same
   Flask + gunicorn layer;

plus, once, the shipped graph's ``cicagraph build`` cold and warm (cache hit). It prints the
ratios against the targets of issue 6 and writes ``bench/results/<date>-<host>.md`` and
``bench/results/latest.md``. Sizes above 1M use the store-only path (no validate/reason:
the in-process pipeline does not fit 10M triples in RAM with rdflib; see the results).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

import queries as Q  # noqa: E402

PY = sys.executable
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"  # loopback only
JSON = "application/sparql-results+json"
NT = "application/n-triples"

# Time limits (seconds) per size: pipeline build, one query, one HTTP request.
BUILD_TIMEOUT = {"10k": 300, "100k": 900, "1m": 2400}
QUERY_TIMEOUT = 20.0
REQUEST_TIMEOUT = 30.0
SERVER_START_TIMEOUT = 600.0

TARGETS = {
    "throughput_ratio_c8": 0.7,  # cicagraph serve ≥ 0.7 × oxigraph serve
    "p50_ratio": 1.5,  # p50 ≤ 1.5 × oxigraph serve
    "join_speedup": 50.0,  # ≥ 50× faster than rdflib on join queries
    "build_1m_s": 120.0,
    "build_1m_rss_gb": 3.0,
    "lookup_10m_p50_ms": 5.0,
    "shipped_cold_s": 3.0,
    "shipped_warm_s": 0.5,
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# machine


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "") if head else "-"
    except (OSError, subprocess.SubprocessError):
        return "-"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for package in ("cicagraph", "pyoxigraph", "oxigraph", "rdflib", "pyshacl", "owlrl", "flask", "gunicorn", "requests", "psutil"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "-"
    try:
        oxi = subprocess.run([_oxigraph_binary(), "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        oxi = "-"
    return {
        "host": socket.gethostname(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gb": ram_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": versions,
        "oxigraph_binary": oxi,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": git_commit(),
    }


def _oxigraph_binary() -> str:
    local = VENV_BIN / "oxigraph"
    return str(local) if local.exists() else (shutil.which("oxigraph") or "oxigraph")


def _cicagraph_binary() -> str:
    local = VENV_BIN / "cicagraph"
    return str(local) if local.exists() else (shutil.which("cicagraph") or "cicagraph")


# ---------------------------------------------------------------------------------------------
# child-process commands (python bench/run.py _build … / _worker …)


class TreeMemory:
    """Samples the summed RSS of process ``pid`` and its descendants (the build forks its
    validation) every ``interval`` seconds from a thread of *this* process; ``peak_mb`` is
    the largest sum seen. Never run it inside the build process itself: a second thread
    there makes the build validate in process instead of in a forked child."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        import threading

        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil is in the bench extra
            return
        try:
            me = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = pss = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    info = p.memory_full_info()  # Linux: smaps_rollup, gives PSS
                    total += info.rss
                    pss += getattr(info, "pss", info.rss)
                except psutil.Error:
                    pass
            if total == 0:
                break
            self.peak = max(self.peak, total)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def peak_mb(self) -> int:
        return round(self.peak / 1024 / 1024)


def _child_build(project: str, out: str, store: str) -> None:
    """The real pipeline, timed per stage; then the on-disk store from the built dump."""
    import pyoxigraph as ox

    from cicagraph.config import Project, Settings
    from cicagraph.pipeline.build import build

    started = time.perf_counter()
    result = build(Settings(project=Project(Path(project))), out_dir=Path(out), docs=False, downloads=False, force=True,
                   progress=lambda m: print(m, file=sys.stderr, flush=True))
    wall = time.perf_counter() - started
    rss_pipeline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    store_dir = Path(store)
    if store_dir.exists():
        shutil.rmtree(store_dir)
    s = ox.Store(str(store_dir))
    s.bulk_load(path=str(Path(out) / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    s.flush()
    s.optimize()
    del s
    disk = time.perf_counter() - t
    print(json.dumps({
        "wall_s": round(wall, 2),
        "timings": result.manifest["timings"],
        "counts": result.manifest["counts"],
        "peak_rss_mb": round(rss_pipeline / 1024),
        "peak_rss_children_mb": round(rss_children / 1024),
        "disk_store_s": round(disk, 2),
    }))


def _child_store_only(project: str, out: str, store: str) -> None:
    """Sizes the in-process pipeline cannot hold: ontology + data straight into an on-disk
    store (no validation, no reasoning), and the dump the servers load."""
    import pyoxigraph as ox

    from cicagraph.config import GRAPH_DATA, GRAPH_ONTOLOGY

    root = Path(project)
    store_dir = Path(store)
    if store_dir.exists():
        shutil.rmtree(store_dir)
    t = time.perf_counter()
    s = ox.Store(str(store_dir))
    for path in sorted((root / "ontology").rglob("*.ttl")):
        s.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_ONTOLOGY))
    for path in sorted((root / "data").glob("*.ttl")):
        fmt = ox.RdfFormat.N_TRIPLES if path.name == "synthetic.ttl" else ox.RdfFormat.TURTLE
        s.bulk_load(path=str(path), format=fmt, to_graph=ox.NamedNode(GRAPH_DATA))
    s.flush()
    load = time.perf_counter() - t
    t = time.perf_counter()
    s.optimize()
    optimize = time.perf_counter() - t
    n = len(s)
    del s
    Path(out).mkdir(parents=True, exist_ok=True)
    print(json.dumps({"wall_s": round(load + optimize, 2), "timings": {"disk store (bulk load)": round(load, 2), "optimize": round(optimize, 2)},
                      "counts": {"all": n}, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      "disk_store_s": round(load + optimize, 2)}))


def _child_worker(engine: str, dataset: str) -> None:
    """Load ``dataset`` with ``engine``, then answer JSON-line commands on stdin:
    {"query": text, "reps": n, "budget": s} -> {"times": [...], "rows": n}."""
    t = time.perf_counter()
    if engine == "rdflib":
        import rdflib

        graph = rdflib.Dataset(default_union=True)
        if dataset.endswith(".nq"):
            graph.parse(dataset, format="nquads")
        else:
            graph.parse(dataset, format="nt")

        def run(text: str) -> int:
            return len(list(graph.query(text)))
    else:
        import pyoxigraph as ox

        if Path(dataset).is_dir():
            store = ox.Store.read_only(dataset)
        else:
            store = ox.Store()
            store.bulk_load(path=dataset, format=ox.RdfFormat.N_QUADS)

        def run(text: str) -> int:
            return len(list(store.query(text, use_default_graph_as_union=True)))
    loaded = time.perf_counter() - t
    print(json.dumps({"loaded_s": round(loaded, 3), "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        times: list[float] = []
        rows = 0
        deadline = time.perf_counter() + command["budget"]
        for _ in range(command["reps"]):
            t = time.perf_counter()
            rows = run(command["query"])
            times.append(time.perf_counter() - t)
            if time.perf_counter() > deadline:
                break
        print(json.dumps({"times": times, "rows": rows}), flush=True)


# ---------------------------------------------------------------------------------------------
# helpers


def run_child(args: list[str], timeout: float) -> tuple[dict | None, str]:
    """Run ``python bench/run.py <args>``; (its JSON, stderr tail) or (None, why). The JSON
    gains ``peak_tree_rss_mb``: the child's and its descendants' summed RSS, sampled from here."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([PY, str(Path(__file__)), *args], stdout=out, stderr=err, text=True)
        with TreeMemory(proc.pid) as sampler:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
                return None, f"> {timeout:.0f} s (time limit)"
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        return None, f"failed ({proc.returncode}): {stderr.strip()[-1500:]}"
    try:
        result = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None, f"no result: {stderr.strip()[-1500:]}"
    result["peak_tree_rss_mb"] = sampler.peak_mb
    result["peak_tree_pss_mb"] = round(sampler.peak_pss / 1024 / 1024)
    return result, stderr


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Worker:
    """A query-latency child process (one engine, one loaded dataset)."""

    def __init__(self, engine: str, dataset: str, load_timeout: float) -> None:
        self.engine, self.dataset = engine, dataset
        self.proc = subprocess.Popen([PY, str(Path(__file__)), "_worker", engine, dataset], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.info = self._read(load_timeout)
        if self.info is None:
            self.close()
            raise TimeoutError(f"{engine} did not load {dataset} within {load_timeout:.0f} s")

    def _read(self, timeout: float) -> dict | None:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else None

    def measure(self, text: str, reps: int, budget: float, timeout: float) -> dict | None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"query": text, "reps": reps, "budget": budget}) + "\n")
        self.proc.stdin.flush()
        return self._read(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


def query_latencies(engine: str, dataset: str, anchors: dict[str, str], *, reps: int, budget: float,
                    timeout: float, load_timeout: float) -> dict[str, Any]:
    """p50/p95 per query of the mix; a query past ``timeout`` is reported as "> timeout" and
    its worker restarted."""
    out: dict[str, Any] = {"engine": engine, "queries": {}}
    try:
        worker = Worker(engine, dataset, load_timeout)
    except TimeoutError as e:
        out["error"] = str(e)
        return out
    out.update(worker.info or {})
    try:
        for q in Q.MIX:
            text = q.text(anchors)
            first = worker.measure(text, 1, timeout, timeout)  # warm-up, also the time-limit probe
            if first is None:
                out["queries"][q.name] = {"timeout": timeout}
                log(f"  {engine} {q.name}: > {timeout:.0f} s")
                worker.close()
                worker = Worker(engine, dataset, load_timeout)
                continue
            result = worker.measure(text, reps, budget, timeout * reps + 10)
            if result is None:
                out["queries"][q.name] = {"timeout": timeout}
                worker.close()
                worker = Worker(engine, dataset, load_timeout)
                continue
            times = result["times"] or first["times"]
            out["queries"][q.name] = {
                "p50_ms": percentile(times, 0.5) * 1000,
                "p95_ms": percentile(times, 0.95) * 1000,
                "n": len(times),
                "rows": result["rows"],
            }
            log(f"  {engine} {q.name}: p50 {out['queries'][q.name]['p50_ms']:.2f} ms ({len(times)} runs, {result['rows']} rows)")
    finally:
        worker.close()
    return out


# ---------------------------------------------------------------------------------------------
# HTTP load generator


def _load_worker(port: int, path: str, requests_: list[tuple[str, str, str]], offset: int, start_at: float,
                 duration: float, timeout: float, queue: Any) -> None:
    """One keep-alive connection issuing the mix round-robin until the duration is over."""
    records: list[tuple[str, float, int]] = []
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + duration
    i = offset
    while time.perf_counter() < end:
        name, query, accept = requests_[i % len(requests_)]
        i += 1
        t = time.perf_counter()
        try:
            conn.request("GET", path + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        records.append((name, time.perf_counter() - t, status))
    conn.close()
    queue.put(records)


def http_load(port: int, path: str, mix: list[tuple[str, str, str]], concurrency: int, duration: float,
              timeout: float = REQUEST_TIMEOUT) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    start_at = time.time() + 0.5
    procs = [ctx.Process(target=_load_worker, args=(port, path, mix, k * 3, start_at, duration, timeout, queue), daemon=True)
             for k in range(concurrency)]
    for p in procs:
        p.start()
    records: list[tuple[str, float, int]] = []
    deadline = time.time() + 0.5 + duration + timeout + 15
    for _ in procs:
        try:
            records.extend(queue.get(timeout=max(1.0, deadline - time.time())))
        except Exception:  # noqa: BLE001 - a stuck worker: count what we have
            break
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
    ok = [r for r in records if r[2] == 200]
    latencies = [r[1] for r in ok]
    per_query: dict[str, list[float]] = {}
    for name, latency, status in ok:
        per_query.setdefault(name, []).append(latency)
    return {
        "concurrency": concurrency,
        "duration_s": duration,
        "requests": len(records),
        "ok": len(ok),
        "errors": len(records) - len(ok),
        "statuses": sorted({r[2] for r in records}),
        "rps": len(ok) / duration,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "per_query_p50_ms": {k: percentile(v, 0.5) * 1000 for k, v in per_query.items()},
    }


@dataclass
class Server:
    name: str
    argv: list[str]
    path: str
    ready_path: str
    cwd: Path | None = None
    env: dict[str, str] | None = None
    after_start: Any = None  # callable(port) run once it answers (e.g. load data)
    proc: subprocess.Popen | None = None
    port: int = 0
    log_file: Path | None = None
    started_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def start(self, port: int, log_dir: Path) -> None:
        self.port = port
        self.log_file = log_dir / f"{self.name.replace(' ', '_')}.log"
        argv = [a.replace("{port}", str(port)) for a in self.argv]
        t = time.perf_counter()
        with self.log_file.open("wb") as handle:
            self.proc = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT, cwd=self.cwd,
                                         env={**os.environ, **(self.env or {})}, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.log_file.read_text()[-1500:]}")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=2)
                conn.request("GET", self.ready_path)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    break
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not answer within {SERVER_START_TIMEOUT:.0f} s")
            time.sleep(0.2)
        if self.after_start is not None:
            self.after_start(port)
        self.started_s = time.perf_counter() - t

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the server's own process group only
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


def _post_dataset(dataset: Path):
    def load(port: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=3600)
        with dataset.open("rb") as body:
            conn.request("POST", "/store", body=body, headers={"Content-Type": "application/n-quads",
                                                               "Content-Length": str(dataset.stat().st_size)})
            response = conn.getresponse()
            text = response.read()
        conn.close()
        if response.status >= 300:
            raise RuntimeError(f"oxigraph refused the dataset: {response.status} {text[:300]!r}")
    return load


def http_mix(anchors: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(q.name, q.text(anchors), NT if q.kind in ("construct", "describe") else JSON) for q in Q.MIX]


def check_answers(port: int, path: str, mix: list[tuple[str, str, str]]) -> dict[str, int]:
    """One request per query before timing (warms caches); statuses per query."""
    statuses = {}
    for name, query, accept in mix:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request("GET", path + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
            response = conn.getresponse()
            response.read()
            statuses[name] = response.status
        except (OSError, http.client.HTTPException):
            statuses[name] = 0
        finally:
            conn.close()
    return statuses


def servers_for(size: str, project: Path, build_dir: Path, store_dir: Path, dataset: Path, store_only: bool,
                with_rdflib: bool) -> list[Server]:
    cica = [_cicagraph_binary(), "--project", str(project), "--build-dir", str(build_dir), "serve", "--host", HOST, "--port", "{port}"]
    gunicorn = [PY, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4", "-b", f"{HOST}:{{port}}",
                "--keep-alive", "5", "--chdir", str(BENCH)]
    servers = []
    if not store_only:
        servers.append(Server("oxigraph serve (memory)", [_oxigraph_binary(), "serve", "--bind", f"{HOST}:{{port}}", "--union-default-graph"],
                              "/query", "/query?query=ASK%7B%7D", after_start=_post_dataset(dataset)))
        servers.append(Server("cicagraph serve (memory)", cica, "/sparql", "/healthz"))
    servers.append(Server("oxigraph serve-read-only (disk)", [_oxigraph_binary(), "serve-read-only", "--location", str(store_dir),
                                                              "--bind", f"{HOST}:{{port}}", "--union-default-graph"],
                          "/query", "/query?query=ASK%7B%7D"))
    servers.append(Server("cicagraph serve --store (disk)", cica + ["--store", str(store_dir)], "/sparql", "/healthz"))
    if not store_only:
        servers.append(Server("Flask + pyoxigraph (minimal)", gunicorn + [f'minimal_app:create("oxigraph", "{dataset}")'], "/sparql", "/healthz"))
        if with_rdflib:
            servers.append(Server("Flask + rdflib (minimal)", gunicorn + [f'minimal_app:create("rdflib", "{dataset}")'], "/sparql", "/healthz"))
    return servers


# ---------------------------------------------------------------------------------------------
# the run


def bench_size(name: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    n = generate.parse_size(name)
    result: dict[str, Any] = {"size": name, "requested": n}
    project = work / name / "project"
    build_dir, store_dir = work / name / "build", work / name / "store"
    log(f"== {name}: generating")
    t = time.perf_counter()
    facts = generate.write_project(project, n, args.seed)
    result["generated"] = {**facts, "seconds": round(time.perf_counter() - t, 2)}
    store_only = n > args.store_only_above
    result["store_only"] = store_only

    log(f"== {name}: {'store-only load' if store_only else 'build (load, validate, reason, store)'}")
    timeout = BUILD_TIMEOUT.get(name, 3600)
    child = "_store_only" if store_only else "_build"
    built, why = run_child([child, str(project), str(build_dir), str(store_dir)], timeout)
    if built is None:
        result["build_error"] = why
        log(f"   build: {why}")
        return result
    built["commit"] = git_commit()
    result["build"] = built
    log(f"   build: {built['timings']} peak RSS {built['peak_rss_mb']} MB; disk store {built['disk_store_s']} s")
    dataset = build_dir / "dataset.nq"

    # anchors from the on-disk store (read-only: fine while nothing else writes it)
    import pyoxigraph as ox

    anchor_store = ox.Store.read_only(str(store_dir))
    anchors = Q.anchors(anchor_store)
    del anchor_store
    result["anchors"] = anchors

    log(f"== {name}: query latency (pyoxigraph{'' if store_only else ' vs rdflib'})")
    reps = 5 if args.quick else 20
    result["latency"] = {}
    source = str(store_dir) if store_only else str(dataset)
    result["latency"]["pyoxigraph"] = query_latencies("pyoxigraph", source, anchors, reps=reps, budget=10, timeout=QUERY_TIMEOUT,
                                                      load_timeout=1800)
    if not store_only and n <= args.rdflib_max:
        result["latency"]["rdflib"] = query_latencies("rdflib", str(dataset), anchors, reps=max(3, reps // 4), budget=10,
                                                      timeout=args.rdflib_timeout, load_timeout=1800)

    log(f"== {name}: HTTP")
    mix = http_mix(anchors)
    lookup_only = [m for m in mix if m[0] == "lookup"]
    light = [m for m in mix if m[0] not in Q.WHOLE_GRAPH]
    result["http"] = {}
    log_dir = work / name / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with_rdflib = not store_only and n <= args.rdflib_http_max
    for server in servers_for(name, project, build_dir, store_dir, dataset, store_only, with_rdflib):
        entry: dict[str, Any] = {}
        result["http"][server.name] = entry
        try:
            log(f"   starting {server.name}")
            server.start(free_port(), log_dir)
            entry["start_s"] = round(server.started_s, 2)
            entry["warmup_statuses"] = check_answers(server.port, server.path, light if store_only else mix)
            runs = [("light", light)] if store_only else [("", mix), ("light", light)]
            for label, requests_ in runs:
                for c in (1, 8):
                    key = f"{label}c{c}"
                    entry[key] = http_load(server.port, server.path, requests_, c, args.duration if not label else max(3.0, args.duration / 2))
                    r = entry[key]
                    log(f"   {server.name} {label or 'mix'} c={c}: {r['rps']:.1f} req/s p50 {r['p50_ms']:.2f} ms p95 {r['p95_ms']:.2f} ms errors {r['errors']}")
            entry["lookup_c1"] = http_load(server.port, server.path, lookup_only, 1, min(5.0, args.duration))
        except RuntimeError as e:
            entry["error"] = str(e)
            log(f"   {server.name}: {e}")
        finally:
            server.stop()
    return result


def shipped_build(work: Path) -> dict[str, Any]:
    """``cicagraph build`` of the shipped graph through the real CLI: cold, then warm."""
    out = work / "shipped-build"
    if out.exists():
        shutil.rmtree(out)
    res: dict[str, Any] = {}
    base = [_cicagraph_binary(), "--project", str(REPO), "--build-dir", str(out), "build"]
    for label, argv in (("cold", base + ["--force"]), ("warm", base), ("cold --no-docs", base + ["--force", "--no-docs"])):
        t = time.perf_counter()
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            res[label] = {"wall_s": round(time.perf_counter() - t, 3), "rc": done.returncode}
        except subprocess.TimeoutExpired:
            res[label] = {"wall_s": None, "rc": None, "error": "> 600 s"}
        if label == "cold":
            try:
                res["cold"]["stages"] = json.loads((out / "manifest.json").read_text())["timings"]
            except (OSError, ValueError):
                pass
    t = time.perf_counter()
    subprocess.run([PY, "-c", "import cicagraph.cli"], timeout=120)
    res["python_import_s"] = round(time.perf_counter() - t, 3)
    return res


# ---------------------------------------------------------------------------------------------
# report


def fmt_ms(value: float | None) -> str:
    if value is None or value != value:
        return "-"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or a != a or b != b:
        return None
    return a / b


def times(x: float) -> str:
    return f"{x:.0f}×" if x >= 10 else f"{x:.2g}×"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# cicagraph benchmark — {results['started']}",
        "",
        f"Command: `{results['command']}` (total {results['total_s']:.0f} s)",
        "",
        *([("Builds re-measured afterwards with " + ", ".join(f"`{c}`" for c in results["redone"])
            + " (see the note in each Build section)."), ""] if results.get("redone") else []),
        "## Machine",
        "",
        f"- host `{m['host']}`, {m['os']}",
        f"- CPU: {m['cpu']}, {m['cores']} cores (usable {m['affinity']}), RAM {m['ram_gb']} GiB",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- oxigraph server binary: {m['oxigraph_binary']}; cicagraph checkout at commit {m.get('commit', '-')}",
        f"- load average when the run started: {m.get('loadavg_at_start')} (other processes on the machine disturb the figures)",
        "- Load generator and servers share the same cores (loopback); the servers run one at a time.",
        "",
    ]
    header_end = len(lines)
    summary: list[tuple[str, str, str, str]] = []

    sb = results.get("shipped")
    if sb:
        lines += ["## Shipped graph: `cicagraph build` through the CLI", "",
                  "| run | wall (s) | exit |", "|---|---:|---:|"]
        for label in ("cold", "warm", "cold --no-docs"):
            r = sb.get(label, {})
            lines.append(f"| {label} | {r.get('wall_s', '-')} | {r.get('rc', '-')} |")
        if sb.get("cold", {}).get("stages"):
            lines += ["", "Stages of the cold build (manifest, s): " + ", ".join(f"{k} {v}" for k, v in sb["cold"]["stages"].items())]
        lines += ["", f"Python start-up + `import cicagraph.cli` alone: {sb.get('python_import_s')} s", ""]
        cold = sb.get("cold", {}).get("wall_s")
        warm = sb.get("warm", {}).get("wall_s")
        summary.append(("shipped build cold ≤ 3 s", f"{cold} s", verdict(cold is not None and cold <= TARGETS["shipped_cold_s"]),
                        f"{cold / TARGETS['shipped_cold_s']:.2f}× the target" if cold else ""))
        summary.append(("shipped build warm ≤ 0.5 s", f"{warm} s", verdict(warm is not None and warm <= TARGETS["shipped_warm_s"]),
                        f"{warm / TARGETS['shipped_warm_s']:.2f}× the target" if warm else ""))

    for size in results["sizes"]:
        name = size["size"]
        lines += [f"## {name} triples", ""]
        gen = size.get("generated", {})
        lines.append(f"Synthetic data: {gen.get('triples')} triples (seed {gen.get('seed')}), generated in {gen.get('seconds')} s.")
        lines.append("")
        if "build_error" in size:
            lines += [f"Build: {size['build_error']}", ""]
            continue
        b = size["build"]
        lines += ["### Build", ""]
        if b.get("remeasured"):
            lines += [f"(Re-measured {b['remeasured']} at commit {b.get('commit')}, with `--redo-build {name}`.)", ""]
        lines += ["| stage | s |", "|---|---:|"]
        for k, v in b["timings"].items():
            lines.append(f"| {k} | {v} |")
        lines += [f"| on-disk store (bulk load of dataset.nq + optimize) | {b['disk_store_s']} |", "",
                  "Graphs: " + ", ".join(f"{k} {v}" for k, v in b["counts"].items())
                  + f"; peak RSS: build process {b['peak_rss_mb']} MB"
                  + (f", validation child {b['peak_rss_children_mb']} MB; both together, sampled every 0.2 s: RSS {b['peak_tree_rss_mb']} MB "
                     f"(counts pages shared by the fork twice), PSS {b.get('peak_tree_pss_mb', '-')} MB (shared pages split)"
                     if b.get("peak_tree_rss_mb") else "") + ".",
                  "", "Validation runs in a child process while the parent reasons (forked since 6b134e6; above 200k data triples a started process, since 96c0820), so `total` is "
                  "load + max(validate, reason) + store, not the sum of the stages.", ""]
        if name == "1m" and not size.get("store_only"):
            total = b["timings"].get("total") or sum(v for k, v in b["timings"].items() if k in ("load", "validate", "reason", "store"))
            rss_gb = max(b["peak_rss_mb"], b.get("peak_tree_pss_mb") or b.get("peak_tree_rss_mb") or 0) / 1024
            summary.append(("build 1M (load + validate ∥ reason + store) ≤ 120 s", f"{total:.0f} s", verdict(total <= TARGETS["build_1m_s"]),
                            f"{total / TARGETS['build_1m_s']:.1f}× the target; " + ", ".join(f"{k} {v} s" for k, v in b["timings"].items() if k != "total")))
            summary.append(("build 1M peak RSS ≤ 3 GB", f"{rss_gb:.2f} GB", verdict(rss_gb <= TARGETS["build_1m_rss_gb"]),
                            (f"PSS of the build process + its validation child; their RSS sum is {b['peak_tree_rss_mb'] / 1024:.2f} GB, "
                             f"the build process alone {b['peak_rss_mb'] / 1024:.2f} GB") if b.get("peak_tree_rss_mb") else "build process"))

        lat = size.get("latency", {})
        ox_l = lat.get("pyoxigraph", {})
        rl = lat.get("rdflib", {})
        lines += ["### Query latency in process (ms)", ""]
        load_line = f"pyoxigraph load {ox_l.get('loaded_s')} s, RSS {ox_l.get('rss_mb')} MB"
        if rl:
            load_line += f"; rdflib load {rl.get('loaded_s')} s, RSS {rl.get('rss_mb')} MB"
            if rl.get("error"):
                load_line += f" ({rl['error']})"
        lines += [load_line + ".", ""]
        lines += ["| query | feature | pyoxigraph p50 | p95 | rdflib p50 | p95 | rdflib / pyoxigraph | rows |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        join_speedups = []
        for q in Q.MIX:
            a = ox_l.get("queries", {}).get(q.name, {})
            r = rl.get("queries", {}).get(q.name, {}) if rl else {}
            if r.get("timeout"):
                r_p50, r_p95 = f"> {r['timeout'] * 1000:.0f}", "-"
                speed = ratio(r["timeout"] * 1000, a.get("p50_ms"))
                speed_text = f"> {times(speed)}" if speed else "-"
            else:
                r_p50, r_p95 = fmt_ms(r.get("p50_ms")), fmt_ms(r.get("p95_ms"))
                speed = ratio(r.get("p50_ms"), a.get("p50_ms"))
                speed_text = times(speed) if speed else "-"
            if q.join and speed:
                join_speedups.append((q.name, speed, bool(r.get("timeout"))))
            a_text = f"> {a['timeout'] * 1000:.0f}" if a.get("timeout") else fmt_ms(a.get("p50_ms"))
            lines.append(f"| {q.name} | {q.feature} | {a_text} | {fmt_ms(a.get('p95_ms'))} | {r_p50} | {r_p95} | {speed_text} | {a.get('rows', '-')} |")
        lines.append("")
        if join_speedups:
            worst = min(join_speedups, key=lambda x: x[1])
            summary.append((f"{name}: pyoxigraph ≥ 50× rdflib on joins", f"min {times(worst[1])} ({worst[0]})" + (" (lower bound)" if worst[2] else ""),
                            verdict(worst[1] >= TARGETS["join_speedup"]),
                            "; ".join(f"{n_} {times(s)}{'+' if to else ''}" for n_, s, to in join_speedups)))

        http = size.get("http", {})
        if http:
            lines += ["### HTTP (query mix, round robin; keep-alive; loopback)", "",
                      f"Each run lasts {results['duration']:.0f} s; req/s counts 200 answers only.", "",
                      "| server | c | req/s | p50 ms | p95 ms | errors | lookup-only p50 ms (c=1) | start s |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|"]
            for server, e in http.items():
                if "error" in e:
                    lines.append(f"| {server} | - | error: {e['error'][:200]} | | | | | |")
                    continue
                for c in (1, 8):
                    r = e.get(f"c{c}", {})
                    lk = e.get("lookup_c1", {}).get("p50_ms") if c == 1 else None
                    if not r and not lk:
                        continue
                    lines.append(f"| {server} | {c} | {r['rps']:.1f} |" if r else f"| {server} | {c} | - |")
                    lines[-1] += (f" {fmt_ms(r.get('p50_ms'))} | {fmt_ms(r.get('p95_ms'))} | {r.get('errors', '-')} | {fmt_ms(lk) if lk else ''} | {e.get('start_s', '-') if c == 1 else ''} |")
            lines += ["", f"Light mix (the mix without the whole-graph queries {', '.join(sorted(Q.WHOLE_GRAPH))}: "
                      "what dominates here is the per-request cost of each server, not the engine):", "",
                      "| server | c | req/s | p50 ms | p95 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
            for server, e in http.items():
                for c in (1, 8):
                    r = e.get(f"lightc{c}")
                    if r:
                        lines.append(f"| {server} | {c} | {r['rps']:.1f} | {fmt_ms(r['p50_ms'])} | {fmt_ms(r['p95_ms'])} | {r['errors']} |")
            bad = {s: {k: v for k, v in e.get("warmup_statuses", {}).items() if v != 200} for s, e in http.items()}
            bad = {s: v for s, v in bad.items() if v}
            if bad:
                lines += ["", "Non-200 answers while warming up: " + json.dumps(bad)]
            lines += ["", "Per-query p50 at c=1 (ms):", "",
                      "| query | " + " | ".join(http.keys()) + " |", "|---|" + "---:|" * len(http)]
            for q in Q.MIX:
                cells = [fmt_ms((e.get("c1") or e.get("lightc1") or {}).get("per_query_p50_ms", {}).get(q.name)) for e in http.values()]
                lines.append(f"| {q.name} | " + " | ".join(cells) + " |")
            lines.append("")

            def pick(server: str, c: int, key: str, label: str = "") -> float | None:
                return http.get(server, {}).get(f"{label}c{c}", {}).get(key)

            pairs = [("cicagraph serve (memory)", "oxigraph serve (memory)"),
                     ("cicagraph serve --store (disk)", "oxigraph serve-read-only (disk)")]
            lines += ["Ratios:", ""]
            for ours, theirs in pairs:
                for c in (1, 8):
                    tr = ratio(pick(ours, c, "rps"), pick(theirs, c, "rps"))
                    pr = ratio(pick(ours, c, "p50_ms"), pick(theirs, c, "p50_ms"))
                    if tr is None:
                        continue
                    lines.append(f"- {ours} / {theirs}, c={c}: throughput {tr:.2f}×, p50 {pr:.2f}×")
                    if c == 8 and ours.endswith("(memory)"):
                        summary.append((f"{name}: HTTP throughput c=8 ≥ 0.7× oxigraph serve", f"{tr:.2f}×", verdict(tr >= TARGETS["throughput_ratio_c8"]),
                                        f"{pick(ours, 8, 'rps'):.0f} vs {pick(theirs, 8, 'rps'):.0f} req/s"))
                    if c == 1 and ours.endswith("(memory)"):
                        summary.append((f"{name}: HTTP p50 ≤ 1.5× oxigraph serve (c=1)", f"{pr:.2f}×", verdict(pr is not None and pr <= TARGETS["p50_ratio"]),
                                        f"{pick(ours, 1, 'p50_ms'):.2f} vs {pick(theirs, 1, 'p50_ms'):.2f} ms"))
                    if c == 8 and ours.endswith("(memory)"):
                        pr8 = pr
                        summary.append((f"{name}: HTTP p50 ≤ 1.5× oxigraph serve (c=8)", f"{pr8:.2f}×", verdict(pr8 is not None and pr8 <= TARGETS["p50_ratio"]),
                                        f"{pick(ours, 8, 'p50_ms'):.2f} vs {pick(theirs, 8, 'p50_ms'):.2f} ms"))
            for ours, theirs in pairs:
                for c in (1, 8):
                    tr = ratio(pick(ours, c, "rps", "light"), pick(theirs, c, "rps", "light"))
                    pr = ratio(pick(ours, c, "p50_ms", "light"), pick(theirs, c, "p50_ms", "light"))
                    if tr is None:
                        continue
                    lines.append(f"- light mix: {ours} / {theirs}, c={c}: throughput {tr:.2f}×, p50 {pr:.2f}×")
                    if ours.endswith("(memory)") or size.get("store_only"):
                        summary.append((f"{name}: light mix, c={c}: throughput ≥ 0.7× / p50 ≤ 1.5× {theirs}", f"{tr:.2f}× / {pr:.2f}×",
                                        verdict(tr >= TARGETS["throughput_ratio_c8"] and pr is not None and pr <= TARGETS["p50_ratio"]),
                                        f"{pick(ours, c, 'rps', 'light'):.0f} vs {pick(theirs, c, 'rps', 'light'):.0f} req/s; "
                                        f"{pick(ours, c, 'p50_ms', 'light'):.2f} vs {pick(theirs, c, 'p50_ms', 'light'):.2f} ms"))
            mini = ratio(pick("cicagraph serve (memory)", 8, "rps"), pick("Flask + pyoxigraph (minimal)", 8, "rps"))
            mini_light = ratio(pick("cicagraph serve (memory)", 8, "rps", "light"), pick("Flask + pyoxigraph (minimal)", 8, "rps", "light"))
            if mini_light:
                lines.append(f"- light mix: cicagraph serve (memory) / minimal Flask + pyoxigraph, c=8: throughput {mini_light:.2f}× (cost of cicagraph's own web layer)")
            if mini:
                lines.append(f"- cicagraph serve (memory) / minimal Flask + pyoxigraph, c=8: throughput {mini:.2f}× (cost of cicagraph's own web layer)")
            rd = ratio(pick("cicagraph serve (memory)", 8, "rps"), pick("Flask + rdflib (minimal)", 8, "rps"))
            if rd:
                lines.append(f"- cicagraph serve (memory) / Flask + rdflib, c=8: throughput {rd:.1f}×")
            lines.append("")
            if size.get("store_only"):
                lk = http.get("cicagraph serve --store (disk)", {}).get("lookup_c1", {}).get("p50_ms")
                if lk is not None:
                    summary.append((f"{name}: lookup p50 ≤ 5 ms from the on-disk store (HTTP, c=1)", f"{lk:.2f} ms",
                                    verdict(lk <= TARGETS["lookup_10m_p50_ms"]), "cicagraph serve --store"))

    lines[header_end:header_end] = ["## Targets (issue 6)", "", "| target | measured | verdict | detail |", "|---|---|---|---|"] + [
        f"| {a} | {b} | {c} | {d} |" for a, b, c, d in summary] + [""]
    lines += ["## Raw results", "", "<details><summary>JSON</summary>", "", "```json", json.dumps(results, indent=1, default=str), "```", "", "</details>", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_build":
        _child_build(*argv[1:4])
        return 0
    if argv and argv[0] == "_store_only":
        _child_store_only(*argv[1:4])
        return 0
    if argv and argv[0] == "_worker":
        _child_worker(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=None, help="comma-separated: 10k,100k,1m,10m (default 10k,100k)")
    parser.add_argument("--quick", action="store_true", help="10k only, 3 s HTTP runs, 5 repetitions")
    parser.add_argument("--duration", type=float, default=None, help="seconds per HTTP run (default 10; --quick 3)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rdflib-max", type=lambda s: generate.parse_size(s), default=1_000_000, help="largest size rdflib's engine is timed on")
    parser.add_argument("--rdflib-http-max", type=lambda s: generate.parse_size(s), default=100_000, help="largest size the rdflib HTTP server is run on")
    parser.add_argument("--rdflib-timeout", type=float, default=QUERY_TIMEOUT, help="per-query time limit for rdflib (s)")
    parser.add_argument("--store-only-above", type=lambda s: generate.parse_size(s), default=1_000_000,
                        help="sizes above this skip validate/reason and use the on-disk store only (default 1m)")
    parser.add_argument("--redo-build", metavar="SIZE", help="re-measure only the build of SIZE (its project in --work) and "
                        "update the results in --results/latest.md in place")
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped-graph build timing")
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)
    if args.redo_build:
        return redo_build(args)
    sizes = [s.strip().lower() for s in (args.sizes or ("10k" if args.quick else "10k,100k")).split(",") if s.strip()]
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python bench/run.py " + " ".join(argv),
        "machine": machine(),
        "duration": args.duration,
        "sizes": [],
    }
    if not args.no_shipped:
        log("== shipped graph: cicagraph build cold / warm")
        results["shipped"] = shipped_build(args.work)
        log(f"   {results['shipped']}")
    for size in sizes:
        results["sizes"].append(bench_size(size, args, args.work))
        results["total_s"] = time.perf_counter() - started
        write_results(results, args.results)  # after every size: partial results survive
    results["total_s"] = time.perf_counter() - started
    path = write_results(results, args.results)
    print(report(results).split("## Raw results")[0])
    log(f"wrote {path} and {args.results / 'latest.md'}")
    return 0


def load_results(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    return json.loads(text.split("```json", 1)[1].split("```", 1)[0])


def redo_build(args: argparse.Namespace) -> int:
    results = load_results(args.results / "latest.md")
    name = args.redo_build.lower()
    size = next((s for s in results["sizes"] if s["size"] == name), None)
    if size is None:
        raise SystemExit(f"no size {name} in {args.results / 'latest.md'}")
    work = args.work / name
    log(f"== {name}: re-measuring the build")
    built, why = run_child(["_build", str(work / "project"), str(work / "build"), str(work / "store")], BUILD_TIMEOUT.get(name, 3600))
    if built is None:
        size["build_error"] = why
    else:
        built["commit"] = git_commit()
        built["remeasured"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        size["build"] = built
        size.pop("build_error", None)
        log(f"   build: {built['timings']} peak RSS {built['peak_rss_mb']} MB, tree {built['peak_tree_rss_mb']} MB")
    note = f"python bench/run.py --redo-build {name}"
    results.setdefault("redone", [])
    if note not in results["redone"]:
        results["redone"].append(note)
    path = write_results(results, args.results)
    log(f"wrote {path}")
    return 0


def write_results(results: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = report(results)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    path = directory / f"{stamp}-{results['machine']['host']}.md"
    path.write_text(text, encoding="utf-8")
    (directory / "latest.md").write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
