"""``/``: the landing page — what the dataset is, what it holds, where to start."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> str:
    return render_template("home.html")
