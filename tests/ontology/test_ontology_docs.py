"""pyLODE HTML documentation of the ontology."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from cgonto_testlib import ONTOLOGY

from cicagraph.pipeline.ontodocs import (
    SITE_CSS,
    add_site_navigation,
    write_ontology_docs,
)


def test_pylode_docs_contain_terms(tmp_path: Path) -> None:
    out = write_ontology_docs(ONTOLOGY, tmp_path / "docs")
    assert out == tmp_path / "docs" / "index.html"
    html = out.read_text(encoding="utf-8")
    for label in ("cicagraph ontology", "Intergovernmental Body", "Confidence-Building Measure",
                  "participates in", "https://w3id.org/cicagraph/ontology#State"):
        assert label in html, label


# --- the site's navigation on the docs page ------------------------------------------------

WEB_FIXTURES = Path(__file__).resolve().parents[1] / "web" / "fixtures"
LINK = re.compile(r'<a(?: class="brand")? href="([^"]*)">([^<]*)</a>')


@pytest.fixture(scope="module")
def docs_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = write_ontology_docs(ONTOLOGY, tmp_path_factory.mktemp("docs") / "ontology")
    return out.read_text(encoding="utf-8")


def header_links(page: str) -> list[tuple[str, str]]:
    [header] = re.findall(r"<header>(.*?)</header>", page, re.S)
    return LINK.findall(header)


def site_header_links(tmp_path: Path) -> list[tuple[str, str]]:
    """The links of base.html's <header>, as the app renders them on another page."""
    from cicagraph.config import Project, Settings
    from cicagraph.web import create_app

    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(WEB_FIXTURES / "dataset.nq", build / "dataset.nq")
    store = ox.Store()
    store.load(path=str(WEB_FIXTURES / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    app = create_app(Settings(project=Project(WEB_FIXTURES), build_dir=build), store=store)
    page = app.test_client().get("/downloads/", headers={"Accept": "text/html"}).get_data(as_text=True)
    return header_links(page)


def test_docs_carry_the_site_navigation(docs_page: str) -> None:
    assert header_links(docs_page) == [
        ("/", "cicagraph"), ("/views", "Views"), ("/editor", "SPARQL editor"),
        ("/queries", "Research queries"), ("/ontology", "Ontology"), ("/downloads/", "Downloads"),
    ]
    head = docs_page.split("</head>")[0]
    assert f'<link rel="stylesheet" href="{SITE_CSS}">' in head
    # the header is the first thing in the body, pyLODE's content follows
    body = docs_page.split("<body>", 1)[1]
    assert body.lstrip().startswith("<header>")
    assert body.index("</header>") < body.index('<div id="content">')
    assert '<html lang="en">' in docs_page


def test_docs_navigation_is_the_site_header(docs_page: str, tmp_path: Path) -> None:
    assert header_links(docs_page) == site_header_links(tmp_path)


def test_docs_navigation_adds_no_script(docs_page: str) -> None:
    # pyLODE's only <script> is its schema.org JSON-LD data block; nothing executable added
    assert re.findall(r"<script[^>]*>", docs_page) == ['<script id="schema.org" type="application/ld+json">']
    header = re.findall(r"<header>(.*?)</header>", docs_page, re.S)[0]
    assert " on" not in header and "style=" not in header and "javascript:" not in header


def test_docs_served_at_ontology_with_navigation(docs_page: str, tmp_path: Path) -> None:
    from cicagraph.config import Project, Settings
    from cicagraph.web import create_app

    build = tmp_path / "build"
    (build / "docs" / "ontology").mkdir(parents=True)
    shutil.copy(WEB_FIXTURES / "dataset.nq", build / "dataset.nq")
    (build / "docs" / "ontology" / "index.html").write_text(docs_page, encoding="utf-8")
    store = ox.Store()
    store.load(path=str(WEB_FIXTURES / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    client = create_app(Settings(project=Project(WEB_FIXTURES), build_dir=build), store=store).test_client()
    page = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert ("/downloads/", "Downloads") in header_links(page)
    assert client.get(SITE_CSS).status_code == 200


def test_add_site_navigation_needs_head_and_body() -> None:
    page = add_site_navigation('<!DOCTYPE html>\n<html>\n<head><style>p {}</style></head>\n<body class="x">\n<p>hi</p></body></html>')
    assert '<html lang="en">' in page
    assert page.index('<body class="x">') < page.index("<header>") < page.index("<p>hi</p>")
    assert "#toc" in page.split("</style>")[0]
    with pytest.raises(ValueError, match="no <head> or <body>"):
        add_site_navigation("<p>not a page</p>")
