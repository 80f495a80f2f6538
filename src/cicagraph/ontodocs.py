"""HTML documentation of the ontology with pyLODE 3.3.4 (OntPub profile)."""

from __future__ import annotations

import logging
from pathlib import Path

from rdflib import Graph

log = logging.getLogger(__name__)


def write_ontology_docs(ontology_file: Path, out_dir: Path) -> Path:
    """Render ontology_file (Turtle) as out_dir/index.html with pyLODE's OntPub; return the path.

    Only the edited ontology is rendered (not the external declarations): external terms
    appear as links, with labels pyLODE knows for ORG, SKOS, PROV, FOAF and DCTERMS.
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
    html = OntPub(ontology=graph, sort_subjects=True).make_html(include_css=True)
    target = out_dir / "index.html"
    target.write_text(html, encoding="utf-8")
    log.info("wrote ontology documentation %s (%d bytes)", target, len(html))
    return target
