"""The whole pipeline: load → validate → reason → store, written atomically.

A build is cached by the content hash of every input: when nothing changed, the previous
output is reused. On any failure nothing in the output directory is replaced.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import platform
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph as ox

from cicagraph import __version__
from cicagraph.config import GRAPHS, Settings
from cicagraph.errors import InconsistentOntology, ValidationFailed
from cicagraph.pipeline.dates import date_bounds
from cicagraph.pipeline.load import content_hash, input_files, load_inputs
from cicagraph.pipeline.reason import Engine, reason
from cicagraph.pipeline.store import new_store
from cicagraph.pipeline.validate import validation_in_background

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1
STORE_MARKER = "cicagraph-content-hash"  # which inputs a persistent store was built from
Progress = Callable[[str], None]


@dataclass
class BuildResult:
    out_dir: Path
    manifest: dict
    cached: bool


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "cicagraph": __version__}
    for package in ("rdflib", "pyshacl", "owlrl", "pyoxigraph"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            versions[package] = "?"
    try:  # the fast SHACL engine, when installed (cicagraph.pipeline.validate)
        versions["pyshacl-turbo"] = version("pyshacl-turbo")
    except PackageNotFoundError:
        pass
    return versions


def read_manifest(out_dir: Path) -> dict | None:
    try:
        return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _cache_key(settings: Settings, engine: Engine, inputs_hash: str | None = None) -> dict:
    """What a build depends on; ``inputs_hash`` when the caller has already hashed the inputs."""
    if inputs_hash is None:
        inputs_hash = content_hash(input_files(settings.project))
    return {"content_hash": inputs_hash, "engine": engine, "tools": tool_versions()}


def is_fresh(settings: Settings, out_dir: Path, engine: Engine = "fast") -> bool:
    manifest = read_manifest(out_dir)
    if manifest is None or not (out_dir / "dataset.nq").is_file():
        return False
    key = _cache_key(settings, engine)
    return all(manifest.get(k) == v for k, v in key.items())


def _store_is_current(store_dir: Path, manifest: dict) -> bool:
    marker = store_dir / STORE_MARKER
    try:
        return marker.read_text(encoding="utf-8").strip() == manifest.get("content_hash")
    except OSError:
        return False


@contextmanager
def _bulk_gc() -> Iterator[None]:
    """No cyclic garbage collection while the build creates millions of long-lived objects
    (terms, triples, quads): each full collection walks them all again, which was a third of
    the CPU time of the store stage at 1M triples. What the build leaves behind is frozen
    stage by stage (so the one collection after reasoning only walks what is new), and all
    is given back to the collector at the end."""
    enabled = gc.isenabled()
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()  # the garbage made since the last freeze (downloads, docs): walks only that
        if not frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()


def _with_bulk_gc(function: Callable[..., BuildResult]) -> Callable[..., BuildResult]:
    @functools.wraps(function)
    def wrapper(*args: object, **kwargs: object) -> BuildResult:
        with _bulk_gc():
            return function(*args, **kwargs)

    return wrapper


@_with_bulk_gc
def build(
    settings: Settings,
    *,
    out_dir: Path | None = None,
    store_dir: Path | None = None,
    engine: Engine = "fast",
    force: bool = False,
    docs: bool = True,
    downloads: bool = True,
    progress: Progress | None = None,
    load_progress: Callable[[int], None] | None = None,
) -> BuildResult:
    """Run the pipeline and write ``dataset.nq`` (three named graphs) and ``manifest.json``
    (plus downloads, ontology docs and, with ``store_dir``, a persistent pyoxigraph store)."""
    out_dir = (out_dir or settings.build_path).resolve()
    store_dir = store_dir or settings.store_dir
    say = progress or (lambda message: None)
    if not force and is_fresh(settings, out_dir, engine):
        manifest = read_manifest(out_dir) or {}
        if store_dir is not None and not _store_is_current(store_dir, manifest):
            _write_store_atomically(out_dir / "dataset.nq", store_dir, manifest["content_hash"])
            say(f"wrote the persistent store {store_dir} from {out_dir / 'dataset.nq'}")
        say(f"up to date: {out_dir} (inputs unchanged)")
        return BuildResult(out_dir, manifest, cached=True)

    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(stage: str, since: float) -> float:
        now = time.perf_counter()
        timings[stage] = round(now - since, 3)
        say(f"{stage}: {timings[stage]:.2f} s")
        return now

    t = time.perf_counter()
    inputs = load_inputs(settings.project, progress=load_progress)
    gc.freeze()
    t = lap("load", t)
    # Validation (the slow stage) runs in a forked child or, for large data, a started
    # process (cicagraph.pipeline.validate.SPAWN_ABOVE_TRIPLES) while this process reasons;
    # the build is only swapped in once both have succeeded.
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with validation_in_background(inputs, settings.shacl_engine, workdir=out_dir.parent) as pending:
        reasoning = reason(inputs.ontology, inputs.data, engine)
        t = lap("reason", t)
        report = pending.result()
        timings["validate"] = round(pending.seconds, 3)
        say(f"validate: {pending.seconds:.2f} s ({'in parallel, ' + pending.mode if pending.parallel else 'in process'}, SHACL engine {pending.shacl_engine}): {report.summary()}")
    t = time.perf_counter()
    if not report.conforms:
        raise ValidationFailed(report.to_text(), report)
    if reasoning.problems:
        raise InconsistentOntology(
            "the data is inconsistent with the ontology:\n" + "\n".join(f"  - {p.message}" for p in reasoning.problems[:20]),
            reasoning.problems,
        )

    ontology_hash = content_hash(inputs.ontology_files)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        # The inferred graph also carries the date bounds (cicagraph.pipeline.dates): derived, like
        # the entailments, from the data alone, and rebuilt with it.
        inferred = reasoning.inferred | set(date_bounds(inputs.data))
        gc.collect()  # the rdflib graph date_bounds made is cyclic garbage; all older objects are frozen
        gc.freeze()
        graphs = {"ontology": inputs.ontology, "data": inputs.data, "inferred": inferred}
        store = new_store(graphs)
        store.dump(output=str(staging / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
        counts = {name: len(graph) for name, graph in graphs.items()}
        t = lap("store", t)
        if downloads:
            from cicagraph.pipeline.export import write_downloads

            write_downloads(store, staging / "downloads")
            t = lap("downloads", t)
        if docs:
            _write_docs(settings, ontology_hash, out_dir, staging / "docs" / "ontology")
            t = lap("docs", t)
        if store_dir is not None:
            _write_store_atomically(staging / "dataset.nq", store_dir, inputs.content_hash)
            t = lap("disk store", t)
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **_cache_key(settings, engine, inputs.content_hash),
            "ontology_hash": ontology_hash,
            "docs_key": docs_key(ontology_hash),
            "graphs": GRAPHS,
            "counts": counts,
            "validation": {k.lower() + "s": n for k, n in report.counts().items()},
            "shacl_engine": pending.shacl_engine,
            "inferred_by_predicate": dict(reasoning.per_predicate()),
            "timings": {**timings, "total": round(time.perf_counter() - started, 3)},
            "inputs": [str(p.relative_to(settings.project.root)) if p.is_relative_to(settings.project.root) else str(p) for p in input_files(settings.project)],
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"built {out_dir} in {manifest['timings']['total']:.2f} s: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return BuildResult(out_dir, manifest, cached=False)


def _write_docs(settings: Settings, ontology_hash: str, previous_out: Path, target: Path) -> None:
    """pyLODE documentation of the ontology, reused from the previous build when the
    ontology files are unchanged (pyLODE is the slowest writer)."""
    from cicagraph.pipeline.ontodocs import write_ontology_docs

    previous = read_manifest(previous_out) or {}
    old_docs = previous_out / "docs" / "ontology"
    if previous.get("docs_key") == docs_key(ontology_hash) and (old_docs / "index.html").is_file():
        shutil.copytree(old_docs, target)
        return
    write_ontology_docs(settings.project.ontology_file, target)


def docs_key(ontology_hash: str) -> str:
    """What the ontology docs depend on: the ontology files and the code that writes them
    (a change to the page's navigation must not be hidden by a reused old page)."""
    import hashlib

    from cicagraph.pipeline import ontodocs
    writer = Path(ontodocs.__file__).read_bytes()
    return hashlib.sha256(ontology_hash.encode() + b"\0" + writer).hexdigest()


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with renames, so readers never see a half-built dir."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{time.time_ns()}")
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_store_atomically(dataset: Path, store_dir: Path, content_hash: str) -> None:
    """A persistent pyoxigraph store bulk-loaded from the N-Quads dump (several times faster
    than adding the rdflib graphs quad by quad), swapped in only when complete."""
    store_dir = store_dir.resolve()
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{store_dir.name}.", dir=store_dir.parent))
    try:
        store = ox.Store(str(staging))
        store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
        store.flush()
        store.optimize()
        del store  # close RocksDB before the rename
        (staging / STORE_MARKER).write_text(content_hash + "\n", encoding="utf-8")
        _swap_in(staging, store_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
