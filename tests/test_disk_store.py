"""The persistent store: ``build(..., store_dir=DIR)`` then serving from DIR gives the same
answers as the in-memory build, and a restart reopens DIR read-only instead of rebuilding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest

from cicagraph.config import Settings
from cicagraph.errors import NotBuilt
from cicagraph.pipeline.build import build
from cicagraph.pipeline.store import graph_counts, load_dataset_file, open_store
from cicagraph.web import create_app

QUERIES = [
    # membership join with a date filter
    """PREFIX org: <http://www.w3.org/ns/org#> PREFIX cg: <https://w3id.org/cicagraph/ontology#>
    SELECT ?m ?forum ?start WHERE { ?ms org:member ?m ; org:organization ?forum ; cg:startDate ?start .
    FILTER(STR(?start) >= "2000") } ORDER BY ?m ?forum ?start""",
    # aggregate over the union of the graphs
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p",
    # inferred triples only
    "SELECT ?s ?p ?o WHERE { GRAPH <https://w3id.org/cicagraph/graph/inferred> { ?s ?p ?o } FILTER(!isBlank(?s) && !isBlank(?o)) } ORDER BY ?s ?p ?o",
]


@pytest.fixture
def built(tiny_settings: Settings, tmp_path: Path) -> tuple[Settings, Path, Path]:
    out, store_dir = tmp_path / "build", tmp_path / "store"
    result = build(tiny_settings, out_dir=out, store_dir=store_dir, docs=False, downloads=False)
    assert not result.cached
    assert (store_dir / "CURRENT").is_file()
    return tiny_settings, out, store_dir


def _sparql_json(app, query: str) -> dict:
    response = app.test_client().post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_disk_store_serves_the_same_answers(built: tuple[Settings, Path, Path]) -> None:
    settings, out, store_dir = built
    memory_app = create_app(settings.with_(build_dir=out))
    disk_app = create_app(settings.with_(build_dir=out, store_dir=store_dir))
    memory = load_dataset_file(out / "dataset.nq")
    disk = open_store(settings.with_(store_dir=store_dir))
    assert graph_counts(disk) == graph_counts(memory)
    assert len(disk) == len(memory)
    for query in QUERIES:
        a, b = _sparql_json(memory_app, query), _sparql_json(disk_app, query)
        assert a["results"]["bindings"] == b["results"]["bindings"], query
        assert a["results"]["bindings"], f"query has no answers on the fixture: {query}"
    health = disk_app.test_client().get("/healthz").get_json()
    assert health["triples"] == graph_counts(memory)


def test_disk_store_is_opened_read_only(built: tuple[Settings, Path, Path]) -> None:
    settings, _, store_dir = built
    store = open_store(settings.with_(store_dir=store_dir))
    with pytest.raises((OSError, RuntimeError), match="read"):
        store.update("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }")
    # a second reader at the same time (several gunicorn workers share the directory)
    other = open_store(settings.with_(store_dir=store_dir))
    assert len(other) == len(store)


def test_restart_does_not_rebuild(built: tuple[Settings, Path, Path], tmp_path: Path) -> None:
    """A new process serving ``--store DIR`` needs neither the inputs nor a build dir."""
    settings, _, store_dir = built
    files_before = {p: p.stat().st_mtime_ns for p in store_dir.iterdir()}
    missing_build = tmp_path / "never-built"
    script = textwrap.dedent(
        f"""
        import json, sys, time
        from cicagraph.cli import cli
        sys.argv = ["cicagraph", "--project", {str(settings.project.root)!r}, "--build-dir", {str(missing_build)!r},
                    "serve", "--store", {str(store_dir)!r}, "--get", "/healthz"]
        cli()
        """
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CICAGRAPH_STORE_DIR", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr.decode()
    health = json.loads(done.stdout)
    assert health["ok"] is True and health["total_triples"] > 0
    assert not missing_build.exists(), "serving from the store must not build"
    assert {p: p.stat().st_mtime_ns for p in store_dir.iterdir() if p in files_before} == files_before


def test_rebuild_with_unchanged_inputs_is_cached(built: tuple[Settings, Path, Path]) -> None:
    settings, out, store_dir = built
    again = build(settings, out_dir=out, store_dir=store_dir, docs=False, downloads=False)
    assert again.cached


def test_missing_store_is_not_built_error(tmp_path: Path, tiny_settings: Settings) -> None:
    with pytest.raises(NotBuilt, match="build --store"):
        open_store(tiny_settings.with_(store_dir=tmp_path / "nothing"))


def test_store_survives_as_a_plain_directory(built: tuple[Settings, Path, Path]) -> None:
    """pyoxigraph can open the directory on its own (e.g. for `oxigraph serve-read-only`)."""
    _, out, store_dir = built
    store = ox.Store.read_only(str(store_dir))
    assert len(store) == len(load_dataset_file(out / "dataset.nq"))
