"""``/sparql``: the SPARQL 1.1 Query Protocol (https://www.w3.org/TR/sparql11-protocol/).

GET ``query=``; POST form (``application/x-www-form-urlencoded``); POST
``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri``; results by
content negotiation or ``format=``; GET without a query returns the service description.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for
from flask.typing import ResponseReturnValue

from cicagraph.errors import QueryError, QueryRefused
from cicagraph.query import sparql
from cicagraph.query.cache import CachedAnswer
from cicagraph.web.context import base_url, ctx
from cicagraph.web.errors import RequestTooLarge, UnsupportedMediaType
from cicagraph.web.httpcache import MISS_COUNTED
from cicagraph.web.negotiate import (
    GRAPH_MEDIA_TYPES,
    RDF_MEDIA_TYPES,
    RESULTS_MEDIA_TYPES,
    negotiate,
)
from cicagraph.web.service_description import service_description

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
_READ_ONLY = "SPARQL updates are not allowed: this endpoint is read-only"


@bp.route("/sparql", methods=["GET", "POST"])
def query() -> ResponseReturnValue:
    """Answer one SPARQL query (or describe the service)."""
    settings = ctx().settings
    args = request.args
    if request.method in ("GET", "HEAD"):  # HEAD: the GET's headers (Flask drops the body)
        if "update" in args:
            raise QueryRefused(_READ_ONLY, hint="send queries with the 'query' parameter")
        queries = args.getlist("query")
        if not queries and "default-graph-uri" not in args and "named-graph-uri" not in args:
            return _describe_service()
        default_graphs = args.getlist("default-graph-uri")
        named_graphs = args.getlist("named-graph-uri")
        format_param = args.get("format")
    else:
        length = request.content_length
        if length is not None and length > settings.max_request_bytes:
            raise _too_large(settings.max_request_bytes)
        mimetype = request.mimetype
        if mimetype == FORM:
            form = request.form
            if "update" in form:
                raise QueryRefused(_READ_ONLY, hint="send queries with the 'query' parameter")
            queries = form.getlist("query")
            default_graphs = args.getlist("default-graph-uri") + form.getlist("default-graph-uri")
            named_graphs = args.getlist("named-graph-uri") + form.getlist("named-graph-uri")
            format_param = form.get("format") or args.get("format")
        elif mimetype == SPARQL_QUERY:
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise UnsupportedMediaType(f"charset={charset} is not supported: send the query as UTF-8")
            raw = request.get_data(cache=False)
            try:
                queries = [raw.decode("utf-8")]
            except UnicodeDecodeError as e:
                raise QueryError(f"the query is not valid UTF-8: {e}") from None
            default_graphs = args.getlist("default-graph-uri")
            named_graphs = args.getlist("named-graph-uri")
            format_param = args.get("format")
        elif mimetype == SPARQL_UPDATE:
            raise QueryRefused(_READ_ONLY)
        else:
            raise UnsupportedMediaType(
                f"unsupported Content-Type {mimetype or '(none)'!r}: POST a query as {SPARQL_QUERY} "
                f"or as an HTML form ({FORM})"
            )
    if len(queries) != 1:
        raise QueryError(f"exactly one 'query' parameter is required, got {len(queries)}")
    text = queries[0]
    if len(text) > settings.max_request_bytes:
        raise _too_large(settings.max_request_bytes)
    info = sparql.inspect_query(text)
    media_type = None
    if info.kind is not None:  # negotiate before running; an unparseable query gets its 400
        media_type = _negotiate(info.kind, format_param)
    context = ctx()
    cache_key = None
    if media_type is not None and context.result_cache.enabled:
        cache_key = ("sparql", context.build_token, sparql.normalized_query(text), tuple(default_graphs),
                     tuple(named_graphs), media_type, settings.max_result_rows)
        hit = context.result_cache.get(cache_key)
        if hit is not None:
            return _results_response(hit.body, media_type)
        request.environ[MISS_COUNTED] = True
    outcome = sparql.run_query(
        context.store,
        text,
        default_graph_uris=default_graphs,
        named_graph_uris=named_graphs,
        timeout_s=settings.query_timeout_s,
        max_rows=settings.max_result_rows,
        info=info,
        client=request.remote_addr,  # the peer: behind a proxy, all clients share one turn
        media_type=media_type,  # JSON results and N-Triples come serialized by pyoxigraph
    )
    if media_type is None:
        media_type = _negotiate(outcome.kind, format_param)
    body = sparql.serialize(outcome, media_type)
    if cache_key is not None:  # only a complete answer gets here: errors and time-outs raised
        context.result_cache.put(cache_key, CachedAnswer(body, media_type))
    return _results_response(body, media_type)


def _results_response(body: bytes, media_type: str) -> Response:
    response = Response(body, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response


_NEGOTIATED: dict[tuple[bool, str | None, str | None], str] = {}


def _negotiate(kind: str, format_param: str | None) -> str:
    """The media type for (query form, ``format=``, ``Accept``): worked out once per process
    for each combination seen (clients send a handful), as a refusal (406) is not."""
    results = kind in ("select", "ask")
    key = (results, format_param, request.headers.get("Accept"))
    media_type = _NEGOTIATED.get(key)
    if media_type is None:
        if results:
            media_type = negotiate(RESULTS_MEDIA_TYPES, rdf=False, format_param=format_param)
        else:
            media_type = negotiate(GRAPH_MEDIA_TYPES, rdf=True, format_param=format_param)
        if len(_NEGOTIATED) >= 256:  # the keys come from clients: never let them grow it
            _NEGOTIATED.clear()
        _NEGOTIATED[key] = media_type
    return media_type


def _too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(
        f"the query is larger than the limit of {limit} bytes",
        hint="download the dataset and query it locally",
    )


def _describe_service() -> ResponseReturnValue:
    # A browser (text/html named explicitly, not via */*) is sent to the query editor.
    asks_html = any(value == "text/html" and q > 0 for value, q in request.accept_mimetypes)
    media_type = negotiate(RDF_MEDIA_TYPES, rdf=True, extra=("text/html",) if asks_html else ())
    if media_type == "text/html":
        return redirect(url_for("ui.index"), code=303)
    context = ctx()
    endpoint = base_url() + "sparql"
    body = context.cached(("sd", endpoint, media_type),
                          lambda: service_description(endpoint, context.counts, media_type))
    response = Response(body, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response
