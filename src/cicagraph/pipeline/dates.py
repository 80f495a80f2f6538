"""Date bounds: every date of the data as the first and last day it can mean.

The data keeps dates at the precision a source gives (``xsd:date``, ``xsd:gYearMonth``,
``xsd:gYear``), which is right for a reference dataset and awkward for a query: "2014"
and "2014-05-20" do not compare as dates, and "member on 2014-03-01?" has no yes/no
answer when the start is only known to the year. At build time each date literal gets,
in the inferred graph, its bounds as ``xsd:date`` and its precision:

    ms:cica-QAT-member cg:startDate "2014"^^xsd:gYear .
    # derived:
    ms:cica-QAT-member cg:startEarliest "2014-01-01"^^xsd:date ;
                       cg:startLatest   "2014-12-31"^^xsd:date ;
                       cg:startPrecision "year" .

The same for ``cg:endDate`` (``cg:endEarliest`` …), ``cg:date`` and ``cg:asOf``. A fact
with no start has no start bounds: unknown stays unknown (never "since always").
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re

import rdflib
from rdflib.namespace import XSD

from cicagraph.config import ONTOLOGY_NS

log = logging.getLogger(__name__)

CG = rdflib.Namespace(ONTOLOGY_NS)

# The dated properties and the stem of their derived bounds (cg:<stem>Earliest, …Latest, …Precision).
DATE_PROPERTIES: dict[str, str] = {"startDate": "start", "endDate": "end", "date": "date", "asOf": "asOf"}
PRECISIONS: dict[str, str] = {str(XSD.date): "day", str(XSD.gYearMonth): "month", str(XSD.gYear): "year"}

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def bounds(lexical: str, datatype: str) -> tuple[dt.date, dt.date, str] | None:
    """``(earliest, latest, precision)`` of a date literal; ``None`` when it is not one of
    the three datatypes or not a real date (validation reports those)."""
    precision = PRECISIONS.get(datatype)
    try:
        if precision == "day" and (m := _DAY.match(lexical)):
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            return day, day, precision
        if precision == "month" and (m := _MONTH.match(lexical)):
            year, month = int(m[1]), int(m[2])
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]), precision
        if precision == "year" and (m := _YEAR.match(lexical)):
            year = int(m[1])
            return dt.date(year, 1, 1), dt.date(year, 12, 31), precision
    except ValueError:
        return None
    return None


def bound_terms(stem: str) -> tuple[rdflib.URIRef, rdflib.URIRef, rdflib.URIRef]:
    return CG[stem + "Earliest"], CG[stem + "Latest"], CG[stem + "Precision"]


def date_bounds(data: rdflib.Graph) -> rdflib.Graph:
    """The bounds of every date literal in ``data`` (a new graph, for the inferred graph)."""
    derived = rdflib.Graph()
    for name, stem in DATE_PROPERTIES.items():
        earliest_p, latest_p, precision_p = bound_terms(stem)
        for subject, value in data.subject_objects(CG[name]):
            if not isinstance(value, rdflib.Literal) or value.datatype is None:
                continue
            found = bounds(str(value), str(value.datatype))
            if found is None:
                continue
            earliest, latest, precision = found
            derived.add((subject, earliest_p, rdflib.Literal(earliest.isoformat(), datatype=XSD.date)))
            derived.add((subject, latest_p, rdflib.Literal(latest.isoformat(), datatype=XSD.date)))
            derived.add((subject, precision_p, rdflib.Literal(precision)))
    log.info("date bounds: %d triples", len(derived))
    return derived
