"""``/views``: the researcher views — timelines, member counts, forum overlap."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("views", __name__)


@bp.route("/views")
def index() -> str:
    return render_template("views.html")
