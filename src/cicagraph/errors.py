"""One error hierarchy. The CLI maps it to a message and an exit code, the web layer to an
HTTP status and the JSON error body, each in exactly one place.

Reportable errors are the user's (bad input, bad query); anything else is a bug.
"""

from __future__ import annotations

from pathlib import Path


class CicagraphError(Exception):
    """Base of every error a user should see. ``exit_code`` for the CLI, ``status`` for HTTP."""

    exit_code = 2
    status = 400
    link: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = self.message
        if self.hint:
            text += f"\nHint: {self.hint}"
        if self.link:
            text += f"\nFor reference, see {self.link}"
        return text


class InputError(CicagraphError):
    """An input file is missing or cannot be read."""


class SyntaxErrorInFile(InputError):
    """An RDF file does not parse; names the file, line and column."""

    link = "https://www.w3.org/TR/turtle/#sec-grammar"

    def __init__(self, path: Path, line: int | None, column: int | None, detail: str) -> None:
        where = str(path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: syntax error: {detail}")
        self.path = path
        self.line = line
        self.column = column
        self.detail = detail


class ValidationFailed(CicagraphError):
    """The data does not conform to the SHACL shapes or a ``*-violation.rq`` check."""

    exit_code = 1
    link = "https://www.w3.org/TR/shacl/#validation-report"

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


class InconsistentOntology(CicagraphError):
    """OWL 2 RL reasoning found a contradiction (owl:Nothing, disjointness, functional clash…)."""

    exit_code = 1
    link = "https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules"

    def __init__(self, message: str, problems: list) -> None:
        super().__init__(message)
        self.problems = problems


class QueryError(CicagraphError):
    """A SPARQL query does not parse or cannot be evaluated."""

    link = "https://www.w3.org/TR/sparql11-query/#grammar"


class QueryRefused(CicagraphError):
    """A request the read-only, sandboxed service will not run (update, SERVICE, LOAD…)."""

    status = 403


class QueryTimeout(CicagraphError):
    """A query ran past the time limit."""

    status = 503


class ResultTooLarge(CicagraphError):
    """A result exceeded the row cap."""

    status = 413


class NotBuilt(CicagraphError):
    """The built dataset is missing; run ``cicagraph build``."""

    status = 503
