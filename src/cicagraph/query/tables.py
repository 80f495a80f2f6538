"""Plain-text tables of query results for the terminal."""

from __future__ import annotations

import pyoxigraph as ox

from cicagraph.query.sparql import QueryOutcome

MAX_CELL = 80


def _cell(term: object | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        text = term.value
    elif isinstance(term, ox.Literal):
        text = term.value + (f"@{term.language}" if term.language else "")
    elif isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    else:
        text = str(term)
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def render_table(outcome: QueryOutcome) -> str:
    """SELECT rows as an aligned table; ASK as yes/no; CONSTRUCT/DESCRIBE as N-Triples."""
    if outcome.kind == "ask":
        return "yes" if outcome.boolean else "no"
    if outcome.kind in ("construct", "describe"):
        return "\n".join(str(t) + " ." for t in outcome.triples)
    header = list(outcome.variables)
    body = [[_cell(value) for value in row] for row in outcome.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines)
