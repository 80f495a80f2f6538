"""Shared fixtures: the repository, a small valid project, the CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cicagraph import __version__
from cicagraph.config import Project, Settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_report_header(config: pytest.Config) -> list[str]:
    from importlib.metadata import version

    return [f"cicagraph {__version__}; " + ", ".join(f"{p} {version(p)}" for p in ("rdflib", "pyshacl", "owlrl", "pyoxigraph", "flask"))]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture
def tiny_project(tmp_path: Path) -> Project:
    """The shipped ontology, shapes, checks and queries with a small valid data set."""
    root = tmp_path / "project"
    for name in ("ontology", "shapes", "checks", "queries"):
        shutil.copytree(REPO / name, root / name)
    (root / "data").mkdir()
    shutil.copy(FIXTURES / "tiny" / "facts.ttl", root / "data" / "facts.ttl")
    shutil.copy(REPO / "data" / "vocabularies.ttl", root / "data" / "vocabularies.ttl")
    return Project(root)


@pytest.fixture
def tiny_settings(tiny_project: Project) -> Settings:
    return Settings(project=tiny_project)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped project built once per test session (no docs), returns the build dir."""
    from cicagraph.pipeline.build import build

    out = tmp_path_factory.mktemp("shipped") / "build"
    build(Settings(project=Project(REPO)), out_dir=out, docs=False, downloads=False)
    return out


@pytest.fixture(scope="session")
def shipped_store(shipped_build: Path):
    """A pyoxigraph store of the shipped dataset (ontology, data, inferred graphs)."""
    from cicagraph.pipeline.store import load_dataset_file

    return load_dataset_file(shipped_build / "dataset.nq")
