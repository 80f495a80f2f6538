"""``/downloads/``: human sizes, which file to pick, what each graph holds, the licence and
how to check a download with SHA256SUMS."""

from __future__ import annotations

import json
import re
from typing import Callable

import pyoxigraph as ox
import pytest
from flask import Flask

from cicagraph.config import GRAPHS, ONTOLOGY_IRI, Settings
from cicagraph.formats import RDF_FORMATS
from cicagraph.pipeline.export import CHECKSUMS, write_downloads
from cicagraph.web.downloads import DUMP_NOTES, human_size

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (48_300, "48.3 kB"), (999_949, "999.9 kB"),
     (999_950, "1.0 MB"), (3_140_000, "3.1 MB"), (1_200_000_000, "1.20 GB")],
)
def test_human_size(n: int, text: str) -> None:
    assert human_size(n) == text


@pytest.fixture
def page(make_app: Callable[..., Flask], settings: Settings, store: ox.Store) -> str:
    write_downloads(store, settings.downloads_dir)
    response = make_app().test_client().get("/downloads/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_format_is_described() -> None:
    assert set(DUMP_NOTES) == set(RDF_FORMATS)


def test_sizes_are_human_with_exact_bytes_on_hover(page: str, settings: Settings) -> None:
    assert "<th>Bytes</th>" not in page
    for path in settings.downloads_dir.iterdir():
        size = path.stat().st_size
        assert f'<td class="size" title="{size:,} bytes">{human_size(size).replace(" ", "&nbsp;")}</td>' in page, path.name
    # no bare byte counts left in a size cell
    assert not re.search(r'class="size"[^>]*>\d+<', page)


def test_which_file_do_i_want(page: str) -> None:
    assert "Which file do I want?" in page
    which = page.split('id="which"')[1].split('id="graphs"')[0]
    assert 'Most users: <a href="/downloads/cicagraph.ttl">cicagraph.ttl</a>' in which
    assert '<a href="/downloads/cicagraph.nq">cicagraph.nq</a>' in which
    assert '<a href="/downloads/cicagraph.trig">cicagraph.trig</a>' in which
    assert "cicagraph export --graph data" in which
    # each row of the file table says what the file holds
    rows = page.split('id="files"')[1]
    assert "The three named graphs kept apart, one quad per line" in rows
    assert "All three graphs merged into one" in rows


def test_what_each_graph_holds(page: str, client) -> None:
    graphs = page.split('id="graphs"')[1].split('id="files"')[0]
    for name, iri in GRAPHS.items():
        assert f"<strong>{name}</strong>" in graphs and iri in graphs
    assert "classes and properties" in graphs
    assert "curated facts" in graphs
    assert "OWL 2 RL entailments" in graphs
    # triple counts per graph, from the served store
    health = json.loads(client.get("/healthz").data)["triples"]
    for name in GRAPHS:
        assert f"<td>{health[name]:,}</td>" in graphs


def test_licence(page: str) -> None:
    assert f'<a rel="license" href="{CC_BY}">CC BY 4.0</a>' in page
    assert "cicagraph contributors" in page


def test_licence_follows_the_ontology_header(make_app: Callable[..., Flask], store: ox.Store) -> None:
    other = "https://creativecommons.org/publicdomain/zero/1.0/"
    store.add(ox.Quad(ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode("http://purl.org/dc/terms/license"),
                      ox.NamedNode(other), ox.NamedNode(GRAPHS["ontology"])))
    client = make_app().test_client()
    assert f'<a rel="license" href="{other}">' in client.get("/downloads/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert json.loads(client.get("/downloads/?format=json").data)["license"] == other


def test_checksums_explained(page: str) -> None:
    section = page.split('id="checksums"')[1]
    assert f'<a href="/downloads/{CHECKSUMS}">{CHECKSUMS}</a>' in section
    assert f"sha256sum -c --ignore-missing {CHECKSUMS}" in section


def test_json_listing(make_app: Callable[..., Flask], settings: Settings, store: ox.Store) -> None:
    write_downloads(store, settings.downloads_dir)
    data = json.loads(make_app().test_client().get("/downloads/?format=json").data)
    assert data["license"] == CC_BY
    files = data["files"]
    # the most useful file first, the checksums after the dumps
    assert [f["name"] for f in files] == [f"cicagraph.{ext}" for ext in DUMP_NOTES] + [CHECKSUMS]
    by_name = {f["name"]: f for f in files}
    assert by_name["cicagraph.nq"]["graphs"] == "named" and by_name["cicagraph.ttl"]["graphs"] == "merged"
    for f in files:
        assert f["size"] == human_size(f["bytes"])
        assert f["description"]


def test_nothing_built(client) -> None:
    page = client.get("/downloads/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Nothing built yet" in page
    assert "Which file do I want?" in page
