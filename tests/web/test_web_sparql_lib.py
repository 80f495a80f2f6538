"""cicagraph.query.sparql as a library (no Flask): inspection, graphs, bindings, limits, formats."""

from __future__ import annotations

import json
import threading
import time

import pyoxigraph as ox
import pytest

from cicagraph.config import GRAPH_DATA, GRAPH_INFERRED
from cicagraph.errors import QueryError, QueryRefused, QueryTimeout, ResultTooLarge
from cicagraph.formats import UnsupportedFormat
from cicagraph.query import sparql

KAZ = "https://w3id.org/cicagraph/id/state/KAZ"


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <a:b> <a:c> <a:d> }",
        "insert data { <a:b> <a:c> <a:d> }",
        "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "LOAD <file:///etc/passwd>",
        "LOAD <http://example.org/data.ttl> INTO GRAPH <http://g>",
        "CLEAR ALL", "DROP GRAPH <http://g>", "CREATE GRAPH <http://g>",
        "COPY <http://a> TO <http://b>", "MOVE DEFAULT TO <http://b>", "ADD <http://a> TO <http://b>",
        "SELECT * {} ; INSERT DATA {}",
    ],
)
def test_updates_are_refused(query: str) -> None:
    with pytest.raises(QueryRefused) as e:
        sparql.inspect_query(query)
    assert e.value.status == 403 and "read-only" in e.value.message


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }",
        "SELECT * { service silent <http://x/sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * {?s ?p ?o OPTIONAL{SERVICE<http://x>{?s ?p ?o}}}",
        "SELECT * { ?s ?p ?o FILTER(?o<?x)SERVICE<http://x/>{ ?a ?b ?c } }",
        "SELECT * { ?s ?p ?o FILTER(?o < 3) SERVICE <http://x/> { ?a ?b ?c } }",
    ],
)
def test_service_is_refused(query: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        sparql.inspect_query(query)


@pytest.mark.parametrize(
    "query, kind",
    [
        ('SELECT ?x { BIND("INSERT DATA { <a> <b> <c> }" AS ?x) }', "select"),
        ("SELECT ?x { BIND('''LOAD\nSERVICE''' AS ?x) }", "select"),
        ('SELECT ?x { BIND("""say "DROP" now""" AS ?x) }', "select"),
        ("SELECT ?x { BIND('it''s \\' DELETE' AS ?x) }", "select"),
        ("# DELETE WHERE { ?s ?p ?o }\nASK {}", "ask"),
        ("ASK { <http://example.org/LOAD/SERVICE#INSERT> ?p ?o }", "ask"),
        ("PREFIX insert: <http://x/> PREFIX service: <http://y/> ASK { insert:a service:b ?delete }", "ask"),
        ("ASK { ?s ?p :load . _:clear ?p ?o }", "ask"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "construct"),
        ("DESCRIBE <http://x>", "describe"),
        ('SELECT * { ?s ?p "x"@add }', "select"),
        ("SELECT * { ?a ?p ?b FILTER(?a<?b && ?b>?a) }", "select"),
    ],
)
def test_keywords_inside_strings_iris_comments_and_names_are_ignored(query: str, kind: str) -> None:
    assert sparql.inspect_query(query).kind == kind


def test_from_detected_only_as_keyword() -> None:
    assert sparql.inspect_query("SELECT * FROM <http://g> {}").has_dataset_clause
    assert not sparql.inspect_query('SELECT * { ?s ?p "FROM" }').has_dataset_clause


def test_run_select_union_default_graph(store: ox.Store) -> None:
    q = "SELECT ?f WHERE { ?s <https://w3id.org/cicagraph/ontology#participatesIn> ?f ; <https://w3id.org/cicagraph/ontology#isoAlpha3> 'KAZ' }"
    outcome = sparql.run_query(store, q, timeout_s=5, max_rows=10)
    assert outcome.kind == "select" and outcome.variables == ("f",) and len(outcome) == 1


def test_run_with_graph_selection(store: ox.Store) -> None:
    q = "ASK { ?s <https://w3id.org/cicagraph/ontology#participatesIn> ?f }"
    assert sparql.run_query(store, q, default_graph_uris=[GRAPH_DATA], timeout_s=5, max_rows=10).boolean is False
    assert sparql.run_query(store, q, default_graph_uris=[GRAPH_INFERRED], timeout_s=5, max_rows=10).boolean is True


def test_substitutions_are_bound_not_spliced(store: ox.Store) -> None:
    q = "SELECT ?name ?code { ?s <https://w3id.org/cicagraph/ontology#isoAlpha3> ?code ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?name }"
    outcome = sparql.run_query(store, q, substitutions={"code": ox.Literal("TUR")}, timeout_s=5, max_rows=10)
    assert [row[0].value for row in outcome.rows] == ["Türkiye"]  # type: ignore[union-attr]
    hostile = ox.Literal('TUR" } } DELETE WHERE { ?s ?p ?o } #')
    outcome = sparql.run_query(store, q, substitutions={"code": hostile}, timeout_s=5, max_rows=10)
    assert outcome.rows == []


def test_construct_and_describe(store: ox.Store) -> None:
    outcome = sparql.run_query(store, f"DESCRIBE <{KAZ}>", timeout_s=5, max_rows=100)
    assert outcome.kind == "describe" and len(outcome) > 0
    turtle = sparql.serialize(outcome, "text/turtle")
    assert KAZ.encode() in turtle


def test_bad_query_names_position(store: ox.Store) -> None:
    with pytest.raises(QueryError, match=r"error at 1:\d+"):
        sparql.run_query(store, "SELECT * WHERE { ?s }", timeout_s=5, max_rows=10)


def test_row_cap(store: ox.Store) -> None:
    with pytest.raises(ResultTooLarge, match="more than 3 rows"):
        sparql.run_query(store, "SELECT * { ?s ?p ?o }", timeout_s=5, max_rows=3)
    assert len(sparql.run_query(store, "SELECT * { ?s ?p ?o } LIMIT 3", timeout_s=5, max_rows=3)) == 3


def test_timeout_returns_promptly_and_other_queries_run(store: ox.Store, slow_query: str) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="0.02 s"):
        sparql.run_query(store, slow_query, timeout_s=0.02, max_rows=10)
    assert time.monotonic() - started < 0.15
    # meanwhile (the abandoned evaluation may still be running) other queries are answered
    assert sparql.run_query(store, "ASK { ?s ?p ?o }", timeout_s=5, max_rows=10).boolean is True
    deadline = time.monotonic() + 10
    while sparql.abandoned_queries() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sparql.abandoned_queries() == 0


def test_streaming_query_stops_at_the_deadline(store: ox.Store) -> None:
    q = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~900k rows, produced lazily
    with pytest.raises(QueryTimeout):
        sparql.run_query(store, q, timeout_s=0.05, max_rows=10**9)
    deadline = time.monotonic() + 5
    while sparql.abandoned_queries() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sparql.abandoned_queries() == 0


def test_concurrent_queries_in_threads(store: ox.Store) -> None:
    results: list[bool] = []

    def work() -> None:
        for _ in range(20):
            results.append(bool(sparql.run_query(store, "ASK { ?s ?p ?o }", timeout_s=5, max_rows=10).boolean))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 80


@pytest.mark.parametrize("fmt", ["json", "application/sparql-results+json", "xml", "csv", "tsv"])
def test_serialize_select(store: ox.Store, fmt: str) -> None:
    q = "SELECT ?s ?label ?none { ?s <http://www.w3.org/2004/02/skos/core#altLabel> ?label } ORDER BY ?label"
    body = sparql.serialize(sparql.run_query(store, q, timeout_s=5, max_rows=10), fmt)
    assert "СВМДА".encode() in body
    if "json" in fmt:
        doc = json.loads(body)
        assert doc["head"]["vars"] == ["s", "label", "none"]
        assert doc["results"]["bindings"][1]["label"] == {"type": "literal", "value": "СВМДА", "xml:lang": "ru"}


def test_json_results_parse_back_with_pyoxigraph(store: ox.Store) -> None:
    q = "SELECT * { ?s ?p ?o }"
    outcome = sparql.run_query(store, q, timeout_s=5, max_rows=1000)
    for fmt, oxfmt in [("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML),
                       ("tsv", ox.QueryResultsFormat.TSV)]:
        parsed = ox.parse_query_results(sparql.serialize(outcome, fmt), format=oxfmt)
        assert sorted(str(tuple(s)) for s in parsed) == sorted(str(r) for r in outcome.rows)


def test_serialize_rejects_mismatched_format(store: ox.Store) -> None:
    with pytest.raises(UnsupportedFormat) as e:
        sparql.serialize(sparql.run_query(store, "ASK {}", timeout_s=5, max_rows=1), "ttl")
    assert e.value.status == 406
    with pytest.raises(UnsupportedFormat):
        sparql.serialize(sparql.run_query(store, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", timeout_s=5, max_rows=1), "csv")
