"""``/downloads/``: the dumps written by :func:`cicagraph.pipeline.export.write_downloads` at build
time, and ``/.well-known/void``."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from flask import (
    Blueprint,
    Response,
    jsonify,
    render_template,
    request,
    send_from_directory,
)

from cicagraph.config import GRAPHS, ONTOLOGY_IRI
from cicagraph.formats import RDF_FORMATS, rdf_format_for
from cicagraph.pipeline.export import CHECKSUMS, DUMP_STEM, void_description
from cicagraph.web.context import base_url, ctx
from cicagraph.web.httpcache import current_etag
from cicagraph.web.negotiate import RDF_MEDIA_TYPES, negotiate

bp = Blueprint("downloads", __name__)

DCTERMS_LICENSE = "http://purl.org/dc/terms/license"
# What the project states (the ontology header's dcterms:license); used when the served
# dataset carries no licence of its own.
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NAMES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "http://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
}

# Per dump (by extension): the format's name and what the file holds, most useful first.
DUMP_NOTES: dict[str, tuple[str, str]] = {
    "ttl": ("Turtle", "All three graphs merged into one, with prefixes: readable, and the file most "
                      "users want (rdflib, Protégé, any RDF library)."),
    "nq": ("N-Quads", "The three named graphs kept apart, one quad per line: load into a triple store, "
                      "or keep only the data graph."),
    "trig": ("TriG", "The three named graphs kept apart, written like Turtle."),
    "jsonld": ("JSON-LD", "The three named graphs kept apart, as JSON-LD."),
    "nt": ("N-Triples", "All three graphs merged, one triple per line: for grep, sort, line-based tools."),
    "rdf": ("RDF/XML", "All three graphs merged, as RDF/XML: for older tools."),
}
ORDER = [f"{DUMP_STEM}.{ext}" for ext in DUMP_NOTES] + [CHECKSUMS]


def human_size(n: int) -> str:
    """Bytes in SI units, as download pages and ``ls -h --si`` show them: ``812 B``,
    ``48.3 kB``, ``3.1 MB``, ``1.20 GB``."""
    if n < 1000:
        return f"{n} B"
    for unit in ("kB", "MB", "GB", "TB"):
        n /= 1000
        if n < 999.95 or unit == "TB":
            return f"{n:.2f} {unit}" if unit in ("GB", "TB") else f"{n:.1f} {unit}"
    raise AssertionError("unreachable")


def _describe(path: Path) -> dict[str, str | None]:
    if path.name == CHECKSUMS:
        return {"format": "checksums", "graphs": None,
                "description": "The SHA-256 of every other file, to check a download (see below)."}
    stem, _, ext = path.name.partition(".")
    if stem == DUMP_STEM and ext in DUMP_NOTES:
        fmt, description = DUMP_NOTES[ext]
        return {"format": fmt, "graphs": "named" if RDF_FORMATS[ext].quads else "merged", "description": description}
    return {"format": None, "graphs": None, "description": None}


def _license() -> dict[str, str]:
    """The ontology's ``dcterms:license`` in the served dataset, else the project's."""
    store = ctx().store
    iri = DEFAULT_LICENSE
    for quad in store.quads_for_pattern(ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode(DCTERMS_LICENSE), None):
        iri = quad.object.value
        break
    return {"iri": iri, "name": LICENSE_NAMES.get(iri, iri)}


@bp.route("/downloads/")
def index() -> Response | str:
    """The files of the downloads directory with their sizes, checksums and what each holds."""
    context = ctx()
    directory = context.settings.downloads_dir
    sums: dict[str, str] = {}
    if (directory / CHECKSUMS).is_file():
        for line in (directory / CHECKSUMS).read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            sums[name] = digest
    files = [p for p in directory.iterdir() if p.is_file()] if directory.is_dir() else []
    files.sort(key=lambda p: (ORDER.index(p.name) if p.name in ORDER else len(ORDER), p.name))
    listing = [
        {"name": p.name, "bytes": (size := p.stat().st_size), "size": human_size(size), "sha256": sums.get(p.name), **_describe(p)}
        for p in files
    ]
    license_ = _license()
    if negotiate(["application/json"], rdf=None, extra=("text/html",),
                 format_param={"json": "application/json"}.get(_fmt() or "", _fmt())) == "application/json":
        return jsonify(ok=True, files=listing, license=license_["iri"])
    graphs = [{"name": name, "iri": iri, "triples": context.counts.get(name)} for name, iri in GRAPHS.items()]
    return render_template("downloads.html", files=listing, graphs=graphs, license=license_, checksums=CHECKSUMS)


def _fmt() -> str | None:
    return request.args.get("format")


@bp.route("/downloads/<path:name>")
def download(name: str) -> Response:
    """One file (404 if absent; paths cannot leave the directory)."""
    # the build's ETag (web/httpcache.py): 304s, and Range / If-Range for large dumps
    return send_from_directory(ctx().settings.downloads_dir, name, etag=current_etag() or True)


@bp.route("/.well-known/void")
def void() -> Response:
    """The VoID description of the dataset (Turtle by default)."""
    media_type = negotiate(RDF_MEDIA_TYPES, rdf=True)
    context = ctx()
    base = base_url()
    fmt = rdf_format_for(media_type)
    assert fmt is not None

    def make() -> bytes:
        return void_description(context.store, base, context.version).serialize(format=fmt.rdflib, encoding="utf-8")

    response = Response(context.cached(("void", base, media_type), make), mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response
