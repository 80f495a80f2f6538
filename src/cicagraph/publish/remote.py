"""Publishing the built dataset to an external SPARQL store (issue 6).

Each named graph is pushed on its own, idempotently, and its triple count is checked on the
target afterwards with a SPARQL ``COUNT`` on the target's query endpoint:

* **GSP** (SPARQL 1.1 Graph Store HTTP Protocol): ``PUT <store-url>?graph=<iri>`` with the
  graph as N-Triples. PUT *replaces* the graph, so publishing twice gives the same graph.
  The body is streamed from a temporary file, so a large graph is never held as one string.
* **update** (SPARQL 1.1 Update, for stores without GSP): ``DROP SILENT GRAPH <g> ;
  INSERT DATA { GRAPH <g> { … } }`` in the first request, then further ``INSERT DATA``
  chunks. Triples that share a blank node always travel in the same chunk (a blank-node
  label means a new node in every request).
* **auto**: GSP, falling back to update when the store answers the PUT with 404, 405, 415
  or 501 (no GSP service at that URL).

One ``--to`` base URL gives all three service URLs for the common layouts (see
:func:`resolve_endpoints`); explicit ``store_url`` / ``query_url`` / ``update_url`` override
them. ``docs/publishing.md`` covers Fuseki, GraphDB, Virtuoso and QLever.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Literal, Sequence
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests

from cicagraph.config import GRAPHS
from cicagraph.errors import CicagraphError

log = logging.getLogger(__name__)

Protocol = Literal["gsp", "update", "auto"]
Layout = Literal["auto", "oxigraph", "fuseki", "graphdb", "virtuoso", "plain"]

N_TRIPLES = "application/n-triples"
SPARQL_UPDATE = "application/sparql-update"
SPARQL_JSON = "application/sparql-results+json"
# Statuses meaning "no Graph Store service here": fall back to SPARQL Update under "auto".
NO_GSP_STATUSES = frozenset({404, 405, 415, 501})
DEFAULT_CHUNK_TRIPLES = 20_000  # per INSERT DATA request (~2-4 MB of text)
_SERVER_MESSAGE_CHARS = 2000


# ---------------------------------------------------------------------------------------------
# errors


class PublishError(CicagraphError):
    """Publishing failed. ``http_status`` and ``server_message`` are the target's answer
    (None when it never answered); ``url`` is the request that failed."""

    def __init__(self, message: str, *, url: str | None = None, http_status: int | None = None,
                 server_message: str | None = None, hint: str | None = None) -> None:
        text = message
        if http_status is not None and str(http_status) not in message:
            text += f" (HTTP {http_status})"
        if server_message:
            text += f"\nThe server said: {server_message.strip()}"
        super().__init__(text, hint=hint)
        self.url = url
        self.http_status = http_status
        self.server_message = server_message


class EndpointUnreachable(PublishError):
    """No HTTP answer at all: connection refused, DNS failure, timeout."""


class RemoteError(PublishError):
    """The target answered with an HTTP error status."""


class CountMismatch(PublishError):
    """The target holds a different number of triples than was sent."""

    exit_code = 1

    def __init__(self, message: str, report: "PublishReport") -> None:
        super().__init__(message, hint="publish again; if it persists, the store may normalise literals or drop triples")
        self.report = report


# ---------------------------------------------------------------------------------------------
# endpoints


@dataclass(frozen=True)
class Endpoints:
    """The three services of a SPARQL store (any may be None when the store lacks it)."""

    store_url: str | None
    query_url: str
    update_url: str | None
    graph_param: str = "graph"  # name of the GSP graph parameter (Virtuoso: graph-uri)
    layout: str = "plain"


_OXIGRAPH_SUFFIXES = ("/store", "/query", "/update")
_FUSEKI_SUFFIXES = ("/data", "/sparql", "/query", "/update", "/get")


def resolve_endpoints(
    base: str,
    *,
    layout: Layout = "auto",
    store_url: str | None = None,
    query_url: str | None = None,
    update_url: str | None = None,
) -> Endpoints:
    """The store (GSP), query and update URLs of the store at ``base``.

    ``layout="auto"`` guesses from the URL's path:

    * no path (``http://host:7878``), or one ending in ``/store``, ``/query``, ``/update`` at
      the root: **oxigraph** — ``/store``, ``/query``, ``/update``;
    * ``/repositories/<id>``: **GraphDB** (RDF4J) — ``…/rdf-graphs/service``, ``…``,
      ``…/statements``;
    * a path ending in ``/sparql`` directly under the root (``http://host:8890/sparql``):
      **Virtuoso** — ``/sparql-graph-crud-auth`` (parameter ``graph-uri``), ``/sparql``,
      ``/sparql-auth``;
    * any other path ``/<ds>`` (a trailing ``/data``, ``/sparql``, ``/query``, ``/update`` or
      ``/get`` is stripped): **Fuseki** — ``/<ds>/data``, ``/<ds>/sparql``, ``/<ds>/update``.

    ``layout="plain"`` means ``base`` is the query endpoint itself and also takes updates
    (QLever, generic SPARQL servers); no GSP.
    """
    parts = urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PublishError(f"{base!r} is not an http(s) URL", hint="give the store's base URL, e.g. http://localhost:7878")
    path = parts.path.rstrip("/")

    def url(p: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, p, "", ""))

    chosen = layout
    if chosen == "auto":
        if path == "" or path in _OXIGRAPH_SUFFIXES:
            chosen = "oxigraph"
        elif path.startswith("/repositories/"):
            chosen = "graphdb"
        elif path in ("/sparql", "/sparql-auth"):
            chosen = "virtuoso"
        else:
            chosen = "fuseki"

    graph_param = "graph"
    if chosen == "oxigraph":
        root = "" if path in _OXIGRAPH_SUFFIXES else path
        found = Endpoints(url(root + "/store"), url(root + "/query"), url(root + "/update"), layout="oxigraph")
    elif chosen == "fuseki":
        ds = path
        for suffix in _FUSEKI_SUFFIXES:
            if ds.endswith(suffix) and ds != suffix:
                ds = ds[: -len(suffix)]
                break
        if not ds:
            raise PublishError(f"{base!r} names no Fuseki dataset", hint="use http://host:3030/<dataset>")
        found = Endpoints(url(ds + "/data"), url(ds + "/sparql"), url(ds + "/update"), layout="fuseki")
    elif chosen == "graphdb":
        repo = path
        for suffix in ("/statements", "/rdf-graphs/service"):
            if repo.endswith(suffix):
                repo = repo[: -len(suffix)]
        found = Endpoints(url(repo + "/rdf-graphs/service"), url(repo), url(repo + "/statements"), layout="graphdb")
    elif chosen == "virtuoso":
        graph_param = "graph-uri"
        found = Endpoints(url("/sparql-graph-crud-auth"), url("/sparql"), url("/sparql-auth"), graph_param, layout="virtuoso")
    elif chosen == "plain":
        found = Endpoints(None, url(path), url(path), layout="plain")
    else:
        raise PublishError(f"unknown store layout {layout!r}")
    return Endpoints(
        store_url if store_url is not None else found.store_url,
        query_url if query_url is not None else found.query_url,
        update_url if update_url is not None else found.update_url,
        found.graph_param,
        found.layout,
    )


# ---------------------------------------------------------------------------------------------
# report


@dataclass
class GraphReport:
    """One named graph: what was sent, what the target holds afterwards, how long it took."""

    name: str
    iri: str
    sent: int
    verified: int | None = None
    seconds: float = 0.0
    protocol: str = ""
    requests: int = 0

    @property
    def ok(self) -> bool:
        return self.verified == self.sent


@dataclass
class PublishReport:
    endpoints: Endpoints
    graphs: list[GraphReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(g.ok for g in self.graphs)

    @property
    def triples(self) -> int:
        return sum(g.sent for g in self.graphs)

    def to_text(self) -> str:
        target = self.endpoints.store_url or self.endpoints.update_url
        lines = [f"published {self.triples} triples to {target} ({self.endpoints.layout} layout) in {self.seconds:.2f} s:"]
        for g in self.graphs:
            state = "ok" if g.ok else f"MISMATCH (server holds {g.verified})"
            lines.append(f"  {g.name:10s} {g.sent:10d} triples via {g.protocol:6s} {g.seconds:7.2f} s  {state}  <{g.iri}>")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# HTTP


class _Client:
    """HTTP with the publish error types. ``auth`` as a (user, password) tuple means HTTP
    Basic, or Digest from the start when ``digest`` (Virtuoso's ``-auth`` endpoints); with
    Basic, a 401 that asks for Digest or names no scheme at all (Virtuoso's answer to Basic)
    switches to Digest and sends the request again, so ``--user/--password`` work against
    either kind of store."""

    def __init__(self, auth: Any, timeout_s: float, session: requests.Session | None = None, *,
                 digest: bool = False) -> None:
        self.session = session or requests.Session()
        self.credentials: tuple[str, str] | None = None
        if isinstance(auth, tuple):
            self.credentials = (str(auth[0]), str(auth[1]))
            auth = (requests.auth.HTTPDigestAuth if digest else requests.auth.HTTPBasicAuth)(*self.credentials)
        self.auth = auth
        self.timeout = (min(10.0, timeout_s), timeout_s)
        self.gsp_refusal: str | None = None  # why "auto" fell back to SPARQL Update

    def request(self, method: str, url: str, *, what: str, ok_statuses: Iterable[int] = (),
                **kwargs: Any) -> requests.Response:
        response = self._send(method, url, what, kwargs)
        challenge = response.headers.get("WWW-Authenticate", "").lower()
        if (response.status_code == 401 and self.credentials is not None
                and isinstance(self.auth, requests.auth.HTTPBasicAuth)
                and ("digest" in challenge or not challenge.strip())):
            # Virtuoso answers Basic credentials with a bare 401 (no challenge at all)
            log.info("%s refused HTTP Basic authentication: trying HTTP Digest", url)
            self.auth = requests.auth.HTTPDigestAuth(*self.credentials)
            body = kwargs.get("data")
            if hasattr(body, "seek"):
                body.seek(0)
            response = self._send(method, url, what, kwargs)
        if response.status_code >= 400 and response.status_code not in set(ok_statuses):
            raise _remote_error(what, url, response)
        return response

    def _send(self, method: str, url: str, what: str, kwargs: dict[str, Any]) -> requests.Response:
        try:
            return self.session.request(method, url, auth=self.auth, timeout=self.timeout, **kwargs)
        except requests.exceptions.Timeout as e:
            raise EndpointUnreachable(f"{what}: no answer from {url} within the time limit: {e}", url=url,
                                      hint="raise the timeout, or use the store's bulk loader for large graphs") from None
        except requests.exceptions.RequestException as e:
            raise EndpointUnreachable(f"{what}: cannot reach {url}: {_reason(e)}", url=url,
                                      hint="check the URL and that the store is running") from None

    def authenticate(self, url: str) -> None:
        """One small authenticated GET, so that a Digest nonce is known before the first
        graph is sent (otherwise the first body travels twice: once to be refused with the
        challenge). Only the 401/403 answer matters here."""
        if not isinstance(self.auth, requests.auth.HTTPDigestAuth):
            return
        response = self._send("GET", url, "authenticating", {})
        if response.status_code in (401, 403):
            raise _remote_error("authenticating", url, response)


def _reason(e: Exception) -> str:
    text = str(e)
    for marker in ("Connection refused", "Name or service not known", "Failed to resolve", "timed out"):
        if marker in text:
            return marker
    return text[:300]


def _remote_error(what: str, url: str, response: requests.Response) -> RemoteError:
    body = response.text[:_SERVER_MESSAGE_CHARS] if response.content else ""
    hint = None
    if response.status_code in (401, 403):
        hint = "the store wants credentials: pass --user and --password (and check the user may write)"
    elif response.status_code == 404:
        hint = "no such service at this URL: check the base URL, or give the service URLs explicitly"
    elif response.status_code == 413:
        hint = "the request is too large for the store: lower the chunk size or use its bulk loader"
    return RemoteError(f"{what} failed at {url}: {response.status_code} {response.reason}", url=url,
                       http_status=response.status_code, server_message=body, hint=hint)


# ---------------------------------------------------------------------------------------------
# the graphs to send


def _graph_iris(store: ox.Store, graphs: Sequence[str] | None) -> list[tuple[str, str]]:
    """(name, IRI) pairs; names are the short names of config.GRAPHS, or the IRI itself."""
    if graphs is None:
        present = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
        ordered = [(name, iri) for name, iri in GRAPHS.items() if iri in present]
        ordered += [(iri, iri) for iri in sorted(present - set(GRAPHS.values()))]
        return ordered
    chosen = []
    for g in graphs:
        if g in GRAPHS:
            chosen.append((g, GRAPHS[g]))
        elif "://" in g:
            name = next((n for n, iri in GRAPHS.items() if iri == g), g)
            chosen.append((name, g))
        else:
            raise PublishError(f"unknown graph {g!r}: use one of {', '.join(GRAPHS)} or a full IRI")
    return chosen


def _count_local(store: ox.Store, iri: str) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))


def _sparql_iri(iri: str) -> str:
    if any(c in iri for c in '<>"{}|^`\\ \n\r\t'):
        raise PublishError(f"graph name {iri!r} is not a valid IRI")
    return f"<{iri}>"


def _term_nt(term: Any) -> str:
    return str(term)  # pyoxigraph's str() of a term is its N-Triples form


@dataclass
class _Chunk:
    """One request's worth of a graph: triples without blank nodes, and the triples with
    blank nodes grouped so that each group holds every triple of its blank nodes."""

    plain: list[str] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.plain) + sum(len(g) for g in self.groups)

    def lines(self) -> list[str]:
        return self.plain + [line for g in self.groups for line in g]


def _chunks(store: ox.Store, iri: str, size: int) -> Iterator[_Chunk]:
    """The graph's N-Triples lines in chunks of about ``size`` triples, keeping every blank
    node's triples together (union-find over blank nodes); a group larger than ``size``
    travels alone."""
    graph = ox.NamedNode(iri)
    chunk = _Chunk()
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with_bnodes: list[tuple[str, str]] = []  # (bnode label, line)
    for q in store.quads_for_pattern(None, None, None, graph):
        line = f"{_term_nt(q.subject)} {_term_nt(q.predicate)} {_term_nt(q.object)} ."
        bnodes = [t.value for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)]
        if not bnodes:
            chunk.plain.append(line)
            if len(chunk) >= size:
                yield chunk
                chunk = _Chunk()
            continue
        if len(bnodes) == 2:
            a, b = find(bnodes[0]), find(bnodes[1])
            if a != b:
                parent[a] = b
        with_bnodes.append((bnodes[0], line))
    groups: dict[str, list[str]] = {}
    for label, line in with_bnodes:
        groups.setdefault(find(label), []).append(line)
    for lines in groups.values():
        if chunk.groups or chunk.plain:
            if len(chunk) + len(lines) > size:
                yield chunk
                chunk = _Chunk()
        chunk.groups.append(lines)
    if len(chunk):
        yield chunk


# Virtuoso 7.2's SPARQL compiler: a GRAPH block of more than about 4,990 triples fails with
# "SP030 … memory exhausted" (parser stack), an INSERT template whose generated SQL passes
# 10,000 lines (about 1,400 triples) with "SP031 … exceeded 10000 lines of code", and blank
# nodes are refused in INSERT DATA ("SP031 … not allowed in a constant clause").
VIRTUOSO_BLOCK_TRIPLES = 2_000  # per GRAPH block of an INSERT DATA
VIRTUOSO_TEMPLATE_TRIPLES = 1_000  # per INSERT { … } WHERE { } (the blank-node triples)


def _insert_operations(chunk: _Chunk, g: str, layout: str) -> list[str]:
    """The SPARQL Update operations that insert ``chunk`` into graph ``g`` (one request)."""
    if layout != "virtuoso":
        body = "\n".join(chunk.lines())
        return [f"INSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}"]
    operations = []
    if chunk.plain:
        blocks = [chunk.plain[i : i + VIRTUOSO_BLOCK_TRIPLES] for i in range(0, len(chunk.plain), VIRTUOSO_BLOCK_TRIPLES)]
        operations.append("INSERT DATA {\n" + "\n".join(f"GRAPH {g} {{\n" + "\n".join(b) + "\n}" for b in blocks) + "\n}")
    # Blank nodes: a template with an empty WHERE inserts the same triples, one fresh blank
    # node per label, as INSERT DATA would. Groups are never split between templates.
    template: list[str] = []
    for group in chunk.groups:
        if template and len(template) + len(group) > VIRTUOSO_TEMPLATE_TRIPLES:
            operations.append(f"INSERT {{ GRAPH {g} {{\n" + "\n".join(template) + "\n} } WHERE { }")
            template = []
        template.extend(group)
    if template:
        operations.append(f"INSERT {{ GRAPH {g} {{\n" + "\n".join(template) + "\n} } WHERE { }")
    return operations


def _remote_count(client: _Client, endpoints: Endpoints, iri: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_sparql_iri(iri)} {{ ?s ?p ?o }} }}"
    response = client.request("POST", endpoints.query_url, what="counting the published triples",
                              data={"query": query}, headers={"Accept": SPARQL_JSON})
    try:
        bindings = response.json()["results"]["bindings"]
        return int(bindings[0]["n"]["value"]) if bindings else 0
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise RemoteError(f"the query endpoint {endpoints.query_url} did not return SPARQL JSON results ({e})",
                          url=endpoints.query_url, http_status=response.status_code,
                          server_message=response.text[:_SERVER_MESSAGE_CHARS],
                          hint="give the query endpoint explicitly (query_url / --query-url)") from None


def _put_graph(client: _Client, endpoints: Endpoints, store: ox.Store, iri: str, *, fallback: bool) -> int | None:
    """PUT the graph (streamed from a temporary file). Returns the number of requests, or
    None when ``fallback`` and the store has no GSP service at ``store_url``."""
    assert endpoints.store_url is not None
    with tempfile.TemporaryFile(prefix="cicagraph-publish-", suffix=".nt") as body:
        store.dump(output=body, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri))
        body.seek(0)
        response = client.request(
            "PUT", endpoints.store_url, what=f"PUT of graph <{iri}>",
            ok_statuses=NO_GSP_STATUSES if fallback else (),
            params={endpoints.graph_param: iri}, data=body,
            headers={"Content-Type": N_TRIPLES + "; charset=utf-8"},
        )
    if fallback and response.status_code in NO_GSP_STATUSES:
        log.info("no Graph Store service at %s (HTTP %d): falling back to SPARQL Update",
                 endpoints.store_url, response.status_code)
        client.gsp_refusal = f"{endpoints.store_url} answered the Graph Store PUT with HTTP {response.status_code}"
        return None
    return 1


def _update_graph(client: _Client, endpoints: Endpoints, store: ox.Store, iri: str, chunk_triples: int) -> int:
    if endpoints.update_url is None:
        raise PublishError(f"no update endpoint known for {endpoints.query_url}", hint="give update_url / --update-url")
    g = _sparql_iri(iri)
    requests_made = 0
    first = True
    for chunk in _chunks(store, iri, chunk_triples):
        operations = _insert_operations(chunk, g, endpoints.layout)
        if first:
            operations.insert(0, f"DROP SILENT GRAPH {g}")
        update = " ;\n".join(operations)
        client.request("POST", endpoints.update_url, what=f"SPARQL Update of graph <{iri}>",
                       data=update.encode("utf-8"), headers={"Content-Type": SPARQL_UPDATE + "; charset=utf-8"})
        requests_made += 1
        first = False
    if first:  # empty graph: still make the target's graph empty
        client.request("POST", endpoints.update_url, what=f"SPARQL Update of graph <{iri}>",
                       data=f"DROP SILENT GRAPH {g}".encode(), headers={"Content-Type": SPARQL_UPDATE})
        requests_made += 1
    return requests_made


def publish(
    store: ox.Store,
    endpoint: str,
    *,
    graphs: Sequence[str] | None = None,
    protocol: Protocol = "auto",
    auth: tuple[str, str] | Any | None = None,
    timeout_s: float = 60,
    layout: Layout = "auto",
    store_url: str | None = None,
    query_url: str | None = None,
    update_url: str | None = None,
    chunk_triples: int = DEFAULT_CHUNK_TRIPLES,
    verify: bool = True,
    progress: Callable[[str], None] | None = None,
    session: requests.Session | None = None,
) -> PublishReport:
    """Push each named graph of ``store`` to the SPARQL store at ``endpoint`` and verify it.

    ``graphs``: short names (``data``, ``inferred``, ``ontology``) or graph IRIs; default every
    named graph of the store. ``protocol``: ``gsp``, ``update`` or ``auto`` (GSP, else
    update). ``auth``: (user, password) for HTTP Basic, or any ``requests`` auth object
    (e.g. ``HTTPDigestAuth`` for Virtuoso). ``timeout_s``: per HTTP request.

    Idempotent: GSP PUT replaces the graph; the update path drops it first.

    :raise EndpointUnreachable: the target does not answer.
    :raise RemoteError: the target refused a request (status and message attached).
    :raise CountMismatch: after publishing, a graph on the target has a different number of
        triples than was sent (``verify=True``); the report is attached.
    """
    if protocol not in ("gsp", "update", "auto"):
        raise PublishError(f"unknown protocol {protocol!r}: use gsp, update or auto")
    endpoints = resolve_endpoints(endpoint, layout=layout, store_url=store_url, query_url=query_url, update_url=update_url)
    if protocol == "gsp" and endpoints.store_url is None:
        raise PublishError(f"no Graph Store endpoint known for {endpoint}", hint="give store_url / --store-url, or use --protocol update")
    say = progress or (lambda message: None)
    client = _Client(auth, timeout_s, session, digest=endpoints.layout == "virtuoso")
    if endpoints.layout == "virtuoso" and endpoints.update_url is not None:
        client.authenticate(endpoints.update_url)  # /sparql-auth: a small page behind Digest
    report = PublishReport(endpoints)
    started = time.perf_counter()
    use_gsp = protocol in ("gsp", "auto") and endpoints.store_url is not None
    for name, iri in _graph_iris(store, graphs):
        t = time.perf_counter()
        entry = GraphReport(name, iri, _count_local(store, iri))
        made = None
        if use_gsp:
            made = _put_graph(client, endpoints, store, iri, fallback=protocol == "auto")
            if made is None:
                use_gsp = False  # remember for the remaining graphs
            else:
                entry.protocol = "gsp"
        if made is None:
            try:
                made = _update_graph(client, endpoints, store, iri, chunk_triples)
            except RemoteError as e:
                if client.gsp_refusal and e.hint and e.http_status == 404:
                    e.hint = f"{client.gsp_refusal} and the update endpoint is missing too: {e.hint}"
                raise
            entry.protocol = "update"
        entry.requests = made
        if verify:
            entry.verified = _remote_count(client, endpoints, iri)
        entry.seconds = round(time.perf_counter() - t, 3)
        report.graphs.append(entry)
        say(f"{name}: {entry.sent} triples via {entry.protocol} in {entry.seconds:.2f} s"
            + (f", target holds {entry.verified}" if verify else ""))
    report.seconds = round(time.perf_counter() - started, 3)
    if verify and not report.ok:
        bad = [g for g in report.graphs if not g.ok]
        raise CountMismatch(
            "the target holds a different number of triples than was sent: "
            + "; ".join(f"{g.name}: sent {g.sent}, found {g.verified}" for g in bad),
            report,
        )
    return report
