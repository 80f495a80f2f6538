"""The validation report's wording agrees with its exit code, per case: conforms, warnings
only (conforms, exit 0), violations (does not conform, exit 1) — in the text report, the
JSON report, the log line and the build's progress line."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cicagraph.cli import cli
from cicagraph.config import Project
from cicagraph.pipeline.load import load_inputs
from cicagraph.pipeline.validate import ValidationReport, Violation, validate

FIXTURES = Path(__file__).resolve().parent / "fixtures"  # not `from conftest`: tests/web has one too

WARNING_SHAPE = "https://w3id.org/cicagraph/shapes#CodeFile-urlPresent"
VIOLATION_SHAPE = "https://w3id.org/cicagraph/shapes#Membership-member"

# Two code files without a cg:url: the shape is sh:severity sh:Warning.
WARNINGS_TTL = """@prefix cg: <https://w3id.org/cicagraph/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix src: <https://w3id.org/cicagraph/id/source/> .

src:Z98 a cg:CodeFile ;
    dcterms:identifier "Z98" ;
    dcterms:description "A public code file whose repository is not identified, so no URL."@en .

src:Z99 a cg:CodeFile ;
    dcterms:identifier "Z99" ;
    dcterms:description "Another code file whose repository is not identified."@en .
"""


@pytest.fixture
def cg(runner: CliRunner, tiny_project: Project, tmp_path: Path):
    def invoke(*args: str):
        return runner.invoke(
            cli,
            ["--project", str(tiny_project.root), "--build-dir", str(tmp_path / "build"), *args],
            catch_exceptions=False,
        )

    return invoke


def add_warnings(project: Project) -> Path:
    path = project.data_dir / "code-files-without-url.ttl"
    path.write_text(WARNINGS_TTL, encoding="utf-8")
    return path


def add_violation(project: Project) -> Path:
    return Path(shutil.copy(FIXTURES / "broken" / "shacl-violation.ttl", project.data_dir))


# ---- the three cases through the command line


def test_conforms_exit_0(cg) -> None:
    result = cg("validate")
    assert (result.exit_code, result.output) == (0, "Conforms: no violations.\n")
    as_json = json.loads(cg("validate", "--format", "json").output)
    assert as_json == {
        "conforms": True,
        "summary": "Conforms: no violations.",
        "counts": {"violations": 0, "warnings": 0, "infos": 0},
        "violations": [],
    }


def test_warnings_only_conform_exit_0(cg, tiny_project: Project) -> None:
    path = add_warnings(tiny_project)
    result = cg("validate")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:4] == [
        "Conforms, with 2 warnings (sh:Warning).",
        "Warnings do not fail validation (exit 0) or the build.",
        "",
        f"{WARNING_SHAPE} (2)",
    ]
    assert lines[4:] == [
        f"  Warning: https://w3id.org/cicagraph/id/source/Z98 [{path}]",
        "    path:    https://w3id.org/cicagraph/ontology#url",
        "    message: A code file should have its cg:url on GitHub; if the repository is unknown, say so in dcterms:description",
        f"  Warning: https://w3id.org/cicagraph/id/source/Z99 [{path}]",
        "    path:    https://w3id.org/cicagraph/ontology#url",
        "    message: A code file should have its cg:url on GitHub; if the repository is unknown, say so in dcterms:description",
    ]
    assert "Does not conform" not in result.output

    as_json = json.loads(cg("validate", "--format", "json").output)
    assert as_json["conforms"] is True
    assert as_json["summary"] == "Conforms, with 2 warnings (sh:Warning)."
    assert as_json["counts"] == {"violations": 0, "warnings": 2, "infos": 0}
    assert [(v["severity"], v["focus"], v["file"]) for v in as_json["violations"]] == [
        ("Warning", "https://w3id.org/cicagraph/id/source/Z98", str(path)),
        ("Warning", "https://w3id.org/cicagraph/id/source/Z99", str(path)),
    ]


def test_violations_do_not_conform_exit_1(cg, tiny_project: Project) -> None:
    broken = add_violation(tiny_project)
    add_warnings(tiny_project)
    result = cg("validate")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "Does not conform: 1 violation, 2 warnings."
    # the groups holding a violation come first, then the warnings
    assert lines[1:4] == [
        "",
        f"{VIOLATION_SHAPE} (1)",
        f"  Violation: https://w3id.org/cicagraph/id/membership/cica-nobody-member [{broken}]",
    ]
    assert lines.index(f"{WARNING_SHAPE} (2)") > 3
    assert "do not fail validation" not in result.output

    as_json = json.loads(cg("validate", "--format", "json").output)
    assert as_json["conforms"] is False
    assert as_json["summary"] == "Does not conform: 1 violation, 2 warnings."
    assert as_json["counts"] == {"violations": 1, "warnings": 2, "infos": 0}
    assert [v["severity"] for v in as_json["violations"]] == ["Violation", "Warning", "Warning"]


def test_violations_alone(cg, tiny_project: Project) -> None:
    add_violation(tiny_project)
    result = cg("validate")
    assert (result.exit_code, result.output.splitlines()[0]) == (1, "Does not conform: 1 violation.")


# ---- the build: warnings pass, the progress and log lines say so


def test_build_passes_with_warnings_and_says_so(runner: CliRunner, tiny_project: Project, tmp_path: Path) -> None:
    add_warnings(tiny_project)
    result = runner.invoke(cli, ["--verbose", "--project", str(tiny_project.root), "--build-dir", str(tmp_path / "b"), "build", "--no-docs"])
    assert result.exit_code == 0, result.output
    validate_lines = [line for line in result.stderr.splitlines() if line.startswith("validate: ")]
    assert len(validate_lines) == 1
    assert validate_lines[0].endswith("): Conforms, with 2 warnings (sh:Warning).")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["validation"] == {"violations": 0, "warnings": 2, "infos": 0}


def test_build_fails_on_a_violation_with_the_same_wording(runner: CliRunner, tiny_project: Project, tmp_path: Path) -> None:
    add_violation(tiny_project)
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "--build-dir", str(tmp_path / "b"), "build", "--no-docs"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Does not conform: 1 violation.\n")


def test_log_line(tiny_project: Project, caplog: pytest.LogCaptureFixture) -> None:
    add_warnings(tiny_project)
    with caplog.at_level(logging.INFO, logger="cicagraph.pipeline.validate"):
        report = validate(load_inputs(tiny_project))
    assert report.conforms
    assert "validation: Conforms, with 2 warnings (sh:Warning)." in caplog.messages


# ---- the wording itself


def result(severity: str, focus: str = "https://example.org/x", shape: str = "https://example.org/S") -> Violation:
    return Violation(shape=shape, check=None, focus=focus, path=None, value=None, message="m", severity=severity)


@pytest.mark.parametrize(
    ("severities", "summary", "conforms"),
    [
        ([], "Conforms: no violations.", True),
        (["Warning"], "Conforms, with 1 warning (sh:Warning).", True),
        (["Warning"] * 3, "Conforms, with 3 warnings (sh:Warning).", True),
        (["Info"], "Conforms, with 1 info (sh:Info).", True),
        (["Warning", "Warning", "Info"], "Conforms, with 2 warnings (sh:Warning) and 1 info (sh:Info).", True),
        (["Violation"], "Does not conform: 1 violation.", False),
        (["Violation", "Violation", "Warning", "Warning", "Warning"], "Does not conform: 2 violations, 3 warnings.", False),
        (["Info", "Violation", "Warning"], "Does not conform: 1 violation, 1 warning, 1 info.", False),
    ],
)
def test_summary(severities: list[str], summary: str, conforms: bool) -> None:
    report = ValidationReport([result(s, focus=f"https://example.org/{i}") for i, s in enumerate(severities)])
    assert report.conforms is conforms
    assert report.summary() == summary
    assert report.to_text().splitlines()[0] == summary
    assert report.to_json()["summary"] == summary


def test_infos_note() -> None:
    report = ValidationReport([result("Warning"), result("Info", shape="https://example.org/T")])
    assert report.to_text().splitlines()[1] == "Warnings and infos do not fail validation (exit 0) or the build."
    assert ValidationReport([result("Info")]).to_text().splitlines()[1] == "Infos do not fail validation (exit 0) or the build."


def test_groups_and_results_in_a_stable_order() -> None:
    items = [
        result("Warning", "https://example.org/b", shape="https://example.org/A"),
        result("Warning", "https://example.org/a", shape="https://example.org/A"),
        result("Violation", "https://example.org/c", shape="https://example.org/Z"),
    ]
    report = ValidationReport(items)
    groups = report.by_rule()
    assert list(groups) == ["https://example.org/Z", "https://example.org/A"]
    assert [v.focus for v in groups["https://example.org/A"]] == ["https://example.org/a", "https://example.org/b"]
    assert report.to_text() == ValidationReport(list(reversed(items))).to_text()
