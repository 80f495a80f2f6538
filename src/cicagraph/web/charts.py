"""Charts as SVG rendered on the server: membership timelines and member-count step charts.

Server-side SVG rather than a JavaScript charting library: the pictures need no script
(so the Content-Security-Policy stays ``script-src 'self'`` and the pages work with
scripting off), print and screenshot as they are, stay offline, and add no npm dependency
to vendor and audit. Hover text is SVG ``<title>``; every chart has a table beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from markupsafe import Markup, escape

from cicagraph.query.panel import Spell
from cicagraph.web.terms import local_href

STATUS_COLOURS = {"member": "#1f5fa8", "associate": "#2a9d8f", "observer": "#e08a00", "unknown": "#8c96a3"}
STATUS_LABELS = {"member": "member", "associate": "associate / partner", "observer": "observer"}
LABEL_WIDTH = 190
PLOT_WIDTH = 760
ROW_HEIGHT = 18
AXIS_HEIGHT = 26
UNDATED_LEAD_YEARS = 1.5  # length of the dashed "start unknown" lead-in before an attestation


@dataclass(frozen=True)
class Row:
    """One line of a timeline: a label (and link) and the spells drawn on it."""

    key: str
    label: str
    href: str
    spells: tuple[Spell, ...]


def _year_fraction(day: dt.date) -> float:
    start = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


class _Scale:
    def __init__(self, first_year: int, last_year: int) -> None:
        self.first, self.last = first_year, last_year + 1

    def x(self, day: dt.date | float) -> float:
        value = _year_fraction(day) if isinstance(day, dt.date) else day
        value = min(max(value, self.first), self.last)
        return LABEL_WIDTH + (value - self.first) / (self.last - self.first) * PLOT_WIDTH

    def ticks(self) -> list[int]:
        span = self.last - self.first
        step = 1 if span <= 12 else 2 if span <= 24 else 5
        return [y for y in range(self.first, self.last + 1) if y % step == 0]


def _axis(scale: _Scale, height: float) -> list[str]:
    parts = [f'<line class="axis" x1="{LABEL_WIDTH}" y1="{AXIS_HEIGHT - 4}" x2="{LABEL_WIDTH + PLOT_WIDTH}" y2="{AXIS_HEIGHT - 4}" stroke="#9aa5b1"/>']
    for year in scale.ticks():
        x = scale.x(float(year))
        parts.append(f'<line x1="{x:.1f}" y1="{AXIS_HEIGHT - 8}" x2="{x:.1f}" y2="{height}" stroke="#e6ebf0"/>')
        parts.append(f'<text x="{x:.1f}" y="{AXIS_HEIGHT - 11}" font-size="11" text-anchor="middle" fill="#4a5563">{year}</text>')
    return parts


def _marker(scale: _Scale, on: dt.date | None, height: float) -> list[str]:
    if on is None:
        return []
    x = scale.x(on)
    return [f'<line class="as-of" x1="{x:.1f}" y1="{AXIS_HEIGHT - 6}" x2="{x:.1f}" y2="{height}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="4 3"/>',
            f'<text x="{x - 3:.1f}" y="{height - 2}" font-size="10" text-anchor="end" fill="#c0392b">{on.isoformat()}</text>']


def spell_description(spell: Spell) -> str:
    """The hover text of a bar: who, what, dates as the sources give them, sources, quote."""
    when = []
    if spell.start:
        when.append(f"from {spell.start}")
    elif spell.as_of:
        when.append(f"start unknown; attested {spell.as_of}")
    else:
        when.append("no date in the sources")
    when.append(f"until {spell.end}" if spell.end else "no end recorded")
    text = f"{spell.state_label} — {spell.role_labels} of {spell.forum_label}, {', '.join(when)}"
    if spell.sources:
        text += f". Sources: {spell.sources}"
    if spell.quotes:
        text += f". “{spell.quotes.split(' | ')[0]}”"
    return text


def _bar(scale: _Scale, spell: Spell, y: float, today: dt.date) -> str:
    colour = STATUS_COLOURS.get(spell.status, STATUS_COLOURS["unknown"])
    h = ROW_HEIGHT - 6
    parts: list[str] = []
    if spell.start_latest is not None:
        solid_from = spell.start_latest
        if spell.start_earliest and spell.start_earliest < spell.start_latest:  # a start known to the year or month
            x0, x1 = scale.x(spell.start_earliest), scale.x(spell.start_latest)
            parts.append(f'<rect class="imprecise" x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 1):.1f}" height="{h}" fill="{colour}" opacity="0.35"/>')
    elif spell.as_of_latest is not None:
        solid_from = spell.as_of_latest
        x1 = scale.x(solid_from)
        x0 = scale.x(_year_fraction(solid_from) - UNDATED_LEAD_YEARS)
        parts.append(f'<line class="undated-start" x1="{x0:.1f}" y1="{y + h / 2:.1f}" x2="{x1:.1f}" y2="{y + h / 2:.1f}" stroke="{colour}" stroke-width="2" stroke-dasharray="2 3"/>')
        parts.append(f'<text x="{x0 - 2:.1f}" y="{y + h - 2:.1f}" font-size="11" text-anchor="end" fill="{colour}">?</text>')
    else:
        parts.append(f'<text class="no-dates" x="{LABEL_WIDTH + 4}" y="{y + h - 2:.1f}" font-size="11" fill="{colour}">{escape(spell.role_labels)}: no date in the sources</text>')
        return "".join(parts)
    end = spell.end_earliest
    x_from = scale.x(solid_from)
    x_to = scale.x(end) if end else scale.x(today)
    parts.append(f'<rect class="solid" x="{x_from:.1f}" y="{y:.1f}" width="{max(x_to - x_from, 2):.1f}" height="{h}" fill="{colour}"/>')
    if end and spell.end_latest and spell.end_latest > end:
        x2 = scale.x(spell.end_latest)
        parts.append(f'<rect class="imprecise" x="{x_to:.1f}" y="{y:.1f}" width="{max(x2 - x_to, 1):.1f}" height="{h}" fill="{colour}" opacity="0.35"/>')
    if not end:  # still held: an open arrow at the right edge
        parts.append(f'<polygon class="open-end" points="{x_to:.1f},{y - 1:.1f} {x_to + 7:.1f},{y + h / 2:.1f} {x_to:.1f},{y + h + 1:.1f}" fill="{colour}"/>')
    return "".join(parts)


def timeline_svg(rows: Sequence[Row], *, first_year: int, last_year: int, on: dt.date | None = None,
                 today: dt.date | None = None, title: str = "") -> Markup:
    """One line per row, one bar per spell coloured by status; open-ended bars end in an
    arrow, undated starts show a dashed lead-in and "?", imprecise dates a pale band."""
    today = today or dt.date.today()
    scale = _Scale(first_year, last_year)
    height = AXIS_HEIGHT + ROW_HEIGHT * max(len(rows), 1) + 14
    width = LABEL_WIDTH + PLOT_WIDTH + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    parts += _axis(scale, height - 14)
    for i, row in enumerate(rows):
        y = AXIS_HEIGHT + i * ROW_HEIGHT + 3
        parts.append(f'<a href="{escape(row.href)}"><text class="row-label" x="{LABEL_WIDTH - 6}" y="{y + ROW_HEIGHT - 8}" font-size="12" text-anchor="end" fill="#1d2430">{escape(row.label)}</text></a>')
        for spell in row.spells:
            parts.append(
                f'<a href="{escape(_local(spell.membership))}"><g class="bar {spell.status}{" undated" if spell.undated_start else ""}{" open" if not spell.end_earliest else ""}" '
                f'data-state="{escape(spell.iso3)}" data-forum="{escape(spell.forum_slug)}" data-status="{spell.status}">'
                f"<title>{escape(spell_description(spell))}</title>{_bar(scale, spell, y, today)}</g></a>"
            )
    parts += _marker(scale, on, height - 14)
    parts.append("</svg>")
    return Markup("".join(parts))


def _local(iri: str) -> str:
    return local_href(iri)


@dataclass(frozen=True)
class CountPoint:
    year: int
    known: int
    undated: int
    observers: int


@dataclass(frozen=True)
class ClaimPoint:
    day: dt.date
    count: int
    role: str  # member / observer / other
    text: str
    href: str


def counts_svg(points: Sequence[CountPoint], claims: Iterable[ClaimPoint], *, on: dt.date | None = None, title: str = "") -> Markup:
    """Members at each year's end as a step line, the undated ones as a band above it,
    observer states as a second step line, and the sources' count claims as dots."""
    claims = list(claims)
    if not points:
        return Markup('<p class="muted">No dated memberships to count.</p>')
    scale = _Scale(points[0].year, points[-1].year)
    top = max([p.known + p.undated for p in points] + [p.observers for p in points] + [c.count for c in claims] + [1])
    plot_h = 260
    height = AXIS_HEIGHT + plot_h + 30
    width = LABEL_WIDTH + PLOT_WIDTH + 20

    def y(v: float) -> float:
        return AXIS_HEIGHT + plot_h - v / top * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart counts" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    parts += _axis(scale, AXIS_HEIGHT + plot_h)
    step = max(1, top // 6)
    for v in range(0, top + 1, step):
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end" fill="#4a5563">{v}</text>')
        parts.append(f'<line x1="{LABEL_WIDTH}" y1="{y(v):.1f}" x2="{LABEL_WIDTH + PLOT_WIDTH}" y2="{y(v):.1f}" stroke="#eef2f6"/>')

    def steps(values: list[float]) -> str:
        d = []
        for p, v in zip(points, values):
            x0, x1 = scale.x(float(p.year)), scale.x(float(p.year + 1))
            d.append(f"{'M' if not d else 'L'}{x0:.1f},{y(v):.1f} L{x1:.1f},{y(v):.1f}")
        return " ".join(d)

    band_top = [p.known + p.undated for p in points]
    band = steps(band_top) + " " + " ".join(
        f"L{scale.x(float(p.year + 1)):.1f},{y(p.known):.1f} L{scale.x(float(p.year)):.1f},{y(p.known):.1f}" for p in reversed(points)) + " Z"
    parts.append(f'<path class="undated-band" d="{band}" fill="{STATUS_COLOURS["unknown"]}" opacity="0.25"><title>members whose start the sources do not date (upper bound)</title></path>')
    parts.append(f'<path class="members-line" d="{steps([p.known for p in points])}" fill="none" stroke="{STATUS_COLOURS["member"]}" stroke-width="2.5"><title>member states known at the end of each year</title></path>')
    parts.append(f'<path class="observers-line" d="{steps([p.observers for p in points])}" fill="none" stroke="{STATUS_COLOURS["observer"]}" stroke-width="2"><title>observer states known at the end of each year</title></path>')
    for c in claims:
        colour = STATUS_COLOURS.get(c.role, "#6c3483")
        parts.append(f'<a href="{escape(c.href)}"><circle class="claim {escape(c.role)}" cx="{scale.x(c.day):.1f}" cy="{y(c.count):.1f}" r="4.5" fill="#fff" stroke="{colour}" stroke-width="2"><title>{escape(c.text)}</title></circle></a>')
    parts += _marker(scale, on, AXIS_HEIGHT + plot_h)
    legend = [("members (known)", STATUS_COLOURS["member"]), ("+ undated members", STATUS_COLOURS["unknown"]),
              ("observer states", STATUS_COLOURS["observer"]), ("○ count stated by a source", "#4a5563")]
    x = LABEL_WIDTH
    for text, colour in legend:
        parts.append(f'<text x="{x}" y="{height - 8}" font-size="11" fill="{colour}">■ {escape(text)}</text>' if not text.startswith("○") else
                     f'<text x="{x}" y="{height - 8}" font-size="11" fill="{colour}">{escape(text)}</text>')
        x += 170
    parts.append("</svg>")
    return Markup("".join(parts))


def legend_html() -> Markup:
    items = "".join(f'<span class="legend-item"><span class="swatch" data-status="{k}"></span>{escape(v)}</span>' for k, v in STATUS_LABELS.items())
    return Markup(
        f'<p class="legend">{items}<span class="legend-item">▶ still held</span>'
        '<span class="legend-item">┄ ? start not dated (attested only)</span><span class="legend-item">pale: date known only to the year or month</span></p>'
    )
