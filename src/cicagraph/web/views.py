"""``/views``: the researcher views — timelines, member counts, forum overlap."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("views", __name__)


@bp.route("/views")
def index() -> str:
    return render_template("views.html")


def resource_panels(node_iri: str) -> list:
    """Sections (HTML) that a resource page shows above its properties: the membership
    timeline of a state or a forum, a forum's meetings by year and documents adopted."""
    return []
