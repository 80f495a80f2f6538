"""Issue 11 part 4: ``/sparql`` answers JSON results and N-Triples / N-Quads with pyoxigraph's
own serializers (no Python object per term). The bytes must stay exactly what the
materialised-rows writers give (``query/results.py``, ``ox.serialize`` of the triples), in
every format, and the row cap must still hold."""

from __future__ import annotations

from typing import Callable
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask

from cicagraph.formats import RDF_FORMATS, RESULTS_FORMATS
from cicagraph.query import sparql
from cicagraph.query.results import write_results

EX = "http://example.org/"
TRICKY = [
    ox.Literal("plain"), ox.Literal("é ü 中文 🎉"), ox.Literal('quote " and \\ backslash'),
    ox.Literal("new\nline\r\ttab"), ox.Literal('comma, "x"'), ox.Literal("<tag> & amp"),
    ox.Literal("hallo", language="de"), ox.Literal("hi", language="en-GB"),
    ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ox.Literal("2000-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
    ox.Literal("\x00\x01\x7f control"), ox.Literal("\u2028 \u2029"), ox.Literal(""),
    # the JSON row separator inside literals: the cap's count over-counts, never under
    ox.Literal('},{"x":1},{'), ox.Literal("},{},{},{"),
]
SELECTS = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
    "SELECT ?s ?x ?o WHERE { ?s ?p ?o OPTIONAL { ?s <urn:none> ?x } } ORDER BY ?s ?o",
    "SELECT * WHERE { }",
    "SELECT ?x WHERE { ?s ?p ?o } LIMIT 0",
    "SELECT ?a WHERE { VALUES ?a { 1.5 1e3 true \"x\"@en <urn:a> } }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o FILTER(isBlank(?s) || isLiteral(?o)) } ORDER BY ?o",
]
GRAPHS = [
    "CONSTRUCT WHERE { ?s ?p ?o }",
    f"DESCRIBE <{EX}s3>",
    "CONSTRUCT { ?s <urn:p> ?o } WHERE { ?s ?p ?o } LIMIT 0",
]


@pytest.fixture
def tricky_store(store: ox.Store) -> ox.Store:
    """The fixture dataset plus literals that serializers disagree on, and a blank node."""
    for i, literal in enumerate(TRICKY):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), literal, ox.NamedNode(f"{EX}g")))
    store.add(ox.Quad(ox.BlankNode("b1"), ox.NamedNode(f"{EX}p"), ox.NamedNode(f"{EX}o?x=1&y=2#é"), ox.DefaultGraph()))
    return store


def _expected(store: ox.Store, query: str, media_type: str) -> bytes:
    """The bytes of the materialised-rows path (the one the service had before)."""
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return write_results(RESULTS_FORMATS_BY_MEDIA[media_type], (), [], bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        return write_results(RESULTS_FORMATS_BY_MEDIA[media_type], variables, [tuple(r) for r in result], None)
    fmt = next(f for f in RDF_FORMATS.values() if f.media_type == media_type)
    return ox.serialize(list(result), format=fmt.oxigraph) or b""


RESULTS_FORMATS_BY_MEDIA = {f.media_type: f.name for f in RESULTS_FORMATS.values()}
GRAPH_TYPES = sorted({f.media_type for f in RDF_FORMATS.values()})


@pytest.mark.parametrize("media_type", sorted(RESULTS_FORMATS_BY_MEDIA))
def test_select_and_ask_bytes_are_unchanged_in_every_results_format(
        make_app: Callable[..., Flask], tricky_store: ox.Store, media_type: str) -> None:
    client = make_app(result_cache_bytes=0).test_client()
    for query in SELECTS + ["ASK { ?s ?p ?o }", "ASK { ?s <urn:none> ?o }"]:
        response = client.get("/sparql?query=" + quote(query), headers={"Accept": media_type})
        assert response.status_code == 200, (query, response.data[:300])
        assert response.mimetype == media_type
        assert response.data == _expected(tricky_store, query, media_type), (query, media_type)


@pytest.mark.parametrize("media_type", GRAPH_TYPES)
def test_construct_and_describe_bytes_are_unchanged_in_every_rdf_format(
        make_app: Callable[..., Flask], tricky_store: ox.Store, media_type: str) -> None:
    client = make_app(result_cache_bytes=0).test_client()
    for query in GRAPHS:
        response = client.get("/sparql?query=" + quote(query), headers={"Accept": media_type})
        assert response.status_code == 200, (query, response.data[:300])
        assert response.data == _expected(tricky_store, query, media_type), (query, media_type)


def test_the_native_formats_are_the_ones_pinned_here() -> None:
    assert set(sparql.NATIVE_FORMATS) == {"application/sparql-results+json", "application/n-triples",
                                          "application/n-quads"}


@pytest.mark.parametrize("media_type,what", [("application/sparql-results+json", "rows"),
                                              ("application/n-triples", "triples"),
                                              ("application/n-quads", "triples")])
def test_row_cap_holds_on_the_native_path(make_app: Callable[..., Flask], store: ox.Store, media_type: str,
                                          what: str) -> None:
    for i in range(1500):
        store.add(ox.Quad(ox.NamedNode(f"{EX}row{i}"), ox.NamedNode(f"{EX}n"), ox.Literal(str(i)), ox.NamedNode(f"{EX}g")))
    total = len(list(store.query("SELECT * { ?s ?p ?o }", use_default_graph_as_union=True)))
    assert total > 1500  # more than one 8 KiB chunk of output: separators split across chunks count
    kind = "SELECT ?s ?p ?o WHERE" if what == "rows" else "CONSTRUCT WHERE"
    for cap, expect in ((total - 1, 413), (total, 200), (total + 1, 200)):
        client = make_app(max_result_rows=cap, result_cache_bytes=0).test_client()
        response = client.get("/sparql?query=" + quote(f"{kind} {{ ?s ?p ?o }}"), headers={"Accept": media_type})
        assert response.status_code == expect, (cap, response.data[:200])
        if expect == 413:
            assert f"more than {cap} {what}".encode() in response.data


def test_separators_inside_literals_do_not_refuse_an_answer_under_the_cap(
        make_app: Callable[..., Flask], tricky_store: ox.Store) -> None:
    # 2 rows, but the literals hold six "},{": the upper bound passes the cap of 2, the exact
    # count (the fallback) does not
    query = 'SELECT ?o WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), "},{")) } ORDER BY ?o'
    client = make_app(max_result_rows=2, result_cache_bytes=0).test_client()
    response = client.get("/sparql?query=" + quote(query), headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data[:300]
    assert response.data == _expected(tricky_store, query, "application/sparql-results+json")
    client = make_app(max_result_rows=1, result_cache_bytes=0).test_client()
    response = client.get("/sparql?query=" + quote(query), headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 413


def test_time_limit_holds_on_the_native_path(make_app: Callable[..., Flask], slow_query: str) -> None:
    client = make_app(query_timeout_s=0.05, result_cache_bytes=0).test_client()
    response = client.get("/sparql?query=" + quote(slow_query), headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 503


def test_run_query_without_a_media_type_still_materialises_rows(store: ox.Store) -> None:
    outcome = sparql.run_query(store, "SELECT * { ?s ?p ?o } LIMIT 3", timeout_s=5, max_rows=10)
    assert outcome.body is None and len(outcome.rows) == 3
    native = sparql.run_query(store, "SELECT * { ?s ?p ?o } LIMIT 3", timeout_s=5, max_rows=10,
                              media_type="application/sparql-results+json")
    assert native.body is not None and native.rows == []
    assert sparql.serialize(native, "application/sparql-results+json") == sparql.serialize(
        outcome, "application/sparql-results+json")
