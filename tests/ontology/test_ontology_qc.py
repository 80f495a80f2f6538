"""ROBOT-report-style checks/*-violation.rq: silent on the ontology, loud on a broken fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from cgonto_testlib import CHECKS, DECLARATIONS, FIXTURES, ONTOLOGY
from rdflib import Graph

CG = "https://w3id.org/cicagraph/ontology#"
EXPECTED = {  # check name -> an entity the broken fixture must be reported for
    "missing-label": CG + "NoLabel",
    "missing-definition": CG + "NoDefinition",
    "duplicate-label": CG + "DupB",
    "label-whitespace": CG + "Spacey",
    "multiple-labels-per-language": CG + "TwoLabels",
    "missing-ontology-title": "https://w3id.org/cicagraph/test-broken",
    "missing-ontology-description": "https://w3id.org/cicagraph/test-broken",
    "missing-ontology-license": "https://w3id.org/cicagraph/test-broken",
    "undeclared-term": CG + "notInTheOntology",
}
CHECK_FILES = [CHECKS / f"{name}-violation.rq" for name in EXPECTED]  # the ontology QC checks


def _graph(*files: Path) -> Graph:
    g = Graph()
    for f in (ONTOLOGY, DECLARATIONS, *files):
        g.parse(f, format="turtle")
    return g


@pytest.fixture(scope="module")
def good() -> Graph:
    return _graph(FIXTURES / "data-with-dates.ttl")


@pytest.fixture(scope="module")
def broken() -> Graph:
    return _graph(FIXTURES / "qc-broken.ttl")


def test_all_expected_checks_exist() -> None:
    assert all(p.is_file() for p in CHECK_FILES)


@pytest.mark.parametrize("query", CHECK_FILES, ids=lambda p: p.stem)
def test_check_header_and_variables(query: Path) -> None:
    lines = query.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# title: ") and lines[1].startswith("# description: ")
    result = Graph().query(query.read_text(encoding="utf-8"))
    assert [str(v) for v in result.vars] == ["entity", "property", "value"]


@pytest.mark.parametrize("query", CHECK_FILES, ids=lambda p: p.stem)
def test_check_is_silent_on_ontology_and_good_data(query: Path, good: Graph) -> None:
    rows = list(good.query(query.read_text(encoding="utf-8")))
    assert rows == [], rows


@pytest.mark.parametrize("query", CHECK_FILES, ids=lambda p: p.stem)
def test_check_fires_on_broken_fixture(query: Path, broken: Graph) -> None:
    rows = list(broken.query(query.read_text(encoding="utf-8")))
    entities = {str(r[0]) for r in rows}
    name = query.name.removesuffix("-violation.rq")
    assert EXPECTED[name] in entities, rows


def test_undeclared_term_reports_undeclared_class(broken: Graph) -> None:
    rows = list(broken.query((CHECKS / "undeclared-term-violation.rq").read_text(encoding="utf-8")))
    assert {str(r[0]) for r in rows} == {CG + "notInTheOntology", "http://www.w3.org/ns/org#Post"}
