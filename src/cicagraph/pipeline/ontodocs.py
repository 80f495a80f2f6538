"""HTML documentation of the ontology with pyLODE 3.3.4 (OntPub profile), carrying the
site's header navigation so that ``/ontology`` is a page of the site like the others."""

from __future__ import annotations

import html as html_lib
import logging
import re
from pathlib import Path

from rdflib import Graph

log = logging.getLogger(__name__)

# The links of the <header> of web/templates/base.html, in its order (a test keeps the two
# the same). The docs are written at build time, outside any request: paths, not url_for.
SITE_NAV: list[tuple[str, str]] = [
    ("/", "cicagraph"),
    ("/views", "Views"),
    ("/editor", "SPARQL editor"),
    ("/queries", "Research queries"),
    ("/ontology", "Ontology"),
    ("/downloads/", "Downloads"),
]
SITE_CSS = "/static/site.css"
# Appended to pyLODE's own <style>: the header spans the page above pyLODE's body padding
# and stays on top while scrolling; pyLODE's fixed table of contents starts below it.
NAV_CSS = """
        /* cicagraph: the site's header (styled by /static/site.css) */
        body > header { margin: -2em -70px 1.5em -70px; position: sticky; top: 0; z-index: 3; }
        body > header a:link, body > header a:visited { color: #fff; }
        #toc { top: 2.75rem; height: calc(100% - 2.75rem); }
        [id] { scroll-margin-top: 3.25rem; }
"""


def site_header() -> str:
    """The site's ``<header>`` as base.html writes it (the first link is the brand)."""
    links = [
        "  <a{} href=\"{}\">{}</a>".format(' class="brand"' if i == 0 else "", html_lib.escape(href), html_lib.escape(label))
        for i, (href, label) in enumerate(SITE_NAV)
    ]
    return "<header>\n" + "\n".join(links) + "\n</header>"


def add_site_navigation(page: str) -> str:
    """pyLODE's page with the site's stylesheet, header navigation and ``lang``: static
    markup and CSS only, no script (done once, when the docs are written)."""
    page, n_head = re.subn(r"<head(\s[^>]*)?>", lambda m: f'{m.group(0)}\n    <link rel="stylesheet" href="{SITE_CSS}">', page, count=1)
    page, n_body = re.subn(r"<body(\s[^>]*)?>", lambda m: f"{m.group(0)}\n{site_header()}", page, count=1)
    if not (n_head and n_body):
        raise ValueError("pyLODE's page has no <head> or <body>: cannot add the site navigation")
    page = page.replace("</style>", NAV_CSS + "    </style>", 1)
    page = re.sub(r"<html(?![^>]*\blang=)", '<html lang="en"', page, count=1)
    return page


def write_ontology_docs(ontology_file: Path, out_dir: Path) -> Path:
    """Render ontology_file (Turtle) as out_dir/index.html with pyLODE's OntPub; return the path.

    Only the edited ontology is rendered (not the external declarations): external terms
    appear as links, with labels pyLODE knows for ORG, SKOS, PROV, FOAF and DCTERMS. The
    page carries the site's header navigation and stylesheet (:func:`add_site_navigation`).
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from pylode import OntPub  # local import: slow, and it reconfigures the root logger

    root.handlers[:] = handlers  # undo pyLODE's logging.basicConfig side effect
    root.setLevel(level)

    ontology_file = Path(ontology_file)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    graph = Graph().parse(ontology_file, format="turtle")
    html = add_site_navigation(OntPub(ontology=graph, sort_subjects=True).make_html(include_css=True))
    target = out_dir / "index.html"
    target.write_text(html, encoding="utf-8")
    log.info("wrote ontology documentation %s (%d bytes)", target, len(html))
    return target
