"""``/editor``: YASGUI (vendored, offline) pointed at ``/sparql`` with the research queries;
browsers asking ``/sparql`` for HTML are sent here."""

from __future__ import annotations

from flask import Blueprint, render_template

from cicagraph.web.context import ctx

bp = Blueprint("ui", __name__)

DEFAULT_QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX cg: <https://w3id.org/cicagraph/ontology#>
SELECT ?state ?name WHERE {
  ?state a cg:State ; skos:prefLabel ?name .
  FILTER(LANG(?name) = "en")
}
ORDER BY ?name
LIMIT 50
"""


@bp.route("/editor")
def index() -> str:
    """The query editor."""
    queries = [
        {"name": q.name, "title": q.title, "description": q.description, "query": q.editor_text()}
        for q in ctx().queries.values()
    ]
    return render_template("ui.html", queries=queries, default_query=DEFAULT_QUERY)
