"""Linked data, ontology, research queries, downloads, VoID, health, the UI page, and the
one JSON error shape."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

import pyoxigraph as ox
import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient

from cicagraph.config import GRAPHS, Settings
from cicagraph.formats import RDF_FORMATS
from cicagraph.pipeline.export import CHECKSUMS, void_description, write_downloads
from cicagraph.query.queries import load_queries
from cicagraph.web.server import get_once

FIXTURES = Path(__file__).parent / "fixtures"

KAZ = "https://w3id.org/cicagraph/id/state/KAZ"
CG = rdflib.Namespace("https://w3id.org/cicagraph/ontology#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
RDF_CASES = [("text/turtle", "turtle", "ttl"), ("application/ld+json", "json-ld", "jsonld"),
             ("application/n-triples", "nt", "nt"), ("application/rdf+xml", "xml", "rdf")]


# --- the one JSON error shape -------------------------------------------------------------


@pytest.mark.parametrize(
    "request_, status",
    [
        (lambda c: c.get("/sparql", query_string={"query": "SELEC"}), 400),
        (lambda c: c.get("/sparql", query_string={"query": "CLEAR ALL"}), 403),
        (lambda c: c.get("/id/state/NOPE"), 404),
        (lambda c: c.get("/no/such/page"), 404),
        (lambda c: c.put("/sparql"), 405),
        (lambda c: c.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "image/png"}), 406),
        (lambda c: c.get("/queries/members", query_string={"since": "yesterday"}), 400),
        (lambda c: c.post("/sparql", data="ASK {}", content_type="text/plain"), 415),
    ],
)
def test_every_error_has_the_same_json_shape(client: FlaskClient, request_: Callable[[FlaskClient], Any], status: int) -> None:
    r = request_(client)
    assert r.status_code == status
    assert r.mimetype == "application/json"
    body = json.loads(r.data)
    assert set(body) <= {"ok", "error", "status", "hint"}
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]


def test_5xx_is_logged_with_traceback_and_4xx_is_not(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    client = app.test_client()
    with caplog.at_level("INFO", logger="cicagraph"):
        r = client.get("/boom")
        client.get("/sparql", query_string={"query": "SELEC"})
    assert r.status_code == 500
    assert json.loads(r.data) == {"ok": False, "error": "internal server error", "status": 500}
    errors = [rec for rec in caplog.records if rec.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info is not None


# --- linked data ---------------------------------------------------------------------------


def test_resource_html(client: FlaskClient) -> None:
    r = client.get("/id/state/KAZ", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "<h1>Kazakhstan</h1>" in html
    assert 'href="/id/org/cica"' in html  # onward links rewritten to local paths
    assert 'href="/ontology#State"' in html and ">state<" in html.lower()  # ontology terms to /ontology#X, by label
    assert "http://www.wikidata.org/entity/Q232" in html  # external links stay external
    assert "Kazakhstan is a member state of CICA." in html  # quotes of the facts behind it
    assert 'href="/id/source/P01"' in html and "https://en.wikipedia.org/wiki/CICA" in html
    assert "(inferred)" in html


def test_resource_html_own_sources(client: FlaskClient) -> None:
    html = client.get("/id/meeting/cica-summit-1", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "First CICA Summit" in html and "held in Almaty on 4 June 2002" in html


@pytest.mark.parametrize("accept, rdflib_format, suffix", RDF_CASES)
def test_resource_rdf_by_conneg_and_suffix(client: FlaskClient, accept: str, rdflib_format: str, suffix: str) -> None:
    for r in (client.get("/id/state/KAZ", headers={"Accept": accept}), client.get(f"/id/state/KAZ.{suffix}")):
        assert r.status_code == 200 and r.mimetype == accept
        g = rdflib.Graph().parse(data=r.data, format=rdflib_format)
        assert (rdflib.URIRef(KAZ), CG.isoAlpha3, rdflib.Literal("KAZ")) in g
        assert (None, rdflib.URIRef("http://www.w3.org/ns/org#member"), rdflib.URIRef(KAZ)) in g  # incoming


def test_resource_default_for_browsers_is_html(client: FlaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/id/state/KAZ", headers={"Accept": accept}).mimetype == "text/html"


@pytest.mark.parametrize("path", ["/id/state/NOPE", "/id/state/NOPE.ttl", "/id/", "/id/state"])
def test_unknown_resource_is_404(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404 and json.loads(r.data)["status"] == 404


def test_resource_406(client: FlaskClient) -> None:
    assert client.get("/id/state/KAZ", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("accept, rdflib_format, suffix", RDF_CASES)
def test_ontology_rdf(client: FlaskClient, accept: str, rdflib_format: str, suffix: str) -> None:
    for r in (client.get("/ontology", headers={"Accept": accept}), client.get(f"/ontology.{suffix}")):
        assert r.status_code == 200 and r.mimetype == accept
        g = rdflib.Graph().parse(data=r.data, format=rdflib_format)
        assert (CG.State, rdflib.RDF.type, rdflib.OWL.Class) in g
        assert (rdflib.URIRef(KAZ), None, None) not in g


def test_ontology_html_fallback_and_pylode(make_app: Callable[..., Flask], settings: Settings) -> None:
    client = make_app().test_client()
    html = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'id="State"' in html  # so https://w3id.org/cicagraph/ontology#State -> /ontology#State works
    page = settings.docs_dir / "ontology" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html><body>pyLODE page</body></html>")
    # a new build comes with a new app (the first answer is cached for the build it served)
    r = make_app().test_client().get("/ontology", headers={"Accept": "text/html"})
    assert r.mimetype == "text/html" and b"pyLODE page" in r.data


# --- research queries ----------------------------------------------------------------------


def test_queries_list_json(client: FlaskClient) -> None:
    r = client.get("/queries", headers={"Accept": "application/json"})
    data = json.loads(r.data)
    names = [q["name"] for q in data["queries"]]
    assert names == ["members", "state-by-code", "summits"]
    members = data["queries"][0]
    assert members["params"][0] == {"name": "forum", "type": "iri", "default": "https://w3id.org/cicagraph/id/org/cica",
                                    "description": "The forum whose members to list"}
    assert client.get("/queries?format=json").mimetype == "application/json"


def test_queries_list_html(client: FlaskClient) -> None:
    html = client.get("/queries", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Members of a forum" in html and 'name="since"' in html


def test_query_run_with_defaults_and_parameters(client: FlaskClient) -> None:
    r = client.get("/queries/members", headers={"Accept": "application/sparql-results+json"})
    names = [b["name"]["value"] for b in json.loads(r.data)["results"]["bindings"]]
    assert names == ["China", "Kazakhstan", "Türkiye", "Azerbaijan"]
    r = client.get("/queries/members", query_string={"since": "2000-01-01", "format": "json"})
    assert [b["name"]["value"] for b in json.loads(r.data)["results"]["bindings"]] == ["Azerbaijan"]
    r = client.get("/queries/state-by-code", query_string={"code": "TUR", "format": "csv"})
    assert r.mimetype == "text/csv" and "Türkiye" in r.get_data(as_text=True)


def test_query_parameter_is_bound_not_spliced(client: FlaskClient) -> None:
    r = client.get("/queries/state-by-code", query_string={"code": 'KAZ" } ?s ?p ?o . { "', "format": "json"})
    assert r.status_code == 200 and json.loads(r.data)["results"]["bindings"] == []


@pytest.mark.parametrize(
    "name, params, fragment",
    [
        ("members", {"since": "yesterday"}, "must be a date"),
        ("members", {"forum": "not an iri"}, "must be an absolute IRI"),
        ("summits", {"min": "one"}, "must be an integer"),
        ("summits", {"max": "3"}, "no parameter 'max'"),
    ],
)
def test_query_bad_parameter_is_400(client: FlaskClient, name: str, params: dict[str, str], fragment: str) -> None:
    r = client.get(f"/queries/{name}", query_string=params)
    assert r.status_code == 400 and fragment in json.loads(r.data)["error"]


def test_query_html_and_unknown(client: FlaskClient) -> None:
    html = client.get("/queries/summits", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "First CICA Summit" in html and 'href="/id/meeting/cica-summit-1"' in html
    assert client.get("/queries/nope").status_code == 404


def test_query_files_header_errors(tmp_path: Path) -> None:
    from cicagraph.errors import InputError

    (tmp_path / "bad.rq").write_text("# title: x\n# param: x float 1 d\nSELECT * {}\n")
    with pytest.raises(InputError, match="bad.rq:2"):
        load_queries(tmp_path)
    (tmp_path / "bad.rq").write_text("# title: x\n# param: x integer 1 d\nSELECT ?y { BIND(?x AS ?y) }\n")
    with pytest.raises(InputError, match="projection"):
        load_queries(tmp_path)
    assert load_queries(tmp_path / "missing") == {}


# --- downloads, VoID, health, UI --------------------------------------------------------------


def test_write_downloads_and_checksums(store: ox.Store, tmp_path: Path) -> None:
    files = write_downloads(store, tmp_path / "dl")
    names = sorted(p.name for p in files)
    assert names == sorted([f"cicagraph.{f}" for f in RDF_FORMATS] + [CHECKSUMS])
    sums = dict(reversed(line.split("  ")) for line in (tmp_path / "dl" / CHECKSUMS).read_text().splitlines())
    for p in files[:-1]:
        assert sums[p.name] == hashlib.sha256(p.read_bytes()).hexdigest()
    nq = ox.Dataset(ox.parse(path=str(tmp_path / "dl" / "cicagraph.nq"), format=ox.RdfFormat.N_QUADS))
    assert len(nq) == 97
    assert {str(q.graph_name.value) for q in nq} == set(GRAPHS.values())
    trig = rdflib.Dataset().parse(str(tmp_path / "dl" / "cicagraph.trig"), format="trig")
    assert {str(g.identifier) for g in trig.graphs() if len(g)} == set(GRAPHS.values())
    union = len({(q.subject, q.predicate, q.object) for q in nq})
    for name, fmt in (("ttl", "turtle"), ("nt", "nt"), ("rdf", "xml"), ("jsonld", "json-ld")):
        g = rdflib.Graph().parse(str(tmp_path / "dl" / f"cicagraph.{name}"), format=fmt)
        if name != "jsonld":
            assert len(g) == union, name


def test_downloads_served(make_app: Callable[..., Flask], settings: Settings, store: ox.Store) -> None:
    write_downloads(store, settings.downloads_dir)
    client = make_app().test_client()
    listing = json.loads(client.get("/downloads/?format=json").data)["files"]
    assert {f["name"] for f in listing} >= {"cicagraph.nq", "cicagraph.ttl", CHECKSUMS}
    for f in listing:
        r = client.get(f"/downloads/{f['name']}")
        assert r.status_code == 200
        if f["sha256"]:
            assert hashlib.sha256(r.data).hexdigest() == f["sha256"]
    assert "cicagraph.ttl" in client.get("/downloads/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert client.get("/downloads/nope.ttl").status_code == 404
    assert client.get("/downloads/../dataset.nq").status_code == 404


def test_void(client: FlaskClient, store: ox.Store) -> None:
    r = client.get("/.well-known/void")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    dataset = rdflib.URIRef("https://w3id.org/cicagraph/dataset")
    assert (dataset, VOID.sparqlEndpoint, rdflib.URIRef("http://localhost/sparql")) in g
    subsets = set(g.objects(dataset, VOID.subset))
    for iri in GRAPHS.values():
        assert rdflib.URIRef(iri) in subsets
        assert int(g.value(rdflib.URIRef(iri), VOID.triples)) > 0
    assert (dataset, VOID.dataDump, rdflib.URIRef("http://localhost/downloads/cicagraph.nq")) in g
    linkset = g.value(predicate=rdflib.RDF.type, object=VOID.Linkset)
    assert g.value(linkset, VOID.linkPredicate) == CG.wikidata
    assert int(g.value(linkset, VOID.triples)) == 5
    jsonld = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert len(rdflib.Graph().parse(data=jsonld.data, format="json-ld")) == len(g)
    assert len(void_description(store, "https://example.org/")) == len(g)


def test_healthz(client: FlaskClient) -> None:
    data = json.loads(client.get("/healthz").data)
    assert data["ok"] is True
    assert data["triples"] == {"ontology": 23, "data": 64, "inferred": 10}
    assert data["total_triples"] == 97


def test_ui_page_is_offline(client: FlaskClient) -> None:
    html = client.get("/editor").get_data(as_text=True)
    assert "/static/yasgui/yasgui.min.js" in html and "/static/yasgui/yasgui.min.css" in html
    assert "cdn" not in html.lower() and "unpkg" not in html
    assert "Members of a forum" in html  # research queries in the picker
    for asset in ("/static/yasgui/yasgui.min.js", "/static/yasgui/yasgui.min.css"):
        assert client.get(asset).status_code == 200


def test_vendored_yasgui_is_recorded() -> None:
    version = (Path(__file__).parents[2] / "src/cicagraph/web/static/yasgui/VERSION").read_text()
    assert "@zazuko/yasgui" in version and "version:" in version


def test_create_app_from_mapping(store: ox.Store, tmp_path: Path) -> None:
    from cicagraph.web import create_app

    app = create_app({"project": FIXTURES, "build_dir": tmp_path, "query_timeout_s": 1.5, "TESTING": True}, store=store)
    assert app.config["TESTING"] is True
    assert app.extensions["cicagraph"].settings.query_timeout_s == 1.5


def test_create_app_opens_the_built_store_once(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import cicagraph.web as web

    calls: list[Settings] = []
    real = web.open_store
    monkeypatch.setattr(web, "open_store", lambda s: calls.append(s) or real(s))
    client = web.create_app(settings).test_client()
    for _ in range(3):
        assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    assert len(calls) == 1


def test_get_once(settings: Settings) -> None:
    status, body, content_type = get_once(settings, "/sparql?query=ASK%20%7B%7D")
    assert status == 200 and content_type.startswith("application/sparql-results+json")
    assert json.loads(body)["boolean"] is True
    status, body, _ = get_once(settings, "/id/state/NOPE")
    assert status == 404


@pytest.mark.parametrize("name", ["members", "state-by-code", "summits"])
def test_editor_text_runs_like_the_bound_query(client: FlaskClient, name: str) -> None:
    from cicagraph.query.queries import load_queries

    query = load_queries(FIXTURES / "queries")[name]
    direct = client.get("/sparql", query_string={"query": query.editor_text()})
    bound = client.get(f"/queries/{name}", query_string={"format": "json"})
    assert direct.status_code == bound.status_code == 200
    rows = json.loads(direct.data)["results"]["bindings"]
    assert rows and rows == json.loads(bound.data)["results"]["bindings"]
