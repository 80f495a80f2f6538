"""Reasoning: the fast engine against owlrl (the oracle), noise, and consistency problems."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from conftest import FIXTURES
from rdflib.namespace import OWL, RDF, RDFS

from cicagraph.config import Project
from cicagraph.pipeline.load import load_inputs, parse_file
from cicagraph.pipeline.reason import is_noise, owlrl_closure, reason
from cicagraph.pipeline.rules import rl_closure

EX = rdflib.Namespace("http://example.org/rl#")


@pytest.fixture(scope="module")
def every_rule() -> rdflib.Graph:
    return parse_file(FIXTURES / "rules" / "every-rule.ttl")


def test_fast_engine_equals_owlrl_on_every_rule_fixture(every_rule: rdflib.Graph) -> None:
    fast, fast_errors, _ = rl_closure(every_rule)
    oracle, oracle_errors = owlrl_closure(every_rule)
    assert fast == oracle
    assert fast_errors == oracle_errors == []


@pytest.mark.parametrize(
    "triple",
    [
        (EX.a, RDF.type, EX.C),  # cax-sco over scm-sco
        (EX.a, RDF.type, EX.D),  # cax-eqc
        (EX.e, RDF.type, EX.E),  # prp-rng
        (EX.a, EX.r, EX.e),  # prp-spo1 twice
        (EX.a, EX.q2, EX.e),  # prp-eqp
        (EX.y, EX.of, EX.x),  # prp-inv1
        (EX.v, EX.has, EX.u),  # prp-inv2
        (EX.n, EX.near, EX.m),  # prp-symp
        (EX.k1, EX.partOf, EX.k4),  # prp-trp
        (EX.g1, EX.grand, EX.g3),  # prp-spo2
        (EX.g1, EX.ggrand, EX.g4),  # prp-spo2, three links
        (EX.t1, OWL.sameAs, EX.t2),  # prp-fp
        (EX.t2, EX.likes, EX.tea),  # eq-rep-s
        (EX.h1, OWL.sameAs, EX.h2),  # prp-ifp
        (EX.f, RDF.type, EX.AB),  # cls-int1
        (EX.f, RDF.type, EX.AorF),  # cls-uni
        (EX.cherry, EX.colour, EX.red),  # cls-hv1
        (EX.apple, RDF.type, EX.Red),  # cls-hv2
        (EX.ann, RDF.type, EX.Parent),  # cls-svf1
        (EX.carl, RDF.type, EX.Owner),  # cls-svf2
        (EX.kale, RDF.type, EX.Plant),  # cls-avf
        (EX.s1, OWL.sameAs, EX.s2),  # cls-maxc2
        (EX.A, RDFS.subClassOf, EX.C),  # scm-sco
        (EX.p, RDFS.subPropertyOf, EX.r),  # scm-spo
        (EX.AB, RDFS.subClassOf, EX.F),  # scm-int
    ],
)
def test_fast_engine_infers(every_rule: rdflib.Graph, triple: tuple) -> None:
    inferred, _, _ = rl_closure(every_rule)
    assert triple in inferred


def test_fast_engine_equals_owlrl_on_shipped_data(repo: Path) -> None:
    """The oracle the issue asks for: the shipped ontology + data, owlrl's full OWL 2 RL
    closure minus noise equals the fast engine's output."""
    inputs = load_inputs(Project(repo))
    fast, _, _ = rl_closure(inputs.ontology, inputs.data)
    oracle, _ = owlrl_closure(inputs.ontology, inputs.data)
    assert len(fast) > 1000
    assert fast == oracle


def test_has_key_makes_same_only_on_equal_keys() -> None:
    """prp-key, which owlrl gets wrong for one-property keys (every pair becomes sameAs)."""
    g = rdflib.Graph()
    g.parse(
        data="""
        @prefix ex: <http://example.org/k#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        ex:Country owl:hasKey ( ex:code ) .
        ex:a a ex:Country ; ex:code "KAZ" .  ex:b a ex:Country ; ex:code "KAZ" .
        ex:c a ex:Country ; ex:code "CHN" .
        """,
        format="turtle",
    )
    inferred, _, _ = rl_closure(g)
    k = rdflib.Namespace("http://example.org/k#")
    assert (k.a, OWL.sameAs, k.b) in inferred
    assert (k.a, OWL.sameAs, k.c) not in inferred
    assert (k.b, OWL.sameAs, k.c) not in inferred


@pytest.mark.parametrize(
    "triple, noisy",
    [
        ((EX.a, OWL.sameAs, EX.a), True),
        ((rdflib.Literal("x"), RDF.type, rdflib.XSD.string), True),
        ((OWL.Thing, RDF.type, OWL.Class), True),
        ((EX.a, RDF.type, OWL.Thing), True),
        ((EX.A, RDFS.subClassOf, EX.A), True),
        ((EX.a, OWL.sameAs, EX.b), False),
        ((EX.a, RDF.type, EX.C), False),
    ],
)
def test_noise(triple: tuple, noisy: bool) -> None:
    assert is_noise(*triple) is noisy


def test_inferred_graph_holds_only_new_triples(tiny_project: Project) -> None:
    inputs = load_inputs(tiny_project)
    result = reason(inputs.ontology, inputs.data)
    assert not set(result.inferred) & set(inputs.data)
    kaz = rdflib.URIRef("https://w3id.org/cicagraph/id/state/KAZ")
    cica = rdflib.URIRef("https://w3id.org/cicagraph/id/org/cica")
    cg = rdflib.Namespace("https://w3id.org/cicagraph/ontology#")
    assert (kaz, cg.participatesIn, cica) in result.inferred  # the property chain
    assert result.consistent


def test_disjointness_clash_names_resource_and_axiom(tiny_project: Project) -> None:
    files = sorted(tiny_project.data_dir.glob("*.ttl")) + [FIXTURES / "broken" / "inconsistent.ttl"]
    inputs = load_inputs(tiny_project, files)
    result = reason(inputs.ontology, inputs.data)
    assert [p.message for p in result.problems] == [
        "https://w3id.org/cicagraph/id/org/cica is both a cg:Person and a org:Organization, "
        "but cg:Person owl:disjointWith org:Organization"
    ]


def test_functional_clash(tiny_project: Project, tmp_path: Path) -> None:
    extra = tmp_path / "two-members.ttl"
    extra.write_text(
        "<https://w3id.org/cicagraph/id/membership/cica-KAZ-member> "
        "<http://www.w3.org/ns/org#member> <https://w3id.org/cicagraph/id/state/BGD> .\n"
    )
    inputs = load_inputs(tiny_project, sorted(tiny_project.data_dir.glob("*.ttl")) + [extra])
    kinds = {(p.kind, p.axiom) for p in reason(inputs.ontology, inputs.data).problems}
    assert ("functional", "org:member a owl:FunctionalProperty") in kinds


def test_nothing_and_same_different(tmp_path: Path) -> None:
    g = rdflib.Graph()
    g.parse(
        data="""
        @prefix ex: <http://example.org/n#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        ex:ghost a owl:Nothing .
        ex:a owl:sameAs ex:b ; owl:differentFrom ex:b .
        """,
        format="turtle",
    )
    kinds = sorted(p.kind for p in reason(rdflib.Graph(), g).problems)
    assert kinds == ["nothing", "same-different"]
