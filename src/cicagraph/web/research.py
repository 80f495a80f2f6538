"""``/queries``: the research queries, listed (HTML, JSON) and run with parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request, url_for

from cicagraph.query import sparql
from cicagraph.query.queries import CannedQuery
from cicagraph.tabular import humanise
from cicagraph.web.context import ctx
from cicagraph.web.errors import NotFound
from cicagraph.web.negotiate import GRAPH_MEDIA_TYPES, RESULTS_MEDIA_TYPES, negotiate
from cicagraph.web.terms import display_term, label_of

bp = Blueprint("queries", __name__)


@bp.route("/queries")
def index() -> Response | str:
    """Every research query with its parameters."""
    context = ctx()
    if negotiate(["application/json"], rdf=None, extra=("text/html",), format_param=_fmt()) == "text/html":
        tables = {q.name for q in context.queries.values() if sparql.inspect_query(q.text).kind == "select"}
        return render_template("queries.html", queries=context.queries.values(), tables=tables)
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
        columns, rows = result_table(context.store, canned, outcome.variables, outcome.rows)
        qs = ("?" + urlencode(values)) if values else ""
        return render_template("query.html", query=canned, values=values, outcome=outcome, columns=columns, rows=rows,
                               table_links=[(url_for("tables.query", name=name, ext=ext) + qs, text) for ext, text in TABLE_LINKS],
                               result_links=[(url_for("queries.run", name=name) + "?" + urlencode({**values, "format": f}), f)
                                             for f in ("json", "xml", "csv", "tsv")],
                               humanise=humanise)
    response = Response(sparql.serialize(outcome, media_type), mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response


# The clean table downloads (web/tables.py) linked beside the raw SPARQL results.
TABLE_LINKS = (("csv", "table (CSV)"), ("tsv", "table (TSV)"), ("json", "table (JSON)"))

_COLUMN_HEADER = re.compile(r"^#\s*column\s*:\s*([A-Za-z_][A-Za-z0-9_]*)\s+(.+?)\s*$")


def column_titles(text: str) -> dict[str, str]:
    """``# column: stateLabel Member state`` lines of a query file's comment header."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        m = _COLUMN_HEADER.match(stripped)
        if m:
            found[m.group(1)] = m.group(2)
    return found


@dataclass(frozen=True)
class ResultColumn:
    variable: str  # the variable whose value the cell shows
    title: str  # the column heading
    label_variable: str | None = None  # a ?xLabel variable naming the ?x IRI


def _companion(name: str, variables: Sequence[str]) -> str | None:
    for candidate in (name + "Label", name + "_label"):
        if candidate in variables:
            return candidate
    return None


def result_columns(canned: CannedQuery, variables: Sequence[str]) -> list[ResultColumn]:
    """The columns a researcher sees: parameters left out (they only echo the input, as do
    their labels), ``?x`` and its ``?xLabel`` as one column, titles from the header's
    ``# column:`` lines or the humanised variable name (``stateLabel`` -> "State")."""
    titles = column_titles(canned.text)
    params = {p.name for p in canned.params}
    echoed = params | {c for p in params if (c := _companion(p, variables))}
    merged = {c for v in variables if v not in echoed and (c := _companion(v, variables))}
    columns = []
    for v in variables:
        if v in echoed or v in merged:
            continue
        companion = _companion(v, variables)
        title = titles.get(v) or (titles.get(companion) if companion else None) or humanise(v)
        columns.append(ResultColumn(v, title, companion))
    return columns


def result_table(store: ox.Store, canned: CannedQuery, variables: Sequence[str], rows: Sequence[Sequence[object]]):
    """Columns and cells for ``query.html``: IRIs by their label, the label variable or the
    generated title (linking to the resource page), literals with their datatype on hover."""
    columns = result_columns(canned, variables)
    index = {v: i for i, v in enumerate(variables)}
    names: dict[str, str | None] = {}

    def cell(row: Sequence[object], column: ResultColumn) -> dict[str, str] | None:
        term = row[index[column.variable]]
        if isinstance(term, ox.NamedNode):
            text = None
            if column.label_variable:
                given = row[index[column.label_variable]]
                text = given.value if isinstance(given, ox.Literal) else None
            if text is None:
                if term.value not in names:
                    names[term.value] = label_of(store, term)
                text = names[term.value]
            return display_term(term, text)
        return display_term(term)  # type: ignore[arg-type]

    return columns, [[cell(row, c) for c in columns] for row in rows]
