"""The pipeline stages as plain functions: load, validate, build (atomic, cached)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import FIXTURES
from rdflib.namespace import SH

from cicagraph.config import GRAPHS, Project, Settings
from cicagraph.errors import (
    InconsistentOntology,
    InputError,
    SyntaxErrorInFile,
    ValidationFailed,
)
from cicagraph.pipeline.build import build, is_fresh
from cicagraph.pipeline.load import load_inputs, load_ontology, parse_file, read_catalog
from cicagraph.pipeline.store import load_dataset_file
from cicagraph.pipeline.validate import validate


def test_syntax_error_names_file_line_and_column() -> None:
    path = FIXTURES / "broken" / "syntax-error.ttl"
    with pytest.raises(SyntaxErrorInFile) as caught:
        parse_file(path)
    assert (caught.value.path, caught.value.line, caught.value.column) == (path, 5, 20)
    assert str(caught.value).startswith(f"{path}:5:20: syntax error:")


def test_catalog_resolves_imports_offline(repo: Path) -> None:
    catalog = read_catalog(repo / "ontology" / "catalog-v001.xml")
    assert catalog["https://w3id.org/cicagraph/imports/external-declarations"] == (
        repo / "ontology" / "imports" / "external-declarations.ttl"
    )
    _, files = load_ontology(Project(repo))
    assert [f.name for f in files] == ["cicagraph.ttl", "external-declarations.ttl"]


def test_unmapped_import_is_an_error(tiny_project: Project) -> None:
    (tiny_project.ontology_dir / "catalog-v001.xml").write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog"/>'
    )
    with pytest.raises(InputError, match="is not mapped in"):
        load_ontology(tiny_project)


def test_shipped_data_conforms(repo: Path) -> None:
    report = validate(load_inputs(Project(repo)))
    assert report.conforms, report.to_text()


def test_validation_report_names_node_shape_message_and_file(tiny_project: Project) -> None:
    broken = FIXTURES / "broken" / "shacl-violation.ttl"
    inputs = load_inputs(tiny_project, sorted(tiny_project.data_dir.glob("*.ttl")) + [broken])
    report = validate(inputs)
    assert not report.conforms
    [violation] = report.violations
    expected_message = str(inputs.shapes.value(rdflib.URIRef("https://w3id.org/cicagraph/shapes#Membership-member"), SH.message))
    assert (violation.shape, violation.focus, violation.path, violation.message, violation.file) == (
        "https://w3id.org/cicagraph/shapes#Membership-member",
        "https://w3id.org/cicagraph/id/membership/cica-nobody-member",
        "http://www.w3.org/ns/org#member",
        expected_message,
        broken,
    )
    text = report.to_text()
    assert "https://w3id.org/cicagraph/shapes#Membership-member (1)" in text
    assert str(broken) in text


def test_build_writes_named_graphs_and_manifest(tiny_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build(tiny_settings, out_dir=out, docs=False)
    assert not result.cached
    store = load_dataset_file(out / "dataset.nq")
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == set(GRAPHS.values())
    manifest = json.loads((out / "manifest.json").read_text())
    for name, iri in GRAPHS.items():
        assert manifest["counts"][name] == len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(iri))))
    assert set(manifest["timings"]) >= {"load", "validate", "reason", "store", "total"}
    assert set(manifest["tools"]) >= {"rdflib", "pyshacl", "owlrl", "pyoxigraph", "python"}
    assert len(manifest["content_hash"]) == 64
    # the union is the default for queries; each graph can be addressed
    union = store.query("ASK { <https://w3id.org/cicagraph/id/state/KAZ> <https://w3id.org/cicagraph/ontology#participatesIn> ?o }", use_default_graph_as_union=True)
    assert bool(union)
    only_data = store.query(
        "ASK { <https://w3id.org/cicagraph/id/state/KAZ> <https://w3id.org/cicagraph/ontology#participatesIn> ?o }",
        default_graph=ox.NamedNode(GRAPHS["data"]),
    )
    assert not bool(only_data)


def test_build_is_cached_by_content_hash(tiny_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny_settings, out_dir=out, docs=False)
    assert is_fresh(tiny_settings, out)
    assert build(tiny_settings, out_dir=out, docs=False).cached
    facts = tiny_settings.project.data_dir / "facts.ttl"
    facts.write_text(facts.read_text() + "\n# a comment changes the hash\n")
    assert not is_fresh(tiny_settings, out)
    assert not build(tiny_settings, out_dir=out, docs=False).cached


@pytest.mark.parametrize(
    "broken, error",
    [("syntax-error.ttl", SyntaxErrorInFile), ("shacl-violation.ttl", ValidationFailed), ("inconsistent.ttl", InconsistentOntology)],
)
def test_failed_build_replaces_nothing(tiny_settings: Settings, tmp_path: Path, broken: str, error: type) -> None:
    out = tmp_path / "out"
    build(tiny_settings, out_dir=out, docs=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    shutil.copy(FIXTURES / "broken" / broken, tiny_settings.project.data_dir / broken)
    with pytest.raises(error):
        build(tiny_settings, out_dir=out, docs=False)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project"]  # no staging left behind


def test_persistent_store(tiny_settings: Settings, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    build(tiny_settings, out_dir=tmp_path / "out", store_dir=store_dir, docs=False)
    store = ox.Store.read_only(str(store_dir))
    assert {g.value for g in store.named_graphs()} == set(GRAPHS.values())


def test_validation_in_forked_child_equals_in_process(tiny_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from cicagraph.pipeline import validate as validate_module
    broken = FIXTURES / "broken" / "shacl-violation.ttl"
    inputs = load_inputs(tiny_project, sorted(tiny_project.data_dir.glob("*.ttl")) + [broken])
    monkeypatch.setattr(validate_module, "_can_fork", lambda: True)
    with validate_module.validation_in_background(inputs) as pending:
        report = pending.result()
    assert pending.forked
    assert report.violations == validate(inputs).violations
    assert len(report.violations) == 1


def test_error_in_forked_validation_is_raised_in_parent(tiny_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from cicagraph.errors import QueryError
    from cicagraph.pipeline import validate as validate_module

    (tiny_project.checks_dir / "broken-violation.rq").write_text("# title: broken\nSELECT ?focus WHERE { ?focus ")
    inputs = load_inputs(tiny_project)
    monkeypatch.setattr(validate_module, "_can_fork", lambda: True)
    with pytest.raises(QueryError, match="broken-violation.rq"):
        with validate_module.validation_in_background(inputs) as pending:
            pending.result()


@pytest.mark.parametrize("beside", [True, False])
def test_validation_in_started_process_equals_in_process(tiny_project: Project, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path, beside: bool) -> None:
    """Large data is validated in a fresh process (no heap shared with the parent); same
    report, the ``file`` column filled in by the parent, nothing left in the work dir."""
    from cicagraph.pipeline import validate as validate_module
    if not validate_module.turbo_available():
        pytest.skip("pyshacl-turbo is not installed")
    broken = FIXTURES / "broken" / "shacl-violation.ttl"
    (tiny_project.checks_dir / "everything-violation.rq").write_text(
        "# title: every typed subject\nSELECT ?focus WHERE { ?focus a ?type } LIMIT 3\n")
    inputs = load_inputs(tiny_project, sorted(tiny_project.data_dir.glob("*.ttl")) + [broken])
    monkeypatch.setattr(validate_module, "SPAWN_ABOVE_TRIPLES", 0)
    monkeypatch.setattr(validate_module, "CHECKS_BESIDE_SHAPES_SPAWNED", beside)
    work = tmp_path / "work"
    with validate_module.validation_in_background(inputs, "turbo", workdir=work) as pending:
        report = pending.result()
    assert pending.mode == "spawn" and pending.parallel
    expected = validate(inputs, "turbo")
    assert report.violations == expected.violations
    assert report.to_text() == expected.to_text() and report.counts() == expected.counts()
    assert any(v.file is not None and v.shape for v in report.violations)
    assert any(v.file is not None and v.check for v in report.violations)
    assert list(work.iterdir()) == []


def test_error_in_started_validation_is_raised_in_parent(tiny_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from cicagraph.errors import QueryError
    from cicagraph.pipeline import validate as validate_module
    if not validate_module.turbo_available():
        pytest.skip("pyshacl-turbo is not installed")

    (tiny_project.checks_dir / "broken-violation.rq").write_text("# title: broken\nSELECT ?focus WHERE { ?focus ")
    inputs = load_inputs(tiny_project)
    monkeypatch.setattr(validate_module, "SPAWN_ABOVE_TRIPLES", 0)
    with pytest.raises(QueryError, match="broken-violation.rq"):
        with validate_module.validation_in_background(inputs, "turbo") as pending:
            pending.result()
    assert pending.mode == "spawn"


def test_build_with_started_validation(tiny_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cicagraph.pipeline import validate as validate_module
    if not validate_module.turbo_available():
        pytest.skip("pyshacl-turbo is not installed")
    monkeypatch.setattr(validate_module, "SPAWN_ABOVE_TRIPLES", 0)
    forked = build(tiny_settings, out_dir=tmp_path / "a", docs=False)
    assert forked.manifest["validation"]["violations"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "project"]  # no validation dir left behind


def test_cached_build_still_writes_a_missing_store(tiny_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny_settings, out_dir=out, docs=False)
    store_dir = tmp_path / "store"
    result = build(tiny_settings, out_dir=out, store_dir=store_dir, docs=False)
    assert result.cached  # the dataset is reused: only the store is written, from the dump
    store = ox.Store.read_only(str(store_dir))
    assert len(store) == sum(result.manifest["counts"].values())


def test_settings_accept_string_paths() -> None:
    settings = Settings.load({"build_dir": "some/build", "store_dir": "some/store"}, environ={})
    assert settings.build_dir == Path("some/build") and settings.store_dir == Path("some/store")
    from_env = Settings.load(environ={"CICAGRAPH_BUILD_DIR": "/b", "CICAGRAPH_QUERY_TIMEOUT_S": "2.5", "CICAGRAPH_PORT": "9000"})
    assert (from_env.build_dir, from_env.query_timeout_s, from_env.port) == (Path("/b"), 2.5, 9000)


def test_load_reports_progress_in_bytes(tiny_project: Project) -> None:
    read: list[int] = []
    load_inputs(tiny_project, progress=read.append)
    assert sum(read) == sum(p.stat().st_size for p in tiny_project.data_dir.glob("*.ttl"))


def test_packaged_project_builds_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cicagraph import config

    monkeypatch.chdir(tmp_path)
    packaged = Settings(project=Project(config._PACKAGED_PROJECT))
    assert packaged.build_path == tmp_path / "build"
    assert Settings(project=Project(tmp_path / "checkout")).build_path == tmp_path / "checkout" / "build"


def test_every_ontology_term_the_build_writes_is_declared(shipped_store) -> None:
    """The inferred graph (date bounds included) uses only terms the ontology declares."""
    import pyoxigraph as ox

    from cicagraph.config import GRAPH_INFERRED, GRAPH_ONTOLOGY, ONTOLOGY_NS

    used = {q.predicate.value for q in shipped_store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_INFERRED))
            if q.predicate.value.startswith(ONTOLOGY_NS)}
    declared = {q.subject.value for q in shipped_store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_ONTOLOGY))
                if isinstance(q.subject, ox.NamedNode)}
    assert {ONTOLOGY_NS + "startEarliest", ONTOLOGY_NS + "asOfPrecision"} <= used
    assert sorted(used - declared) == []


def test_no_fork_while_a_jvm_runs(tiny_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A JVM's threads are invisible to `threading`: with one running, validation stays in this
    process (a forked child hung at its first garbage collection, in JPype's gc hook)."""
    import sys
    import types

    from cicagraph.pipeline import validate as validate_module

    monkeypatch.setitem(sys.modules, "jpype", types.SimpleNamespace(isJVMStarted=lambda: True))
    assert validate_module._jvm_running() and not validate_module._can_fork()
    with validate_module.validation_in_background(load_inputs(tiny_project)) as pending:
        assert pending.result().conforms
    assert pending.mode == "in process"
    monkeypatch.setitem(sys.modules, "jpype", types.SimpleNamespace(isJVMStarted=lambda: False))
    assert not validate_module._jvm_running()


@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime (.ci/run installs one)")
def test_a_forked_validation_survives_a_running_jvm(tiny_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even forced to fork beside a JVM, the child drops JPype's gc hook and finishes."""
    import gc

    from cicagraph.curation.owlcheck import _start_jvm, ensure_owlapi_jars
    from cicagraph.pipeline import validate as validate_module

    _start_jvm(ensure_owlapi_jars())
    assert any(getattr(cb, "__module__", None) == "_jpype" for cb in gc.callbacks)
    monkeypatch.setattr(validate_module, "_can_fork", lambda: True)
    with validate_module.validation_in_background(load_inputs(tiny_project)) as pending:
        assert pending.forked
        finished = pending._receiver.poll(60)  # a hung child must fail the test, not hang it
        if not finished:
            pending._process.kill()
        assert finished, "the forked validation hung beside the JVM"
        assert pending.result().conforms
