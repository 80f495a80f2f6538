"""Real clients against a live server on loopback (random free port), started and stopped
by each test: SPARQLWrapper, rdflib's SPARQLStore, plain HTTP against gunicorn."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from cicagraph.config import Settings

KAZ = "https://w3id.org/cicagraph/id/state/KAZ"
SRC = Path(__file__).resolve().parents[2] / "src"


def test_sparqlwrapper_select_json(live_server: str) -> None:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery("SELECT ?code WHERE { ?s <https://w3id.org/cicagraph/ontology#isoAlpha3> ?code } ORDER BY ?code")
    client.setReturnFormat(JSON)
    data = client.query().convert()
    assert [b["code"]["value"] for b in data["results"]["bindings"]] == ["AZE", "CHN", "KAZ", "TUR"]  # type: ignore[index]


def test_sparqlwrapper_post_and_construct(live_server: str) -> None:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setMethod("POST")
    client.setQuery(f"CONSTRUCT {{ <{KAZ}> ?p ?o }} WHERE {{ <{KAZ}> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    result = client.query()
    assert "text/turtle" in result.info()["content-type"]
    g = rdflib.Graph().parse(data=result.convert(), format="turtle")
    assert (rdflib.URIRef(KAZ), rdflib.URIRef("https://w3id.org/cicagraph/ontology#isoAlpha3"), rdflib.Literal("KAZ")) in g


def test_sparqlwrapper_sees_errors(live_server: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery("SELECT * WHERE { ?s }")
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed):
        client.query()


def test_rdflib_sparqlstore(live_server: str) -> None:
    store = SPARQLStore(live_server + "/sparql", returnFormat="xml")
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(
        "SELECT ?name WHERE { ?s <https://w3id.org/cicagraph/ontology#isoAlpha3> 'TUR' ; "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?name }"
    ))
    assert [str(r[0]) for r in rows] == ["Türkiye"]
    assert graph.query(f"ASK {{ <{KAZ}> ?p ?o }}").askAnswer is True
    constructed = graph.query(f"CONSTRUCT {{ <{KAZ}> ?p ?o }} WHERE {{ <{KAZ}> ?p ?o }}").graph
    assert constructed is not None and len(constructed) > 3


def test_live_cors_preflight(live_server: str) -> None:
    request = urllib.request.Request(live_server + "/sparql", method="OPTIONS", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    with urllib.request.urlopen(request, timeout=5) as r:
        assert r.status == 200 and r.headers["Access-Control-Allow-Origin"] == "*"


# --- production server: gunicorn workers via cicagraph.web.server.run_server ---------------------


@pytest.fixture
def gunicorn_server(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "CICAGRAPH_PROJECT": str(settings.project.root),
        "CICAGRAPH_BUILD_DIR": str(settings.build_path),
        "CICAGRAPH_PORT": str(port),
        "CICAGRAPH_WORKERS": "2",
        "CICAGRAPH_QUERY_TIMEOUT_S": "0.05",
    }
    code = "from cicagraph.config import Settings; from cicagraph.web.server import run_server; run_server(Settings.load())"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start:\n" + log.read_text()) from None
                time.sleep(0.1)
        yield base, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.slow
def test_gunicorn_serves_times_out_and_keeps_serving(gunicorn_server: tuple[str, Path], slow_query: str) -> None:
    base, log = gunicorn_server
    status, body = _get(base + "/healthz")
    assert status == 200 and json.loads(body)["total_triples"] == 97
    started = time.monotonic()
    status, body = _get(base + "/sparql?" + urllib.parse.urlencode({"query": slow_query}))
    assert status == 503 and "time limit" in json.loads(body)["error"]
    assert time.monotonic() - started < 1.0
    for _ in range(10):  # the other worker answers, then the recycled one is back
        status, body = _get(base + "/sparql?query=ASK%20%7B%7D")
        assert status == 200 and json.loads(body)["boolean"] is True
    time.sleep(0.5)
    text = log.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in text  # access log on stderr
    assert "Booting worker" in text
    assert "holds a timed-out query; recycling it" in text
