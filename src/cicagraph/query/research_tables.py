"""Researcher tables: the research queries as clean tables (labels beside IRIs, no echoed
parameters, lexical dates), and the membership panel. The CLI (``cicagraph table``,
``cicagraph panel``) and the web (``/queries/<name>.csv``, ``/panel.csv``) both call these."""

from __future__ import annotations

import datetime as dt
from typing import Mapping, Sequence

import pyoxigraph as ox

from cicagraph.errors import CicagraphError
from cicagraph.query import panel as panel_module
from cicagraph.query.queries import CannedQuery
from cicagraph.query.sparql import run_query
from cicagraph.tabular import Column, DatasetVersion, Table, humanise

SKOS_PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DCT_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
DCT_ID = ox.NamedNode("http://purl.org/dc/terms/identifier")
XSD = "http://www.w3.org/2001/XMLSchema#"
_DATATYPES = {XSD + "integer": "integer", XSD + "date": "date", XSD + "gYear": "gYear",
              XSD + "gYearMonth": "gYearMonth", XSD + "decimal": "decimal", XSD + "boolean": "boolean"}
MAX_TABLE_ROWS = 1_000_000


def english_label(store: ox.Store, node: ox.NamedNode) -> str | None:
    """skos:prefLabel, rdfs:label, dcterms:title or dcterms:identifier; English first."""
    for predicate in (SKOS_PREF, RDFS_LABEL, DCT_TITLE, DCT_ID):
        labels = [q.object for q in store.quads_for_pattern(node, predicate, None, None) if isinstance(q.object, ox.Literal)]
        if labels:
            english = [t for t in labels if t.language == "en"]
            return (english or labels)[0].value
    return None


def query_table(store: ox.Store, canned: CannedQuery, values: Mapping[str, str], version: DatasetVersion) -> Table:
    """A research query's answer as a clean table: parameter columns left out (they only
    echo the input), a ``<name>_label`` column after every IRI column that has no label
    column of its own, values as plain text (dates stay ISO)."""
    outcome = run_query(store, canned.text, substitutions=canned.bindings(values), max_rows=MAX_TABLE_ROWS)
    if outcome.kind != "select":
        raise CicagraphError(f"{canned.name} is a {outcome.kind.upper()} query, not a table",
                             hint="use `cicagraph queries NAME --format turtle` for graphs")
    params = {p.name for p in canned.params}
    variables = list(outcome.variables)
    keep = [i for i, v in enumerate(variables) if v not in params]
    columns: list[Column] = []
    makers = []  # per output column: row -> value
    for i in keep:
        name = variables[i]
        terms = [row[i] for row in outcome.rows if row[i] is not None]
        iri = bool(terms) and all(isinstance(t, ox.NamedNode) for t in terms)
        datatype = "anyURI" if iri else _datatype(terms)
        columns.append(Column(name, humanise(name), datatype))
        makers.append(lambda row, i=i: _plain(row[i]))
        if iri and (name + "Label") not in variables and (name + "_label") not in variables:
            cache: dict[str, str | None] = {}

            def label(row, i=i, cache=cache):
                term = row[i]
                if not isinstance(term, ox.NamedNode):
                    return None
                if term.value not in cache:
                    cache[term.value] = english_label(store, term)
                return cache[term.value]

            columns.append(Column(name + "_label", humanise(name) + " (name)", "string"))
            makers.append(label)
    rows = [tuple(make(row) for make in makers) for row in outcome.rows]
    shown = {k: v for k, v in values.items() if v}
    name = canned.name + "".join(f"-{k}-{v.rsplit('/', 1)[-1]}" for k, v in sorted(shown.items()))
    return Table(name, canned.title, columns, rows, version, canned.description,
                 {"query": canned.name, "parameters": dict(shown)}, canned.editor_text())


def _plain(term: object | None) -> str | int | None:
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value == XSD + "integer":
        try:
            return int(term.value)
        except ValueError:
            return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value  # type: ignore[attr-defined, no-any-return]


def _datatype(terms: Sequence[object]) -> str:
    kinds = {_DATATYPES.get(t.datatype.value, "string") if isinstance(t, ox.Literal) else "string" for t in terms}
    return kinds.pop() if len(kinds) == 1 else "string"


def panel_table(
    store: ox.Store,
    queries: Mapping[str, CannedQuery],
    *,
    forums: Sequence[str] = (),
    first: str = "1992",
    last: str | None = None,
    unit: str = "year",
    rule: str = "year-end",
    shape: str = "long",
    all_states: bool = False,
    version: DatasetVersion,
    spells: list[panel_module.Spell] | None = None,
) -> Table:
    """The membership panel (see :mod:`cicagraph.query.panel`) from user-level arguments;
    ``spells`` when the caller has them loaded already (the web app keeps them)."""
    query = queries.get(panel_module.SPELLS_QUERY)
    if query is None:
        raise CicagraphError(f"the research query {panel_module.SPELLS_QUERY!r} is missing from queries/")
    if unit not in ("year", "day"):
        raise CicagraphError(f"unit must be 'year' or 'day', not {unit!r}")
    if rule not in panel_module.RULES:
        raise CicagraphError(f"rule must be one of {', '.join(panel_module.RULES)}, not {rule!r}")
    if shape not in ("long", "wide"):
        raise CicagraphError(f"shape must be 'long' or 'wide', not {shape!r}")
    if spells is None:
        spells = panel_module.load_spells(store, query)
    chosen = panel_module.resolve_forums(forums, spells)
    first_day = panel_module.parse_bound(first, end=False)
    last_day = panel_module.parse_bound(last or str(dt.date.today().year), end=True)
    return panel_module.build_panel(
        spells, forums=chosen, first=first_day, last=last_day, unit=unit, rule=rule,  # type: ignore[arg-type]
        shape=shape, states=panel_module.state_population(store) if all_states else None,  # type: ignore[arg-type]
        version=version, sparql=query.editor_text(),
    )
