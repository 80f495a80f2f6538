"""The fast SHACL engine (pyshacl-turbo) against the reference (pyshacl): the same results
— focus node, shape, path, value, message, severity, file — on every file of the
invalid-data corpus (tests/shapes/invalid, tests/shapes/valid, tests/fixtures/broken), on all
of them validated together, and on the shipped data. Also: how the engine is chosen."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from cicagraph.cli import cli
from cicagraph.config import Project
from cicagraph.errors import CicagraphError
from cicagraph.pipeline import validate as validate_module
from cicagraph.pipeline.load import load_inputs
from cicagraph.pipeline.validate import Violation, resolve_shacl_engine, run_shapes

pytest.importorskip("pyshacl_turbo")

REPO = Path(__file__).resolve().parent.parent
VOCABULARY = REPO / "data" / "vocabularies.ttl"
CORPUS = sorted((REPO / "tests" / "shapes" / "invalid").glob("*.ttl")) + sorted((REPO / "tests" / "shapes" / "valid").glob("*.ttl"))
BROKEN = REPO / "tests" / "fixtures" / "broken" / "shacl-violation.ttl"
TINY = REPO / "tests" / "fixtures" / "tiny" / "facts.ttl"


def key(v: Violation) -> tuple[str, ...]:
    fields = (v.focus, v.shape, v.path, v.value, v.message, v.severity, v.file)
    return tuple("(none)" if f is None else str(f) for f in fields)


def both(data_files: list[Path] | None, project: Project | None = None) -> tuple[list[tuple], list[tuple]]:
    inputs = load_inputs(project or Project(REPO), data_files=data_files)
    return sorted(map(key, run_shapes(inputs, "pyshacl"))), sorted(map(key, run_shapes(inputs, "turbo")))


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_same_results_on_each_corpus_file(path: Path) -> None:
    reference, turbo = both([VOCABULARY, path])
    assert turbo == reference


def test_same_results_on_the_whole_corpus_at_once() -> None:
    reference, turbo = both([VOCABULARY, TINY, BROKEN, *CORPUS])
    assert len(reference) > 60  # most corpus files break a shape (the rest break a check)
    assert turbo == reference


def test_same_results_on_the_broken_fixture() -> None:
    reference, turbo = both([VOCABULARY, TINY, BROKEN])
    assert reference and turbo == reference


@pytest.mark.slow
def test_same_results_on_the_shipped_data() -> None:
    reference, turbo = both(None)
    assert turbo == reference


def test_engine_choice(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("CICAGRAPH_SHACL_ENGINE", raising=False)
    assert resolve_shacl_engine() == "turbo"
    assert resolve_shacl_engine("pyshacl") == "pyshacl"
    monkeypatch.setenv("CICAGRAPH_SHACL_ENGINE", "pyshacl")
    assert resolve_shacl_engine() == "pyshacl"
    assert resolve_shacl_engine("turbo") == "turbo"  # the explicit choice wins
    with pytest.raises(CicagraphError, match="unknown SHACL engine"):
        resolve_shacl_engine("jena")
    # Not installed: auto falls back to pyshacl with a log line; asking for turbo fails.
    monkeypatch.delenv("CICAGRAPH_SHACL_ENGINE")
    monkeypatch.setattr(validate_module, "turbo_available", lambda: False)
    with caplog.at_level(logging.INFO, logger="cicagraph.pipeline.validate"):
        assert resolve_shacl_engine() == "pyshacl"
    assert "pyshacl-turbo is not installed" in caplog.text
    with pytest.raises(CicagraphError, match="not installed"):
        resolve_shacl_engine("turbo")


def test_cli_shacl_engine_option(tiny_project: Project, tmp_path: Path) -> None:
    runner = CliRunner()
    assert "--shacl-engine [auto|turbo|pyshacl]" in runner.invoke(cli, ["validate", "--help"]).output
    assert "--shacl-engine [auto|turbo|pyshacl]" in runner.invoke(cli, ["build", "--help"]).output
    base = ["--project", str(tiny_project.root), "--build-dir", str(tmp_path / "build")]
    for engine in ("pyshacl", "turbo"):
        result = runner.invoke(cli, [*base, "validate", "--shacl-engine", engine], catch_exceptions=False)
        assert (result.exit_code, result.output) == (0, "Conforms: no violations.\n")
    result = runner.invoke(cli, [*base, "build", "--no-docs", "--shacl-engine", "pyshacl"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    import json

    assert json.loads((tmp_path / "build" / "manifest.json").read_text())["shacl_engine"] == "pyshacl"
