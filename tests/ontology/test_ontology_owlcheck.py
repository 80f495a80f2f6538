"""OWL 2 DL profile (OWL API 5.1.9) and HermiT consistency, on the ontology and with data."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from cgonto_testlib import DECLARATIONS, FIXTURES, ONTOLOGY, requires_java
from rdflib import Graph, Literal, URIRef

from cicagraph.curation.owlcheck import OwlCheckReport, check_owl, reasoner_safe_copy

XSD_DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")

pytestmark = requires_java


@pytest.fixture(scope="module")
def ontology_report() -> OwlCheckReport:
    return check_owl([ONTOLOGY])


def test_ontology_is_dl_rl_consistent_and_coherent(ontology_report: OwlCheckReport) -> None:
    r = ontology_report
    assert r.dl_violations == [] and r.in_dl_profile
    assert r.rl_violations == [] and r.in_rl_profile
    assert r.consistent and r.unsatisfiable == [] and r.reasoner_error is None
    assert r.ok and r.seconds > 0


def test_declarations_alone_are_dl() -> None:
    r = check_owl([DECLARATIONS])
    assert r.in_dl_profile and r.consistent, r.dl_violations


def test_ontology_with_dated_data_is_dl_and_consistent() -> None:
    r = check_owl([ONTOLOGY], [FIXTURES / "data-with-dates.ttl"])
    assert r.dl_violations == []
    assert r.consistent and r.unsatisfiable == []


def test_state_that_is_an_organization_is_inconsistent() -> None:
    r = check_owl([ONTOLOGY], [FIXTURES / "inconsistent-data.ttl"])
    assert r.in_dl_profile
    assert not r.consistent and not r.ok


def test_non_dl_ontology_is_reported() -> None:
    r = check_owl([FIXTURES / "not-dl-ontology.ttl"])
    assert not r.in_dl_profile
    text = "\n".join(r.dl_violations)
    assert "xsd:date" in text and "Undeclared" in text


def test_unsatisfiable_class_is_reported() -> None:
    r = check_owl([FIXTURES / "unsatisfiable-ontology.ttl"])
    assert r.consistent
    assert r.unsatisfiable == ["https://example.org/unsat#C"]


def test_dates_are_mapped_to_datetime_for_the_reasoner() -> None:
    g = Graph()
    g.parse(data='@prefix x: <urn:x:> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .'
                 ' x:a x:p "2011"^^xsd:gYear , "2014-05"^^xsd:gYearMonth , "2014-05-20"^^xsd:date , "t" .',
            format="turtle")
    safe, n = reasoner_safe_copy(g)
    assert n == 3
    values = {o for o in safe.objects()}
    assert Literal("2011-01-01T00:00:00", datatype=XSD_DATETIME) in values
    assert Literal("2014-05-01T00:00:00", datatype=XSD_DATETIME) in values
    assert Literal("2014-05-20T00:00:00", datatype=XSD_DATETIME) in values
    assert Literal("t") in values


def test_hermit_leaves_no_temp_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a private temp dir: other processes writing /tmp at the same time cannot disturb it
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setenv("TMPDIR", str(private))
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    check_owl([FIXTURES / "unsatisfiable-ontology.ttl"])
    leaked = [p.name for p in private.iterdir() if "hsperfdata" not in p.name]
    assert leaked == []
