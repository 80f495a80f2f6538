"""``/views``: the researcher views — a forum's membership timeline, its member count over
time, the overlap of forums on a date — and the timeline sections of state and forum
pages. Each view is a picture (server-side SVG, :mod:`cicagraph.web.charts`), a table, a
CSV download (``<view>.csv``) and a link that opens the SPARQL behind it in YASGUI. The
date control (``?on=YYYY-MM-DD``) is carried in the URL so that a view can be cited."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup

from cicagraph.errors import QueryError
from cicagraph.query.panel import SPELLS_QUERY, Spell, slug, status_in
from cicagraph.query.queries import CannedQuery
from cicagraph.tabular import Column, Table
from cicagraph.web import charts
from cicagraph.web.context import ctx
from cicagraph.web.errors import NotFound
from cicagraph.web.memberships import spells, spells_query
from cicagraph.web.tables import table_response

bp = Blueprint("views", __name__)

ORG = "https://w3id.org/cicagraph/id/org/"
STATE = "https://w3id.org/cicagraph/id/state/"
COUNT_QUERY = "member-count-per-year"
FIRST_YEAR = 1992  # CICA was proposed in October 1992; the earliest forum in the data is older
DEFAULT_OVERLAP = ("cica", "sco", "asean", "arf", "eas", "csto", "eaeu", "oic", "osce", "brics")


# --- shared data --------------------------------------------------------------------------


def _on() -> dt.date:
    """The date control: ``?on=YYYY-MM-DD`` (default today)."""
    raw = request.args.get("on", "").strip()
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise QueryError(f"on must be a date YYYY-MM-DD, got {raw!r}") from None


def _forum_spells(name: str) -> tuple[str, str, list[Spell]]:
    iri = ORG + name
    mine = [s for s in spells() if s.forum == iri]
    if not mine:
        known = sorted({s.forum_slug for s in spells()})
        raise NotFound(f"no memberships of states in {name!r}", hint="forums: " + ", ".join(known))
    return iri, mine[0].forum_label, mine


def editor_link(query: CannedQuery, **values: str) -> str:
    """``/editor#query=…``: YASGUI opens with the query, its parameters (and any other
    variable named in ``values``, as an IRI) bound by VALUES."""
    params = {p.name for p in query.params}
    restrict = {k: ox.NamedNode(v) for k, v in values.items() if k not in params}
    text = query.editor_text({k: v for k, v in values.items() if k in params}, restrict)
    return url_for("ui.index") + "#" + urlencode({"query": text}, quote_via=quote)


def _last_year(on: dt.date) -> int:
    return max(dt.date.today().year, on.year)


def _status_order(spell: Spell) -> tuple:
    rank = {"member": 0, "associate": 1, "observer": 2}
    start = spell.start_earliest or spell.as_of_latest or dt.date.max
    return (rank.get(spell.status, 3), start, spell.state_label)


# --- the index ----------------------------------------------------------------------------


@bp.route("/views")
def index() -> str:
    """Every forum with state memberships, with links to its views."""
    counts = Counter(s.forum for s in spells())
    labels = {s.forum: s.forum_label for s in spells()}
    forums = [{"slug": slug(f), "label": labels[f], "spells": n} for f, n in sorted(counts.items(), key=lambda kv: labels[kv[0]])]
    return render_template("views.html", forums=forums, on=_on())


# --- membership timeline -------------------------------------------------------------------


def timeline_rows(forum_spells: list[Spell], by: str = "state") -> list[charts.Row]:
    """Rows of a timeline: one per state (a forum's timeline) or per forum (a state's)."""
    groups: dict[str, list[Spell]] = {}
    for spell in sorted(forum_spells, key=_status_order):
        groups.setdefault(spell.state if by == "state" else spell.forum, []).append(spell)
    rows = []
    for key, group in groups.items():
        first = group[0]
        if by == "state":
            rows.append(charts.Row(key, first.state_label, "/id/state/" + first.iso3, tuple(group)))
        else:
            # the short name: the full names of forums do not fit beside a chart
            rows.append(charts.Row(key, first.forum_slug.upper(), url_for("views.timeline", forum=first.forum_slug), tuple(group)))
    return rows


def spells_table(forum_spells: list[Spell], name: str, title: str) -> Table:
    columns = [Column("iso3", "ISO3"), Column("state", "State"), Column("forum", "Forum"), Column("status", "Status"),
               Column("role", "Role(s)"), Column("start", "Start"), Column("end", "End"), Column("as_of", "Attested on"),
               Column("source_ids", "Sources"), Column("quotes", "Quotes"), Column("membership", "Membership", "anyURI")]
    rows = [(s.iso3, s.state_label, s.forum_slug, s.status, s.role_labels, s.start, s.end, s.as_of, s.sources, s.quotes, s.membership)
            for s in forum_spells]
    return Table(name, title, columns, rows, ctx().version)


@bp.route("/views/timeline/<forum>")
def timeline(forum: str) -> str:
    """One bar per membership of a state in ``forum``, coloured by role."""
    iri, label, mine = _forum_spells(forum)
    on = _on()
    ordered = sorted(mine, key=_status_order)
    svg = charts.timeline_svg(timeline_rows(mine), first_year=FIRST_YEAR, last_year=_last_year(on), on=on,
                              title=f"Membership timeline of {label}")
    at_date = Counter(s.held(on, on) for s in mine)
    return render_template(
        "view_timeline.html", forum=forum, iri=iri, label=label, svg=svg, legend=charts.legend_html(), on=on,
        spells=ordered, describe=charts.spell_description, at_date=at_date,
        csv_url=url_for("views.timeline_table", forum=forum, ext="csv"),
        sparql_url=editor_link(spells_query(), forum=iri),
    )


@bp.route("/views/timeline/<forum>.<path:ext>")
def timeline_table(forum: str, ext: str) -> Response:
    iri, label, mine = _forum_spells(forum)
    return table_response(spells_table(sorted(mine, key=_status_order), f"timeline-{forum}", f"Memberships of {label}"), ext)


# --- member count over time -----------------------------------------------------------------


def count_points(forum_spells: list[Spell], last_year: int) -> list[charts.CountPoint]:
    """Per year: members certainly held on 31 December, members possibly held (undated),
    observer states certainly held."""
    points = []
    by_state: dict[str, list[Spell]] = {}
    for s in forum_spells:
        by_state.setdefault(s.state, []).append(s)
    for year in range(FIRST_YEAR, last_year + 1):
        end = dt.date(year, 12, 31)
        known = undated = observers = 0
        for state_spells in by_state.values():
            status, spell = status_in(state_spells, end, end)
            members = [s for s in state_spells if s.status == "member"]
            certain = [s for s in members if s.held(end, end) == "yes"]
            if certain:
                known += 1
            elif any(s.held(end, end) == "unknown" for s in members):
                undated += 1
            if status == "observer":
                observers += 1
        points.append(charts.CountPoint(year, known, undated, observers))
    return points


def count_claims(forum_iri: str) -> list[charts.ClaimPoint]:
    """The sources' own counts of the forum's members and observers (cg:CountClaim)."""
    query = """PREFIX cg: <https://w3id.org/cicagraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?claim ?count ?role ?day ?statement (GROUP_CONCAT(DISTINCT ?id; separator="; ") AS ?sources) WHERE {
  ?claim a cg:CountClaim ; cg:about ?forum ; cg:count ?count ; cg:countedRole ?role ; cg:asOfEarliest ?day .
  OPTIONAL { ?claim cg:statement ?statement }
  OPTIONAL { ?claim prov:wasDerivedFrom/dcterms:identifier ?id }
} GROUP BY ?claim ?count ?role ?day ?statement ORDER BY ?day"""
    out = []
    for row in _run(query, forum_iri):
        role = row["role"].value.rsplit("/", 1)[-1]
        statement = row["statement"].value if row["statement"] else ""
        text = f"{row['count'].value} {role}s on {row['day'].value} according to {row['sources'].value or 'a source'}: {statement}"
        out.append(charts.ClaimPoint(dt.date.fromisoformat(row["day"].value), int(row["count"].value),
                                     role if role in ("member", "observer") else "other", text,
                                     "/id/" + row["claim"].value.split("/id/", 1)[-1]))
    return out


def counts_table(points: list[charts.CountPoint], forum: str, label: str) -> Table:
    columns = [Column("year", "Year", "integer"), Column("members", "Member states on 31 December", "integer"),
               Column("undated_members", "More members, start not dated", "integer"),
               Column("observer_states", "Observer states on 31 December", "integer")]
    rows = [(p.year, p.known, p.undated, p.observers) for p in points]
    return Table(f"member-count-{forum}", f"Member count of {label} at the end of each year", columns, rows, ctx().version)


@bp.route("/views/counts/<forum>")
def counts(forum: str) -> str:
    """The member count of ``forum`` at each year's end (a step chart) beside the sources' counts."""
    iri, label, mine = _forum_spells(forum)
    on = _on()
    points = count_points(mine, _last_year(on))
    claims = count_claims(iri)
    svg = charts.counts_svg(points, claims, on=on, title=f"Member count of {label}")
    count_query = ctx().queries.get(COUNT_QUERY)
    return render_template(
        "view_counts.html", forum=forum, iri=iri, label=label, svg=svg, points=points, claims=claims, on=on,
        csv_url=url_for("views.counts_table_view", forum=forum, ext="csv"),
        sparql_url=editor_link(count_query, forum=iri) if count_query else None,
    )


@bp.route("/views/counts/<forum>.<path:ext>")
def counts_table_view(forum: str, ext: str) -> Response:
    iri, label, mine = _forum_spells(forum)
    return table_response(counts_table(count_points(mine, _last_year(_on())), forum, label), ext)


# --- overlap ----------------------------------------------------------------------------------


def _overlap_forums() -> list[str]:
    known = {s.forum_slug: s.forum_label for s in spells()}
    chosen = request.args.getlist("forum") or [f for f in DEFAULT_OVERLAP if f in known]
    unknown = [f for f in chosen if f not in known]
    if unknown:
        raise NotFound(f"no memberships of states in {unknown[0]!r}", hint="forums: " + ", ".join(sorted(known)))
    return chosen


def overlap_matrix(on: dt.date, forums: list[str]) -> tuple[list[dict], dict[str, str]]:
    """States holding a known status in at least one of ``forums`` on ``on``: per state,
    per forum, the status and the membership that gives it."""
    labels = {s.forum_slug: s.forum_label for s in spells()}
    by_key: dict[tuple[str, str], list[Spell]] = {}
    names: dict[str, tuple[str, str]] = {}
    for s in spells():
        if s.forum_slug in forums:
            by_key.setdefault((s.state, s.forum_slug), []).append(s)
            names[s.state] = (s.state_label, s.iso3)
    rows = []
    for state, (name, iso3) in sorted(names.items(), key=lambda kv: kv[1][0]):
        cells = {}
        for f in forums:
            status, spell = status_in(by_key.get((state, f), []), on, on)
            cells[f] = {"status": status, "href": charts._local(spell.membership) if spell else None}
        if any(c["status"] not in ("none",) for c in cells.values()):
            rows.append({"state": name, "iso3": iso3, "cells": cells,
                         "count": sum(c["status"] in ("member", "associate", "observer") for c in cells.values())})
    return rows, {f: labels[f] for f in forums}


def shared_pairs(rows: list[dict], forums: list[str], on: dt.date) -> list[dict]:
    known = ("member", "associate", "observer")
    pairs = []
    two_forums = ctx().queries.get("members-on-date-in-two-forums")
    for a, b in itertools.combinations(forums, 2):
        both = [r for r in rows if r["cells"][a]["status"] in known and r["cells"][b]["status"] in known]
        members = [r for r in both if r["cells"][a]["status"] == "member" and r["cells"][b]["status"] == "member"]
        href = (url_for("queries.run", name="members-on-date-in-two-forums", forum=ORG + a, other=ORG + b, date=on.isoformat())
                if two_forums else None)
        pairs.append({"a": a, "b": b, "shared": len(both), "members": len(members),
                      "states": ", ".join(r["iso3"] for r in both), "href": href})
    return sorted(pairs, key=lambda p: (-p["shared"], p["a"], p["b"]))


@bp.route("/views/overlap")
def overlap() -> str:
    """States × forums on a date, and the pairwise "shared members" table."""
    on = _on()
    forums = _overlap_forums()
    rows, labels = overlap_matrix(on, forums)
    all_forums = sorted({s.forum_slug: s.forum_label for s in spells()}.items(), key=lambda kv: kv[1])
    return render_template(
        "view_overlap.html", on=on, forums=forums, labels=labels, rows=rows, pairs=shared_pairs(rows, forums, on),
        all_forums=all_forums, csv_url=url_for("views.overlap_table", ext="csv", on=on.isoformat(), forum=forums),
        sparql_url=editor_link(spells_query()),
    )


@bp.route("/views/overlap.<path:ext>")
def overlap_table(ext: str) -> Response:
    on = _on()
    forums = _overlap_forums()
    rows, labels = overlap_matrix(on, forums)
    columns = [Column("iso3", "ISO3"), Column("state", "State"), Column("date", "Date", "date")]
    for f in forums:
        columns.append(Column(f, labels[f]))
    table_rows = [tuple([r["iso3"], r["state"], on.isoformat()] + [r["cells"][f]["status"] for f in forums]) for r in rows]
    return table_response(Table(f"overlap-{on.isoformat()}", f"Forum overlap on {on.isoformat()}", columns, table_rows, ctx().version), ext)


# --- sections of resource pages -----------------------------------------------------------------


def _run(query: str, forum_iri: str):
    """``query`` with ``?forum`` bound to ``forum_iri`` by VALUES (pyoxigraph substitutes only
    projected variables); the IRI goes through ``ox.NamedNode``, so it cannot inject text."""
    where = query.index("{", query.index("WHERE"))
    bound = query[: where + 1] + f" VALUES ?forum {{ {ox.NamedNode(forum_iri)} }} " + query[where + 1 :]
    return ctx().store.query(bound, use_default_graph_as_union=True)  # type: ignore[union-attr]


def _forum_meetings(forum_iri: str) -> list[dict]:
    query = """PREFIX cg: <https://w3id.org/cicagraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT DISTINCT ?m ?label ?start WHERE {
  { ?m cg:meetingOf ?forum } UNION { ?m cg:meetingOf ?organ . ?organ org:subOrganizationOf ?forum }
  ?m cg:startDate ?start ; skos:prefLabel ?label . FILTER(LANG(?label) = "en")
} ORDER BY STR(?start)"""
    return [{"href": charts._local(r["m"].value), "label": r["label"].value, "start": r["start"].value}
            for r in _run(query, forum_iri)]


def _forum_documents(forum_iri: str) -> list[dict]:
    query = """PREFIX cg: <https://w3id.org/cicagraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?d ?label (MIN(STR(?when)) AS ?date) (SAMPLE(?mLabel) AS ?meeting) WHERE {
  ?a cg:adoptedDocument ?d ; cg:atMeeting ?m .
  { ?m cg:meetingOf ?forum } UNION { ?m cg:meetingOf ?organ . ?organ org:subOrganizationOf ?forum }
  ?d skos:prefLabel ?label . FILTER(LANG(?label) = "en")
  OPTIONAL { ?m skos:prefLabel ?mLabel . FILTER(LANG(?mLabel) = "en") }
  OPTIONAL { { ?a cg:date ?when } UNION { ?m cg:startDate ?when } }
} GROUP BY ?d ?label ORDER BY ?date"""
    return [{"href": charts._local(r["d"].value), "label": r["label"].value,
             "date": r["date"].value if r["date"] else "", "meeting": r["meeting"].value if r["meeting"] else ""}
            for r in _run(query, forum_iri)]


def resource_panels(node_iri: str) -> list[Markup]:
    """Sections (HTML) that a resource page shows above its properties: the membership
    timeline of a state (across forums) or of a forum, a forum's meetings by year and the
    documents adopted at them."""
    if SPELLS_QUERY not in ctx().queries:
        return []
    on = _on() if request.args.get("on") else None
    if node_iri.startswith(STATE):
        mine = [s for s in spells() if s.state == node_iri]
        if not mine:
            return []
        svg = charts.timeline_svg(timeline_rows(mine, by="forum"), first_year=FIRST_YEAR, last_year=dt.date.today().year,
                                  on=on, title=f"Memberships of {mine[0].state_label}")
        return [Markup(render_template("_panel_state.html", svg=svg, legend=charts.legend_html(), spells=mine,
                                       describe=charts.spell_description, iso3=mine[0].iso3,
                                       sparql_url=editor_link(spells_query(), state=node_iri)))]
    if node_iri.startswith(ORG) and any(s.forum == node_iri for s in spells()):
        forum = node_iri[len(ORG):]
        mine = [s for s in spells() if s.forum == node_iri]
        svg = charts.timeline_svg(timeline_rows(mine), first_year=FIRST_YEAR, last_year=dt.date.today().year, on=on,
                                  title=f"Membership timeline of {mine[0].forum_label}")
        meetings = _forum_meetings(node_iri)
        by_year: dict[str, list[dict]] = {}
        for m in meetings:
            by_year.setdefault(m["start"][:4], []).append(m)
        return [Markup(render_template("_panel_forum.html", svg=svg, legend=charts.legend_html(), forum=forum,
                                       meetings_by_year=sorted(by_year.items()), documents=_forum_documents(node_iri),
                                       sparql_url=editor_link(spells_query(), forum=node_iri)))]
    return []
