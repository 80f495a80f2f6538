"""Every command through click's CliRunner, on a small fixture project."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from conftest import FIXTURES

from cicagraph.cli import cli
from cicagraph.config import Project

KAZ = "https://w3id.org/cicagraph/id/state/KAZ"
MEMBERS = """PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?state WHERE { ?m org:member ?state ; org:role <https://w3id.org/cicagraph/id/role/member> } ORDER BY ?state"""


@pytest.fixture
def cg(runner: CliRunner, tiny_project: Project, tmp_path: Path):
    """Invoke ``cicagraph`` on the tiny project with its own build dir."""

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(
            cli,
            ["--project", str(tiny_project.root), "--build-dir", str(tmp_path / "build"), *args],
            input=input,
            catch_exceptions=False,
        )

    return invoke


COMMANDS = ["build", "validate", "reason", "query", "queries", "panel", "table", "coverage", "export", "stats", "serve", "publish", "normalize", "docs", "check-owl"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage: cli " + command in result.output or f"Usage: cicagraph {command}" in result.output


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(COMMANDS)


def test_build_then_cached(cg, tmp_path: Path) -> None:
    first = cg("build", "--no-docs")
    assert first.exit_code == 0, first.output
    assert first.output.startswith("built: ")
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text())
    assert manifest["counts"]["inferred"] > 0
    second = cg("build", "--no-docs")
    assert second.output.startswith("up to date: ")



def test_verbose_progress(runner: CliRunner, tiny_project: Project, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--verbose", "--project", str(tiny_project.root), "--build-dir", str(tmp_path / "b"), "build", "--no-docs"])
    assert result.exit_code == 0
    for stage in ("loading data", "load:", "validate:", "reason:", "store:"):
        assert stage in result.stderr


def test_validate_exit_codes(cg, tiny_project: Project) -> None:
    ok = cg("validate")
    assert (ok.exit_code, ok.output.strip()) == (0, "Conforms: no violations.")
    shutil.copy(FIXTURES / "broken" / "shacl-violation.ttl", tiny_project.data_dir)
    bad = cg("validate")
    assert bad.exit_code == 1
    assert "https://w3id.org/cicagraph/shapes#Membership-member (1)" in bad.output
    assert "https://w3id.org/cicagraph/id/membership/cica-nobody-member" in bad.output
    as_json = json.loads(cg("validate", "--format", "json").output)
    assert as_json["conforms"] is False
    assert as_json["violations"][0]["focus"] == "https://w3id.org/cicagraph/id/membership/cica-nobody-member"


def test_syntax_error_exit_2_names_file_line_column(cg, tiny_project: Project) -> None:
    shutil.copy(FIXTURES / "broken" / "syntax-error.ttl", tiny_project.data_dir)
    result = cg("validate")
    assert result.exit_code == 2
    assert f"Error: {tiny_project.data_dir / 'syntax-error.ttl'}:5:20: syntax error:" in result.stderr
    assert cg("build").exit_code == 2


def test_reason_prints_per_predicate_and_problems(cg, tiny_project: Project) -> None:
    ok = cg("reason")
    assert ok.exit_code == 0
    assert "https://w3id.org/cicagraph/ontology#participatesIn" in ok.output
    assert ok.output.rstrip().endswith("consistent")
    shutil.copy(FIXTURES / "broken" / "inconsistent.ttl", tiny_project.data_dir)
    bad = cg("reason")
    assert bad.exit_code == 1
    assert "[disjoint] https://w3id.org/cicagraph/id/org/cica is both a cg:Person and a org:Organization, but cg:Person owl:disjointWith org:Organization" in bad.stderr
    build = cg("build", "--no-docs")
    assert build.exit_code == 1
    assert "cg:Person owl:disjointWith org:Organization" in build.stderr


def test_query_formats(cg) -> None:
    table = cg("query", MEMBERS)
    assert table.exit_code == 0, table.output
    assert "https://w3id.org/cicagraph/id/state/BGD" in table.output and "(2 rows)" in table.output
    data = json.loads(cg("query", MEMBERS, "--format", "json").output)
    assert [b["state"]["value"] for b in data["results"]["bindings"]] == [
        "https://w3id.org/cicagraph/id/state/BGD",
        KAZ,
    ]
    rows = list(csv.reader(io.StringIO(cg("query", MEMBERS, "--format", "csv").output)))
    assert rows[0] == ["state"] and len(rows) == 3
    tsv = cg("query", MEMBERS, "--format", "tsv").output.splitlines()
    assert tsv[0] == "?state" and len(tsv) == 3
    turtle = cg("query", f"CONSTRUCT {{ <{KAZ}> ?p ?o }} WHERE {{ <{KAZ}> ?p ?o }}", "--format", "turtle").output
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    assert (rdflib.URIRef(KAZ), rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), rdflib.Literal("Kazakhstan", lang="en")) in graph


def test_query_from_file_and_stdin_and_graph_selection(cg, tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text(MEMBERS)
    assert "(2 rows)" in cg("query", "--file", str(path)).output
    assert "(2 rows)" in cg("query", "-", input=MEMBERS).output
    chain = "ASK { ?s <https://w3id.org/cicagraph/ontology#participatesIn> ?o }"
    assert cg("query", chain).output.strip() == "yes"
    assert cg("query", chain, "--graph", "data").output.strip() == "no"
    assert cg("query", chain, "--graph", "inferred").output.strip() == "yes"


def test_bad_query_exit_2(cg) -> None:
    result = cg("query", "SELECT ?x WHERE { ?x ?y }")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")


@pytest.mark.parametrize("fmt, parser", [("ttl", "turtle"), ("nt", "nt"), ("nq", "nquads"), ("trig", "trig"), ("jsonld", "json-ld"), ("rdfxml", "xml")])
def test_export_every_format(cg, tmp_path: Path, fmt: str, parser: str) -> None:
    out = tmp_path / f"dump.{fmt}"
    result = cg("export", "--format", fmt, "--graph", "data", "--out", str(out))
    assert result.exit_code == 0, result.output
    graph = rdflib.Dataset() if parser in ("nquads", "trig") else rdflib.Graph()
    graph.parse(out, format=parser)
    assert (rdflib.URIRef(KAZ), None, None) in graph


def test_export_all_keeps_named_graphs(cg, tmp_path: Path) -> None:
    out = tmp_path / "all.nq"
    cg("export", "--format", "nq", "--out", str(out))
    ds = rdflib.Dataset()
    ds.parse(out, format="nquads")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names >= {"https://w3id.org/cicagraph/graph/ontology", "https://w3id.org/cicagraph/graph/data", "https://w3id.org/cicagraph/graph/inferred"}


def test_export_downloads(cg, tmp_path: Path) -> None:
    result = cg("export", "--downloads", str(tmp_path / "dl"))
    assert result.exit_code == 0
    assert (tmp_path / "dl" / "SHA256SUMS").is_file()


def test_stats(cg) -> None:
    numbers = json.loads(cg("stats", "--format", "json").output)
    assert numbers["classes"]["http://www.w3.org/ns/org#Membership"] == 3
    assert numbers["graphs"]["data"] > 0 and numbers["graphs"]["inferred"] > 0
    text = cg("stats").output
    assert "Triples per graph:" in text and "http://www.w3.org/ns/org#Membership" in text


def test_serve_get_runs_one_request_in_process(cg) -> None:
    ok = cg("serve", "--get", "/healthz")
    assert ok.exit_code == 0, ok.output
    missing = cg("serve", "--get", "/id/state/NOPE")
    assert missing.exit_code == 1


def test_normalize(cg, tiny_project: Project) -> None:
    first = cg("normalize")
    assert first.exit_code == 0
    assert cg("normalize", "--check").exit_code == 0
    path = tiny_project.ontology_file
    path.write_text(path.read_text() + "\n\n")
    assert cg("normalize", "--check").exit_code == 1
    assert f"{path}: rewritten in canonical order" in cg("normalize").output
    assert cg("normalize", "--check").exit_code == 0


def test_docs(cg, tmp_path: Path) -> None:
    result = cg("docs", "--out", str(tmp_path / "docs"))
    assert result.exit_code == 0, result.output
    html = (tmp_path / "docs" / "index.html").read_text()
    assert "Membership" in html


def test_queries_list_and_unknown(cg) -> None:
    listed = cg("queries")
    assert listed.exit_code == 0
    unknown = cg("queries", "no-such-query")
    assert unknown.exit_code == 2 and "no research query called 'no-such-query'" in unknown.stderr
