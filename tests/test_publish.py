"""Publishing to an external SPARQL store: a real ``oxigraph serve`` on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
import pytest
import requests

from cicagraph.config import GRAPHS, Settings
from cicagraph.errors import CicagraphError
from cicagraph.pipeline.build import build
from cicagraph.pipeline.store import graph_counts, load_dataset_file
from cicagraph.publish.remote import (
    CountMismatch,
    EndpointUnreachable,
    PublishError,
    RemoteError,
    publish,
    resolve_endpoints,
)


def _oxigraph_binary() -> str | None:
    local = Path(sys.executable).parent / "oxigraph"
    if local.is_file():
        return str(local)
    return shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[str]:
    """A fresh ``oxigraph serve`` on a free loopback port; yields its base URL."""
    binary = _oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = _free_port()
    log = (tmp_path / "oxigraph.log").open("wb")
    process = subprocess.Popen(
        [binary, "serve", "--location", str(tmp_path / "oxigraph-db"), "--bind", f"127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"oxigraph serve exited with {process.returncode}: {(tmp_path / 'oxigraph.log').read_text()}")
            try:
                if requests.get(base + "/query", params={"query": "ASK {}"}, timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail("oxigraph serve did not answer within 30 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture
def tiny_store(tiny_settings: Settings, tmp_path: Path) -> ox.Store:
    result = build(tiny_settings, out_dir=tmp_path / "build", docs=False, downloads=False)
    return load_dataset_file(result.out_dir / "dataset.nq")


def _server_counts(base: str) -> dict[str, int]:
    counts = {}
    for name, iri in GRAPHS.items():
        response = requests.post(
            base + "/query",
            data={"query": f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=10,
        )
        response.raise_for_status()
        counts[name] = int(response.json()["results"]["bindings"][0]["n"]["value"])
    return counts


def _server_dataset(base: str) -> ox.Store:
    response = requests.get(base + "/store", headers={"Accept": "application/n-quads"}, timeout=10)
    response.raise_for_status()
    store = ox.Store()
    store.load(response.content, format=ox.RdfFormat.N_QUADS)
    return store


def _isomorphic_per_graph(a: ox.Store, b: ox.Store) -> None:
    """Same triples in every graph (blank nodes compared by count only: labels differ)."""
    for iri in GRAPHS.values():
        g = ox.NamedNode(iri)
        ground = lambda s: {  # noqa: E731
            (q.subject, q.predicate, q.object)
            for q in s.quads_for_pattern(None, None, None, g)
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
        }
        assert ground(a) == ground(b), iri


def test_publish_gsp_is_idempotent_and_verified(oxigraph_server: str, tiny_store: ox.Store) -> None:
    expected = graph_counts(tiny_store)
    assert all(n > 0 for n in expected.values())

    report = publish(tiny_store, oxigraph_server, protocol="gsp")
    assert report.ok
    assert {g.name: g.sent for g in report.graphs} == expected
    assert {g.name: g.verified for g in report.graphs} == expected
    assert {g.protocol for g in report.graphs} == {"gsp"}
    assert _server_counts(oxigraph_server) == expected

    again = publish(tiny_store, oxigraph_server)  # auto: GSP; PUT replaces, so nothing doubles
    assert again.ok and {g.protocol for g in again.graphs} == {"gsp"}
    assert _server_counts(oxigraph_server) == expected
    _isomorphic_per_graph(tiny_store, _server_dataset(oxigraph_server))


def test_publish_update_protocol_in_chunks(oxigraph_server: str, tiny_store: ox.Store) -> None:
    expected = graph_counts(tiny_store)
    report = publish(tiny_store, oxigraph_server, protocol="update", chunk_triples=50)
    assert report.ok and {g.protocol for g in report.graphs} == {"update"}
    assert any(g.requests > 1 for g in report.graphs), "small chunks must take several requests"
    assert _server_counts(oxigraph_server) == expected

    # idempotent: DROP SILENT GRAPH first, then insert again
    publish(tiny_store, oxigraph_server, protocol="update", chunk_triples=50)
    assert _server_counts(oxigraph_server) == expected
    _isomorphic_per_graph(tiny_store, _server_dataset(oxigraph_server))


def test_publish_blank_nodes_stay_connected_across_chunks(oxigraph_server: str) -> None:
    store = ox.Store()
    g = ox.NamedNode(GRAPHS["ontology"])
    p = ox.NamedNode("http://example.org/p")
    # a 30-element RDF-list-like chain of blank nodes: must arrive as one connected chain
    nodes = [ox.BlankNode() for _ in range(30)]
    store.add(ox.Quad(ox.NamedNode("http://example.org/head"), p, nodes[0], g))
    for a, b in zip(nodes, nodes[1:]):
        store.add(ox.Quad(a, p, b, g))
    report = publish(store, oxigraph_server, graphs=["ontology"], protocol="update", chunk_triples=5)
    assert report.ok
    path = requests.post(
        oxigraph_server + "/query",
        data={"query": f"SELECT (COUNT(?x) AS ?n) {{ GRAPH <{g.value}> {{ <http://example.org/head> <http://example.org/p>+ ?x }} }}"},
        headers={"Accept": "application/sparql-results+json"}, timeout=10,
    ).json()
    assert int(path["results"]["bindings"][0]["n"]["value"]) == 30


def test_publish_one_graph_only(oxigraph_server: str, tiny_store: ox.Store) -> None:
    report = publish(tiny_store, oxigraph_server + "/", graphs=["data"])
    assert [g.name for g in report.graphs] == ["data"]
    counts = _server_counts(oxigraph_server)
    assert counts["data"] == graph_counts(tiny_store)["data"]
    assert counts["inferred"] == 0 and counts["ontology"] == 0


def test_auto_falls_back_to_update_without_gsp(oxigraph_server: str, tiny_store: ox.Store) -> None:
    # a store URL that answers 404 is "no Graph Store service here"
    report = publish(tiny_store, oxigraph_server, store_url=oxigraph_server + "/no-such-gsp")
    assert report.ok and {g.protocol for g in report.graphs} == {"update"}
    assert _server_counts(oxigraph_server) == graph_counts(tiny_store)


def test_wrong_url_is_a_clear_error(oxigraph_server: str, tiny_store: ox.Store) -> None:
    with pytest.raises(RemoteError) as caught:
        publish(tiny_store, oxigraph_server, protocol="gsp", store_url=oxigraph_server + "/no-such-gsp")
    assert caught.value.http_status == 404
    assert "PUT of graph" in str(caught.value) and "/no-such-gsp" in str(caught.value)
    assert isinstance(caught.value, CicagraphError)

    with pytest.raises(RemoteError) as caught:
        publish(tiny_store, oxigraph_server, protocol="update", update_url=oxigraph_server + "/query")
    assert caught.value.http_status is not None and caught.value.http_status >= 400
    assert caught.value.server_message  # oxigraph's own explanation is passed on

    port = _free_port()  # nothing listens there
    with pytest.raises(EndpointUnreachable, match="cannot reach"):
        publish(tiny_store, f"http://127.0.0.1:{port}", timeout_s=5)

    with pytest.raises(PublishError, match="not an http"):
        publish(tiny_store, "ftp://example.org/x")


def test_count_mismatch_is_reported(oxigraph_server: str, tiny_store: ox.Store) -> None:
    # the query endpoint of an empty second dataset: counts are 0 there
    class _Lying(requests.Session):
        def request(self, method, url, *args, **kwargs):  # type: ignore[override]
            if url.endswith("/query"):
                kwargs["data"] = {"query": "SELECT (0 AS ?n) {}"}
            return super().request(method, url, *args, **kwargs)

    with pytest.raises(CountMismatch) as caught:
        publish(tiny_store, oxigraph_server, graphs=["data"], session=_Lying())
    assert caught.value.exit_code == 1
    assert not caught.value.report.ok


@pytest.mark.parametrize(
    ("base", "store", "query", "update"),
    [
        ("http://h:7878", "http://h:7878/store", "http://h:7878/query", "http://h:7878/update"),
        ("http://h:7878/query", "http://h:7878/store", "http://h:7878/query", "http://h:7878/update"),
        ("http://h:3030/ds", "http://h:3030/ds/data", "http://h:3030/ds/sparql", "http://h:3030/ds/update"),
        ("http://h:3030/ds/sparql", "http://h:3030/ds/data", "http://h:3030/ds/sparql", "http://h:3030/ds/update"),
        ("http://h:7200/repositories/cg", "http://h:7200/repositories/cg/rdf-graphs/service",
         "http://h:7200/repositories/cg", "http://h:7200/repositories/cg/statements"),
        ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud-auth", "http://h:8890/sparql", "http://h:8890/sparql-auth"),
    ],
)
def test_endpoints_from_one_base_url(base: str, store: str, query: str, update: str) -> None:
    e = resolve_endpoints(base)
    assert (e.store_url, e.query_url, e.update_url) == (store, query, update)


def test_explicit_endpoint_overrides() -> None:
    e = resolve_endpoints("http://h:3030/ds", query_url="http://q/sparql")
    assert (e.store_url, e.query_url, e.update_url) == ("http://h:3030/ds/data", "http://q/sparql", "http://h:3030/ds/update")


def test_publish_command(oxigraph_server: str, tiny_settings: Settings, tmp_path: Path) -> None:
    """`cicagraph publish --to URL` builds if needed, publishes, and verifies the counts."""
    from click.testing import CliRunner

    from cicagraph.cli import cli

    args = ["--project", str(tiny_settings.project.root), "--build-dir", str(tmp_path / "cli-build"), "publish", "--to", oxigraph_server]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    counts = _server_counts(oxigraph_server)
    assert counts and all(n > 0 for n in counts.values())
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and _server_counts(oxigraph_server) == counts
    half = CliRunner().invoke(cli, [*args, "--user", "u"])
    assert half.exit_code == 2 and "give both --user and --password" in half.output
    refused = CliRunner().invoke(cli, [*args[:-1], "http://127.0.0.1:9/"])
    assert refused.exit_code == 2 and refused.output.startswith("Error: ")
