"""Where the project's inputs live and how the service behaves, in one frozen place.

Layering (lowest first): defaults < ``CICAGRAPH_*`` environment variables < explicit keyword
arguments (CLI flags, ``create_app(settings)`` in tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

NS = "https://w3id.org/cicagraph/"
ONTOLOGY_NS = NS + "ontology#"
ONTOLOGY_IRI = NS + "ontology"
RESOURCE_NS = NS + "id/"
GRAPH_ONTOLOGY = NS + "graph/ontology"
GRAPH_DATA = NS + "graph/data"
GRAPH_INFERRED = NS + "graph/inferred"
GRAPHS: dict[str, str] = {
    "ontology": GRAPH_ONTOLOGY,
    "data": GRAPH_DATA,
    "inferred": GRAPH_INFERRED,
}

_PACKAGED_PROJECT = Path(__file__).parent / "project"


@dataclass(frozen=True)
class Project:
    """The curated inputs: one edited ontology, data, shapes, checks and research queries."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def ontology_file(self) -> Path:
        return self.ontology_dir / "cicagraph.ttl"

    @property
    def catalog_file(self) -> Path:
        return self.ontology_dir / "catalog-v001.xml"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def checks_dir(self) -> Path:
        return self.root / "checks"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def is_packaged(self) -> bool:
        return self.root.resolve() == _PACKAGED_PROJECT.resolve()

    @classmethod
    def discover(cls, start: Path | None = None) -> "Project":
        """A checkout (``$CICAGRAPH_PROJECT``, then the current directory or a parent of it)
        wins over the copy packaged in the wheel."""
        env = os.environ.get("CICAGRAPH_PROJECT")
        if env:
            return cls(Path(env).resolve())
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / "ontology" / "cicagraph.ttl").is_file() and (candidate / "data").is_dir():
                return cls(candidate)
        return cls(_PACKAGED_PROJECT)


# Limits of the SPARQL service, named once (cf. oxigraph's MAX_SPARQL_BODY_SIZE).
DEFAULT_QUERY_TIMEOUT_S = 10.0
DEFAULT_MAX_RESULT_ROWS = 10_000
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024  # 1 MiB of query text or form body
DEFAULT_PORT = 8000

# Query shape, checked by the lexer before the parser (issue 13): pyoxigraph's parser and
# evaluator recurse once per nesting level and once per element of a flat chain
# (UNION, MINUS, BIND, ||, +…); ~2,500 nested groups or ~3,000 MINUS blocks overflowed an
# 8 MiB stack and killed the worker with SIGSEGV.
MAX_QUERY_DEPTH = 128  # nested { ( [ ; real research queries nest < 15
MAX_QUERY_TOKENS = 20_000  # a long VALUES list fits; every 20k-token chain shape was probed
# Stack of the threads that parse and evaluate queries: every shape under the two limits
# above ran in 64 MiB (probed); 4x that for margin. Virtual memory: only touched pages count.
QUERY_THREAD_STACK_BYTES = 256 * 1024 * 1024

# Connections (issue 13; cicagraph.web.server): a request is read whole by each worker's event
# loop before a thread sees it; a socket silent for this long is closed (whole seconds;
# Settings.read_timeout_s, CICAGRAPH_READ_TIMEOUT_S, overrides it).
REQUEST_READ_TIMEOUT_S = 5
WORKER_THREADS = 8  # per worker: they only ever run complete requests
MAX_CONNECTIONS_PER_WORKER = 1000  # open sockets, idle ones included (cost: a buffer each)
MAX_REQUEST_HEADER_BYTES = 64 * 1024  # request line + headers (GET queries up to ~60 KB)

# Fair share (issue 13; cicagraph.query.sparql), per worker process.
MAX_QUERIES_PER_CLIENT = 2  # running at once per client address (binds on long queries)
MAX_QUEUED_QUERIES = 8  # waiting for their client's turn; beyond: 503 + Retry-After
QUEUE_WAIT_S = 2.0  # longest wait for a turn before 503
BUSY_RETRY_AFTER_S = 5  # Retry-After of those 503s
LONG_QUERY_S = 0.2  # an evaluation running longer drops to LONG_QUERY_NICE (CPU to the rest)
LONG_QUERY_NICE = 10
# Memory ceiling: a worker growing this far above its RSS at its first query fails its
# oldest running query (503) and is recycled; at twice this it exits at once.
MAX_QUERY_MEMORY_BYTES = 512 * 1024 * 1024

# Caching (issue 11): answers are a pure function of the build and the request.
DEFAULT_RESULT_CACHE_BYTES = 64 * 1024 * 1024  # per worker; 0 turns the cache off
# HTTP caches may reuse a response this long, then revalidate it with If-None-Match (a 304
# costs no query). Short, because a new build may be swapped in at any time.
DEFAULT_HTTP_MAX_AGE_S = 300


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline and the server need to know; immutable."""

    project: Project = field(default_factory=Project.discover)
    build_dir: Path | None = None  # default: <project root>/build
    store_dir: Path | None = None  # persistent pyoxigraph store (issue 6); None = in memory
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_S
    max_result_rows: int = DEFAULT_MAX_RESULT_ROWS
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    workers: int = 2
    read_timeout_s: int = REQUEST_READ_TIMEOUT_S  # a silent socket is closed after this (whole s)
    base_url: str | None = None  # public base URL, when served behind a proxy
    result_cache_bytes: int = DEFAULT_RESULT_CACHE_BYTES  # per worker; 0: no result cache
    http_max_age_s: int = DEFAULT_HTTP_MAX_AGE_S  # Cache-Control max-age of cacheable responses
    # SHACL engine of validate/build: "auto" (pyshacl-turbo when installed, else pyshacl),
    # "turbo" or "pyshacl" (the reference); None = auto ($CICAGRAPH_SHACL_ENGINE sets it).
    shacl_engine: str | None = None

    @property
    def build_path(self) -> Path:
        """``<project>/build`` for a checkout; ``./build`` for the copy packaged in the wheel
        (never inside site-packages)."""
        if self.build_dir is not None:
            return self.build_dir
        if self.project.is_packaged:
            return Path.cwd() / "build"
        return self.project.root / "build"

    @property
    def dataset_file(self) -> Path:
        return self.build_path / "dataset.nq"

    @property
    def manifest_file(self) -> Path:
        return self.build_path / "manifest.json"

    @property
    def downloads_dir(self) -> Path:
        return self.build_path / "downloads"

    @property
    def docs_dir(self) -> Path:
        return self.build_path / "docs"

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> "Settings":
        """Defaults, then ``CICAGRAPH_<FIELD>`` environment variables, then ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("CICAGRAPH_" + f.name.upper())
            if raw is None or f.name == "project":
                continue
            values[f.name] = _coerce(f.name, raw)
        if env.get("CICAGRAPH_PROJECT"):
            values["project"] = Project(Path(env["CICAGRAPH_PROJECT"]).resolve())
        for key, value in (overrides or {}).items():
            if value is None:
                continue
            if key == "project" and not isinstance(value, Project):
                value = Project(Path(value).resolve())
            elif key in {"build_dir", "store_dir"} and not isinstance(value, Path):
                value = Path(value)
            values[key] = value
        return cls(**values)


def _coerce(name: str, raw: str) -> Any:
    if name in {"build_dir", "store_dir"}:
        return Path(raw)
    if name in {"port", "max_result_rows", "max_request_bytes", "workers", "result_cache_bytes", "http_max_age_s", "read_timeout_s"}:
        return int(raw)
    if name == "query_timeout_s":
        return float(raw)
    return raw
