"""A minimal Flask SPARQL endpoint for the benchmarks only (not part of the service).

``create("rdflib", path)`` answers ``/sparql`` with rdflib's own engine, ``create("oxigraph",
path)`` with pyoxigraph, both behind the same Flask + gunicorn layer as ``cicagraph serve``.
The first shows what rdflib's engine costs over HTTP; the second shows how much of
``cicagraph serve``'s time per request is its own web layer rather than the engine.

    gunicorn -w 2 -k gthread --threads 4 --chdir bench 'minimal_app:create("rdflib", "/…/dataset.nq")'

Only GET/POST ``query=``; SELECT/ASK answer SPARQL JSON, CONSTRUCT/DESCRIBE N-Triples.
"""

from __future__ import annotations

import io

from flask import Flask, Response, request

JSON = "application/sparql-results+json"
NT = "application/n-triples"


def _rdflib_engine(path: str):
    import rdflib

    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(path, format="nquads")

    def run(text: str) -> tuple[bytes, str]:
        result = dataset.query(text)
        if result.type in ("SELECT", "ASK"):
            return result.serialize(format="json"), JSON
        graph = rdflib.Graph()
        for triple in result:
            graph.add(triple)
        return graph.serialize(format="nt", encoding="utf-8"), NT

    return run


def _oxigraph_engine(path: str):
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)

    def run(text: str) -> tuple[bytes, str]:
        result = store.query(text, use_default_graph_as_union=True)
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            out = io.BytesIO()
            result.serialize(out, format=ox.QueryResultsFormat.JSON)
            return out.getvalue(), JSON
        return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b"", NT

    return run


def create(engine: str, path: str) -> Flask:
    run = _rdflib_engine(path) if engine == "rdflib" else _oxigraph_engine(path)
    app = Flask(__name__)

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql() -> Response:
        text = request.values.get("query")
        if not text:
            return Response("missing query", status=400)
        try:
            body, media_type = run(text)
        except Exception as e:  # noqa: BLE001 - a benchmark adapter: report and go on
            return Response(f"query failed: {e}", status=400)
        return Response(body, mimetype=media_type)

    @app.route("/healthz")
    def healthz() -> Response:
        return Response("ok")

    return app
