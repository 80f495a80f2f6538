"""The state-year membership panel (the shape of the Correlates of War IGO data): one row
per state, year (or day) and forum, with the state's status coded.

Coding (``status`` / ``status_code``), from the roles of the data (:data:`ROLE_STATUS`):

    1  member     member, founding member, participating State (OSCE), participant (ARF,
                  EAS), Plus country (ADMM-Plus)
    2  associate  dialogue partner (SCO), partner country (BRICS), Partner for Co-operation
                  (OSCE), partner organization
    3  observer   observer
    0  none       the sources date the state's status and it does not hold it then (before
                  a dated start, after an end), or the state holds no status at all
    -  unknown    (empty code) a status the sources attest without dating its start
                  (``cg:asOf`` only, or no date): unknown before the attestation, never 0
                  and never "since the forum began"; also a year that a start known only
                  to the year or month may or may not reach

Rules for a year (``rule``): ``year-end`` — the status held on 31 December; ``any`` — a
status held at any time in the year. When several statuses apply, a known one wins over
unknown, and member over associate over observer. Dates come from the bounds that the
build derives (:mod:`cicagraph.pipeline.dates`); a membership with no end is still held.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Iterable, Literal

import pyoxigraph as ox

from cicagraph.config import RESOURCE_NS
from cicagraph.errors import CicagraphError
from cicagraph.query.queries import CannedQuery
from cicagraph.query.sparql import run_query
from cicagraph.tabular import Column, DatasetVersion, Table

log = logging.getLogger(__name__)

Rule = Literal["year-end", "any"]
Unit = Literal["year", "day"]
Shape = Literal["long", "wide"]
RULES: tuple[str, ...] = ("year-end", "any")
ROLE = RESOURCE_NS + "role/"
ORG = RESOURCE_NS + "org/"
MAX_PANEL_ROWS = 2_000_000  # a day panel over decades is a mistake, not a request
SPELLS_QUERY = "membership-spells"

STATUS_CODES: dict[str, int | None] = {"member": 1, "associate": 2, "observer": 3, "none": 0, "unknown": None}
ROLE_STATUS: dict[str, str] = {
    ROLE + "member": "member",
    ROLE + "founding-member": "member",
    ROLE + "participating-state": "member",
    ROLE + "participant": "member",
    ROLE + "plus-country": "member",
    ROLE + "dialogue-partner": "associate",
    ROLE + "partner-country": "associate",
    ROLE + "partner-for-co-operation": "associate",
    ROLE + "partner-organization": "associate",
    ROLE + "observer": "observer",
}
_RANK = {"member": 0, "associate": 1, "observer": 2}

Certainty = Literal["yes", "no", "unknown"]


@dataclass(frozen=True)
class Spell:
    """One membership of a state in a forum, with the bounds of its dates."""

    membership: str
    forum: str
    forum_label: str
    state: str
    state_label: str
    iso3: str
    wikidata: str | None
    status: str
    role_labels: str
    start: str | None
    end: str | None
    as_of: str | None
    start_earliest: dt.date | None
    start_latest: dt.date | None
    end_earliest: dt.date | None
    end_latest: dt.date | None
    as_of_latest: dt.date | None
    sources: str
    quotes: str

    @property
    def forum_slug(self) -> str:
        return slug(self.forum)

    @property
    def certain_from(self) -> dt.date | None:
        """From this day on the status is certainly held (until the end)."""
        return self.start_latest or self.as_of_latest

    @property
    def undated_start(self) -> bool:
        return self.start_latest is None

    def held(self, first: dt.date, last: dt.date) -> Certainty:
        """Was the status held at some time in ``[first, last]`` (a day when equal)?"""
        # Certainly: a day known to be in the spell lies in the period.
        if self.certain_from is not None and self.certain_from <= last:
            certain_until = None if self.end_earliest is None else self.end_earliest - dt.timedelta(days=1)
            if certain_until is None or max(first, self.certain_from) <= certain_until:
                return "yes"
        # Certainly not: the period ends before the earliest possible start, or begins on
        # or after the latest possible end (the end day itself is no longer held).
        if self.start_earliest is not None and last < self.start_earliest:
            return "no"
        if self.end_latest is not None and first >= self.end_latest:
            return "no"
        return "unknown"


def slug(iri: str) -> str:
    return iri[len(ORG):] if iri.startswith(ORG) else iri


def _date(term: object | None) -> dt.date | None:
    return dt.date.fromisoformat(term.value) if isinstance(term, ox.Literal) else None  # type: ignore[union-attr]


def _text(term: object | None) -> str | None:
    return None if term is None else term.value  # type: ignore[attr-defined]


def _status_of(roles: str, membership: str) -> str:
    statuses = []
    for role in roles.split():
        if role not in ROLE_STATUS:
            raise CicagraphError(
                f"{membership} has the role {role}, which the panel coding does not map",
                hint="add it to cicagraph.query.panel.ROLE_STATUS and to the coding in the README",
            )
        statuses.append(ROLE_STATUS[role])
    return min(statuses, key=_RANK.__getitem__)


def _sorted_list(joined: str | None, separator: str) -> str:
    return separator.join(sorted({p.strip() for p in (joined or "").split(separator.strip()) if p.strip()}))


def load_spells(store: ox.Store, query: CannedQuery) -> list[Spell]:
    """Every membership of a state as a :class:`Spell`."""
    outcome = run_query(store, query.text, max_rows=MAX_PANEL_ROWS)
    index = {name: i for i, name in enumerate(outcome.variables)}
    spells = []
    for row in outcome.rows:
        get = lambda name: row[index[name]]  # noqa: E731
        membership = _text(get("membership")) or ""
        spells.append(Spell(
            membership=membership,
            forum=_text(get("forum")) or "",
            forum_label=_text(get("forumLabel")) or "",
            state=_text(get("state")) or "",
            state_label=_text(get("stateLabel")) or "",
            iso3=_text(get("iso3")) or "",
            wikidata=_text(get("wikidata")),
            status=_status_of(_text(get("roles")) or "", membership),
            role_labels=_sorted_list(_text(get("roleLabels")), "; "),
            start=_text(get("start")), end=_text(get("end")), as_of=_text(get("asOf")),
            start_earliest=_date(get("startEarliest")), start_latest=_date(get("startLatest")),
            end_earliest=_date(get("endEarliest")), end_latest=_date(get("endLatest")),
            as_of_latest=_date(get("asOfLatest")),
            sources=_sorted_list(_text(get("sources")), "; "),
            quotes=_text(get("quotes")) or "",
        ))
    return spells


def resolve_forums(names: Iterable[str], spells: list[Spell]) -> list[str]:
    """Forum IRIs from slugs (``cica``) or IRIs; every forum with state memberships when empty."""
    known = {s.forum: s.forum_label for s in spells}
    if not names:
        return sorted(known, key=lambda f: known[f])
    chosen = []
    for name in names:
        iri = name if name.startswith(("http://", "https://")) else ORG + name
        if iri not in known:
            raise CicagraphError(
                f"no memberships of states in {name!r}",
                hint="forums: " + ", ".join(sorted(slug(f) for f in known)),
            )
        chosen.append(iri)
    return chosen


def status_in(spells: list[Spell], first: dt.date, last: dt.date) -> tuple[str, Spell | None]:
    """The coded status of one state in one forum over ``[first, last]``, and the spell
    that gives it (``None`` for "none")."""
    known = [s for s in spells if s.held(first, last) == "yes"]
    if known:
        best = min(known, key=lambda s: _RANK[s.status])
        return best.status, best
    unknown = [s for s in spells if s.held(first, last) == "unknown"]
    if unknown:
        return "unknown", min(unknown, key=lambda s: _RANK[s.status])
    return "none", None


def _periods(unit: Unit, rule: Rule, first: dt.date, last: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(label, first day, last day) of each unit of the panel."""
    if unit == "day":
        days = (last - first).days + 1
        return [((d := first + dt.timedelta(days=i)).isoformat(), d, d) for i in range(days)]
    out = []
    for year in range(first.year, last.year + 1):
        end = dt.date(year, 12, 31)
        out.append((str(year), end, end) if rule == "year-end" else (str(year), dt.date(year, 1, 1), end))
    return out


LONG_COLUMNS = [
    Column("iso3", "ISO 3166-1 alpha-3", "string", "The state's code"),
    Column("state", "State", "string", "The state's English name"),
    Column("wikidata", "Wikidata item", "anyURI", "The state's Wikidata item"),
    Column("year", "Year", "integer", "The year (unit=year)"),
    Column("forum", "Forum", "string", "The forum's short name (its IRI's last part)"),
    Column("forum_name", "Forum name", "string", "The forum's English name"),
    Column("status", "Status", "string", "member, associate, observer, none or unknown"),
    Column("status_code", "Status code", "integer", "1 member, 2 associate/partner, 3 observer, 0 none, empty unknown"),
    Column("role", "Role(s)", "string", "The role(s) the sources give"),
    Column("start", "Start", "string", "Start as the sources give it (ISO date, year-month or year)"),
    Column("end", "End", "string", "End as the sources give it"),
    Column("as_of", "Attested on", "string", "The date at which a source attests the status when the start is unknown"),
    Column("source_ids", "Sources", "string", "Keys of the sources (see /id/source/<key>)"),
    Column("membership", "Membership", "anyURI", "The membership fact (its page has the quotes)"),
]


def build_panel(
    spells: list[Spell],
    *,
    forums: list[str],
    first: dt.date,
    last: dt.date,
    unit: Unit = "year",
    rule: Rule = "year-end",
    shape: Shape = "long",
    states: dict[str, tuple[str, str, str | None]] | None = None,
    version: DatasetVersion | None = None,
    sparql: str = "",
) -> Table:
    """The panel of ``forums`` from ``first`` to ``last``; ``states`` (IRI → iso3, name,
    wikidata) widens the population to every state, coded 0 where it holds nothing."""
    if last < first:
        raise CicagraphError(f"the panel ends ({last}) before it starts ({first})")
    periods = _periods(unit, rule, first, last)
    population = dict(states or {})
    for s in spells:
        if s.forum in forums:
            population.setdefault(s.state, (s.iso3, s.state_label, s.wikidata))
    if len(periods) * len(population) * (len(forums) if shape == "long" else 1) > MAX_PANEL_ROWS:
        raise CicagraphError(
            f"the panel would have more than {MAX_PANEL_ROWS:,} rows",
            hint="use --unit year, or a shorter --from/--to range for a day panel",
        )
    by_key: dict[tuple[str, str], list[Spell]] = {}
    labels = {}
    for s in spells:
        by_key.setdefault((s.state, s.forum), []).append(s)
        labels[s.forum] = s.forum_label
    ordered_states = sorted(population, key=lambda iri: (population[iri][1], iri))
    time_column = "year" if unit == "year" else "date"
    notes = {
        "unit": unit, "rule": rule if unit == "year" else "day", "from": first.isoformat(), "to": last.isoformat(),
        "forums": [slug(f) for f in forums], "coding": {k: v for k, v in STATUS_CODES.items()},
        "roles": {r[len(ROLE):]: st for r, st in ROLE_STATUS.items()},
    }
    if shape == "wide":
        columns = LONG_COLUMNS[:3] + [_time_column(unit)]
        for f in forums:
            columns += [Column(slug(f), labels.get(f, slug(f)), "integer", f"Status code in {labels.get(f, f)}"),
                        Column(slug(f) + "_status", labels.get(f, slug(f)) + " status", "string", "")]
        rows = []
        for state in ordered_states:
            iso3, name, wikidata = population[state]
            for label, p_first, p_last in periods:
                row: list = [iso3, name, wikidata, _time_value(unit, label)]
                for f in forums:
                    status, _ = status_in(by_key.get((state, f), []), p_first, p_last)
                    row += [STATUS_CODES[status], status]
                rows.append(tuple(row))
    else:
        columns = [c if c.name != "year" else _time_column(unit) for c in LONG_COLUMNS]
        rows = []
        for f in forums:
            for state in ordered_states:
                iso3, name, wikidata = population[state]
                held = by_key.get((state, f), [])
                for label, p_first, p_last in periods:
                    status, spell = status_in(held, p_first, p_last)
                    rows.append((
                        iso3, name, wikidata, _time_value(unit, label), slug(f), labels.get(f, slug(f)),
                        status, STATUS_CODES[status],
                        spell.role_labels if spell else None, spell.start if spell else None,
                        spell.end if spell else None, spell.as_of if spell else None,
                        spell.sources if spell else None, spell.membership if spell else None,
                    ))
    name = "panel-" + "-".join(slug(f) for f in forums) + f"-{first.year}-{last.year}" + ("" if shape == "long" else "-wide")
    description = (
        f"Membership panel ({shape} format), one row per state, {time_column}"
        + (" and forum" if shape == "long" else "")
        + f"; status {'on 31 December' if unit == 'year' and rule == 'year-end' else 'at any time in the year' if unit == 'year' else 'on the day'}."
        + " Codes: 1 member, 2 associate/partner, 3 observer, 0 none, empty = unknown (a status attested without a dated start)."
    )
    log.info("panel: %d rows", len(rows))
    return Table(name, "cicagraph membership panel", columns, rows, version or DatasetVersion(), description, notes, sparql)


def _time_column(unit: Unit) -> Column:
    return Column("year", "Year", "integer", "The year") if unit == "year" else Column("date", "Date", "date", "The day")


def _time_value(unit: Unit, label: str) -> int | str:
    return int(label) if unit == "year" else label


def parse_bound(value: str, *, end: bool) -> dt.date:
    """``--from``/``--to``: a year (``1992``) or a day (``1992-06-30``)."""
    text = value.strip()
    try:
        if len(text) == 4 and text.isdigit():
            return dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CicagraphError(f"{value!r} is neither a year (YYYY) nor a date (YYYY-MM-DD)") from None


def state_population(store: ox.Store) -> dict[str, tuple[str, str, str | None]]:
    """Every state of the graph: IRI → (iso3, English name, Wikidata item)."""
    query = """PREFIX cg: <https://w3id.org/cicagraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?iso3 ?name (SAMPLE(?wd) AS ?wikidata) WHERE {
  ?s a cg:State ; cg:isoAlpha3 ?iso3 ; skos:prefLabel ?name . FILTER(LANG(?name) = "en")
  OPTIONAL { ?s cg:wikidata ?wd }
} GROUP BY ?s ?iso3 ?name"""
    out = {}
    for row in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        out[row["s"].value] = (row["iso3"].value, row["name"].value, row["wikidata"].value if row["wikidata"] else None)
    return out
