"""The research-query registry: ``queries/*.rq`` files with a comment header.

Header lines (before the first non-comment line)::

    # title: Members of a forum
    # description: States holding a membership of a forum.
    # param: forum iri https://w3id.org/cicagraph/id/org/cica The forum whose members to list
    # param: since date - Only memberships starting on or after this date
    # tags: membership, states

A parameter is a SPARQL variable of the query, pre-bound through pyoxigraph
``substitutions`` (never spliced into the text); ``-`` as default leaves it unbound.

What pyoxigraph 0.5 substitution means for query authors (checked by the tests):

* in a SELECT, every parameter must be in the projection (or use ``SELECT *``);
  :func:`load_queries` rejects the file otherwise;
* the value replaces the variable in triple patterns and in FILTER expressions, but
  ``BOUND(?param)`` stays false and ``BIND(?param AS ?x)`` does not see it; so write an
  optional parameter as ``FILTER(COALESCE(<test using ?param>, true))``, which keeps
  every row while ``?param`` is unbound.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping

import pyoxigraph as ox

from cicagraph.errors import InputError, QueryError

log = logging.getLogger(__name__)

ParamType = Literal["iri", "string", "date", "gyear", "integer"]
PARAM_TYPES: tuple[str, ...] = ("iri", "string", "date", "gyear", "integer")
XSD = "http://www.w3.org/2001/XMLSchema#"

_HEADER = re.compile(r"^#\s*(title|description|param|tags)\s*:\s*(.*?)\s*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DATE = re.compile(r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_GYEAR = re.compile(r"^-?\d{4,}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^<>\"{}|^`\\\x00-\x20]*$")


@dataclass(frozen=True)
class Param:
    """One pre-bound variable of a canned query."""

    name: str
    type: ParamType
    default: str | None
    description: str

    def bind(self, raw: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for the user's ``raw`` value, type-checked.

        :raise QueryError: the value does not match the parameter type (400).
        """
        value = raw.strip()
        bad = QueryError(
            f"parameter {self.name!r} must be {_TYPE_HELP[self.type]}, got {raw!r}",
            hint=self.description or None,
        )
        if self.type == "iri":
            if not _IRI.match(value):
                raise bad
            try:
                return ox.NamedNode(value)
            except ValueError:
                raise bad from None
        if self.type == "string":
            return ox.Literal(raw)
        if self.type == "date":
            if not _DATE.match(value):
                raise bad
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
        if self.type == "gyear":
            if not _GYEAR.match(value):
                raise bad
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
        if not _INTEGER.match(value):
            raise bad
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))


_TYPE_HELP = {
    "iri": "an absolute IRI such as https://w3id.org/cicagraph/id/state/KAZ",
    "string": "a string",
    "date": "a date YYYY-MM-DD",
    "gyear": "a year YYYY",
    "integer": "an integer",
}


@dataclass(frozen=True)
class CannedQuery:
    """A research query read from ``queries/<name>.rq``."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: Path
    tags: tuple[str, ...] = field(default=())

    def bindings(self, values: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
        """Substitutions for :func:`cicagraph.query.sparql.run_query`: user values (empty means
        "use the default"), then defaults; unknown names are an error.

        :raise QueryError: an unknown parameter or a value of the wrong type (400).
        """
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter {', '.join(map(repr, unknown))}",
                hint=f"parameters: {', '.join(known) or 'none'}",
            )
        bound: dict[str, ox.NamedNode | ox.Literal] = {}
        for p in self.params:
            raw = values.get(p.name) or p.default
            if raw is not None and raw != "":
                bound[p.name] = p.bind(raw)
        return bound

    def editor_text(self, values: Mapping[str, str] | None = None,
                    restrict: Mapping[str, ox.NamedNode] | None = None) -> str:
        """The query for an interactive editor (YASGUI), where nothing is substituted: the
        parameters with a value (from ``values``, type-checked, else the default) are bound
        by ``VALUES`` at the start of the WHERE group, so the text runs as is and shows the
        user what to change; ``restrict`` binds other variables the same way (a view of one
        forum shows the query of all forums narrowed to it)."""
        values = values or {}
        bound = [(p.name, p.bind(values.get(p.name) or p.default)) for p in self.params
                 if values.get(p.name) or p.default is not None]
        bound += [(name, term) for name, term in (restrict or {}).items()]
        if not bound:
            return self.text
        at = _where_group_start(self.text)
        if at is None:
            return self.text
        lines = "".join(f"\n  VALUES ?{name} {{ {_editor_term(term)} }}  # parameter" for name, term in bound)
        return self.text[: at + 1] + lines + self.text[at + 1 :]

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "params": [
                {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                for p in self.params
            ],
            "query": self.text,
        }


def _editor_term(term: ox.NamedNode | ox.Literal) -> str:
    if isinstance(term, ox.Literal) and term.datatype.value == XSD + "integer":
        return term.value  # 1, not "1"^^xsd:integer
    return str(term)


def _where_group_start(text: str) -> int | None:
    """Offset of the '{' opening the outer WHERE group (strings, IRIs, comments skipped)."""
    from cicagraph.query.sparql import _TOKENS

    form = None
    for m in _TOKENS.finditer(text):
        word = (m.group("word") or "").upper()
        if word in ("SELECT", "ASK", "DESCRIBE", "CONSTRUCT") and form is None:
            form = word
        elif word == "WHERE":
            form = "WHERE"
        elif m.group("other") == "{" and form is not None and form != "CONSTRUCT":
            return m.start()
    return None


def parse_query_file(path: Path) -> CannedQuery:
    """A :class:`CannedQuery` from one ``.rq`` file.

    :raise InputError: a malformed header (names the file and line).
    """
    text = path.read_text(encoding="utf-8")
    title = description = ""
    params: list[Param] = []
    tags: tuple[str, ...] = ()
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        m = _HEADER.match(stripped)
        if not m:
            continue
        key, value = m.groups()
        if key == "title":
            title = value
        elif key == "description":
            description = (description + " " + value).strip()
        elif key == "tags":
            tags = tuple(t.strip() for t in value.split(",") if t.strip())
        else:
            params.append(_parse_param(path, lineno, value))
    if not title:
        raise InputError(f"{path}: missing '# title:' header line")
    query = CannedQuery(path.stem, title, description, tuple(params), text, path, tags)
    _check_bindable(query)
    return query


_EXAMPLE_VALUES = {"iri": "urn:example:x", "string": "x", "date": "2000-01-01", "gyear": "2000", "integer": "1"}


def _check_bindable(query: CannedQuery) -> None:
    """The query parses and every parameter can be substituted (pyoxigraph only binds
    variables of the SELECT projection, so a parameter of a SELECT must be projected)."""
    if not query.params:
        return
    bindings = {p.name: p.bind(_EXAMPLE_VALUES[p.type]) for p in query.params}
    try:
        result = _EMPTY_STORE.query(
            query.text, substitutions={ox.Variable(k): v for k, v in bindings.items()}
        )
        del result
    except SyntaxError as e:
        raise InputError(f"{query.path}: bad query: {e}") from None
    except RuntimeError as e:
        raise InputError(
            f"{query.path}: {e}",
            hint="list every '# param:' variable in the SELECT clause (or use SELECT *)",
        ) from None


_EMPTY_STORE = ox.Store()


def _parse_param(path: Path, lineno: int, value: str) -> Param:
    parts = value.split(None, 3)
    if len(parts) < 3:
        raise InputError(f"{path}:{lineno}: '# param:' needs '<name> <type> <default or -> <description>'")
    name, type_, default = parts[:3]
    if not _NAME.match(name):
        raise InputError(f"{path}:{lineno}: parameter name {name!r} is not a SPARQL variable name")
    if type_ not in PARAM_TYPES:
        raise InputError(f"{path}:{lineno}: parameter type {type_!r} is not one of {', '.join(PARAM_TYPES)}")
    param = Param(name, type_, None if default == "-" else default, parts[3] if len(parts) > 3 else "")  # type: ignore[arg-type]
    if param.default is not None:
        try:
            param.bind(param.default)
        except QueryError as e:
            raise InputError(f"{path}:{lineno}: default of {name!r}: {e.message}") from None
    return param


def load_queries(directory: Path) -> dict[str, CannedQuery]:
    """Every ``*.rq`` in ``directory`` keyed by file stem, sorted by name; ``{}`` if absent."""
    if not directory.is_dir():
        log.info("no query directory at %s", directory)
        return {}
    return {q.name: q for q in (parse_query_file(p) for p in sorted(directory.glob("*.rq")))}
