"""Running SPARQL queries against the store, safely: read-only, no federation, a time limit and
a row cap. No Flask here; the web layer and ``cicagraph query`` are thin shells over
:func:`run_query` and :func:`serialize`.

Time limit design (pyoxigraph has no way to cancel a running query):

* Each query is evaluated by a thread of a small pool of daemon threads; the caller waits
  for the answer for at most ``timeout_s`` and then raises
  :class:`~cicagraph.errors.QueryTimeout`. pyoxigraph releases
  the GIL while it evaluates, so the process keeps serving other requests meanwhile
  (measured: a 0.8 s evaluation leaves the main thread ticking every 10 ms).
* The evaluating thread checks the deadline between result rows, so a streaming query stops
  by itself at its next row. A query that blocks before its first row (ORDER BY, aggregates,
  a huge join) runs on in the background until pyoxigraph returns; it is then discarded.
* At most :data:`MAX_ABANDONED_QUERIES` such runaway evaluations may be alive in a process;
  beyond that new queries are refused with 503 until they finish, so a client cannot pile up
  CPU work. Under gunicorn the web layer also recycles a worker that holds a runaway
  evaluation (see :mod:`cicagraph.web.server`), which kills the thread for certain.

Query shape (issue 13): pyoxigraph's parser and evaluator recurse per nesting level and per
element of a flat chain, and a stack overflow is a SIGSEGV that takes the whole worker down.
:func:`inspect_query` therefore refuses, before the parser, queries nested deeper than
:data:`~cicagraph.config.MAX_QUERY_DEPTH` or longer than
:data:`~cicagraph.config.MAX_QUERY_TOKENS` tokens (400), and the pool threads have
:data:`~cicagraph.config.QUERY_THREAD_STACK_BYTES` of stack, in which every shape under
those limits was probed to run.

Fair share (issue 13), per process: a client address may have
:data:`~cicagraph.config.MAX_QUERIES_PER_CLIENT` queries evaluating at once (fast queries
release their turn in microseconds, so in practice this binds on long ones; a timed-out
query keeps its turn until pyoxigraph is done with it); more wait in a queue of
:data:`~cicagraph.config.MAX_QUEUED_QUERIES` for at most
:data:`~cicagraph.config.QUEUE_WAIT_S`, then get :class:`ServiceBusy` (503 + Retry-After).
An evaluation running past :data:`~cicagraph.config.LONG_QUERY_S` drops its thread to nice
:data:`~cicagraph.config.LONG_QUERY_NICE`, so that short requests keep the CPU (the thread
then retires: an unprivileged thread cannot raise its priority back). A watchdog samples
the process's RSS while queries run: past :data:`~cicagraph.config.MAX_QUERY_MEMORY_BYTES`
above the RSS at the first query, the oldest running query is answered with
:class:`QueryTooExpensive` (503) and counts as abandoned, so its worker is recycled; at
twice that the process exits at once rather than meet the kernel's OOM killer.

A forked worker per query would allow a hard kill, but it costs a fork per request and is
unsafe with pyoxigraph's internal locks once the process has threads. The hand-over to a
pool thread adds ~10 µs per query (measured: 50 µs against 40 µs for the bare
``Store.query``); a fresh thread per query cost ~300 µs.
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Literal, Mapping, Sequence, Union

import pyoxigraph as ox

from cicagraph.config import (
    BUSY_RETRY_AFTER_S,
    DEFAULT_MAX_RESULT_ROWS,
    DEFAULT_QUERY_TIMEOUT_S,
    LONG_QUERY_NICE,
    LONG_QUERY_S,
    MAX_QUERIES_PER_CLIENT,
    MAX_QUERY_DEPTH,
    MAX_QUERY_MEMORY_BYTES,
    MAX_QUERY_TOKENS,
    MAX_QUEUED_QUERIES,
    QUERY_THREAD_STACK_BYTES,
    QUEUE_WAIT_S,
)
from cicagraph.errors import (
    CicagraphError,
    QueryError,
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
)
from cicagraph.formats import (
    RDF_FORMATS,
    RESULTS_FORMATS,
    UnsupportedFormat,
    rdf_format_for,
    results_format_for,
)
from cicagraph.query.results import write_results

log = logging.getLogger(__name__)

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]
QueryKind = Literal["select", "ask", "construct", "describe"]

# Runaway evaluations (timed out, still inside pyoxigraph) allowed per process.
MAX_ABANDONED_QUERIES = 4

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
FORM_KEYWORDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}
_OPENERS = frozenset("{([")
_CLOSERS = frozenset("})]")

# A lexer just good enough to find bare keywords: comments, strings, IRIs, variables,
# language tags, prefixed names and blank node labels are skipped as whole tokens.
_TOKENS = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
             | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '(?:[^'\\\n\r]|\\.)*'
             | "(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<word>[?$@]?[\w:][\w\-.:%\\]*)
  | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class QueryInfo:
    """What the lexer found: the query form and whether it names its own dataset."""

    kind: QueryKind | None
    keywords: frozenset[str]

    @property
    def has_dataset_clause(self) -> bool:
        return "FROM" in self.keywords


# Lexing is the one per-request cost of a cache hit that grows with the query: the answers
# for the texts of recent queries (up to this size) are kept, per process.
_MEMO_MAX_TEXT = 8192
_MEMO_ENTRIES = 512


def inspect_query(query: str, *, max_depth: int = MAX_QUERY_DEPTH,
                  max_tokens: int = MAX_QUERY_TOKENS) -> QueryInfo:
    """Keywords of ``query`` outside strings, IRIs and comments; refuses updates and SERVICE,
    and shapes the parser could not survive (checked before the parser ever sees them).

    :raise QueryRefused: the text is an update or uses SERVICE (federation).
    :raise QueryTooComplex: more than ``max_tokens`` tokens, or ``{ ( [`` nested deeper than
        ``max_depth`` (400).

    Remembered for recent texts (a refused text is lexed again each time).
    """
    if max_depth == MAX_QUERY_DEPTH and max_tokens == MAX_QUERY_TOKENS and len(query) <= _MEMO_MAX_TEXT:
        return _inspect_memo(query)
    return _inspect_query(query, max_depth=max_depth, max_tokens=max_tokens)


def _inspect_query(query: str, *, max_depth: int = MAX_QUERY_DEPTH,
                   max_tokens: int = MAX_QUERY_TOKENS) -> QueryInfo:
    """:func:`inspect_query`, not remembered."""
    keywords: set[str] = set()
    kind: QueryKind | None = None
    tokens = depth = deepest = 0
    for m in _TOKENS.finditer(query):
        tokens += 1
        if tokens > max_tokens:
            raise _too_many_tokens(max_tokens)
        word = m.group("word")
        if word is None:
            other = m.group("other")
            if other in _OPENERS:
                depth += 1
                deepest = max(deepest, depth)
            elif other in _CLOSERS:
                depth -= 1
            continue
        if word[0] in "?$@" or ":" in word:
            continue
        upper = word.upper()
        keywords.add(upper)
        if kind is None and upper in FORM_KEYWORDS:
            kind = FORM_KEYWORDS[upper]  # type: ignore[assignment]
    if deepest > max_depth:
        raise QueryTooComplex(
            f"query nests {deepest} levels deep; the limit is {max_depth}",
            hint="flatten the nested groups, sub-queries or parentheses",
        )
    updates = sorted(keywords & UPDATE_KEYWORDS)
    if updates:
        raise QueryRefused(
            f"SPARQL updates are not allowed: this endpoint is read-only (found {', '.join(updates)})",
            hint="send SELECT, ASK, CONSTRUCT or DESCRIBE queries only",
        )
    if "SERVICE" in keywords:
        raise QueryRefused(
            "SERVICE (federated query) is not allowed: the server makes no outbound requests",
            hint="query the other endpoint yourself and combine the results",
        )
    return QueryInfo(kind, frozenset(keywords))


_inspect_memo = functools.lru_cache(maxsize=_MEMO_ENTRIES)(_inspect_query)


def normalized_query(query: str) -> str:
    """``query`` with comments dropped and each run of whitespace between tokens made one
    space: the text the result cache keys on, so that re-indented copies of a query share
    an answer. Where the text had no whitespace between two tokens none is added (``-1`` and
    ``- 1`` differ to a SPARQL parser), and strings and IRIs are kept byte for byte.
    Remembered for recent texts."""
    if len(query) <= _MEMO_MAX_TEXT:
        return _normalized_memo(query)
    return _normalized_query(query)


def _normalized_query(query: str) -> str:
    parts: list[str] = []
    last_end = 0
    for m in _TOKENS.finditer(query):
        if m.lastgroup == "comment":
            continue  # a comment separates tokens as whitespace does
        if parts and m.start() > last_end:
            parts.append(" ")
        parts.append(m.group())
        last_end = m.end()
    return "".join(parts)


_normalized_memo = functools.lru_cache(maxsize=_MEMO_ENTRIES)(_normalized_query)


@dataclass
class QueryOutcome:
    """The materialised result of one query, at most ``max_rows`` rows or triples."""

    kind: QueryKind
    variables: tuple[str, ...] = ()
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    elapsed_s: float = 0.0
    # the answer already serialized by pyoxigraph (:data:`NATIVE_FORMATS`), and its media type
    body: bytes | None = None
    body_media_type: str | None = None

    def __len__(self) -> int:
        if self.kind == "select":
            return len(self.rows)
        if self.kind == "ask":
            return 1
        return len(self.triples)


class _Evaluation:
    """One query, evaluated by a pool thread; the caller waits on ``answer``."""

    def __init__(self, store: ox.Store, query: str, kind: QueryKind, kwargs: dict[str, object],
                 deadline: float, max_rows: int, client: str | None = None,
                 native: "_Native | None" = None) -> None:
        self.client = client
        self.native = native
        self.started = time.monotonic()
        self.thread_id: int | None = None
        self.niced = False
        self.store = store
        self.query = query
        self.kind = kind
        self.kwargs = kwargs
        self.deadline = deadline
        self.max_rows = max_rows
        self.answer: queue.SimpleQueue[QueryOutcome | BaseException] = queue.SimpleQueue()
        self.finished = False

    def run(self) -> None:
        answer: QueryOutcome | BaseException
        with _abandoned_lock:
            self.thread_id = threading.get_native_id()
            _running.add(self)
        try:
            answer = self._evaluate()
        except BaseException as e:  # noqa: BLE001 - handed over to the waiting caller
            # Drop the traceback here: its frames hold pyoxigraph iterators, which must be
            # freed on the thread that created them.
            answer = e.with_traceback(None)
            e.__context__ = None
        with _abandoned_lock:
            self.finished = True
            _abandoned.discard(self)
            _running.discard(self)
        _admission.leave(self.client)
        self.answer.put(answer)

    def _evaluate(self) -> QueryOutcome:
        try:
            result = self.store.query(self.query, **self.kwargs)  # type: ignore[arg-type]
        except SyntaxError as e:
            raise QueryError(f"bad query: {e}") from None
        except RuntimeError as e:  # e.g. a substituted variable missing from SELECT
            raise QueryError(f"query cannot be prepared: {e}") from None
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome("ask", boolean=bool(result))
        native = self.native
        if native is not None and isinstance(result, native.result_type):
            try:
                return self._serialize_natively(result, native)
            except _MaybeOverCap:
                # the separators counted may include some inside literals: count exactly,
                # the old way (it stops at the first row over the cap)
                result = self.store.query(self.query, **self.kwargs)  # type: ignore[arg-type]
        limit = self.max_rows
        deadline = self.deadline
        clock = time.monotonic
        items: list[object] = []
        append = items.append
        select = isinstance(result, ox.QuerySolutions)
        it = iter(result)
        try:
            while True:
                try:
                    item = next(it)
                except StopIteration:
                    break
                if len(items) >= limit:
                    raise _too_many(limit, "rows" if select else "triples")
                if clock() > deadline:
                    raise QueryTimeout("deadline passed")
                append(tuple(item) if select else item)
        except (SyntaxError, ValueError, TypeError) as e:  # OSError (storage) stays a 500
            raise QueryError(f"query evaluation failed: {e}") from None
        if select:
            variables = tuple(v.value for v in result.variables)  # type: ignore[union-attr]
            return QueryOutcome("select", variables=variables, rows=items)  # type: ignore[arg-type]
        kind: QueryKind = self.kind if self.kind in ("construct", "describe") else "construct"
        return QueryOutcome(kind, triples=items)  # type: ignore[arg-type]

    def _serialize_natively(self, result: "ox.QuerySolutions | ox.QueryTriples", native: "_Native") -> QueryOutcome:
        output = _CappedOutput(native, self.max_rows, self.deadline)
        try:
            result.serialize(output, format=native.format)  # type: ignore[arg-type]
        except (SyntaxError, ValueError, TypeError) as e:
            raise QueryError(f"query evaluation failed: {e}") from None
        body = b"".join(output.chunks)
        if isinstance(result, ox.QuerySolutions):
            variables = tuple(v.value for v in result.variables)
            return QueryOutcome("select", variables=variables, body=body, body_media_type=native.media_type)
        kind: QueryKind = self.kind if self.kind in ("construct", "describe") else "construct"
        return QueryOutcome(kind, body=body, body_media_type=native.media_type)


@dataclass(frozen=True)
class _Native:
    """A format in which pyoxigraph's own serializer writes the very bytes that
    :func:`serialize` writes from materialised rows (pinned by tests/web/test_serialization.py),
    and how to bound the rows in what it has written so far: every row after the first is
    preceded by ``separator`` (JSON), or every row ends with it (N-Triples, N-Quads). The
    separator can also occur inside a literal, so the count is an upper bound, never less."""

    media_type: str
    format: "ox.QueryResultsFormat | ox.RdfFormat"
    result_type: type
    separator: bytes
    first: int  # rows counted before any separator


# Not XML (pyoxigraph writes &apos; and &quot;, and no newline after the declaration), CSV
# (RDF-star triples) or TSV (bare numbers): those keep results.py's writer.
NATIVE_FORMATS: dict[str, _Native] = {
    n.media_type: n for n in (
        _Native("application/sparql-results+json", ox.QueryResultsFormat.JSON, ox.QuerySolutions, b"},{", 1),
        _Native("application/n-triples", ox.RdfFormat.N_TRIPLES, ox.QueryTriples, b"\n", 0),
        _Native("application/n-quads", ox.RdfFormat.N_QUADS, ox.QueryTriples, b"\n", 0),
    )
}


class _MaybeOverCap(Exception):
    """The serializer's output may hold more rows than the cap: count them exactly."""


class _CappedOutput:
    """Where pyoxigraph writes a serialized answer (in 8 KiB chunks): stops it once an upper
    bound of the rows written passes the cap, or once the deadline has passed."""

    def __init__(self, native: _Native, max_rows: int, deadline: float) -> None:
        self.chunks: list[bytes] = []
        self.separator = native.separator
        self.rows = native.first
        self.max_rows = max_rows
        self.deadline = deadline
        self._tail = b""

    def write(self, data: bytes) -> int:
        data = bytes(data)
        sep = self.separator
        if self._tail:  # a separator split across two chunks
            self.rows += (self._tail + data[: len(sep) - 1]).count(sep)
        self.rows += data.count(sep)
        if len(sep) > 1:
            self._tail = data[-(len(sep) - 1):]
        if self.rows > self.max_rows:
            raise _MaybeOverCap()
        if time.monotonic() > self.deadline:
            raise QueryTimeout("deadline passed")
        self.chunks.append(data)
        return len(data)

    def flush(self) -> None:
        pass


class QueryTooComplex(QueryError):
    """The query's shape (nesting depth, token count) is over the service's limits (400)."""


def _too_many_tokens(limit: int) -> QueryTooComplex:
    return QueryTooComplex(
        f"query has more than {limit} tokens; the limit is {limit}",
        hint="split the query, or move long VALUES lists into several queries",
    )


class ServiceBusy(CicagraphError):
    """This client already has its share of running queries and the queue is full (503)."""

    status = 503
    retry_after = BUSY_RETRY_AFTER_S


class QueryTooExpensive(QueryTimeout):
    """A query took the worker past its memory ceiling and was stopped (503)."""


def _too_many(limit: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result has more than {limit} {what}, the limit of this service",
        hint="add LIMIT/OFFSET to page through the result, or download the dataset dump",
    )


def _timeout_error(timeout_s: float) -> QueryTimeout:
    return QueryTimeout(
        f"the query ran past the time limit of {timeout_s:g} s and was stopped",
        hint="make the query more selective, or download the dataset and query it locally",
    )


_abandoned: set[_Evaluation] = set()
_running: set[_Evaluation] = set()  # inside pyoxigraph now (timed out or not)
_abandoned_lock = threading.Lock()


class _Admission:
    """Turns per client address: at most ``per_client`` evaluations at once, a bounded queue
    for the rest (see the module docstring)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._running: dict[str, int] = {}
        self._waiting = 0
        self._pid = os.getpid()

    def enter(self, client: str | None, *, per_client: int = MAX_QUERIES_PER_CLIENT,
              max_waiting: int = MAX_QUEUED_QUERIES, wait_s: float = QUEUE_WAIT_S) -> None:
        if client is None:
            return
        with self._cond:
            if self._pid != os.getpid():  # forked: the parent's counts are not ours
                self._running, self._waiting, self._pid = {}, 0, os.getpid()
            if self._running.get(client, 0) >= per_client:
                if self._waiting >= max_waiting:
                    raise _busy(f"{per_client} queries from your address are running and "
                                f"{self._waiting} are queued")
                self._waiting += 1
                try:
                    deadline = time.monotonic() + wait_s
                    while self._running.get(client, 0) >= per_client:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise _busy(f"{per_client} queries from your address are still running")
                        self._cond.wait(left)
                finally:
                    self._waiting -= 1
            self._running[client] = self._running.get(client, 0) + 1

    def leave(self, client: str | None) -> None:
        if client is None:
            return
        with self._cond:
            left = self._running.get(client, 0) - 1
            if left > 0:
                self._running[client] = left
            else:
                self._running.pop(client, None)
            self._cond.notify_all()

    def running(self, client: str) -> int:
        with self._cond:
            return self._running.get(client, 0)


def _busy(detail: str) -> ServiceBusy:
    return ServiceBusy(f"too many queries from one client: {detail}; retry in {BUSY_RETRY_AFTER_S} s",
                       hint="send long queries one or two at a time")


_admission = _Admission()


def _lower_priority(evaluation: _Evaluation) -> None:
    """A long evaluation's thread gives the CPU to short requests (Linux: per-thread nice)."""
    with _abandoned_lock:
        if evaluation.finished or evaluation.niced or evaluation.thread_id is None:
            return
        try:
            os.setpriority(os.PRIO_PROCESS, evaluation.thread_id, LONG_QUERY_NICE)
        except (OSError, AttributeError):
            return
        evaluation.niced = True


class _MemoryWatchdog:
    """Samples the process's RSS every 100 ms while queries run (see the module docstring)."""

    def __init__(self, limit_bytes: int = MAX_QUERY_MEMORY_BYTES) -> None:
        self.limit_bytes = limit_bytes
        self._lock = threading.Lock()
        self._pid: int | None = None
        self.baseline = 0

    def ensure_started(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self.baseline = _rss_bytes()
            threading.Thread(target=self._watch, name="cicagraph-memory", daemon=True).start()

    def _watch(self) -> None:
        while True:
            with _abandoned_lock:
                busy = [e for e in _running if not e.finished]
            if not busy:
                time.sleep(0.25)
                continue
            grown = _rss_bytes() - self.baseline
            if grown > 2 * self.limit_bytes:
                log.error("worker %d is %d MiB over its memory baseline; exiting now",
                          os.getpid(), grown >> 20)
                os._exit(70)
            if grown > self.limit_bytes:
                oldest = min(busy, key=lambda e: e.started)
                with _abandoned_lock:
                    if oldest.finished or oldest in _abandoned:
                        oldest = None  # type: ignore[assignment]
                    else:
                        _abandoned.add(oldest)
                if oldest is not None:
                    log.warning("query stopped: the worker grew %d MiB (limit %d MiB)",
                                grown >> 20, self.limit_bytes >> 20)
                    oldest.answer.put(QueryTooExpensive(
                        f"the query needed more than {self.limit_bytes >> 20} MiB of memory, "
                        "the limit of this service, and was stopped",
                        hint="add LIMIT, avoid ORDER BY/GROUP BY over cross products, "
                             "or download the dataset and query it locally"))
            time.sleep(0.1)


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # not Linux: no watchdog figures
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


_memory = _MemoryWatchdog()


class _WorkerPool:
    """Daemon threads that evaluate queries; it grows to the peak concurrency (a thread held
    by a runaway evaluation returns to the pool when pyoxigraph is done with it). Handing a
    query to a waiting thread costs ~10 µs; starting a thread per query cost ~300 µs."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Evaluation] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._pid = os.getpid()

    def submit(self, evaluation: _Evaluation) -> None:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's threads are not here
                self._jobs, self._idle, self._pid = queue.SimpleQueue(), 0, os.getpid()
            if self._idle:
                self._idle -= 1
            else:
                _start_with_large_stack(threading.Thread(
                    target=self._work, args=(self._jobs,), name="cicagraph-query", daemon=True))
        self._jobs.put(evaluation)

    def _work(self, jobs: "queue.SimpleQueue[_Evaluation]") -> None:
        while True:
            evaluation = jobs.get()
            evaluation.run()
            if evaluation.niced:  # cannot raise its priority back: retire
                return
            with self._lock:
                self._idle += 1


def _start_with_large_stack(thread: threading.Thread) -> None:
    """Start ``thread`` with :data:`QUERY_THREAD_STACK_BYTES` of stack: the parser and the
    evaluator recurse, and anything under the shape limits must not overflow. (The setting
    is process-wide, so it is restored at once; threads started meanwhile elsewhere merely
    get a larger stack too.)"""
    previous = threading.stack_size(QUERY_THREAD_STACK_BYTES)
    try:
        thread.start()
    finally:
        threading.stack_size(previous)


_pool = _WorkerPool()


def running_queries() -> int:
    """How many evaluations are inside pyoxigraph in this process (timed out or not)."""
    with _abandoned_lock:
        return len(_running)


def abandoned_queries() -> int:
    """How many timed-out evaluations are still running inside pyoxigraph in this process."""
    with _abandoned_lock:
        return len(_abandoned)


def _graph_nodes(uris: Sequence[str], what: str) -> list[ox.NamedNode]:
    nodes = []
    for uri in uris:
        try:
            nodes.append(ox.NamedNode(uri))
        except ValueError as e:
            raise QueryError(f"{what} {uri!r} is not an absolute IRI: {e}") from None
    return nodes


def query_kwargs(
    info: QueryInfo,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    substitutions: Mapping[str, Term] | None = None,
) -> dict[str, object]:
    """pyoxigraph ``Store.query`` keyword arguments for the dataset and the bound variables.

    The dataset only ever names graphs of the store: FROM, FROM NAMED, ``default-graph-uri``
    and ``named-graph-uri`` select graphs by name and never dereference anything.
    Without any of them the default graph is the union of all graphs.
    """
    kwargs: dict[str, object] = {}
    if default_graph_uris or named_graph_uris:
        kwargs["default_graph"] = _graph_nodes(default_graph_uris, "default-graph-uri") or ox.DefaultGraph()
        if named_graph_uris:
            kwargs["named_graphs"] = _graph_nodes(named_graph_uris, "named-graph-uri")
    elif not info.has_dataset_clause:
        kwargs["use_default_graph_as_union"] = True
    if substitutions:
        kwargs["substitutions"] = {ox.Variable(name): value for name, value in substitutions.items()}
    return kwargs


def run_query(
    store: ox.Store,
    query: str,
    *,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    substitutions: Mapping[str, Term] | None = None,
    timeout_s: float = DEFAULT_QUERY_TIMEOUT_S,
    max_rows: int = DEFAULT_MAX_RESULT_ROWS,
    info: QueryInfo | None = None,
    client: str | None = None,
    media_type: str | None = None,
) -> QueryOutcome:
    """Evaluate a read-only query and materialise at most ``max_rows`` results.

    :raise QueryRefused: an update, SERVICE or LOAD (403).
    :raise QueryError: the query does not parse (message with line:column) or fails (400).
    :raise QueryTimeout: the time limit ran out (503).
    :raise ResultTooLarge: more than ``max_rows`` rows or triples (413).
    :raise ServiceBusy: ``client`` (an address) has its share of running queries and the
        queue is full or its wait ran out (503 + Retry-After).
    :raise QueryTooExpensive: the query took the process past its memory ceiling (503).

    ``info`` is :func:`inspect_query`'s answer when the caller already has it; ``client``
    names who asks, for the fair share (``None``: no per-client limit). With ``media_type``
    one of :data:`NATIVE_FORMATS`, the answer comes serialized by pyoxigraph (``body``) instead
    of as rows: the same bytes as :func:`serialize` of the rows, without a Python object per
    term.
    """
    if info is None:
        info = inspect_query(query)
    kwargs = query_kwargs(info, default_graph_uris, named_graph_uris, substitutions)
    with _abandoned_lock:
        busy = len(_abandoned)
    if busy >= MAX_ABANDONED_QUERIES:
        raise QueryTimeout(
            f"the server is still finishing {busy} timed-out queries; try again later",
            hint="avoid queries that run past the time limit",
        )
    _admission.enter(client)
    started = time.monotonic()
    evaluation = _Evaluation(store, query, info.kind or "select", kwargs, started + timeout_s, max_rows, client,
                             NATIVE_FORMATS.get(media_type) if media_type else None)
    try:
        _memory.ensure_started()
        _pool.submit(evaluation)
    except BaseException:
        _admission.leave(client)
        raise
    try:
        try:
            answer = evaluation.answer.get(timeout=min(LONG_QUERY_S, timeout_s))
        except queue.Empty:
            _lower_priority(evaluation)
            answer = evaluation.answer.get(timeout=max(0.0, started + timeout_s - time.monotonic()))
    except queue.Empty:
        with _abandoned_lock:
            if not evaluation.finished:
                _abandoned.add(evaluation)
        log.warning("query stopped after the %.3g s time limit", timeout_s)
        raise _timeout_error(timeout_s) from None
    if isinstance(answer, QueryTooExpensive):
        raise answer
    if isinstance(answer, QueryTimeout):
        raise _timeout_error(timeout_s)
    if isinstance(answer, BaseException):
        raise answer
    answer.elapsed_s = time.monotonic() - started
    return answer


def serialize(outcome: QueryOutcome, media_type_or_format: str) -> bytes:
    """``outcome`` as bytes in a results format (SELECT, ASK) or an RDF format (CONSTRUCT,
    DESCRIBE), named by media type or by registry name (``json``, ``ttl``…).

    :raise UnsupportedFormat: the format does not fit the query form (406).
    """
    if outcome.body is not None:
        if outcome.body_media_type == media_type_or_format:
            return outcome.body
        raise ValueError(f"the answer was serialized as {outcome.body_media_type}, not {media_type_or_format}")
    if outcome.kind in ("select", "ask"):
        fmt = results_format_for(media_type_or_format)
        if fmt is None:
            raise UnsupportedFormat(
                f"{media_type_or_format!r} is not a SPARQL results format; "
                f"choose one of {', '.join(RESULTS_FORMATS)}"
            )
        return write_results(fmt.name, outcome.variables, outcome.rows, outcome.boolean)
    rdf = rdf_format_for(media_type_or_format)
    if rdf is None:
        raise UnsupportedFormat(
            f"{media_type_or_format!r} is not an RDF format; choose one of {', '.join(RDF_FORMATS)}"
        )
    return ox.serialize(outcome.triples, format=rdf.oxigraph) or b""
