"""Render time of the researcher views, tables and search on the shipped graph.

    python bench/views.py [--build DIR] [--repeat N]

Builds the shipped project into ``bench/work/views-build`` (cached) unless ``--build`` names
a build, then requests every view in process (Flask's test client: the app's own cost,
without the HTTP server) N times after one warm-up request, and prints the median and p95
in milliseconds, with the ratio to the floor (``/healthz``, the cheapest route on the same
app) and to the SPARQL query behind the view run directly on the store. Nothing here is
asserted: figures go in the closing notes and bench/results/.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from cicagraph.config import Project, Settings  # noqa: E402
from cicagraph.pipeline.build import build  # noqa: E402
from cicagraph.pipeline.store import load_dataset_file  # noqa: E402
from cicagraph.query.panel import SPELLS_QUERY  # noqa: E402
from cicagraph.query.sparql import run_query  # noqa: E402
from cicagraph.web import create_app  # noqa: E402

ROUTES = [
    ("floor: /healthz", "/healthz"),
    ("landing page /", "/"),
    ("timeline /views/timeline/cica", "/views/timeline/cica"),
    ("timeline, dated /views/timeline/cica?on=2014-06-30", "/views/timeline/cica?on=2014-06-30"),
    ("member count /views/counts/cica", "/views/counts/cica"),
    ("overlap /views/overlap?on=2014-06-30", "/views/overlap?on=2014-06-30"),
    ("state page /id/state/BLR", "/id/state/BLR"),
    ("forum page /id/org/cica", "/id/org/cica"),
    ("panel CSV /panel.csv?forum=cica&forum=sco", "/panel.csv?forum=cica&forum=sco&from=1992&to=2025"),
    ("panel CSV, all forums, wide", "/panel.csv?from=1992&to=2025&shape=wide"),
    ("query table /queries/cica-members-on-date.csv", "/queries/cica-members-on-date.csv"),
    ("search /search?q=kazak", "/search?q=kazak"),
]


def measure(client, path: str, repeat: int) -> list[float]:
    client.get(path, headers={"Accept": "text/html"})  # warm-up: builds the memoised views of the store
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, headers={"Accept": "text/html"})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, help="an existing build directory (default: build the shipped project)")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    out = args.build or REPO / "bench" / "work" / "views-build"
    settings = Settings(project=Project(REPO), build_dir=out)
    if args.build is None:
        build(settings, out_dir=out, docs=False)
    store = load_dataset_file(out / "dataset.nq")
    app = create_app(settings, store=store)
    client = app.test_client()
    spells = app.extensions["cicagraph"].queries[SPELLS_QUERY]
    sparql = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        run_query(store, spells.text, substitutions=spells.bindings({}), max_rows=100_000)
        sparql.append((time.perf_counter() - started) * 1000)
    sparql_median = statistics.median(sparql)
    rows = []
    floor = None
    for name, path in ROUTES:
        times = sorted(measure(client, path, args.repeat))
        median = statistics.median(times)
        p95 = times[int(len(times) * 0.95) - 1]
        floor = floor or median
        rows.append((name, median, p95, median / floor, median / sparql_median))
    print(f"{len(store)} quads; {args.repeat} requests per route after a warm-up; in process (Flask test client)")
    print(f"the SPARQL behind the views ({SPELLS_QUERY}) on the store directly: median {sparql_median:.2f} ms")
    print(f"{'route':58s} {'median ms':>10s} {'p95 ms':>8s} {'× floor':>8s} {'× query':>8s}")
    for name, median, p95, vs_floor, vs_query in rows:
        print(f"{name:58s} {median:10.2f} {p95:8.2f} {vs_floor:8.1f} {vs_query:8.1f}")


if __name__ == "__main__":
    main()
