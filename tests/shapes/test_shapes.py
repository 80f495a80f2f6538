"""The SHACL shapes (shapes/) and the data violation queries (checks/data-*-violation.rq),
tested against a corpus of small Turtle files.

* ``invalid/*.ttl``: each file breaks exactly one rule. Its header names the rule and the
  expected result::

      # expect-shape: https://w3id.org/cicagraph/shapes#MembershipShape   (or)
      # expect-check: data-end-before-start-violation
      # expect-focus: https://w3id.org/cicagraph/id/membership/cica-KAZ-member
      # expect-message: A membership needs exactly one org:member ...     (exact text, or a prefix)
      # also-expect-check: multiple-labels-per-language-violation       (optional: another check
      #                                           that reports the same focus for the same fault)

  and validation must report that one result and nothing else.
* ``valid/*.ttl``: must produce no result at all (no violation, no warning).

Each file is validated together with the shipped controlled vocabularies
(``data/vocabularies.ttl``: role:member, concept:adopted ...), and nothing else from data/.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SH

from cicagraph.config import Project
from cicagraph.pipeline.load import load_inputs
from cicagraph.pipeline.validate import Violation, validate

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
INVALID_DIR = HERE / "invalid"
VALID_DIR = HERE / "valid"
VOCABULARY = REPO_ROOT / "data" / "vocabularies.ttl"

INVALID_FILES = sorted(INVALID_DIR.glob("*.ttl"))
VALID_FILES = sorted(VALID_DIR.glob("*.ttl"))


@dataclass(frozen=True)
class Expectation:
    kind: str  # "shape" or "check"
    rule: str
    focus: str
    message: str
    also: tuple[str, ...] = ()  # other checks that legitimately report the same focus


def read_expectation(path: Path) -> Expectation:
    """The ``# expect-*:`` header lines of a corpus file."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("# ").partition(":")
        if sep and (key.startswith("expect-") or key.startswith("also-expect-")):
            fields[key.strip()] = value.strip()
    kinds = [k for k in ("expect-shape", "expect-check") if k in fields]
    assert len(kinds) == 1, f"{path.name}: needs exactly one '# expect-shape:' or '# expect-check:' line"
    assert "expect-focus" in fields and "expect-message" in fields, f"{path.name}: needs expect-focus and expect-message"
    return Expectation(
        kind=kinds[0].removeprefix("expect-"),
        rule=fields[kinds[0]],
        focus=fields["expect-focus"],
        message=fields["expect-message"],
        also=tuple(c.strip() for c in fields.get("also-expect-check", "").split(",") if c.strip()),
    )


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((REPO_ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    return graph


def holds_property_shape(node_shape: str, shape: str | None) -> bool:
    """pyshacl names the property shape (an IRI in our shapes) that failed; the corpus names
    the node shape that holds it (or the node shape itself, for an IRI-pattern failure)."""
    if shape is None:
        return False
    if shape == node_shape:
        return True
    return (rdflib.URIRef(node_shape), SH.property, rdflib.URIRef(shape)) in shapes_graph()


def run(path: Path) -> list[Violation]:
    inputs = load_inputs(Project(REPO_ROOT), data_files=[VOCABULARY, path])
    return validate(inputs).violations


def describe(violations: list[Violation]) -> str:
    return "\n".join(
        f"  [{v.severity}] {v.shape or v.check} focus={v.focus} path={v.path} value={v.value}\n      {v.message}"
        for v in violations
    ) or "  (none)"


def test_corpus_is_complete() -> None:
    """Every file of the corpus folders is a parametrised case (none silently vanishes, e.g. by
    a wrong suffix), and the corpus is as large as promised."""
    on_disk = sorted(p for d in (INVALID_DIR, VALID_DIR) for p in d.iterdir() if p.is_file())
    assert on_disk == sorted(INVALID_FILES + VALID_FILES), "every corpus file must end in .ttl"
    assert len({p.stem for p in INVALID_FILES + VALID_FILES}) == len(on_disk), "test ids must be unique"
    assert len(INVALID_FILES) >= 25
    assert len(VALID_FILES) >= 1
    assert VOCABULARY.is_file(), "the tests load the shipped data/vocabularies.ttl"


def test_every_check_and_node_shape_is_exercised() -> None:
    """Each data violation query and each node shape has at least one invalid file."""
    expectations = [read_expectation(p) for p in INVALID_FILES]
    checks = {p.stem for p in (REPO_ROOT / "checks").glob("data-*-violation.rq")}
    assert checks - {e.rule for e in expectations if e.kind == "check"} == set()
    node_shapes = {str(s) for s in shapes_graph().subjects(RDF.type, SH.NodeShape)}
    assert node_shapes - {e.rule for e in expectations if e.kind == "shape"} == set()


@pytest.mark.parametrize("path", INVALID_FILES, ids=[p.stem for p in INVALID_FILES])
def test_invalid_file_gives_exactly_the_expected_result(path: Path) -> None:
    expected = read_expectation(path)
    violations = run(path)

    def matches(v: Violation) -> bool:
        if expected.kind == "shape":
            rule_ok = v.check is None and holds_property_shape(expected.rule, v.shape)
        else:
            rule_ok = v.check == expected.rule
        return rule_ok and v.focus == expected.focus and v.message.startswith(expected.message)

    def tolerated(v: Violation) -> bool:
        return v.check in expected.also and v.focus == expected.focus

    hits = [v for v in violations if matches(v)]
    others = [v for v in violations if not matches(v) and not tolerated(v)]
    assert len(hits) == 1 and not others, (
        f"{path.name}: expected exactly one {expected.kind} {expected.rule} on {expected.focus}\n"
        f"  message: {expected.message}\ngot:\n{describe(violations)}"
    )


@pytest.mark.parametrize("path", VALID_FILES, ids=[p.stem for p in VALID_FILES])
def test_valid_file_conforms(path: Path) -> None:
    violations = run(path)
    assert violations == [], f"{path.name} should conform, got:\n{describe(violations)}"


def test_valid_files_exercise_every_node_shape() -> None:
    """Every node shape has at least one focus node in the valid corpus (so each is shown to
    accept good data, not only to reject bad data)."""
    inputs = load_inputs(Project(REPO_ROOT), data_files=[VOCABULARY, *VALID_FILES])
    data = inputs.data + inputs.ontology
    graph = shapes_graph()
    subclass = rdflib.RDFS.subClassOf
    unexercised = []
    for shape in graph.subjects(RDF.type, SH.NodeShape):
        focus: set[rdflib.term.Node] = set()
        for cls in graph.objects(shape, SH.targetClass):
            for sub in data.transitive_subjects(subclass, cls):
                focus.update(data.subjects(RDF.type, sub))
        for prop in graph.objects(shape, SH.targetSubjectsOf):
            focus.update(data.subjects(prop, None))
        if not focus:
            unexercised.append(str(shape))
    assert unexercised == []
