"""Stage 2: validate the asserted data before reasoning.

Two kinds of rule: SHACL core shapes (``inference='none'`` with the ontology as ``ont_graph``
— RDFS inference was 7x slower and hid real errors) and cross-record rules as global SPARQL
queries ``checks/*-violation.rq`` run with pyoxigraph (a per-node SHACL-SPARQL constraint
took 50 s where one global query takes well under a second).

The shapes run on one of two engines (:data:`SHACL_ENGINES`): pyshacl-turbo (a Rust SHACL
engine, ~10x faster at 1M triples) when it is installed, else pyshacl, which stays the
oracle: ``tests/test_shacl_engines.py`` runs both on the whole invalid-data corpus and the
shipped data and asserts the same results (focus, shape, path, value, message, severity).
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH

from cicagraph.errors import CicagraphError, QueryError
from cicagraph.pipeline.load import Check, Inputs
from cicagraph.pipeline.store import to_ox_term

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Violation:
    """One problem: which shape or check, which node, which property and value, and why."""

    shape: str | None
    check: str | None
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str = "Violation"
    file: Path | None = None

    @property
    def rule(self) -> str:
        return self.shape or self.check or "?"


# SHACL's severities, most severe first, with the words the report uses for them.
SEVERITIES: dict[str, tuple[str, str]] = {
    "Violation": ("violation", "violations"),
    "Warning": ("warning", "warnings"),
    "Info": ("info", "infos"),
}


def _count_phrase(severity: str, n: int, *, qualified: bool = False) -> str:
    """``"1 violation"``, ``"3 warnings (sh:Warning)"``."""
    one, many = SEVERITIES.get(severity, (severity.lower(), severity.lower() + "s"))
    text = f"{n} {one if n == 1 else many}"
    return f"{text} (sh:{severity})" if qualified else text


@dataclass
class ValidationReport:
    """Every result of the shapes and checks. Only ``sh:Violation`` results make the data
    not conform (exit 1, failed build); ``sh:Warning`` and ``sh:Info`` are reported but do
    not fail validation or the build."""

    violations: list[Violation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(v.severity == "Violation" for v in self.violations)

    def counts(self) -> dict[str, int]:
        """Results per severity, every SHACL severity present (zero when none):
        ``{"Violation": 2, "Warning": 3, "Info": 0}``."""
        counts = {severity: 0 for severity in SEVERITIES}
        for v in self.violations:
            counts[v.severity] = counts.get(v.severity, 0) + 1
        return counts

    def summary(self) -> str:
        """One line whose verdict agrees with the exit code of ``cicagraph validate``:
        ``Conforms: no violations.`` (exit 0), ``Conforms, with 3 warnings (sh:Warning).``
        (exit 0), ``Does not conform: 2 violations, 3 warnings.`` (exit 1)."""
        counts = self.counts()
        if not self.conforms:
            parts = [_count_phrase(s, n) for s, n in counts.items() if n or s == "Violation"]
            return "Does not conform: " + ", ".join(parts) + "."
        others = [_count_phrase(s, n, qualified=True) for s, n in counts.items() if n and s != "Violation"]
        if not others:
            return "Conforms: no violations."
        return "Conforms, with " + " and ".join(others) + "."

    def by_rule(self) -> dict[str, list[Violation]]:
        """Results grouped by shape or check; the groups holding a violation first."""
        rank = list(SEVERITIES)

        def severity_rank(v: Violation) -> int:
            return rank.index(v.severity) if v.severity in rank else len(rank)

        groups: dict[str, list[Violation]] = defaultdict(list)
        # Sorted within a group too: pyshacl's order of results varies from run to run.
        for violation in sorted(self.violations, key=lambda v: (severity_rank(v), v.focus, v.path or "", v.value or "", v.message)):
            groups[violation.rule].append(violation)
        return dict(sorted(groups.items(), key=lambda item: (min(map(severity_rank, item[1])), item[0])))

    def to_text(self) -> str:
        """The summary line, then the results grouped by shape or check: severity, focus
        node, file, path, value, message."""
        lines = [self.summary()]
        if self.violations and self.conforms:
            counts = self.counts()
            kinds = " and ".join(SEVERITIES[s][1] for s in ("Warning", "Info") if counts[s])
            lines.append(f"{kinds[:1].upper()}{kinds[1:]} do not fail validation (exit 0) or the build.")
        for rule, items in self.by_rule().items():
            lines.append("")
            lines.append(f"{rule} ({len(items)})")
            for v in items:
                where = f" [{v.file}]" if v.file else ""
                lines.append(f"  {v.severity}: {v.focus}{where}")
                if v.path:
                    lines.append(f"    path:    {v.path}")
                if v.value:
                    lines.append(f"    value:   {v.value}")
                lines.append(f"    message: {v.message}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        """``conforms``, the summary line, ``counts`` by severity (``violations``,
        ``warnings``, ``infos``) and every result in the text report's order (under the key
        ``violations``, whatever its severity, as before)."""
        return {
            "conforms": self.conforms,
            "summary": self.summary(),
            "counts": {SEVERITIES.get(s, (s.lower(), s.lower() + "s"))[1]: n for s, n in self.counts().items()},
            "violations": [
                {"shape": v.shape, "check": v.check, "focus": v.focus, "path": v.path, "value": v.value,
                 "message": v.message, "severity": v.severity, "file": str(v.file) if v.file else None}
                for items in self.by_rule().values()
                for v in items
            ],
        }


def _text(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


# "auto": pyshacl-turbo when installed, else pyshacl (with a log line); or one by name.
SHACL_ENGINES = ("auto", "turbo", "pyshacl")
SHACL_ENGINE_ENV = "CICAGRAPH_SHACL_ENGINE"


def turbo_available() -> bool:
    return importlib.util.find_spec("pyshacl_turbo") is not None


def resolve_shacl_engine(requested: str | None = None) -> str:
    """``"turbo"`` or ``"pyshacl"``: ``requested``, else ``$CICAGRAPH_SHACL_ENGINE``, else
    ``"auto"`` (turbo when installed). Asking for turbo by name when it is not installed
    is an error; ``auto`` falls back to pyshacl and says so in the log."""
    choice = (requested or os.environ.get(SHACL_ENGINE_ENV) or "auto").strip().lower()
    if choice not in SHACL_ENGINES:
        raise CicagraphError(f"unknown SHACL engine {choice!r} (expected one of {', '.join(SHACL_ENGINES)})")
    if choice == "pyshacl":
        return "pyshacl"
    if turbo_available():
        return "turbo"
    if choice == "turbo":
        raise CicagraphError("the SHACL engine 'turbo' is not installed", hint="pip install pyshacl-turbo, or use --shacl-engine pyshacl")
    log.info("pyshacl-turbo is not installed: validating with pyshacl (slower; pip install pyshacl-turbo)")
    return "pyshacl"


def run_shapes(inputs: Inputs, engine: str | None = None) -> list[Violation]:
    """The SHACL results, on ``engine`` (see :func:`resolve_shacl_engine`)."""
    if len(inputs.shapes) == 0:
        return []
    engine = resolve_shacl_engine(engine)
    t = time.perf_counter()
    results = _shapes_turbo(inputs) if engine == "turbo" else _shapes_pyshacl(inputs)
    violations = _violations_of(results, inputs.shapes, inputs.file_of)
    log.info("SHACL shapes (%s): %d results in %.2f s", engine, len(violations), time.perf_counter() - t)
    return violations


def _shapes_pyshacl(inputs: Inputs) -> rdflib.Graph:
    _, results, _ = shacl_validate(
        inputs.data,
        shacl_graph=inputs.shapes,
        ont_graph=inputs.ontology,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        allow_infos=True,
    )
    return results


def _shapes_turbo(inputs: Inputs) -> rdflib.Graph:
    """pyshacl-turbo on exactly the graph pyshacl validates: the data plus what pyshacl
    copies from ``ont_graph`` (its ``inoculate``: the RDFS/OWL axioms), handed over as
    N-Triples text. Why not ``ont_graph=`` or a pyoxigraph Store: turbo's ``ont_graph`` path
    decodes the merged graph back into rdflib with a Python parser (4/5 of its time), and an
    in-memory pyoxigraph Store rewrites derived integer types (``"1"^^xsd:positiveInteger``
    becomes ``"1"^^xsd:integer``), which gave thousands of false ``sh:datatype`` results."""
    return _turbo_results(inputs.data_ntriples() + _axioms_ntriples(inputs.ontology), inputs.shapes)


def _axioms_ntriples(ontology: rdflib.Graph) -> str:
    from pyshacl.rdfutil.inoculate import inoculate

    return inoculate(rdflib.Graph(), ontology).serialize(format="nt")


def _turbo_results(source: str, shapes: rdflib.Graph) -> rdflib.Graph:
    import pyshacl_turbo
    from pyshacl_turbo.rdf import Input

    # preserve_ids: blank nodes of the report keep the data's labels (as pyshacl's do),
    # instead of fresh ones.
    data = Input(source, "nt", None, {}, {}, preserve_ids=True)
    del source
    _, results, _ = pyshacl_turbo.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        allow_infos=True,
    )
    return results


def _violations_of(results: rdflib.Graph, shapes: rdflib.Graph, file_of: Callable) -> list[Violation]:
    violations = []
    # Only the report's own results: sh:detail results nested in them are not violations.
    for result in results.objects(None, SH.result):
        focus = results.value(result, SH.focusNode)
        shape = results.value(result, SH.sourceShape)
        # A property shape is usually a blank node: name the node shape that holds it.
        if isinstance(shape, rdflib.BNode):
            parent = shapes.value(None, SH.property, shape)
            shape = parent if parent is not None else shape
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        severity = results.value(result, SH.resultSeverity)
        violations.append(
            Violation(
                shape=_text(shape),
                check=None,
                focus=_text(focus) or "?",
                path=_text(results.value(result, SH.resultPath)),
                value=_text(results.value(result, SH.value)),
                message=messages[0] if messages else "(no message)",
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                file=file_of(focus) if focus is not None else None,
            )
        )
    return violations


def check_store(inputs: Inputs) -> ox.Store:
    """Ontology and asserted data in one default graph, for the violation queries. The data
    comes from its N-Triples text (blank-node labels kept), not term by term from rdflib:
    faster (1M triples: 7 s instead of 9.5 s), and a forked validation then never touches
    the parent's rdflib objects, whose pages stay shared instead of being copied."""
    return _check_store_of(inputs.ontology, inputs.data_ntriples())


def _check_store_of(ontology: Iterable[tuple], ntriples: str | None = None, *, path: Path | None = None) -> ox.Store:
    """The check store from the ontology's triples and the data's N-Triples, a text or a file."""
    store = ox.Store()
    default = ox.DefaultGraph()
    store.extend(ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), default) for s, p, o in ontology)
    if path is not None:
        store.extend(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))
    else:
        store.extend(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))
    return store


def run_checks(inputs: Inputs, checks: list[Check] | None = None) -> list[Violation]:
    checks = inputs.checks if checks is None else checks
    if not checks:
        return []
    return _run_checks_on(check_store(inputs), checks, inputs.file_of)


def _run_checks_on(store: ox.Store, checks: list[Check], file_of: Callable) -> list[Violation]:
    violations = []
    for check in checks:
        try:
            rows = store.query(check.text)
        except SyntaxError as exc:
            raise QueryError(f"{check.path}: {exc}") from None
        for row in rows:
            values = {var.value: row[var] for var in rows.variables if row[var] is not None}
            focus = values.get("focus", values.get("entity"))
            focus_text = focus.value if focus is not None else "?"
            message = values.get("message")
            prop = values.get("property", values.get("path"))
            value = values.get("value")
            violations.append(
                Violation(
                    shape=None,
                    check=check.name,
                    focus=focus_text,
                    path=prop.value if prop is not None else None,
                    value=value.value if value is not None else None,
                    message=message.value if message is not None else check.title,
                    file=file_of(rdflib.URIRef(focus_text)) if isinstance(focus, ox.NamedNode) else None,
                )
            )
    return violations


# Run the checks in a thread beside pyshacl-turbo: 1M triples, validate 70 s -> 45 s, but
# peak memory (PSS, build + child) 3.4 -> 4.1 GB: turbo's dataset and the check store live at
# the same time. Off: the 3 GB ceiling comes first (bench/results/latest.md).
CHECKS_BESIDE_SHAPES = False


def validate(inputs: Inputs, shacl_engine: str | None = None) -> ValidationReport:
    """SHACL shapes and violation queries over the asserted data (no inference);
    ``shacl_engine`` as in :func:`resolve_shacl_engine`."""
    engine = resolve_shacl_engine(shacl_engine)
    inputs.data_ntriples()  # before the thread below: both read it
    if engine == "turbo" and CHECKS_BESIDE_SHAPES:
        # pyshacl-turbo releases the GIL while it validates: the checks run meanwhile.
        with ThreadPoolExecutor(max_workers=1) as pool:
            shapes = pool.submit(run_shapes, inputs, engine)
            checks = run_checks(inputs)
            violations = shapes.result() + checks
    else:
        violations = run_shapes(inputs, engine) + run_checks(inputs)
    report = ValidationReport(violations)
    log.info("validation: %s", report.summary())
    return report


# Above this many data triples (and on pyshacl-turbo), validation runs in a freshly started
# process instead of a forked child: a forked child shares the parent's rdflib graphs, and
# as both walk them (the parent reasons over every triple) reference counts dirty the
# shared pages until each holds its own copy (1M triples: ~1.1 GB more, peak PSS 3.5 GB).
# The fresh process gets only the data's N-Triples (a file), the ontology's triples, the
# shape files and the checks. Below it, the fork: no start-up (~0.4 s of imports), and the
# shipped build (~18k triples) has no time to spare.
SPAWN_ABOVE_TRIPLES = 200_000
# In a started process the checks could run in a thread beside pyshacl-turbo (which releases
# the GIL): 1M triples, build 114.4 -> 102.8 s, but peak PSS 2849 -> 3386 MB (turbo's
# dataset and the check store at the same time). Off: the 3 GB ceiling comes first.
CHECKS_BESIDE_SHAPES_SPAWNED = False


class PendingValidation:
    """A validation running in a forked child, in a started process, or already done in
    process. ``mode`` says which: ``"fork"``, ``"spawn"``, ``"in process"``."""

    def __init__(self, inputs: Inputs, shacl_engine: str | None = None, workdir: Path | None = None) -> None:
        # Resolved here, so a missing engine fails before the fork and the log line is ours.
        shacl_engine = resolve_shacl_engine(shacl_engine)
        self.shacl_engine = shacl_engine
        self.started = time.perf_counter()
        self.seconds = 0.0
        self._inputs = inputs
        self._report: ValidationReport | None = None
        self._process = None
        self._receiver = None
        self._spawned: _Spawned | None = None
        if shacl_engine == "turbo" and len(inputs.data) > SPAWN_ABOVE_TRIPLES:
            self.mode = "spawn"
            self._spawned = _Spawned.start(inputs, shacl_engine, workdir)
        elif _can_fork():
            self.mode = "fork"
            # Keep the garbage collector of the child off the parent's objects, so that fewer
            # copy-on-write pages get copied (the graphs are shared, not duplicated).
            # Serialized here, so that the child reads one shared string instead of walking
            # (and so copying) the pages of the parent's rdflib graph; the parent lets it go.
            inputs.data_ntriples()
            frozen = gc.get_freeze_count()
            gc.freeze()
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_validate_into, args=(inputs, shacl_engine, sender), daemon=True)
            self._process.start()
            sender.close()
            if not frozen:  # else the caller froze them, and unfreezes them (build._bulk_gc)
                gc.unfreeze()
            inputs.ntriples = None
        else:
            self.mode = "in process"
            log.info("validating in process (not forking: %d threads running)", threading.active_count())
            enabled = gc.isenabled()
            gc.enable()  # a build turns the collector off (build._bulk_gc); pyshacl makes cyclic garbage
            try:
                self._report = validate(inputs, shacl_engine)
            finally:
                if not enabled:
                    gc.disable()
            self.seconds = time.perf_counter() - self.started

    @property
    def forked(self) -> bool:
        return self.mode == "fork"

    @property
    def parallel(self) -> bool:
        return self.mode != "in process"

    def result(self) -> ValidationReport:
        if self._report is None:
            if self._spawned is not None:
                outcome = self._spawned.outcome()
            else:
                try:
                    outcome = self._receiver.recv()
                except EOFError:
                    raise RuntimeError("the validation process died without a report") from None
                finally:
                    self._process.join()
            if isinstance(outcome, BaseException):
                raise outcome
            # The child's own time: it may have finished long before the caller asked.
            report, self.seconds = outcome
            if self._spawned is not None:
                report = ValidationReport([_located(v, self._inputs) for v in report.violations])
            self._report = report
        return self._report

    def close(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()
        if self._spawned is not None:
            self._spawned.close()


@dataclass(frozen=True)
class _Focus:
    """In a started process's report, in place of the file: the focus node, whose file the
    parent (which has the subject -> file map) fills in."""

    node: rdflib.term.Node


def _located(violation: Violation, inputs: Inputs) -> Violation:
    if isinstance(violation.file, _Focus):
        return replace(violation, file=inputs.file_of(violation.file.node))
    return violation


@dataclass
class _Job:
    """What a started validation process needs (pickled into its working directory)."""

    ntriples: Path
    ontology: list[tuple]
    shape_files: list[Path]
    checks: list[Check]
    shacl_engine: str
    log_level: int


class _Spawned:
    """A validation in a fresh Python process (``python -c`` on :func:`_spawned_main`),
    talking through files in a private directory: ``job.pickle`` in, ``outcome.pickle`` out."""

    def __init__(self, directory: Path, process: subprocess.Popen) -> None:
        self.directory = directory
        self.process = process

    @classmethod
    def start(cls, inputs: Inputs, shacl_engine: str, workdir: Path | None) -> "_Spawned":
        if workdir is not None:
            workdir.mkdir(parents=True, exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix=".cicagraph-validate-", dir=workdir))
        try:
            ntriples = directory / "data.nt"
            if inputs.ntriples is not None:
                ntriples.write_text(inputs.ntriples, encoding="utf-8")
            else:  # streamed to the file: the parent never holds the text
                inputs.data.serialize(destination=str(ntriples), format="nt", encoding="utf-8")
            job = _Job(ntriples, list(inputs.ontology), list(inputs.shape_files), list(inputs.checks), shacl_engine,
                       logging.getLogger("cicagraph").getEffectiveLevel())
            with (directory / "job.pickle").open("wb") as handle:
                pickle.dump(job, handle, protocol=pickle.HIGHEST_PROTOCOL)
            env = dict(os.environ)
            package_root = str(Path(__file__).resolve().parents[2])  # where ``cicagraph`` is importable from
            env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
            process = subprocess.Popen(
                [sys.executable, "-c", "from cicagraph.pipeline.validate import _spawned_main; _spawned_main()", str(directory)],
                env=env, stdin=subprocess.DEVNULL,
            )
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return cls(directory, process)

    def outcome(self):
        returncode = self.process.wait()
        try:
            with (self.directory / "outcome.pickle").open("rb") as handle:
                return pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError):
            raise RuntimeError(f"the validation process died without a report (exit code {returncode})") from None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def _spawned_main() -> None:  # runs in the started process
    directory = Path(sys.argv[1])
    started = time.perf_counter()
    try:
        with (directory / "job.pickle").open("rb") as handle:
            job: _Job = pickle.load(handle)
        logging.basicConfig(level=job.log_level, format="%(levelname)s %(name)s: %(message)s")
        outcome = (_validate_job(job), time.perf_counter() - started)
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which re-raises it
        outcome = exc
    written = directory / "outcome.pickle.part"
    with written.open("wb") as handle:
        pickle.dump(outcome, handle, protocol=pickle.HIGHEST_PROTOCOL)
    written.rename(directory / "outcome.pickle")


def _validate_job(job: _Job) -> ValidationReport:
    from cicagraph.pipeline.load import parse_file

    ontology = rdflib.Graph()
    for triple in job.ontology:
        ontology.add(triple)
    shapes = rdflib.Graph()
    for path in job.shape_files:
        parse_file(path, shapes)

    def run_shapes_() -> list[Violation]:
        if len(shapes) == 0:
            return []
        t = time.perf_counter()
        if job.shacl_engine == "turbo":
            results = _turbo_results(job.ntriples.read_text(encoding="utf-8") + _axioms_ntriples(ontology), shapes)
        else:  # not started for pyshacl (see PendingValidation); kept for completeness
            data = rdflib.Graph().parse(str(job.ntriples), format="nt")
            results = _shapes_pyshacl(Inputs(ontology, data, shapes, [], [], [], []))
        violations = _violations_of(results, shapes, _Focus)
        log.info("SHACL shapes (%s): %d results in %.2f s", job.shacl_engine, len(violations), time.perf_counter() - t)
        return violations

    def run_checks_() -> list[Violation]:
        if not job.checks:
            return []
        return _run_checks_on(_check_store_of(ontology, path=job.ntriples), job.checks, _Focus)

    if job.shacl_engine == "turbo" and CHECKS_BESIDE_SHAPES_SPAWNED:
        with ThreadPoolExecutor(max_workers=1) as pool:
            shapes_future = pool.submit(run_shapes_)
            checks = run_checks_()
            violations = shapes_future.result() + checks
    else:
        violations = run_shapes_() + run_checks_()
    report = ValidationReport(violations)
    log.info("validation: %s", report.summary())
    return report


def _can_fork() -> bool:
    # Forking is only safe while this process runs a single thread (no held locks), and runs no
    # JVM: its threads are invisible to `threading`, and JPype calls Java's System.gc from
    # Python's collector, so a forked child hangs at its first collection (seen: the test
    # suite, once `curation.owlcheck` had started the JVM in the same process).
    return sys.platform.startswith("linux") and threading.active_count() == 1 and not _jvm_running()


def _jvm_running() -> bool:
    jpype = sys.modules.get("jpype")  # never imported here: only a JVM someone else started counts
    return bool(jpype is not None and jpype.isJVMStarted())


def _validate_into(inputs: Inputs, shacl_engine: str, sender) -> None:  # runs in the child
    started = time.perf_counter()
    # A JVM the parent runs has no threads here: JPype's collector hook would wait for them.
    gc.callbacks[:] = [cb for cb in gc.callbacks if getattr(cb, "__module__", None) != "_jpype"]
    # The parent's objects are frozen (see PendingValidation); collect what the child makes.
    gc.enable()
    try:
        report = validate(inputs, shacl_engine)
        sender.send((report, time.perf_counter() - started))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which re-raises it
        sender.send(exc)
    finally:
        sender.close()


@contextmanager
def validation_in_background(inputs: Inputs, shacl_engine: str | None = None,
                             workdir: Path | None = None) -> Iterator[PendingValidation]:
    """Validate ``inputs`` in a forked child or a started process while the caller does
    other work; ``workdir`` holds a started process's files (default: the temp dir)."""
    pending = PendingValidation(inputs, shacl_engine, workdir)
    try:
        yield pending
    finally:
        pending.close()
