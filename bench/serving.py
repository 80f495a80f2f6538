"""The serving path against ``oxigraph serve`` (issue 11, parts 3-4), side by side in one run.

    python bench/serving.py                                  # shipped, 100k, 1m; ~15 min on 2 cores
    python bench/serving.py --sizes shipped --duration 5     # the shipped graph only
    python bench/serving.py --sizes shipped,100k,1m --wsgi   # + the WSGI-server comparison

For each size, one server at a time, started through its real entry point:

* ``oxigraph serve`` (in memory, ``--union-default-graph``, the build's ``dataset.nq`` POSTed
  to ``/store``), ``cicagraph serve`` (the result cache on, 64 MiB per worker) and
  ``cicagraph serve --no-cache``, each at concurrency 1 and 8 on the size's mix;
* on ``cicagraph serve``: the **floor** (``/healthz``, the cheapest route through the same
  gunicorn + waitress + Flask stack) and a **cache hit** (one query GET repeated), c=1 and c=8;
* with ``--wsgi``: the same app under gunicorn's ``gthread`` worker and under granian (WSGI),
  cache off, on the first size's mix: what the current waitress-in-gunicorn worker costs;
* **memory**: ``cicagraph serve`` with the default cache under ``--memory-queries`` (10k)
  distinct queries (each a page of triples of 50 consecutive subjects, tens of KB, so the
  volume far exceeds the budget): the workers' RSS before and after, and each worker's
  ``/healthz`` cache bytes against its budget.

Mixes: ``shipped`` is the repository's own graph (``cicagraph build --no-docs`` into
``bench/work/shipped/build``) with the **research mix**: every ``queries/*.rq`` with its
default parameters bound by ``VALUES`` in the text (:meth:`CannedQuery.editor_text`), so
that oxigraph gets the very same text. ``100k`` / ``1m`` are synthetic graphs
(``bench/generate.py``, reused from ``bench/work/<size>/`` when built there) with the query mix
of ``bench/queries.py``. Before timing, each query is sent once to each server and the
answers' row (or triple) counts are compared across servers.

Every measurement has a time limit; loopback only. Results: ``bench/results/serving-latest.md``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
from run import (  # noqa: E402
    HOST,
    JSON,
    NT,
    PY,
    REQUEST_TIMEOUT,
    Q,
    Server,
    _cicagraph_binary,
    _oxigraph_binary,
    _post_dataset,
    check_answers,
    free_port,
    generate,
    http_load,
    log,
    machine,
    percentile,
)

REPO = BENCH.parent
SIZES = ("shipped", "100k", "1m")
BUILD_TIMEOUT_S = {"shipped": 300, "100k": 900, "1m": 2400}
MEMORY_TIMEOUT_S = 600.0

# Targets of issue 11: (cache on, cache off) throughput ratios to oxigraph serve at c=8.
TARGETS = {
    "shipped": {"cache": 1.2, "nocache": 0.9, "p50": True},
    "100k": {"cache": 1.0, "nocache": 0.8, "p50": False},
    "1m": {"cache": 1.0, "nocache": 0.8, "p50": False},
}
HIT_VS_FLOOR = 1.5
OXI, CACHE, NOCACHE = "oxigraph serve", "cicagraph serve", "cicagraph serve --no-cache"
GTHREAD, GRANIAN = "cicagraph app, gunicorn gthread", "cicagraph app, granian WSGI"


# ---------------------------------------------------------------------------------------------
# data and mixes


def prepare(size: str, work: Path, seed: int) -> tuple[Path, Path]:
    """(project, build dir) of ``size``, built (a no-op when the build is current)."""
    if size == "shipped":
        project, build_dir = REPO, work / "shipped" / "build"
    else:
        project, build_dir = work / size / "project", work / size / "build"
        if not (project / "data" / "synthetic.ttl").exists():
            log(f"== {size}: generating")
            generate.write_project(project, generate.parse_size(size), seed)
    log(f"== {size}: cicagraph build --no-docs (a no-op when current)")
    t = time.perf_counter()
    subprocess.run([_cicagraph_binary(), "--project", str(project), "--build-dir", str(build_dir), "build", "--no-docs"],
                   check=True, timeout=BUILD_TIMEOUT_S.get(size, 3600), stdout=subprocess.DEVNULL)
    log(f"   build ready in {time.perf_counter() - t:.1f} s")
    return project, build_dir


def research_mix(project: Path) -> list[tuple[str, str, str]]:
    """Every canned query with its defaults bound by VALUES in the text (what YASGUI shows)."""
    sys.path.insert(0, str(REPO / "src"))
    from cicagraph.query.queries import load_queries

    mix = []
    for name, q in load_queries(project / "queries").items():
        text = q.editor_text()
        kind = _kind(text)
        mix.append((name, text, NT if kind in ("construct", "describe") else JSON))
    return mix


def _kind(text: str) -> str:
    from cicagraph.query.sparql import inspect_query

    return inspect_query(text).kind or "select"


def synthetic_mix(port: int, path: str) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """bench/queries.py's mix, anchored through a running server (no second copy in memory)."""
    body = _get(port, path, Q.ANCHOR_QUERY, JSON)
    row = json.loads(body)["results"]["bindings"][0]
    anchors = {k: row[k]["value"] for k in ("forum", "state", "membership")}
    anchors["dimension"] = "https://w3id.org/cicagraph/id/cbm/dimension-1"
    return run.http_mix(anchors), anchors


def _get(port: int, path: str, query: str, accept: str, timeout: float = REQUEST_TIMEOUT) -> bytes:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {body[:300]!r}")
        return body
    finally:
        conn.close()


def answer_sizes(port: int, path: str, mix: list[tuple[str, str, str]]) -> dict[str, int | str]:
    """Rows (JSON results) or non-empty lines (N-Triples) per query: compared across servers."""
    out: dict[str, int | str] = {}
    for name, query, accept in mix:
        try:
            body = _get(port, path, query, accept)
        except (OSError, http.client.HTTPException, RuntimeError) as e:
            out[name] = f"error: {e}"[:120]
            continue
        if accept == JSON:
            doc = json.loads(body)
            out[name] = len(doc["results"]["bindings"]) if "results" in doc else int(bool(doc.get("boolean")))
        else:
            out[name] = sum(1 for line in body.splitlines() if line.strip())
    return out


# ---------------------------------------------------------------------------------------------
# servers


def cicagraph_server(name: str, project: Path, build_dir: Path, *extra: str) -> Server:
    argv = [_cicagraph_binary(), "--project", str(project), "--build-dir", str(build_dir), "serve", "--host", HOST,
            "--port", "{port}", *extra]
    return Server(name, argv, "/sparql", "/healthz")


def wsgi_servers(project: Path, build_dir: Path) -> list[Server]:
    """The app (cache off) under other WSGI servers, 2 workers x 8 threads as `cicagraph serve`."""
    env = {"CICAGRAPH_PROJECT": str(project), "CICAGRAPH_BUILD_DIR": str(build_dir), "CICAGRAPH_RESULT_CACHE_BYTES": "0"}
    gthread = [PY, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "8", "-b", f"{HOST}:{{port}}",
               "--keep-alive", "5", "--access-logfile", "-", "cicagraph.web:create_app()"]
    granian = [str(Path(PY).parent / "granian"), "--interface", "wsgi", "--host", HOST, "--port", "{port}",
               "--workers", "2", "--blocking-threads", "8", "--access-log", "--factory", "cicagraph.web:create_app"]
    servers = [Server(GTHREAD, gthread, "/sparql", "/healthz", env=env)]
    if Path(granian[0]).exists():
        servers.append(Server(GRANIAN, granian, "/sparql", "/healthz", env=env))
    return servers


def worker_pids(server: Server) -> list[int]:
    import psutil

    try:
        return [p.pid for p in psutil.Process(server.proc.pid).children(recursive=True)]  # type: ignore[union-attr]
    except psutil.Error:
        return []


def rss_mb(pids: list[int]) -> dict[int, float]:
    import psutil

    out = {}
    for pid in pids:
        try:
            out[pid] = round(psutil.Process(pid).memory_info().rss / 1024 / 1024, 1)
        except psutil.Error:
            pass
    return out


def healthz_by_worker(port: int, want: int, tries: int = 200) -> dict[int, dict[str, Any]]:
    """``/healthz`` of each worker: fresh connections until ``want`` worker pids answered."""
    seen: dict[int, dict[str, Any]] = {}
    for _ in range(tries):
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request("GET", "/healthz", headers={"Connection": "close"})
            doc = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        if "worker_pid" not in doc:
            return {0: doc}
        seen[doc["worker_pid"]] = doc
        if len(seen) >= want:
            break
    return seen


# ---------------------------------------------------------------------------------------------
# the memory run


def _send_once(port: int, requests_: list[str], deadline: float, queue: Any) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    statuses: dict[int, int] = {}
    for query in requests_:
        if time.time() > deadline:
            statuses[-1] = statuses.get(-1, 0) + 1  # not sent: out of time
            continue
        try:
            conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": JSON})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        statuses[status] = statuses.get(status, 0) + 1
    conn.close()
    queue.put(statuses)


def memory_run(project: Path, build_dir: Path, log_dir: Path, n_queries: int, concurrency: int = 8) -> dict[str, Any]:
    """RSS and cache bytes of ``cicagraph serve`` (default cache) under ``n_queries`` distinct queries."""
    server = cicagraph_server(CACHE, project, build_dir)
    out: dict[str, Any] = {"queries": n_queries}
    server.start(free_port(), log_dir)
    try:
        pids = worker_pids(server)
        subjects: list[str] = []
        while len(subjects) < n_queries + 50:  # in pages under the row cap
            page = json.loads(_get(server.port, "/sparql", "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) } "
                                   f"ORDER BY ?s LIMIT 5000 OFFSET {len(subjects)}", JSON))["results"]["bindings"]
            subjects += [b["s"]["value"] for b in page]
            if len(page) < 5000:
                break
        queries = []
        for k in range(n_queries):
            window = subjects[k % max(1, len(subjects) - 50):][:50]
            values = " ".join(f"<{s}>" for s in window)
            queries.append(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }} LIMIT {1000 + k // len(subjects)}")
        assert len(set(queries)) == n_queries
        time.sleep(1.0)
        out["rss_before_mb"] = rss_mb(pids)
        out["healthz_before"] = {pid: doc.get("result_cache") for pid, doc in healthz_by_worker(server.port, len(pids)).items()}
        ctx = mp.get_context("fork")
        queue = ctx.Queue()
        deadline = time.time() + MEMORY_TIMEOUT_S
        procs = [ctx.Process(target=_send_once, args=(server.port, queries[k::concurrency], deadline, queue), daemon=True)
                 for k in range(concurrency)]
        t = time.perf_counter()
        peak: dict[int, float] = {}
        for p in procs:
            p.start()
        statuses: dict[int, int] = {}
        done = 0
        while done < len(procs) and time.time() < deadline + REQUEST_TIMEOUT + 10:
            for pid, mb in rss_mb(pids).items():
                peak[pid] = max(peak.get(pid, 0.0), mb)
            try:
                for status, n in queue.get(timeout=0.5).items():
                    statuses[status] = statuses.get(status, 0) + n
                done += 1
            except Exception:  # noqa: BLE001 - queue.Empty: keep sampling
                pass
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
        out["seconds"] = round(time.perf_counter() - t, 1)
        out["statuses"] = statuses
        out["rss_after_mb"] = rss_mb(pids)
        out["rss_peak_mb"] = peak
        out["healthz_after"] = {pid: doc.get("result_cache") for pid, doc in healthz_by_worker(server.port, len(pids)).items()}
        log(f"   memory: {out['seconds']} s, statuses {statuses}, RSS {out['rss_before_mb']} -> {out['rss_after_mb']} MB")
    finally:
        server.stop()
    return out


# ---------------------------------------------------------------------------------------------
# one size


def bench_size(size: str, args: argparse.Namespace, with_wsgi: bool) -> dict[str, Any]:
    project, build_dir = prepare(size, args.work, args.seed)
    dataset = build_dir / "dataset.nq"
    result: dict[str, Any] = {"size": size, "servers": {}, "answers": {}}
    manifest = json.loads((build_dir / "manifest.json").read_text())
    result["triples"] = sum(manifest["counts"].values())
    log_dir = args.work / size / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    mix = research_mix(project) if size == "shipped" else None
    servers = [Server(OXI, [_oxigraph_binary(), "serve", "--bind", f"{HOST}:{{port}}", "--union-default-graph"],
                      "/query", "/query?query=ASK%7B%7D", after_start=_post_dataset(dataset)),
               cicagraph_server(CACHE, project, build_dir),
               cicagraph_server(NOCACHE, project, build_dir, "--no-cache")]
    if with_wsgi:
        servers += wsgi_servers(project, build_dir)
    for server in servers:
        entry: dict[str, Any] = {}
        result["servers"][server.name] = entry
        try:
            log(f"   {size}: starting {server.name}")
            server.start(free_port(), log_dir)
            entry["start_s"] = round(server.started_s, 2)
            if mix is None:
                mix, result["anchors"] = synthetic_mix(server.port, server.path)
            result["mix"] = [name for name, _, _ in mix]
            result["answers"][server.name] = answer_sizes(server.port, server.path, mix)
            entry["warmup_statuses"] = check_answers(server.port, server.path, mix)
            for c in (1, 8):
                entry[f"c{c}"] = r = http_load(server.port, server.path, mix, c, args.duration)
                log(f"   {server.name} c={c}: {r['rps']:.1f} req/s p50 {r['p50_ms']:.2f} ms p95 {r['p95_ms']:.2f} ms errors {r['errors']}")
            if server.name == CACHE:
                hit_query = next(m for m in mix if m[0] in ("lookup", "cq-organizations-of-state"))
                floor_mix = [("healthz", "", JSON)]
                for c in (1, 8):
                    short = max(3.0, args.duration / 2)
                    entry[f"floor_c{c}"] = f = http_load(server.port, "/healthz", floor_mix, c, short)
                    entry[f"hit_c{c}"] = h = http_load(server.port, server.path, [hit_query], c, short)
                    log(f"   floor c={c}: {f['rps']:.0f} req/s p50 {f['p50_ms']:.3f} ms; cache hit ({hit_query[0]}): "
                        f"{h['rps']:.0f} req/s p50 {h['p50_ms']:.3f} ms")
                entry["hit_query"] = hit_query[0]
                entry["healthz"] = {pid: doc.get("result_cache") for pid, doc in healthz_by_worker(server.port, 2).items()}
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            entry["error"] = str(e)
            log(f"   {server.name}: {e}")
        finally:
            server.stop()
    if size == args.memory_size:
        log(f"== {size}: memory under {args.memory_queries} distinct queries")
        try:
            result["memory"] = memory_run(project, build_dir, log_dir, args.memory_queries)
        except (RuntimeError, OSError) as e:
            result["memory"] = {"error": str(e)}
    return result


# ---------------------------------------------------------------------------------------------
# the report


def _ratio(a: float | None, b: float | None) -> float | None:
    return run.ratio(a, b)


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}×"


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for entry in results["sizes"]:
        size, servers = entry["size"], entry["servers"]
        goal = TARGETS.get(size)
        oxi = servers.get(OXI, {}).get("c8")
        if goal is None or oxi is None:
            continue
        mix = "research mix" if size == "shipped" else "synthetic mix"
        for name, key in ((CACHE, "cache"), (NOCACHE, "nocache")):
            run8 = servers.get(name, {}).get("c8")
            r = _ratio(run8 and run8["rps"], oxi["rps"])
            ok = None if r is None else r >= goal[key]
            detail = f"{run8['rps']:.0f} vs {oxi['rps']:.0f} req/s" if run8 else "not measured"
            if ok is False:
                detail += f"; {goal[key] / r:.2f}× short of the target"
            rows.append((f"{size}, {mix}, c=8: `{name}` throughput ≥ {goal[key]}× oxigraph serve", _x(r), run.verdict(ok), detail))
        if goal["p50"]:
            run8 = servers.get(CACHE, {}).get("c8")
            r = _ratio(run8 and run8["p50_ms"], oxi["p50_ms"])
            ok = None if r is None else r <= 1.0
            detail = f"{run8['p50_ms']:.2f} vs {oxi['p50_ms']:.2f} ms" if run8 else "not measured"
            rows.append((f"{size}, {mix}, c=8: `{CACHE}` p50 ≤ oxigraph serve's", _x(r), run.verdict(ok), detail))
        cache = servers.get(CACHE, {})
        if "hit_c1" in cache:
            r1 = _ratio(cache["hit_c1"]["p50_ms"], cache["floor_c1"]["p50_ms"])
            r8 = _ratio(cache["floor_c8"]["rps"], cache["hit_c8"]["rps"])
            ok = r1 is not None and r8 is not None and r1 <= HIT_VS_FLOOR and r8 <= HIT_VS_FLOOR
            rows.append((f"{size}: cache hit ({cache['hit_query']}) within {HIT_VS_FLOOR}× of the floor (/healthz)",
                         f"p50 {_x(r1)} (c=1); req/s {_x(r8)} (c=8)", run.verdict(ok),
                         f"p50 {cache['hit_c1']['p50_ms']:.3f} vs {cache['floor_c1']['p50_ms']:.3f} ms; "
                         f"{cache['hit_c8']['rps']:.0f} vs {cache['floor_c8']['rps']:.0f} req/s"))
        mem = entry.get("memory")
        if mem and "healthz_after" in mem:
            within = all(s and s["bytes"] <= s["max_bytes"] for s in mem["healthz_after"].values())
            grown = {pid: round(mem["rss_after_mb"].get(pid, 0) - mem["rss_before_mb"].get(pid, 0), 1)
                     for pid in mem["rss_before_mb"]}
            budget_mb = max(s["max_bytes"] for s in mem["healthz_after"].values()) / 1024 / 1024
            rows.append((f"{size}: cache within its budget under {mem['queries']} distinct queries",
                         ", ".join(f"{s['bytes'] / 1024 / 1024:.1f} MiB" for s in mem["healthz_after"].values())
                         + f" of {budget_mb:.0f} MiB", run.verdict(within),
                         f"RSS growth per worker {', '.join(f'{g:+.0f} MB' for g in grown.values())}; evictions "
                         f"{', '.join(str(s['evictions']) for s in mem['healthz_after'].values())}"))
    return rows


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# cicagraph serving benchmark — {results['started']}",
        "",
        f"Command: `{results['command']}` (total {results.get('total_s', 0):.0f} s); {results['duration']:g} s per HTTP run.",
        "",
        *([("Re-measured afterwards: " + "; ".join(f"`{c}`" for c in results["redone"]) + "."), ""]
          if results.get("redone") else []),
        "## Machine",
        "",
        f"- host `{m['host']}`, {m['os']}",
        f"- CPU: {m['cpu']}, {m['cores']} cores (usable {m['affinity']}), RAM {m['ram_gb']} GiB",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- oxigraph server binary: {m['oxigraph_binary']}; cicagraph checkout at commit {m['commit']}",
        f"- load average when the run started: {m['loadavg_at_start']} (other processes on the machine disturb the figures)",
        "- Load generator and servers share the same cores (loopback); the servers run one at a time.",
        "",
        "## Targets (issue 11)",
        "",
        "| target | measured | verdict | detail |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets(results)]
    for entry in results["sizes"]:
        size = entry["size"]
        lines += ["", f"## {size} ({entry.get('triples', '?')} triples)", ""]
        if entry.get("mix"):
            lines += [f"Mix ({len(entry['mix'])} queries, round robin): {', '.join(entry['mix'])}", ""]
        lines += ["| server | c | req/s | × oxigraph | p50 ms | × oxigraph | p95 ms | errors | start s |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        oxi = entry["servers"].get(OXI, {})
        for name, s in entry["servers"].items():
            if "error" in s:
                lines.append(f"| {name} | | error: {s['error'][:200]} | | | | | | |")
                continue
            for c in (1, 8):
                r, o = s.get(f"c{c}"), oxi.get(f"c{c}")
                if r is None:
                    continue
                lines.append(f"| {name} | {c} | {r['rps']:.1f} | {_x(_ratio(r['rps'], o and o['rps']))} | {run.fmt_ms(r['p50_ms'])} | "
                             f"{_x(_ratio(r['p50_ms'], o and o['p50_ms']))} | {run.fmt_ms(r['p95_ms'])} | {r['errors']} | "
                             f"{s.get('start_s', '') if c == 1 else ''} |")
        cache = entry["servers"].get(CACHE, {})
        if "floor_c1" in cache:
            lines += ["", f"Floor and cache hit on `{CACHE}` (GET `/healthz`; GET of `{cache['hit_query']}` repeated):", "",
                      "| route | c | req/s | p50 ms | p95 ms |", "|---|---:|---:|---:|---:|"]
            for label, key in (("floor: /healthz", "floor"), ("cache hit", "hit")):
                for c in (1, 8):
                    r = cache[f"{key}_c{c}"]
                    lines.append(f"| {label} | {c} | {r['rps']:.0f} | {r['p50_ms']:.3f} | {r['p95_ms']:.3f} |")
        answers = entry.get("answers", {})
        if answers:
            names = list(answers)
            differ = [q for q in answers[names[0]] if len({str(answers[n].get(q)) for n in names}) > 1]
            lines += ["", "Answers (rows or triples per query) are the same on every server." if not differ else
                      "Answers differ between servers for: " + "; ".join(
                          f"{q} ({', '.join(f'{n}: {answers[n].get(q)}' for n in names)})" for q in differ)]
        per_query = [(name, s["c1"]["per_query_p50_ms"]) for name, s in entry["servers"].items() if "c1" in s]
        if per_query:
            lines += ["", "<details><summary>p50 per query at c=1 (ms)</summary>", "",
                      "| query | " + " | ".join(n for n, _ in per_query) + " |", "|---|" + "---:|" * len(per_query)]
            for q in entry.get("mix", []):
                lines.append(f"| {q} | " + " | ".join(run.fmt_ms(pq.get(q)) for _, pq in per_query) + " |")
            lines += ["", "</details>"]
        mem = entry.get("memory")
        if mem:
            lines += ["", f"### Memory under {mem.get('queries')} distinct queries (`{CACHE}`, default cache)", ""]
            if "error" in mem:
                lines.append(f"error: {mem['error']}")
            else:
                lines += [f"{mem['seconds']} s, statuses {mem['statuses']}.", "",
                          "| worker | RSS before MB | RSS peak MB | RSS after MB | cache entries | cache MiB | budget MiB | evictions | too large |",
                          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
                for pid, before in mem["rss_before_mb"].items():
                    s = mem["healthz_after"].get(pid) or mem["healthz_after"].get(str(pid)) or {}
                    lines.append(f"| {pid} | {before} | {mem['rss_peak_mb'].get(pid, '-')} | {mem['rss_after_mb'].get(pid, '-')} | "
                                 f"{s.get('entries', '-')} | {s.get('bytes', 0) / 1024 / 1024:.1f} | {s.get('max_bytes', 0) / 1024 / 1024:.0f} | "
                                 f"{s.get('evictions', '-')} | {s.get('too_large', '-')} |")
    notes = BENCH / "results" / "serving-notes.md"
    if notes.exists():
        lines += ["", notes.read_text().rstrip()]
    lines += ["", "<details><summary>Raw results (JSON)</summary>", "", "```json",
              json.dumps(results, indent=1, default=str), "```", "", "</details>", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: shipped,100k,1m (default all three)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per HTTP run (default 10)")
    parser.add_argument("--wsgi", action="store_true", help="also run the app under gunicorn gthread and granian "
                        "(cache off) on the first size")
    parser.add_argument("--memory-size", default="100k", help="the size the memory run uses (default 100k; 'none' skips it)")
    parser.add_argument("--memory-queries", type=int, default=10_000)
    parser.add_argument("--memory-only", action="store_true", help="redo only the memory run of --memory-size and "
                        "update it in --out in place (the rest of the report is kept)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "serving-latest.md")
    args = parser.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    if args.memory_only:
        return redo_memory(args, argv)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python bench/serving.py " + " ".join(argv),
        "machine": machine(),
        "duration": args.duration,
        "sizes": [],
    }
    for k, size in enumerate(sizes):
        results["sizes"].append(bench_size(size, args, with_wsgi=args.wsgi and k == 0))
        results["total_s"] = time.perf_counter() - started
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report(results))  # after every size: partial results survive
    print(report(results).split("<details><summary>Raw")[0])
    log(f"wrote {args.out}")
    return 0


def redo_memory(args: argparse.Namespace, argv: list[str]) -> int:
    """The memory run alone, written into the report in ``--out`` (its raw JSON is read back)."""
    text = args.out.read_text()
    raw = text.split("```json\n", 1)[1].split("\n```", 1)[0]
    results = json.loads(raw)
    entry = next((e for e in results["sizes"] if e["size"] == args.memory_size), None)
    if entry is None:
        entry = {"size": args.memory_size, "servers": {}, "answers": {}}
        results["sizes"].append(entry)
    project, build_dir = prepare(args.memory_size, args.work, args.seed)
    log_dir = args.work / args.memory_size / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log(f"== {args.memory_size}: memory under {args.memory_queries} distinct queries")
    entry["memory"] = memory_run(project, build_dir, log_dir, args.memory_queries)
    entry["memory"]["redone"] = f"python bench/serving.py {' '.join(argv)} at {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
    results.setdefault("redone", []).append(entry["memory"]["redone"])
    args.out.write_text(report(results))
    log(f"updated {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
