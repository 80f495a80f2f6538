"""Paths and helpers shared by the ontology tests (imported as a top-level module)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from rdflib import Graph

ROOT = Path(__file__).resolve().parents[2]
try:  # a checkout without `pip install -e .`
    import cicagraph  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(ROOT / "src"))

ONTOLOGY = ROOT / "ontology" / "cicagraph.ttl"
DECLARATIONS = ROOT / "ontology" / "imports" / "external-declarations.ttl"
CATALOG = ROOT / "ontology" / "catalog-v001.xml"
CHECKS = ROOT / "checks"
DATA_MODEL = ROOT / "docs" / "data-model.md"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

requires_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="Java is not installed: OWL API / HermiT checks need it"
)


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="session")
def closure_graph() -> Graph:
    """Ontology plus its external declarations (what the catalog import resolves to)."""
    g = Graph().parse(ONTOLOGY, format="turtle")
    g.parse(DECLARATIONS, format="turtle")
    return g
