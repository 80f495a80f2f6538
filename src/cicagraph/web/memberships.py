"""The memberships of states in forums (the research query ``membership-spells``), loaded once
per app and shared by the views, the panel and the state and forum pages."""

from __future__ import annotations

from cicagraph.query.panel import SPELLS_QUERY, Spell, load_spells
from cicagraph.query.queries import CannedQuery
from cicagraph.web.context import ctx
from cicagraph.web.errors import NotFound


def spells_query() -> CannedQuery:
    query = ctx().queries.get(SPELLS_QUERY)
    if query is None:
        raise NotFound(f"the membership views need the research query {SPELLS_QUERY!r}",
                       hint=f"add queries/{SPELLS_QUERY}.rq to the project")
    return query


def spells() -> list[Spell]:
    """Every membership of a state, loaded once per app (the graph is read-only)."""
    context = ctx()
    memo = context.memo
    if "spells" not in memo:
        memo["spells"] = load_spells(context.store, spells_query())
    return memo["spells"]  # type: ignore[no-any-return]
