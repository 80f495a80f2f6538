"""SPARQL SELECT/ASK results written from materialised rows (JSON, XML, CSV, TSV).

pyoxigraph serializes only a live result stream; the service materialises rows first (to
enforce the row cap and the time limit), so it writes them here. Plain string building, no
rdflib: this is on the hot path of every query.
"""

from __future__ import annotations

import json
from typing import Callable, Sequence, Union
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]
Row = Sequence[Union[Term, None]]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.Literal):
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": datatype}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _write_json(variables: Sequence[str], rows: Sequence[Row], boolean: bool | None) -> bytes:
    if boolean is not None:
        return json.dumps({"head": {}, "boolean": boolean}).encode()
    bindings = [
        {name: _json_term(term) for name, term in zip(variables, row) if term is not None}
        for row in rows
    ]
    doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value == XSD_STRING:
            return f"<literal>{escape(term.value)}</literal>"
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _write_xml(variables: Sequence[str], rows: Sequence[Row], boolean: bool | None) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if boolean is not None:
        out.append(f"<head/><boolean>{'true' if boolean else 'false'}</boolean></sparql>")
        return "".join(out).encode()
    out.append("<head>")
    out.extend(f"<variable name={quoteattr(v)}/>" for v in variables)
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        for name, term in zip(variables, row):
            if term is not None:
                out.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>")
    return "".join(out).encode()


def _csv_field(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        value = "_:" + term.value
    elif isinstance(term, ox.Triple):
        value = str(term)
    else:
        value = term.value
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _write_csv(variables: Sequence[str], rows: Sequence[Row], boolean: bool | None) -> bytes:
    if boolean is not None:
        return b"_askResult\r\n" + (b"true\r\n" if boolean else b"false\r\n")
    lines = [",".join(variables)]
    lines.extend(",".join(_csv_field(t) for t in row) for row in rows)
    return ("\r\n".join(lines) + "\r\n").encode()


def _write_tsv(variables: Sequence[str], rows: Sequence[Row], boolean: bool | None) -> bytes:
    if boolean is not None:
        return b"?_askResult\n" + (b"true\n" if boolean else b"false\n")
    lines = ["\t".join("?" + v for v in variables)]
    # str() of a pyoxigraph term is its N-Triples/Turtle form, with \t and \n escaped.
    lines.extend("\t".join("" if t is None else str(t) for t in row) for row in rows)
    return ("\n".join(lines) + "\n").encode()


_WRITERS: dict[str, Callable[[Sequence[str], Sequence[Row], bool | None], bytes]] = {
    "json": _write_json,
    "xml": _write_xml,
    "csv": _write_csv,
    "tsv": _write_tsv,
}


def write_results(format_name: str, variables: Sequence[str], rows: Sequence[Row], boolean: bool | None) -> bytes:
    """SELECT rows (or an ASK boolean when ``boolean`` is not None) in the named format."""
    return _WRITERS[format_name](variables, rows, boolean)
