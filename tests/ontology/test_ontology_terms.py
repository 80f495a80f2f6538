"""The ontology file: parses, header, labels/definitions, data-model coverage, no punning."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from cgonto_testlib import (  # noqa: F401
    CATALOG,
    DATA_MODEL,
    DECLARATIONS,
    ONTOLOGY,
    closure_graph,
    ontology_graph,
)
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

CG = "https://w3id.org/cicagraph/ontology#"
ORG = "http://www.w3.org/ns/org#"
SKOS_DEF = URIRef("http://www.w3.org/2004/02/skos/core#definition")
DCT = "http://purl.org/dc/terms/"
VANN = "http://purl.org/vocab/vann/"
ONTO_IRI = URIRef("https://w3id.org/cicagraph/ontology")
DECL_IRI = URIRef("https://w3id.org/cicagraph/imports/external-declarations")
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
         OWL.NamedIndividual, RDFS.Datatype)
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
OWL_LIST_PREDICATES = (OWL.members, OWL.unionOf, OWL.intersectionOf, OWL.oneOf, OWL.hasKey,
                       OWL.propertyChainAxiom, OWL.disjointUnionOf, OWL.withRestrictions)


def own_terms(g: Graph) -> set[URIRef]:
    return {s for k in KINDS for s in g.subjects(RDF.type, k)
            if isinstance(s, URIRef) and str(s).startswith(CG)}


def test_ontology_and_declarations_parse(ontology_graph: Graph) -> None:
    assert len(ontology_graph) > 400
    assert len(Graph().parse(DECLARATIONS, format="turtle")) > 50


def test_header(ontology_graph: Graph) -> None:
    g = ontology_graph
    assert (ONTO_IRI, RDF.type, OWL.Ontology) in g
    assert g.value(ONTO_IRI, OWL.versionIRI) == URIRef("https://w3id.org/cicagraph/ontology/releases/0.1.0")
    assert str(g.value(ONTO_IRI, OWL.versionInfo)) == "0.1.0"
    assert g.value(ONTO_IRI, URIRef(DCT + "license")) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(g.value(ONTO_IRI, URIRef(DCT + "creator"))) == "cicagraph contributors"
    for p in ("title", "description"):
        assert g.value(ONTO_IRI, URIRef(DCT + p)) is not None
    assert str(g.value(ONTO_IRI, URIRef(VANN + "preferredNamespacePrefix"))) == "cg"
    assert str(g.value(ONTO_IRI, URIRef(VANN + "preferredNamespaceUri"))) == CG
    assert list(g.objects(ONTO_IRI, OWL.imports)) == [DECL_IRI]
    assert (DECL_IRI, RDF.type, OWL.Ontology) in Graph().parse(DECLARATIONS, format="turtle")


def test_catalog_maps_both_ontologies_to_existing_files() -> None:
    ns = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
    root = ElementTree.parse(CATALOG).getroot()
    mapping = {el.get("name"): CATALOG.parent / el.get("uri", "") for el in root.iter(f"{ns}uri")}
    assert mapping.keys() == {str(ONTO_IRI), str(DECL_IRI)}
    assert mapping[str(ONTO_IRI)].resolve() == ONTOLOGY.resolve()
    assert mapping[str(DECL_IRI)].resolve() == DECLARATIONS.resolve()


def test_every_own_term_has_english_label_and_definition(ontology_graph: Graph) -> None:
    g = ontology_graph
    terms = own_terms(g)
    assert len(terms) > 100
    for term in terms:
        labels = [o for o in g.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == "en"]
        defs = [o for o in g.objects(term, SKOS_DEF) if isinstance(o, Literal) and o.language == "en"]
        assert len(labels) == 1, f"{term}: {labels}"
        assert len(defs) == 1 and str(defs[0]).endswith("."), f"{term}: {defs}"


def test_external_terms_have_labels() -> None:
    g = Graph().parse(DECLARATIONS, format="turtle")
    for kind in KINDS:
        for term in g.subjects(RDF.type, kind):
            assert g.value(term, RDFS.label) is not None, term


def _data_model_names() -> dict[str, set[str]]:
    """Backticked cg:/org: names in the Classes and Properties tables of docs/data-model.md."""
    text = DATA_MODEL.read_text(encoding="utf-8")
    out: dict[str, set[str]] = {}
    for section in ("Classes", "Properties"):
        body = re.search(rf"^## {section}\b.*?$(.*?)(?=^## )", text, re.S | re.M)
        assert body, f"section {section} not found"
        rows = [line for line in body.group(1).splitlines() if line.startswith("|")]
        first_col: set[str] = set()
        every: set[str] = set()
        for row in rows[2:]:  # skip header and --- line
            cells = row.strip("|").split("|")
            for i, cell in enumerate(cells):
                for span in re.findall(r"`([^`]*)`", cell):
                    names = set(re.findall(r"\b(?:cg|org):[A-Za-z][A-Za-z0-9]*", span))
                    every |= names
                    if i == 0:
                        first_col |= names
        out[section] = first_col
        out[section + "-all"] = every
    return out


def _expand(name: str) -> URIRef:
    prefix, local = name.split(":")
    return URIRef((CG if prefix == "cg" else ORG) + local)


def test_every_data_model_term_is_declared(closure_graph: Graph) -> None:
    names = _data_model_names()
    assert len(names["Classes"]) >= 50 and len(names["Properties"]) >= 50
    g = closure_graph
    for name in names["Classes"]:
        assert (_expand(name), RDF.type, OWL.Class) in g, f"class {name} not declared"
    for name in names["Properties"]:
        kinds = set(g.objects(_expand(name), RDF.type)) & set(PROPERTY_KINDS)
        assert kinds, f"property {name} not declared"
    for name in names["Classes-all"] | names["Properties-all"]:
        assert set(g.objects(_expand(name), RDF.type)) & set(KINDS), f"{name} not declared"


def test_required_axioms(closure_graph: Graph) -> None:
    g = closure_graph
    cg = lambda n: URIRef(CG + n)  # noqa: E731
    org = lambda n: URIRef(ORG + n)  # noqa: E731
    assert (cg("State"), OWL.disjointWith, org("Organization")) in g
    assert (cg("cooperatesWith"), RDF.type, OWL.SymmetricProperty) in g
    assert (cg("cooperatesWith"), RDFS.subPropertyOf, org("linkedTo")) in g
    assert (cg("partOf"), RDF.type, OWL.TransitiveProperty) in g
    assert (cg("locatedIn"), RDFS.subPropertyOf, cg("partOf")) in g
    for p in ("coordinator", "holder", "heldIn", "ordinal"):
        assert (cg(p), RDF.type, OWL.FunctionalProperty) in g, p
    for p in ("member", "organization"):
        assert (org(p), RDF.type, OWL.FunctionalProperty) in g, p
    for date_prop in ("startDate", "endDate", "date", "asOf"):
        assert (cg(date_prop), RDF.type, OWL.DatatypeProperty) in g
        assert g.value(cg(date_prop), RDFS.range) is None, f"{date_prop} must have no rdfs:range"
    assert (cg("wikidata"), RDF.type, OWL.AnnotationProperty) in g
    chains = {tuple(Graph.items(g, g.value(p, OWL.propertyChainAxiom))): p
              for p in g.subjects(OWL.propertyChainAxiom, None)}
    assert chains[(org("hasMembership"), org("organization"))] == cg("participatesIn")
    assert chains[(cg("hasAdoption"), cg("atMeeting"))] == cg("adoptedAt")
    keys = [tuple(Graph.items(g, k)) for k in g.objects(cg("State"), OWL.hasKey)]
    assert keys == [(cg("isoAlpha3"),)]


def test_no_punning_and_no_foreign_lists(closure_graph: Graph) -> None:
    g = closure_graph
    for s in set(g.subjects(RDF.type, None)):
        kinds = set(g.objects(s, RDF.type)) & set(KINDS)
        assert len(kinds) <= 1, f"{s} is punned: {kinds}"
    heads = {o for p in OWL_LIST_PREDICATES for o in g.objects(None, p)}
    for node in g.subjects(RDF.first, None):
        if node in heads:
            continue
        assert (None, RDF.rest, node) in g, f"rdf:List outside OWL constructs at {node}"


def test_every_cg_iri_used_is_declared(closure_graph: Graph) -> None:
    g = closure_graph
    declared = own_terms(g)
    used = {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(CG)}
    assert used <= declared, sorted(used - declared)


def test_property_kinds_follow_the_data_model(closure_graph: Graph) -> None:
    """xsd:/date ranges are datatype properties, cg:wikidata an annotation property, others object."""
    text = DATA_MODEL.read_text(encoding="utf-8")
    body = re.search(r"^## Properties\b.*?$(.*?)(?=^## )", text, re.S | re.M)
    assert body
    checked = 0
    for row in body.group(1).splitlines()[4:]:
        if not row.startswith("|"):
            continue
        cells = row.strip("|").split("|")
        names = re.findall(r"`((?:cg|org):[A-Za-z0-9]+)`", cells[0])
        if names == ["cg:wikidata"]:
            expected = OWL.AnnotationProperty
        elif "xsd:" in cells[1] or "dates" in cells[1]:
            expected = OWL.DatatypeProperty
        else:
            expected = OWL.ObjectProperty
        for name in names:
            assert (_expand(name), RDF.type, expected) in closure_graph, f"{name} should be {expected}"
            checked += 1
    assert checked >= 50
