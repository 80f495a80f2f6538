"""Publishing to a real Virtuoso (Debian's ``virtuoso-opensource``, 7.2) on loopback.

Nothing is installed here: the tests use ``virtuoso-t`` and ``isql-vt`` when present
(``.ci/run`` installs the package) and skip, saying so, where they are not. The server runs
from a throw-away database directory with a generated ``virtuoso.ini`` on two free loopback
ports and is always stopped afterwards. ``docs/publishing.md`` ("OpenLink Virtuoso") lists
the same steps for a real installation.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Iterator, NamedTuple

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner

from cicagraph.cli import cli
from cicagraph.config import GRAPHS
from cicagraph.pipeline.store import graph_counts
from cicagraph.publish.remote import publish
from cicagraph.query.queries import load_queries
from cicagraph.query.sparql import run_query

REPO = Path(__file__).resolve().parent.parent
VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")  # Debian's name; plain `isql` is unixODBC's, a different tool
START_TIMEOUT_S = 60
DBA = ("dba", "dba")  # a new database's DBA account
PUBLISHER = ("cicagraph", "publish-secret")  # the user the tests create and publish as

pytestmark = pytest.mark.skipif(
    VIRTUOSO is None or ISQL is None,
    reason="Virtuoso is not installed (virtuoso-t / isql-vt missing): "
           "apt-get install virtuoso-opensource (.ci/run does this on CI)",
)


class Virtuoso(NamedTuple):
    base: str  # http://127.0.0.1:<port>
    sql_port: int
    directory: Path

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"


# The settings the tests start Virtuoso with (docs/publishing.md shows the same file).
VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping        = 0

[Parameters]
ServerPort        = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
NumberOfBuffers   = 10000
MaxDirtyBuffers   = 6000
DirsAllowed       = .

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
ServerThreads        = 10
MaxClientConnections = 10
Charset              = UTF-8

[SPARQL]
ResultSetMaxRows      = 100000
MaxQueryExecutionTime = 60
"""


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _isql(server: Virtuoso, sql: str) -> str:
    assert ISQL is not None
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{server.sql_port}", DBA[0], DBA[1], f"exec={sql}"],
        capture_output=True, text=True, timeout=30,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "*** Error" not in output, output
    return output


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A fresh Virtuoso on free loopback ports, with a user that may publish."""
    assert VIRTUOSO is not None
    directory = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = _free_ports(2)
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=directory, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    server = Virtuoso(f"http://127.0.0.1:{http_port}", sql_port, directory)
    log = (directory / "stdout.log").open("wb")
    process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=directory,
                               stdout=log, stderr=subprocess.STDOUT)

    def server_log() -> str:
        text = (directory / "virtuoso.log").read_text(errors="replace") if (directory / "virtuoso.log").exists() else ""
        return (text + (directory / "stdout.log").read_text(errors="replace"))[-3000:]

    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"virtuoso-t exited with {process.returncode}:\n{server_log()}")
            try:
                if requests.get(server.sparql, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Virtuoso did not answer within {START_TIMEOUT_S} s:\n{server_log()}")
            time.sleep(0.2)
        # the publishing user: SPARQL_UPDATE lets it write through /sparql-auth and
        # /sparql-graph-crud-auth (HTTP Digest)
        _isql(server, f"DB.DBA.USER_CREATE('{PUBLISHER[0]}', '{PUBLISHER[1]}'); GRANT SPARQL_UPDATE TO \"{PUBLISHER[0]}\";")
        yield server
    finally:
        process.terminate()  # SIGTERM: Virtuoso's quick shutdown, under a second
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _select(server: Virtuoso, query: str) -> dict:
    response = requests.post(server.sparql, data={"query": query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text[:2000]
    return response.json()


def _counts(server: Virtuoso) -> dict[str, int]:
    counts = {}
    for name, iri in GRAPHS.items():
        rows = _select(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")["results"]["bindings"]
        counts[name] = int(rows[0]["n"]["value"])
    return counts


def _ground(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> set[tuple]:
    return {
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, graph)
        if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    }


def _assert_same_triples(server: Virtuoso, local: ox.Store) -> None:
    """Every triple without a blank node arrives unchanged (datatypes, language tags, long
    literals); blank-node triples are covered by the counts (their labels differ)."""
    for name, iri in GRAPHS.items():
        response = requests.get(server.base + "/sparql-graph-crud", params={"graph-uri": iri},
                                headers={"Accept": "application/n-triples"}, timeout=30)
        assert response.status_code == 200, response.text[:500]
        remote = ox.Store()
        remote.load(response.content, format=ox.RdfFormat.N_TRIPLES)
        mine, theirs = _ground(local, ox.NamedNode(iri)), _ground(remote, ox.DefaultGraph())
        assert mine == theirs, (name, sorted(map(str, mine - theirs))[:5], sorted(map(str, theirs - mine))[:5])


def _row_key(values: dict[str, tuple[str, str] | None]) -> tuple:
    return tuple(sorted(values.items(), key=lambda kv: kv[0]))


def _local_term(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> tuple[str, str] | None:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return (term.value, (term.language or "").lower())
    return (term.value, "")


def _remote_term(binding: dict | None) -> tuple[str, str] | None:
    if binding is None:
        return None
    return (binding["value"], binding.get("xml:lang", "").lower())


def _normalise(row: dict[str, tuple[str, str] | None]) -> tuple:
    # GROUP_CONCAT(DISTINCT …) has no defined order: compare the sources as a set
    fixed = dict(row)
    if fixed.get("sources") is not None:
        value, lang = fixed["sources"]  # type: ignore[misc]
        fixed["sources"] = ("; ".join(sorted(value.split("; "))), lang)
    return _row_key(fixed)


def test_publish_to_virtuoso(virtuoso: Virtuoso, shipped_build: Path, shipped_store: ox.Store,
                             tmp_path: Path) -> None:
    expected = graph_counts(shipped_store)
    assert all(n > 0 for n in expected.values())

    # 1. the command line, as a user runs it: GSP PUT to /sparql-graph-crud-auth, Digest
    build_dir = tmp_path / "build"  # a copy, so the session's build is never rebuilt in place
    shutil.copytree(shipped_build, build_dir)
    args = ["--project", str(REPO), "--build-dir", str(build_dir), "publish",
            "--to", virtuoso.sparql, "--user", PUBLISHER[0], "--password", PUBLISHER[1]]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "via gsp" in result.output and "MISMATCH" not in result.output
    assert _counts(virtuoso) == expected
    _assert_same_triples(virtuoso, shipped_store)

    # 2. one research query there gives the local answer (default parameter bound by VALUES)
    query = load_queries(REPO / "queries")["cica-members-on-date"]
    local = run_query(shipped_store, query.text, substitutions=query.bindings({}))
    answer = _select(virtuoso, query.editor_text())
    assert answer["head"]["vars"] == list(local.variables)
    local_rows = [_normalise({v: _local_term(t) for v, t in zip(local.variables, row)}) for row in local.rows]
    remote_rows = [_normalise({v: _remote_term(b.get(v)) for v in local.variables}) for b in answer["results"]["bindings"]]
    assert len(local_rows) > 10
    assert Counter(remote_rows) == Counter(local_rows), (Counter(remote_rows) - Counter(local_rows), Counter(local_rows) - Counter(remote_rows))

    # 3. again through SPARQL Update (/sparql-auth): the graph is replaced, a stale triple
    # goes, nothing doubles (the blank-node triples would)
    stale = f"INSERT DATA {{ GRAPH <{GRAPHS['data']}> {{ <urn:x-test:stale> <urn:x-test:p> \"gone after publish\" }} }}"
    response = requests.post(virtuoso.base + "/sparql-auth", data=stale.encode(), timeout=30,
                             headers={"Content-Type": "application/sparql-update"},
                             auth=requests.auth.HTTPDigestAuth(*PUBLISHER))
    assert response.status_code == 200, response.text[:500]
    assert _counts(virtuoso)["data"] == expected["data"] + 1
    report = publish(shipped_store, virtuoso.sparql, protocol="update", auth=PUBLISHER, timeout_s=60)
    assert report.ok and {g.protocol for g in report.graphs} == {"update"}
    assert _counts(virtuoso) == expected
    _assert_same_triples(virtuoso, shipped_store)

    # 4. and once more by GSP: idempotent
    again = publish(shipped_store, virtuoso.sparql, auth=PUBLISHER, timeout_s=60)
    assert again.ok and {g.protocol for g in again.graphs} == {"gsp"}
    assert {g.name: g.verified for g in again.graphs} == expected
    assert _counts(virtuoso) == expected


def test_basic_credentials_switch_to_digest(virtuoso: Virtuoso) -> None:
    """With service URLs given explicitly (no Virtuoso layout guessed), --user/--password
    start as HTTP Basic; Virtuoso's Digest challenge switches them to Digest."""
    store = ox.Store()
    g = ox.NamedNode("urn:x-test:graph:negotiation")
    for i in range(10):
        store.add(ox.Quad(ox.NamedNode(f"urn:x-test:s{i}"), ox.NamedNode("urn:x-test:p"), ox.Literal(f"v{i}", language="en"), g))
    report = publish(store, virtuoso.base + "/sparql-auth", layout="plain", query_url=virtuoso.sparql,
                     protocol="update", auth=PUBLISHER, timeout_s=60)
    assert report.ok and report.graphs[0].verified == 10


def test_wrong_password_is_a_clear_error(virtuoso: Virtuoso, shipped_store: ox.Store) -> None:
    from cicagraph.publish.remote import RemoteError

    with pytest.raises(RemoteError) as caught:
        publish(shipped_store, virtuoso.sparql, graphs=["ontology"], auth=(PUBLISHER[0], "wrong"), timeout_s=30)
    assert caught.value.http_status == 401
    assert "--user and --password" in (caught.value.hint or "")
