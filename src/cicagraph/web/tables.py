"""Tables to download: ``/panel.<ext>`` and ``/queries/<name>.<ext>`` (csv, tsv, json,
parquet), each with its CSVW metadata at ``<same URL path>-metadata.json`` and a file name
that carries the dataset version (``cicagraph-0.1.0+3f2a9c1b0d4e-panel-cica-1992-2026.csv``)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from cicagraph.query.research_tables import panel_table, query_table
from cicagraph.tabular import TABLE_FORMATS, Table, csvw_metadata
from cicagraph.web.context import ctx
from cicagraph.web.errors import NotFound
from cicagraph.web.memberships import spells

bp = Blueprint("tables", __name__)

METADATA_SUFFIX = "-metadata.json"


def _format(ext: str):
    fmt = TABLE_FORMATS.get(ext)
    if fmt is None:
        raise NotFound(f"no table format '.{ext}'", hint="choose one of " + ", ".join(f".{e}" for e in TABLE_FORMATS))
    return fmt


def table_response(table: Table, ext: str) -> Response:
    """The table as a download, or its CSVW metadata when ``ext`` ends in -metadata.json."""
    metadata = ext.endswith(METADATA_SUFFIX)
    fmt = _format(ext[: -len(METADATA_SUFFIX)] if metadata else ext)
    if metadata:
        if not fmt.csvw:
            raise NotFound(f"CSVW metadata describes CSV and TSV files, not .{fmt.extension}")
        url = request.base_url[: -len(METADATA_SUFFIX)] + (("?" + request.query_string.decode()) if request.query_string else "")
        body = json.dumps(csvw_metadata(table, url, fmt), ensure_ascii=False, indent=1) + "\n"
        return Response(body, mimetype="application/csvm+json")
    response = Response(fmt.write(table), content_type=fmt.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{table.file_name(fmt)}"'
    response.headers["X-Cicagraph-Version"] = table.version.label
    if fmt.csvw:
        meta = request.path + METADATA_SUFFIX + (("?" + request.query_string.decode()) if request.query_string else "")
        response.headers["Link"] = f'<{meta}>; rel="describedby"; type="application/csvm+json"'
    return response


def panel_from_request() -> Table:
    """The panel for ``?forum=cica&forum=sco&from=1992&to=2025&unit=year&rule=year-end&shape=long&all_states=1``."""
    args = request.args
    context = ctx()
    return panel_table(
        context.store, context.queries,
        forums=args.getlist("forum"), first=args.get("from") or "1992", last=args.get("to") or None,
        unit=args.get("unit") or "year", rule=args.get("rule") or "year-end", shape=args.get("shape") or "long",
        all_states=args.get("all_states", "") not in ("", "0", "false"), version=context.version,
        spells=_memoised_spells(),
    )


def _memoised_spells():
    try:
        return spells()
    except NotFound:
        return None  # no spells query: panel_table says so


@bp.route("/panel.<path:ext>")
def panel(ext: str) -> Response:
    """The state-year membership panel (see ``cicagraph panel --help``)."""
    _format(ext[: -len(METADATA_SUFFIX)] if ext.endswith(METADATA_SUFFIX) else ext)  # 404 before the work
    return table_response(panel_from_request(), ext)


def _query_table(name: str) -> Table:
    context = ctx()
    canned = context.queries.get(name)
    if canned is None:
        raise NotFound(f"no research query named {name!r}", hint="see /queries for the list")
    values = {k: v for k, v in request.args.items() if k != "format"}
    return query_table(context.store, canned, values, context.version)


@bp.route("/queries/<name>.<path:ext>")
def query(name: str, ext: str) -> Response:
    """A research query's answer as a clean table (names beside IRIs, no parameter columns)."""
    _format(ext[: -len(METADATA_SUFFIX)] if ext.endswith(METADATA_SUFFIX) else ext)  # 404 before the query runs
    return table_response(_query_table(name), ext)
