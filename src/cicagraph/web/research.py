"""``/queries``: the research queries, listed (HTML, JSON) and run with parameters."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from cicagraph import sparql
from cicagraph.web.context import ctx
from cicagraph.web.errors import NotFound
from cicagraph.web.negotiate import GRAPH_MEDIA_TYPES, RESULTS_MEDIA_TYPES, negotiate
from cicagraph.web.resources import display_term

bp = Blueprint("queries", __name__)


@bp.route("/queries")
def index() -> Response | str:
    """Every research query with its parameters."""
    context = ctx()
    if negotiate(["application/json"], rdf=None, extra=("text/html",), format_param=_fmt()) == "text/html":
        return render_template("queries.html", queries=context.queries.values())
    return jsonify(
        ok=True,
        queries=[
            {**q.to_json(), "url": url_for("queries.run", name=q.name, _external=True)}
            for q in context.queries.values()
        ],
    )


def _fmt() -> str | None:
    value = request.args.get("format")
    return {"json": "application/json"}.get(value or "", value)


@bp.route("/queries/<name>")
def run(name: str) -> Response | str:
    """Run one research query; parameters come from the query string."""
    context = ctx()
    canned = context.queries.get(name)
    if canned is None:
        raise NotFound(f"no research query named {name!r}", hint="see /queries for the list")
    values = {k: v for k, v in request.args.items() if k != "format"}
    bindings = canned.bindings(values)
    info = sparql.inspect_query(canned.text)
    if info.kind in ("construct", "describe"):
        media_type = negotiate(GRAPH_MEDIA_TYPES, rdf=True)
    else:
        media_type = negotiate(RESULTS_MEDIA_TYPES, rdf=False, extra=("text/html",))
    outcome = sparql.run_query(
        context.store,
        canned.text,
        info=info,
        substitutions=bindings,
        timeout_s=context.settings.query_timeout_s,
        max_rows=context.settings.max_result_rows,
    )
    if media_type == "text/html":
        rows = [[display_term(t) for t in row] for row in outcome.rows]
        return render_template("query.html", query=canned, values=values, outcome=outcome, rows=rows)
    response = Response(sparql.serialize(outcome, media_type), mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response
