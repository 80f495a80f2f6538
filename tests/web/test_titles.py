"""Generated titles of n-ary facts and sources (``cicagraph.web.titles``), and a crawl of the
shipped graph's resource pages: no heading or list entry shows a bare CURIE
(``ms:cica-AFG-member``, ``src:P08``) where a label or a title can be made."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from cicagraph.config import Project, Settings
from cicagraph.web import create_app, titles
from cicagraph.web.terms import PREFIXES

REPO = Path(__file__).resolve().parents[2]
ID = "https://w3id.org/cicagraph/id/"
CG = "https://w3id.org/cicagraph/ontology#"
BARE_CURIE = re.compile(r"^(%s):\S+$" % "|".join(re.escape(p) for p in PREFIXES))


# --- titles from the parts of a fact (a small graph of its own) -------------------------------

TTL = """
@prefix cg: <https://w3id.org/cicagraph/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/cicagraph/id/> .

<https://w3id.org/cicagraph/id/state/AFG> a cg:State ; skos:prefLabel "Afghanistan"@en , "Афганистан"@ru .
<https://w3id.org/cicagraph/id/state/BGD> a cg:State ; skos:prefLabel "Bangladesh"@en .
<https://w3id.org/cicagraph/id/state/KAZ> a cg:State ; skos:prefLabel "Kazakhstan"@en .
<https://w3id.org/cicagraph/id/org/cica> a cg:Forum ;
    skos:prefLabel "Conference on Interaction and Confidence-Building Measures in Asia"@en ;
    skos:altLabel "CICA"@en , "СВМДА"@ru , "Conference on Interaction"@en .
<https://w3id.org/cicagraph/id/org/brics> a cg:Forum ; skos:prefLabel "BRICS"@en ; skos:altLabel "BRIC"@en .
<https://w3id.org/cicagraph/id/role/member> a cg:Role ; skos:prefLabel "member"@en .
<https://w3id.org/cicagraph/id/role/founding-member> a cg:Role ; skos:prefLabel "founding member"@en ;
    skos:broader <https://w3id.org/cicagraph/id/role/member> .
<https://w3id.org/cicagraph/id/role/observer> a cg:Role ; skos:prefLabel "observer"@en .
<https://w3id.org/cicagraph/id/role/chair> a cg:Role ; skos:prefLabel "chair"@en .
<https://w3id.org/cicagraph/id/role/coordinator> a cg:Role ; skos:prefLabel "coordinator"@en .
<https://w3id.org/cicagraph/id/cbm/human> a cg:CBMDimension ; skos:prefLabel "Human dimension"@en .
<https://w3id.org/cicagraph/id/document/almaty-act> a cg:Act ; skos:prefLabel "Almaty Act"@en .
<https://w3id.org/cicagraph/id/meeting/cica-summit-1> a cg:Summit ; skos:prefLabel "First CICA Summit"@en .
<https://w3id.org/cicagraph/id/concept/adopted> a skos:Concept ; skos:prefLabel "adopted"@en .
<https://w3id.org/cicagraph/id/concept/signed> a skos:Concept ; skos:prefLabel "signed"@en .

<https://w3id.org/cicagraph/id/source/P08> a cg:WebPage ; dcterms:identifier "P08" ;
    cg:url "https://sputnikglobe.com/20041022/39771794.html"^^xsd:anyURI ; dcterms:date "2004-10-22"^^xsd:date .
<https://w3id.org/cicagraph/id/source/P67> a cg:WebPage ; dcterms:identifier "P67" ;
    cg:url "https://www.kremlin.ru/x"^^xsd:anyURI ; dcterms:date "2008"^^xsd:gYear .
<https://w3id.org/cicagraph/id/source/W001> a cg:WebPage ; dcterms:identifier "W001" ;
    cg:url "https://www.mid.ru/en/x"^^xsd:anyURI ; dcterms:title "Briefing on CICA"@en ;
    dcterms:publisher "Ministry of Foreign Affairs of the Russian Federation" ; dcterms:date "2004-10-19"^^xsd:date .

<https://w3id.org/cicagraph/id/membership/cica-AFG-member> a org:Membership ;
    org:member <https://w3id.org/cicagraph/id/state/AFG> ; org:organization <https://w3id.org/cicagraph/id/org/cica> ;
    org:role <https://w3id.org/cicagraph/id/role/member> ; cg:asOf "2004-10-22"^^xsd:date ;
    prov:wasDerivedFrom <https://w3id.org/cicagraph/id/source/P08> ;
    cg:quote "Afghanistan, Azerbaijan, China ... are CICA members" .
<https://w3id.org/cicagraph/id/membership/cica-BGD-observer> a org:Membership ;
    org:member <https://w3id.org/cicagraph/id/state/BGD> ; org:organization <https://w3id.org/cicagraph/id/org/cica> ;
    org:role <https://w3id.org/cicagraph/id/role/observer> ;
    cg:startDate "2010"^^xsd:gYear ; cg:endDate "2014-05-20"^^xsd:date ;
    prov:wasDerivedFrom <https://w3id.org/cicagraph/id/source/P08> , <https://w3id.org/cicagraph/id/source/W001> ;
    prov:qualifiedDerivation [ a prov:Derivation ; prov:entity <https://w3id.org/cicagraph/id/source/W001> ;
                               cg:quote "Bangladesh has been observer since 2010" ] .
<https://w3id.org/cicagraph/id/membership/cica-KAZ-member> a org:Membership ;
    org:member <https://w3id.org/cicagraph/id/state/KAZ> ; org:organization <https://w3id.org/cicagraph/id/org/cica> ;
    org:role <https://w3id.org/cicagraph/id/role/member> , <https://w3id.org/cicagraph/id/role/founding-member> .
<https://w3id.org/cicagraph/id/membership/brics-KAZ> a org:Membership ;
    org:member <https://w3id.org/cicagraph/id/state/KAZ> ; org:organization <https://w3id.org/cicagraph/id/org/brics> ;
    org:role <https://w3id.org/cicagraph/id/role/member> ; cg:startDate "2025-01"^^xsd:gYearMonth .
<https://w3id.org/cicagraph/id/tenure/cica-chair-KAZ-2002> a cg:Chairmanship ;
    cg:holder <https://w3id.org/cicagraph/id/state/KAZ> ; cg:heldIn <https://w3id.org/cicagraph/id/org/cica> ;
    org:role <https://w3id.org/cicagraph/id/role/chair> ; cg:startDate "2002"^^xsd:gYear ; cg:endDate "2010-06"^^xsd:gYearMonth .
<https://w3id.org/cicagraph/id/coordination/human-KAZ> a cg:Coordination ;
    cg:coordinator <https://w3id.org/cicagraph/id/state/KAZ> ; cg:coordinatedConcept <https://w3id.org/cicagraph/id/cbm/human> ;
    org:role <https://w3id.org/cicagraph/id/role/coordinator> ; cg:asOf "2007"^^xsd:gYear ; cg:endedBy "2022-06-04"^^xsd:date .
<https://w3id.org/cicagraph/id/adoption/almaty-act> a cg:Adoption ;
    cg:adoptedDocument <https://w3id.org/cicagraph/id/document/almaty-act> ; cg:action <https://w3id.org/cicagraph/id/concept/adopted> ;
    cg:atMeeting <https://w3id.org/cicagraph/id/meeting/cica-summit-1> ; cg:date "2002-06-04"^^xsd:date .
<https://w3id.org/cicagraph/id/adoption/almaty-act-KAZ> a cg:Adoption ;
    cg:adoptedDocument <https://w3id.org/cicagraph/id/document/almaty-act> ; cg:action <https://w3id.org/cicagraph/id/concept/signed> ;
    cg:adoptedBy <https://w3id.org/cicagraph/id/state/KAZ> ; cg:date "2002-06-04"^^xsd:date .
<https://w3id.org/cicagraph/id/claim/cica-members-2008-P67> a cg:CountClaim ;
    cg:about <https://w3id.org/cicagraph/id/org/cica> ; cg:countedRole <https://w3id.org/cicagraph/id/role/member> ;
    cg:count "20"^^xsd:nonNegativeInteger ; cg:asOf "2008"^^xsd:gYear ;
    cg:statement "CICA had 20 members in 2008."@en ;
    prov:wasDerivedFrom <https://w3id.org/cicagraph/id/source/P67> .
<https://w3id.org/cicagraph/id/claim/cica-established> a cg:Claim ;
    cg:about <https://w3id.org/cicagraph/id/org/cica> ;
    cg:statement "The Russian MFA says that CICA was established as a forum for dialogue on security in Asia in the nineteen-nineties, after a proposal by Kazakhstan."@en ;
    prov:wasDerivedFrom <https://w3id.org/cicagraph/id/source/W001> .
"""


@pytest.fixture(scope="module")
def small() -> ox.Store:
    store = ox.Store()
    store.load(TTL.encode(), format=ox.RdfFormat.TURTLE)
    return store


def n(path: str) -> ox.NamedNode:
    return ox.NamedNode(ID + path)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("membership/cica-AFG-member", "Afghanistan — member of CICA (as of 2004-10-22)"),
        ("membership/cica-BGD-observer", "Bangladesh — observer of CICA (2010 – 2014-05-20)"),
        ("membership/cica-KAZ-member", "Kazakhstan — founding member of CICA"),  # the narrower role
        ("membership/brics-KAZ", "Kazakhstan — member of BRICS (since 2025-01)"),  # a short name beats a former acronym
        ("tenure/cica-chair-KAZ-2002", "Kazakhstan — chair of CICA (2002 – 2010-06)"),
        ("coordination/human-KAZ", "Kazakhstan — coordinator of Human dimension (as of 2007, ended by 2022-06-04)"),
        ("adoption/almaty-act", "Almaty Act — adopted at First CICA Summit (2002-06-04)"),
        ("adoption/almaty-act-KAZ", "Almaty Act — signed by Kazakhstan (2002-06-04)"),
        ("claim/cica-members-2008-P67", "20 members of CICA (as of 2008) — according to P67 (kremlin.ru, 2008)"),
        ("source/P08", "P08 — sputnikglobe.com, 2004-10-22"),
        ("source/W001", "Briefing on CICA — Ministry of Foreign Affairs of the Russian Federation, 2004-10-19"),
    ],
)
def test_fact_title(small: ox.Store, path: str, expected: str) -> None:
    assert titles.fact_title(small, n(path)) == expected
    assert titles.title(small, n(path)) == expected


def test_claim_title_names_the_source_and_shortens_the_statement(small: ox.Store) -> None:
    text = titles.fact_title(small, n("claim/cica-established"))
    assert text is not None
    assert text.startswith("Claim of W001 (Briefing on CICA, Ministry of Foreign Affairs of the Russian Federation, 2004-10-19): The Russian MFA says")
    assert text.endswith(" …") and len(text) < 220


def test_titles_in_each_language_with_labels(small: ox.Store) -> None:
    by_lang = titles.fact_titles(small, n("membership/cica-AFG-member"))
    assert by_lang["en"] == "Afghanistan — member of CICA (as of 2004-10-22)"
    assert by_lang["ru"] == "Афганистан — member of СВМДА (as of 2004-10-22)"  # labels in Russian, else English
    assert titles.fact_title(small, n("membership/cica-BGD-observer"), lang="ru") == "Bangladesh — observer of СВМДА (2010 – 2014-05-20)"


def test_labelled_and_plain_nodes(small: ox.Store) -> None:
    assert titles.fact_title(small, n("state/KAZ")) is None  # not a fact
    assert titles.title(small, n("state/KAZ")) == "Kazakhstan"
    assert titles.title(small, ox.Literal("x")) is None


def test_property_labels(shipped_store: ox.Store) -> None:
    assert titles.property_label(shipped_store, "http://www.w3.org/ns/prov#wasDerivedFrom") == "derived from"
    assert titles.property_label(shipped_store, CG + "startDate") == "start date"  # the ontology's rdfs:label
    assert titles.property_label(shipped_store, CG + "noSuchTermAsOfEarliest") == "no such term as of earliest"
    assert titles.property_label(shipped_store, "http://purl.org/dc/terms/date") == "date"


def test_quotes_beside_their_sources(small: ox.Store) -> None:
    """Both patterns: a quote in a prov:Derivation under its source, a bare cg:quote under the fact."""
    from cicagraph.web.terms import provenance

    prov = provenance(small, n("membership/cica-BGD-observer"))
    by_text = {s["text"]: s["quotes"] for s in prov.sources}
    assert by_text == {
        "Briefing on CICA — Ministry of Foreign Affairs of the Russian Federation, 2004-10-19": ["Bangladesh has been observer since 2010"],
        "P08 — sputnikglobe.com, 2004-10-22": [],
    }
    assert list(by_text)[0].startswith("Briefing")  # quoted sources first
    assert prov.quotes == []
    bare = provenance(small, n("membership/cica-AFG-member"))
    assert bare.quotes == ["Afghanistan, Azerbaijan, China ... are CICA members"]
    assert [s["text"] for s in bare.sources] == ["P08 — sputnikglobe.com, 2004-10-22"]


# --- the shipped graph's pages -------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_client(shipped_build: Path, shipped_store: ox.Store) -> FlaskClient:
    app = create_app(Settings(project=Project(REPO), build_dir=shipped_build), store=shipped_store)
    app.config["TESTING"] = True
    return app.test_client()


class _Page(HTMLParser):
    """The <title>, the <h1> and the text of every link in a list entry (dd, li, td)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.title = ""
        self.h1 = ""
        self.entries: list[str] = []
        self._link: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        if tag == "a" and any(t in self.stack for t in ("dd", "li", "td")):
            self._link = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.entries.append("".join(self._link).strip())
            self._link = None
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_data(self, data: str) -> None:
        if "title" in self.stack and "head" in self.stack:
            self.title += data
        if "h1" in self.stack:
            self.h1 += data
        if self._link is not None:
            self._link.append(data)


KINDS = {
    "states": CG + "State",
    "forums": CG + "Forum",
    "organizations": CG + "InternationalOrganization",
    "memberships": "http://www.w3.org/ns/org#Membership",
    "chairmanships": CG + "Chairmanship",
    "office terms": CG + "OfficeTerm",
    "coordinations": CG + "Coordination",
    "adoptions": CG + "Adoption",
    "claims": CG + "Claim",
    "count claims": CG + "CountClaim",
    "web pages": CG + "WebPage",
    "articles": CG + "Article",
    "code files": CG + "CodeFile",
    "meetings": CG + "Meeting",
    "documents": CG + "Document",
}
PER_KIND = 12


def _sample(store: ox.Store, cls: str) -> list[str]:
    nodes = sorted({q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(titles.RDF_TYPE), ox.NamedNode(cls), None)
                    if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ID)})
    step = max(1, len(nodes) // PER_KIND)
    return nodes[::step][:PER_KIND]


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_bare_curie_in_headings_or_lists(shipped_client: FlaskClient, shipped_store: ox.Store, kind: str) -> None:
    sample = _sample(shipped_store, KINDS[kind])
    assert sample, f"no {kind} in the shipped graph"
    problems: list[str] = []
    for iri in sample:
        path = "/id/" + iri[len(ID):]
        r = shipped_client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 200, path
        page = _Page()
        page.feed(r.get_data(as_text=True))
        heading = " ".join(page.h1.split())
        if not heading or BARE_CURIE.match(heading):
            problems.append(f"{path}: <h1>{heading}</h1>")
        if BARE_CURIE.match(page.title.split(" · ")[0].strip()):
            problems.append(f"{path}: <title>{page.title}</title>")
        problems += [f"{path}: list entry {e!r}" for e in page.entries if BARE_CURIE.match(e)]
    assert not problems, "\n".join(problems[:30])


def test_state_page_lists_memberships_with_role_and_dates(shipped_client: FlaskClient) -> None:
    html = shipped_client.get("/id/state/BGD", headers={"Accept": "text/html"}).get_data(as_text=True)
    date = r"\d{4}(-\d\d){0,2}"
    assert re.search(rf">Bangladesh — observer of CICA \({date} – {date}\)<", html)  # a closed period
    assert re.search(rf">Bangladesh — member of CICA \(since {date}\)<", html)  # still held
    assert "memberships held" in html and "ms:cica-BGD-observer<" not in html


def test_membership_page(shipped_client: FlaskClient) -> None:
    html = shipped_client.get("/id/membership/cica-AFG-member", headers={"Accept": "text/html"}).get_data(as_text=True)
    heading = re.search(r"<h1>(Afghanistan — member of CICA \(as of \d{4}(-\d\d){0,2}\))</h1>", html)
    assert heading, "the membership is attested, its start not dated"
    assert f"<title>{heading.group(1)} · cicagraph</title>" in html
    assert "P08 — sputnikglobe.com, 2004-10-22" in html  # the source by host and date
    assert ">wasDerivedFrom<" not in html
    assert 'title="xsd:date"' in html and '<span class="tag">xsd:date' not in html  # datatype on hover


def test_source_page_shows_the_quote_beside_each_fact(shipped_client: FlaskClient, shipped_store: ox.Store) -> None:
    # a source quoted in a derivation, whichever it is in the current data
    quoted = next(
        q for q in shipped_store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/ns/prov#entity"), None, None)
        if isinstance(q.subject, ox.BlankNode)
    )
    source = quoted.object.value
    quote = next(shipped_store.quads_for_pattern(quoted.subject, ox.NamedNode(CG + "quote"), None, None)).object.value
    html = shipped_client.get("/id/" + source[len(ID):], headers={"Accept": "text/html"}).get_data(as_text=True)
    from markupsafe import escape

    assert "source of" in html and str(escape(quote)) in html


def test_page_titles_are_remembered_per_app_store_only(shipped_build: Path, shipped_store: ox.Store, small: ox.Store) -> None:
    from cicagraph.web.context import ctx
    from cicagraph.web.terms import label_of

    app = create_app(Settings(project=Project(Path(__file__).resolve().parents[2]), build_dir=shipped_build), store=shipped_store)
    cica = ox.NamedNode("https://w3id.org/cicagraph/id/org/cica")
    fact = next(q.subject for q in shipped_store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/ns/org#organization"), cica, None))
    with app.app_context():
        assert label_of(shipped_store, fact) == titles.title(shipped_store, fact) is not None
        assert ctx().memo["titles"][str(fact)] == titles.title(shipped_store, fact)
        assert label_of(shipped_store, fact) == titles.title(shipped_store, fact)  # from the memo
        other = ox.NamedNode("https://w3id.org/cicagraph/id/state/KAZ")
        label_of(small, other)  # another store: never remembered under the app's
        assert str(other) not in ctx().memo["titles"]
