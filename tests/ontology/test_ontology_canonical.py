"""Canonical Turtle: lossless, idempotent, and equal across a (simulated or real) Protégé save."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cgonto_testlib import (
    DECLARATIONS,
    FIXTURES,
    ONTOLOGY,
    ontology_graph,  # noqa: F401  (fixture)
    requires_java,
)
from rdflib import OWL, RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from cicagraph.curation.canonical import (
    canonical_equal,
    canonical_turtle,
    normalize_file,
    owl_normal_form,
)

XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")

INPUTS = [ONTOLOGY, DECLARATIONS, FIXTURES / "data-with-dates.ttl"]


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_canonical_is_isomorphic_and_idempotent(path: Path) -> None:
    g = Graph().parse(path, format="turtle")
    text = canonical_turtle(g)
    again = Graph().parse(data=text, format="turtle")
    assert isomorphic(g, again)
    assert canonical_turtle(again) == text


def test_canonical_order(ontology_graph: Graph) -> None:
    text = canonical_turtle(ontology_graph)
    positions = [text.index(marker) for marker in (
        "<https://w3id.org/cicagraph/ontology> a owl:Ontology",
        "cg:Act a owl:Class",
        "cg:State a owl:Class",
        "cg:about a owl:ObjectProperty",
        "cg:accurate a owl:DatatypeProperty",
        "cg:wikidata a owl:AnnotationProperty",
        "[] a owl:AllDisjointClasses",
    )]
    assert positions == sorted(positions)
    block = text[text.index("cg:State a owl:Class"):].split(" .\n", 1)[0]
    assert block.index("rdfs:label") < block.index("skos:definition") < block.index("rdfs:subClassOf")


@pytest.mark.parametrize("path", [ONTOLOGY, DECLARATIONS], ids=lambda p: p.name)
def test_committed_files_are_canonical(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    assert normalize_file(copy, owl_normal=True) is False, "run `cicagraph normalize`"
    assert normalize_file(copy) is False


def _simulated_protege_save(g: Graph) -> Graph:
    out = Graph()
    for s, p, o in g:
        if p == OWL.disjointWith:
            s, o = o, s  # the OWL API writes A ⊥ B as B ⊥ A
        if isinstance(o, Literal) and o.datatype is None and o.language is None:
            o = Literal(str(o), datatype=XSD_STRING)
        out.add((s, p, o))
    for s in set(g.subjects(RDF.type, None)):
        if isinstance(s, URIRef) and not (set(g.objects(s, RDF.type)) & {
                OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Ontology}):
            out.add((s, RDF.type, OWL.NamedIndividual))
    return out


def test_simulated_protege_save_compares_equal_after_normalising() -> None:
    g = Graph().parse(ONTOLOGY, format="turtle")
    g.parse(FIXTURES / "data-with-dates.ttl", format="turtle")  # gives it individuals
    saved = _simulated_protege_save(g)
    assert not isomorphic(g, saved)
    assert canonical_turtle(g) != canonical_turtle(saved)
    assert canonical_equal(g, saved)
    assert isomorphic(owl_normal_form(g), owl_normal_form(saved))


def test_normaliser_does_not_hide_real_changes() -> None:
    g = Graph().parse(ONTOLOGY, format="turtle")
    changed = Graph().parse(ONTOLOGY, format="turtle")
    changed.remove((None, OWL.disjointWith, URIRef("http://www.w3.org/ns/org#Organization")))
    assert not canonical_equal(g, changed)


@requires_java
@pytest.mark.parametrize("fmt", ["turtle", "rdfxml"])
def test_real_owlapi_save_round_trips(fmt: str, tmp_path: Path) -> None:
    """Load and save with the OWL API (the library inside Protégé), then normalise."""
    from cicagraph.curation.owlcheck import owlapi_save

    saved = owlapi_save(ONTOLOGY, tmp_path / "cicagraph.owl", fmt)
    original = Graph().parse(ONTOLOGY, format="turtle")
    again = Graph().parse(saved, format="turtle" if fmt == "turtle" else "xml")
    assert canonical_equal(original, again)
    assert normalize_file(saved, owl_normal=True) is True
    assert saved.read_text(encoding="utf-8") == ONTOLOGY.read_text(encoding="utf-8")
