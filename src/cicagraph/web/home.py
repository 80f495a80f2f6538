"""``/``: the landing page (what the dataset is, what it holds, where to start, how to cite),
``/browse/<kind>`` lists, ``/search`` over every label in every language, and
``/coverage`` (what the data leaves out, from ``docs/data-coverage.md``)."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request, url_for
from markupsafe import Markup

from cicagraph.tabular import LICENSE, Column, Table
from cicagraph.web import titles
from cicagraph.web.context import ctx
from cicagraph.web.errors import NotFound
from cicagraph.web.negotiate import negotiate
from cicagraph.web.tables import table_response
from cicagraph.web.terms import local_href

bp = Blueprint("home", __name__)

CG = "https://w3id.org/cicagraph/ontology#"
ORG_NS = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str
    classes: tuple[str, ...]
    description: str


KINDS: tuple[Kind, ...] = (
    Kind("forums", "Forums and organizations", (CG + "IntergovernmentalBody",), "CICA, the SCO, ASEAN, the ARF and the other bodies"),
    Kind("states", "States", (CG + "State",), "with ISO 3166-1 codes and Wikidata items"),
    Kind("memberships", "Memberships", (ORG_NS + "Membership",), "who held which status in which forum, when, by which source"),
    Kind("meetings", "Meetings", (CG + "Meeting",), "summits, ministerial and senior officials' meetings"),
    Kind("documents", "Documents", (CG + "Document",), "declarations, charters, conventions, action plans"),
    Kind("adoptions", "Adoptions", (CG + "Adoption",), "which meeting adopted or signed which document"),
    Kind("people", "People", (CG + "Person",), "heads of state, secretaries general, executive directors"),
    Kind("claims", "Claims", (CG + "Claim",), "statements attributed to a source, kept where sources disagree"),
    Kind("sources", "Sources", (CG + "Source",), "the articles and web pages every fact cites"),
    Kind("concepts", "CBM areas, issues and principles", (SKOS + "Concept",), "the CICA Catalogue of CBMs, security issues, principles"),
)
KIND_BY_SLUG = {k.slug: k for k in KINDS}
SEARCH_PREDICATES = (SKOS + "prefLabel", SKOS + "altLabel", "http://www.w3.org/2000/01/rdf-schema#label",
                     "http://purl.org/dc/terms/title", "http://purl.org/dc/terms/identifier")
MAX_SEARCH_RESULTS = 50
MIN_QUERY_LENGTH = 2
EXAMPLE_QUESTIONS = (
    ("Which states were CICA members at the end of each year?", "views.counts", {"forum": "cica"}),
    ("When did each state join CICA, and as what?", "views.timeline", {"forum": "cica"}),
    ("Which states sat in CICA, the SCO and ASEAN at once, on 30 June 2014?", "views.overlap", {"on": "2014-06-30"}),
    ("Which states are in both CICA and the SCO, since when?", "queries.run", {"name": "cica-and-sco-states"}),
    ("Which documents did each summit adopt, and which source says so?", "queries.run", {"name": "documents-adopted-at-summits"}),
    ("Which CBM areas does each member coordinate?", "queries.run", {"name": "coordinators-by-state"}),
)


def _union(query: str):
    return ctx().store.query(query, use_default_graph_as_union=True)  # type: ignore[union-attr]


def _class_filter(kind: Kind) -> str:
    return "VALUES ?class { " + " ".join(f"<{c}>" for c in kind.classes) + " } ?s a ?class ."


def kind_counts() -> list[tuple[Kind, int]]:
    memo = ctx().memo
    if "kind_counts" not in memo:
        counts = []
        for kind in KINDS:
            row = next(iter(_union(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {_class_filter(kind)} }}")))
            counts.append((kind, int(row["n"].value)))
        memo["kind_counts"] = counts
    return memo["kind_counts"]  # type: ignore[no-any-return]


def date_range() -> tuple[str, str] | None:
    """The first and last day that any dated fact can mean (from the date bounds)."""
    memo = ctx().memo
    if "date_range" not in memo:
        row = next(iter(_union(f"""SELECT (MIN(?lo) AS ?first) (MAX(?hi) AS ?last) WHERE {{
  VALUES (?early ?late) {{ (<{CG}startEarliest> <{CG}startLatest>) (<{CG}dateEarliest> <{CG}dateLatest>)
                          (<{CG}asOfEarliest> <{CG}asOfLatest>) (<{CG}endEarliest> <{CG}endLatest>) }}
  ?s ?early ?lo ; ?late ?hi .
}}""")))
        memo["date_range"] = (row["first"].value, row["last"].value) if row["first"] else None
    return memo["date_range"]  # type: ignore[no-any-return]


@bp.route("/")
def index() -> str:
    """What the dataset is, what it holds, where to start, how to cite it."""
    context = ctx()
    examples = [(text, url_for(endpoint, **args)) for text, endpoint, args in EXAMPLE_QUESTIONS
                if endpoint != "queries.run" or args["name"] in context.queries]
    return render_template("home.html", counts=kind_counts(), dates=date_range(), version=context.version,
                           examples=examples, license=LICENSE, triples=sum(context.counts.values()))


# --- browse -----------------------------------------------------------------------------------


def browse_items(kind: Kind) -> list[dict[str, str]]:
    store = ctx().store
    rows = _union(f"SELECT DISTINCT ?s WHERE {{ {_class_filter(kind)} FILTER(isIRI(?s)) }}")
    items = []
    for row in rows:
        node = row["s"]
        label = _title(store, node)
        items.append({"iri": node.value, "href": local_href(node.value), "label": label})
    return sorted(items, key=lambda i: (i["label"].lower(), i["iri"]))


def _title(store: ox.Store, node: ox.NamedNode) -> str:
    """The name pages show: a label, else the generated title of a fact or a source."""
    return titles.title(store, node) or node.value.rsplit("/", 1)[-1]


@bp.route("/browse/<kind>")
def browse(kind: str) -> str:
    k = KIND_BY_SLUG.get(kind)
    if k is None:
        raise NotFound(f"nothing to browse called {kind!r}", hint="kinds: " + ", ".join(KIND_BY_SLUG))
    return render_template("browse.html", kind=k, items=browse_items(k), kinds=KINDS, sparql_url=_browse_sparql(k))


def _browse_sparql(kind: Kind) -> str:
    from urllib.parse import quote, urlencode

    query = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
             f"SELECT DISTINCT ?s ?label WHERE {{\n  {_class_filter(kind)}\n"
             "  OPTIONAL { ?s skos:prefLabel ?label FILTER(LANG(?label) = \"en\") }\n} ORDER BY ?label ?s")
    return url_for("ui.index") + "#" + urlencode({"query": query}, quote_via=quote)


@bp.route("/browse/<kind>.<path:ext>")
def browse_table(kind: str, ext: str) -> Response:
    k = KIND_BY_SLUG.get(kind)
    if k is None:
        raise NotFound(f"nothing to browse called {kind!r}", hint="kinds: " + ", ".join(KIND_BY_SLUG))
    rows = [(i["iri"], i["label"]) for i in browse_items(k)]
    table = Table(f"browse-{k.slug}", k.title, [Column("iri", "IRI", "anyURI"), Column("label", "Name")], rows, ctx().version)
    return table_response(table, ext)


# --- search -----------------------------------------------------------------------------------


def _label_index() -> list[tuple[str, str, str, str]]:
    """(folded label, label, language, IRI) of every name in every language; built once."""
    memo = ctx().memo
    if "labels" not in memo:
        index = []
        store = ctx().store
        for predicate in SEARCH_PREDICATES:
            for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
                    index.append((quad.object.value.casefold(), quad.object.value, quad.object.language or "", quad.subject.value))
        memo["labels"] = index
    return memo["labels"]  # type: ignore[no-any-return]


# What a search result is, most specific first (a summit is a meeting is an event).
RESULT_KINDS: tuple[tuple[str, str], ...] = (
    (CG + "State", "state"), (CG + "IntergovernmentalBody", "forum"), (CG + "Organ", "organ"),
    (CG + "Person", "person"), (CG + "Meeting", "meeting"), (CG + "Document", "document"),
    (CG + "Source", "source"), (CG + "CountClaim", "count claim"), (CG + "Claim", "claim"),
    (CG + "Proposal", "proposal"), (CG + "Initiative", "initiative"), (CG + "Decision", "decision"),
    (CG + "Tenure", "tenure"), (ORG_NS + "Membership", "membership"), (CG + "Event", "event"),
    (CG + "Place", "place"), (SKOS + "Concept", "concept"),
)


def _kind_of(iri: str) -> str:
    memo = ctx().memo
    kinds = memo.get("kind_of")
    if kinds is None:
        kinds = {}
        for cls, name in reversed(RESULT_KINDS):  # the most specific kind is written last
            for row in _union(f"SELECT DISTINCT ?s WHERE {{ ?s a <{cls}> }}"):
                kinds[row["s"].value] = name
        memo["kind_of"] = kinds
    return kinds.get(iri, "other")  # type: ignore[no-any-return]


def search(q: str) -> list[dict[str, object]]:
    """Resources whose name in any language contains ``q`` (case-insensitive), names that
    start with it first; one entry per resource with every matching name."""
    needle = q.strip().casefold()
    if len(needle) < MIN_QUERY_LENGTH:
        return []
    hits: dict[str, dict[str, object]] = {}
    for folded, label, lang, iri in _label_index():
        position = folded.find(needle)
        if position < 0:
            continue
        hit = hits.setdefault(iri, {"iri": iri, "href": local_href(iri), "names": [], "rank": (2, 0)})
        hit["names"].append({"text": label, "lang": lang})  # type: ignore[union-attr]
        hit["rank"] = min(hit["rank"], (0 if position == 0 else 1, len(folded)))  # type: ignore[type-var]
    store = ctx().store
    results = []
    for hit in sorted(hits.values(), key=lambda h: (h["rank"], h["iri"]))[:MAX_SEARCH_RESULTS]:
        hit["label"] = _title(store, ox.NamedNode(hit["iri"]))  # type: ignore[arg-type]
        hit["kind"] = _kind_of(hit["iri"])  # type: ignore[arg-type]
        del hit["rank"]
        results.append(hit)
    return results


@bp.route("/search")
def search_page() -> Response | str:
    """``/search?q=kazak``: states, forums, documents, people … by any of their names."""
    q = request.args.get("q", "")
    results = search(q)  # no timing in the page: its bytes are cached (web/httpcache.py)
    fmt = request.args.get("format")
    wants = negotiate(["application/json"], rdf=None, extra=("text/html",), format_param={"json": "application/json"}.get(fmt or "", fmt))
    if wants != "text/html":
        return jsonify(ok=True, q=q, results=results)
    return render_template("search.html", q=q, results=results, min_length=MIN_QUERY_LENGTH)


# --- coverage -----------------------------------------------------------------------------------


@bp.route("/coverage")
def coverage() -> str:
    """``docs/data-coverage.md``: what the data holds and what it leaves out."""
    path = ctx().settings.project.root / "docs" / "data-coverage.md"
    if not path.is_file():
        raise NotFound("this installation has no docs/data-coverage.md", hint="see the project's repository")
    import markdown

    html = markdown.markdown(path.read_text(encoding="utf-8"), extensions=["tables"])
    return render_template("coverage.html", body=Markup(html))
