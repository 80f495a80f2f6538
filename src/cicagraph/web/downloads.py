"""``/downloads/``: the dumps written by :func:`cicagraph.export.write_downloads` at build
time, and ``/.well-known/void``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, send_from_directory

from cicagraph.export import CHECKSUMS, void_description
from cicagraph.formats import rdf_format_for
from cicagraph.web.context import base_url, ctx
from cicagraph.web.negotiate import RDF_MEDIA_TYPES, negotiate

bp = Blueprint("downloads", __name__)


@bp.route("/downloads/")
def index() -> Response | str:
    """The files of the downloads directory with their sizes and checksums."""
    directory = ctx().settings.downloads_dir
    sums: dict[str, str] = {}
    if (directory / CHECKSUMS).is_file():
        for line in (directory / CHECKSUMS).read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            sums[name] = digest
    files = sorted(p for p in directory.iterdir() if p.is_file()) if directory.is_dir() else []
    listing = [{"name": p.name, "bytes": p.stat().st_size, "sha256": sums.get(p.name)} for p in files]
    if negotiate(["application/json"], rdf=None, extra=("text/html",),
                 format_param={"json": "application/json"}.get(_fmt() or "", _fmt())) == "application/json":
        return jsonify(ok=True, files=listing)
    return render_template("downloads.html", files=listing)


def _fmt() -> str | None:
    return request.args.get("format")


@bp.route("/downloads/<path:name>")
def download(name: str) -> Response:
    """One file (404 if absent; paths cannot leave the directory)."""
    return send_from_directory(ctx().settings.downloads_dir, name)


@bp.route("/.well-known/void")
def void() -> Response:
    """The VoID description of the dataset (Turtle by default)."""
    media_type = negotiate(RDF_MEDIA_TYPES, rdf=True)
    context = ctx()
    base = base_url()
    fmt = rdf_format_for(media_type)
    assert fmt is not None

    def make() -> bytes:
        return void_description(context.store, base).serialize(format=fmt.rdflib, encoding="utf-8")

    response = Response(context.cached(("void", base, media_type), make), mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response
