"""What the data covers, and whether the gap list (``data/gaps.ttl``) agrees with the data.

``coverage_report(project_or_graph)`` returns a :class:`CoverageReport` with

* per forum: how many memberships have a start date, an end date, only a ``cg:asOf``
  (attested at a date, start unknown), or none of these;
* the n-ary facts and how many carry a quote for every one of their sources (the
  ``prov:qualifiedDerivation`` pattern of docs/data-model.md), for at least one, or none;
* every ``cg:Gap`` with its status (open / closed / searched-not-found), the facts it
  concerns, its closing sources or the queries tried;
* consistency: a gap is *inconsistent* when the data contradicts its status. A gap names what
  is missing with ``cg:missingProperty`` (the concerned resources lack it, e.g. cg:startDate,
  optionally with ``cg:requiredPrecision`` year / month / day) or
  ``cg:missingInverseProperty`` (no resource points to the concerned one with it, e.g. no
  ``cg:coordinatedConcept`` — for that property only coordinations with ``role:coordinator``
  count, co-coordinators do not). Open and searched-not-found gaps need at least one
  concerned resource that still lacks it; closed gaps need none. Also inconsistent: a closed
  gap without ``prov:wasDerivedFrom``, a searched-not-found gap without ``cg:searchQuery``, an
  unknown status, or a gap concerning a resource the data does not declare.

``report.ok`` is False when any gap is inconsistent; ``cicagraph coverage`` exits 1 then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from cicagraph.config import Project

CG = rdflib.Namespace("https://w3id.org/cicagraph/ontology#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
ROLE = rdflib.Namespace("https://w3id.org/cicagraph/id/role/")

STATUSES = ("open", "closed", "searched-not-found")
FACT_CLASSES = (ORG.Membership, CG.Tenure, CG.Coordination, CG.Event, CG.Adoption, CG.Decision, CG.Claim, CG.Proposal)
PRECISION_RANK = {"year": 1, "month": 2, "day": 3}


@dataclass
class ForumCoverage:
    forum: str
    label: str
    memberships: int = 0
    with_start: int = 0
    with_end: int = 0
    only_as_of: int = 0
    undated: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"forum": self.forum, "label": self.label, "memberships": self.memberships,
                "with_start": self.with_start, "with_end": self.with_end,
                "only_as_of": self.only_as_of, "undated": self.undated}


@dataclass
class QuoteCoverage:
    facts: int = 0
    quote_per_source: int = 0
    some_quotes: int = 0
    no_quote: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"facts": self.facts, "quote_per_source": self.quote_per_source,
                "some_quotes": self.some_quotes, "no_quote": self.no_quote}


@dataclass
class GapStatus:
    gap: str
    label: str
    status: str
    concerns: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    missing: str | None = None
    lacking: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"gap": self.gap, "label": self.label, "status": self.status, "concerns": self.concerns,
                "sources": self.sources, "queries": self.queries, "missing": self.missing,
                "lacking": self.lacking, "consistent": self.consistent, "problems": self.problems}


@dataclass
class CoverageReport:
    forums: list[ForumCoverage]
    quotes: QuoteCoverage
    gaps: list[GapStatus]

    @property
    def ok(self) -> bool:
        return all(g.consistent for g in self.gaps)

    @property
    def inconsistent(self) -> list[GapStatus]:
        return [g for g in self.gaps if not g.consistent]

    def gap_counts(self) -> dict[str, int]:
        return {s: sum(1 for g in self.gaps if g.status == s) for s in STATUSES}

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "forums": [f.as_dict() for f in self.forums],
            "quotes": self.quotes.as_dict(),
            "gap_counts": self.gap_counts(),
            "gaps": [g.as_dict() for g in self.gaps],
        }

    def to_text(self) -> str:
        lines = ["Memberships per forum (start date / end date / only cg:asOf / undated):"]
        width = max([len(f.label) for f in self.forums] + [5])
        for f in self.forums:
            lines.append(f"  {f.label:<{width}}  {f.memberships:>3} memberships: {f.with_start:>3} with start, "
                         f"{f.with_end:>3} with end, {f.only_as_of:>3} only asOf, {f.undated:>3} undated")
        q = self.quotes
        lines += ["", f"Facts with a quote for every source: {q.quote_per_source} of {q.facts} "
                      f"({q.some_quotes} with quotes for some sources, {q.no_quote} without a quote)", ""]
        counts = self.gap_counts()
        lines.append(f"Gaps: {len(self.gaps)} ({counts['open']} open, {counts['closed']} closed, "
                     f"{counts['searched-not-found']} searched, not found)")
        for status in STATUSES:
            for g in (g for g in self.gaps if g.status == status):
                extra = ""
                if g.status == "closed" and g.sources:
                    extra = " — by " + ", ".join(_short(s) for s in g.sources)
                elif g.status == "searched-not-found":
                    extra = f" — {len(g.queries)} queries tried"
                lines.append(f"  [{g.status}] {_short(g.gap)}: {g.label}{extra}")
        for status in sorted({g.status for g in self.gaps} - set(STATUSES)):
            for g in (g for g in self.gaps if g.status == status):
                lines.append(f"  [{g.status}] {_short(g.gap)}: {g.label}")
        lines.append("")
        if self.ok:
            lines.append("Gap list consistent with the data.")
        else:
            lines.append(f"INCONSISTENT: {len(self.inconsistent)} gap(s) disagree with the data:")
            for g in self.inconsistent:
                for problem in g.problems:
                    lines.append(f"  {_short(g.gap)}: {problem}")
        return "\n".join(lines)


def _short(iri: str) -> str:
    for prefix, ns in (("gap:", "https://w3id.org/cicagraph/id/gap/"), ("src:", "https://w3id.org/cicagraph/id/source/"),
                       ("", "https://w3id.org/cicagraph/id/")):
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return iri


def _precision(value: rdflib.term.Node) -> int:
    if isinstance(value, rdflib.Literal):
        if value.datatype == XSD.date:
            return 3
        if value.datatype == XSD.gYearMonth:
            return 2
        return 1
    return 3


def _short_label(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    """The label if it is short, else an acronym (a short English skos:altLabel such as "CICA")
    if there is one, else the label."""
    label = _label(graph, node)
    if len(label) <= 10:
        return label
    acronyms = sorted((str(a) for a in graph.objects(node, SKOS.altLabel)
                       if getattr(a, "language", None) == "en" and len(a) <= 10 and str(a).replace("-", "").isupper()), key=lambda a: (-len(a), a))
    return acronyms[0] if acronyms else label


def _label(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    labels = list(graph.objects(node, SKOS.prefLabel))
    en = [l for l in labels if getattr(l, "language", None) == "en"]
    return str((en or labels or [_short(str(node))])[0])


def _load(source: Any) -> rdflib.Graph:
    """The data (and ontology, for the class hierarchy) as one rdflib graph."""
    if isinstance(source, rdflib.Graph):
        return source
    if isinstance(source, (str, Path)):
        source = Project(Path(source))
    if isinstance(source, Project):
        from cicagraph.pipeline.load import load_inputs

        inputs = load_inputs(source)
        graph = rdflib.Graph()
        for part in (inputs.data, inputs.ontology):
            for triple in part:
                graph.add(triple)
        return graph
    try:  # a pyoxigraph store (e.g. the built dataset): copy its quads as triples
        import pyoxigraph as ox

        if isinstance(source, ox.Store):
            from cicagraph.pipeline.load import _ox_to_rdflib

            graph = rdflib.Graph()
            for quad in source:
                graph.add((_ox_to_rdflib(quad.subject), _ox_to_rdflib(quad.predicate), _ox_to_rdflib(quad.object)))
            return graph
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"coverage_report() needs a Project, a project path, an rdflib.Graph or a pyoxigraph Store, not {type(source).__name__}")


def _instances(graph: rdflib.Graph, cls: rdflib.URIRef) -> set[rdflib.term.Node]:
    classes = set(graph.transitive_subjects(RDFS.subClassOf, cls)) | {cls}
    return {s for c in classes for s in graph.subjects(RDF.type, c)}


def _forums(graph: rdflib.Graph) -> list[ForumCoverage]:
    by_forum: dict[rdflib.term.Node, ForumCoverage] = {}
    for ms in _instances(graph, ORG.Membership):
        forum = graph.value(ms, ORG.organization)
        if forum is None:
            continue
        fc = by_forum.setdefault(forum, ForumCoverage(str(forum), _short_label(graph, forum)))
        fc.memberships += 1
        start = graph.value(ms, CG.startDate) is not None
        end = graph.value(ms, CG.endDate) is not None
        as_of = graph.value(ms, CG.asOf) is not None
        fc.with_start += start
        fc.with_end += end
        fc.only_as_of += as_of and not start
        fc.undated += not (start or as_of)
    return sorted(by_forum.values(), key=lambda f: (-f.memberships, f.label))


def _quotes(graph: rdflib.Graph) -> QuoteCoverage:
    qc = QuoteCoverage()
    facts = set().union(*(_instances(graph, c) for c in FACT_CLASSES))
    for fact in facts:
        sources = set(graph.objects(fact, PROV.wasDerivedFrom))
        if not sources:
            continue
        qc.facts += 1
        quoted = {graph.value(d, PROV.entity) for d in graph.objects(fact, PROV.qualifiedDerivation)
                  if graph.value(d, CG.quote) is not None}
        if sources <= quoted:
            qc.quote_per_source += 1
        elif quoted & sources:
            qc.some_quotes += 1
        else:
            qc.no_quote += 1
    return qc


def _lacks(graph: rdflib.Graph, resource: rdflib.term.Node, prop: rdflib.URIRef, inverse: bool, precision: int) -> bool:
    if inverse:
        pointing = list(graph.subjects(prop, resource))
        if prop == CG.coordinatedConcept:
            pointing = [s for s in pointing if (s, ORG.role, ROLE.coordinator) in graph]
        return not pointing
    return not any(_precision(v) >= precision for v in graph.objects(resource, prop))


def _gaps(graph: rdflib.Graph) -> list[GapStatus]:
    gaps = []
    for gap in sorted(graph.subjects(RDF.type, CG.Gap), key=str):
        status = str(graph.value(gap, CG.gapStatus) or "")
        gs = GapStatus(
            gap=str(gap), label=_label(graph, gap), status=status,
            concerns=sorted(str(c) for c in graph.objects(gap, CG.concerns)),
            sources=sorted(str(s) for s in graph.objects(gap, PROV.wasDerivedFrom)),
            queries=sorted(str(q) for q in graph.objects(gap, CG.searchQuery)),
        )
        if status not in STATUSES:
            gs.problems.append(f"status {status!r} is not one of {', '.join(STATUSES)}")
        if status == "closed" and not gs.sources:
            gs.problems.append("closed, but names no closing source (prov:wasDerivedFrom)")
        if status == "searched-not-found" and not gs.queries:
            gs.problems.append("searched-not-found, but lists no cg:searchQuery")
        for concerned in graph.objects(gap, CG.concerns):
            if (concerned, RDF.type, None) not in graph:
                gs.problems.append(f"concerns {_short(str(concerned))}, which the data does not declare")
        prop = graph.value(gap, CG.missingProperty)
        inverse_prop = graph.value(gap, CG.missingInverseProperty)
        if prop is not None or inverse_prop is not None:
            inverse = prop is None
            prop = inverse_prop if inverse else prop
            precision = PRECISION_RANK.get(str(graph.value(gap, CG.requiredPrecision) or "year"), 1)
            gs.missing = ("^" if inverse else "") + (("cg:" + prop[len(str(CG)):]) if str(prop).startswith(str(CG)) else str(prop))
            gs.lacking = sorted(str(c) for c in graph.objects(gap, CG.concerns) if _lacks(graph, c, prop, inverse, precision))
            if status in ("open", "searched-not-found") and gs.concerns and not gs.lacking:
                gs.problems.append(f"listed as {status}, but every concerned resource now has {gs.missing}: close the gap with its source")
            if status == "closed" and gs.lacking:
                gs.problems.append(f"listed as closed, but {', '.join(_short(c) for c in gs.lacking)} still lack(s) {gs.missing}")
        gaps.append(gs)
    return gaps


def coverage_report(project_or_store: Any) -> CoverageReport:
    """The coverage of ``project_or_store``: a :class:`~cicagraph.config.Project` (or its root
    path: its data/ and ontology/ are loaded), an ``rdflib.Graph`` holding data (and, for
    subclasses of the fact classes, the ontology), or a pyoxigraph ``Store`` such as the built
    dataset."""
    graph = _load(project_or_store)
    return CoverageReport(forums=_forums(graph), quotes=_quotes(graph), gaps=_gaps(graph))
