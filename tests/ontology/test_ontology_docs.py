"""pyLODE HTML documentation of the ontology."""

from __future__ import annotations

from pathlib import Path

from cgonto_testlib import ONTOLOGY

from cicagraph.ontodocs import write_ontology_docs


def test_pylode_docs_contain_terms(tmp_path: Path) -> None:
    out = write_ontology_docs(ONTOLOGY, tmp_path / "docs")
    assert out == tmp_path / "docs" / "index.html"
    html = out.read_text(encoding="utf-8")
    for label in ("cicagraph ontology", "Intergovernmental Body", "Confidence-Building Measure",
                  "participates in", "https://w3id.org/cicagraph/ontology#State"):
        assert label in html, label
