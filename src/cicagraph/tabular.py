"""Tables for researchers: one :class:`Table` type and one registry of file formats (CSV,
TSV, JSON, Parquet) shared by ``cicagraph panel``, ``cicagraph table`` and the HTTP
downloads (``/panel.csv``, ``/queries/<name>.csv`` …).

Every table carries the dataset's identity (:class:`DatasetVersion`): in the file name, in
the JSON body, and in a CSVW metadata document (W3C "Metadata Vocabulary for Tabular
Data") beside CSV/TSV files — CSVW because it is the one standard that a CSV reader can
find by convention (``<file>-metadata.json``) without a header row that would break
``pd.read_csv(url)`` or ``read.csv(url)``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from cicagraph import __version__
from cicagraph.errors import CicagraphError

Value = str | int | None
DATASET_TITLE = "cicagraph: a knowledge graph of Asia's security forums and confidence-building measures"
DATASET_IRI = "https://w3id.org/cicagraph/"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class DatasetVersion:
    """Which build a table comes from: cite this with every figure."""

    version: str = __version__
    content_hash: str = "unbuilt"
    built_at: str = ""

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any] | None) -> "DatasetVersion":
        manifest = manifest or {}
        return cls(
            version=str(manifest.get("tools", {}).get("cicagraph", __version__)),
            content_hash=str(manifest.get("content_hash", "unbuilt")),
            built_at=str(manifest.get("built_at", "")),
        )

    @classmethod
    def from_manifest_file(cls, path: Path) -> "DatasetVersion":
        """The version of the build whose ``manifest.json`` is ``path`` (unbuilt if absent)."""
        try:
            return cls.from_manifest(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return cls()

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    @property
    def label(self) -> str:
        """``0.1.0+3f2a9c1b0d4e``: the release and the build's content hash."""
        return f"{self.version}+{self.short_hash}"

    def citation(self) -> str:
        date = self.built_at[:10] or "unbuilt"
        return f"cicagraph contributors. {DATASET_TITLE}. Version {self.label}, built {date}. {DATASET_IRI}"

    def to_json(self) -> dict[str, str]:
        return {"title": DATASET_TITLE, "version": self.version, "content_hash": self.content_hash,
                "built_at": self.built_at, "license": LICENSE, "citation": self.citation()}


@dataclass(frozen=True)
class Column:
    name: str
    title: str = ""
    datatype: str = "string"  # CSVW / XSD datatype name: string, integer, date, anyURI
    description: str = ""


@dataclass
class Table:
    """A rectangular result: named, typed columns; rows of plain values (``None`` = empty)."""

    name: str  # used in file names: cicagraph-<version>-<name>.<ext>
    title: str
    columns: list[Column]
    rows: list[tuple[Value, ...]]
    version: DatasetVersion = field(default_factory=DatasetVersion)
    description: str = ""
    notes: dict[str, Any] = field(default_factory=dict)  # e.g. the panel's coding and rule
    sparql: str = ""  # the query behind the table

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def records(self) -> list[dict[str, Value]]:
        names = self.column_names
        return [dict(zip(names, row)) for row in self.rows]

    def file_name(self, fmt: "TableFormat") -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", self.name).strip("-")
        return f"cicagraph-{self.version.label}-{safe}.{fmt.extension}"


def _delimited(table: Table, delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8")


def _json(table: Table) -> bytes:
    body = {
        "dataset": table.version.to_json(),
        "table": {"name": table.name, "title": table.title, "description": table.description, **table.notes},
        "columns": [{"name": c.name, "title": c.title or c.name, "datatype": c.datatype, "description": c.description} for c in table.columns],
        "rows": table.records(),
    }
    return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


_ARROW_TYPES = {"integer": "int64"}


def _parquet(table: Table) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise CicagraphError("Parquet needs pyarrow", hint="pip install 'cicagraph[parquet]'") from None
    arrays = []
    for i, column in enumerate(table.columns):
        values = [row[i] for row in table.rows]
        arrays.append(pa.array(values, type=pa.int64() if column.datatype == "integer" else pa.string()))
    metadata = {"cicagraph": json.dumps({"dataset": table.version.to_json(), "table": table.name, **table.notes}, ensure_ascii=False)}
    arrow = pa.table(arrays, names=table.column_names).replace_schema_metadata(metadata)
    sink = io.BytesIO()
    pq.write_table(arrow, sink)
    return sink.getvalue()


@dataclass(frozen=True)
class TableFormat:
    name: str
    extension: str
    media_type: str
    write: Callable[[Table], bytes]
    csvw: bool  # has a CSVW metadata sidecar


TABLE_FORMATS: dict[str, TableFormat] = {
    f.name: f
    for f in (
        TableFormat("csv", "csv", "text/csv; charset=utf-8", lambda t: _delimited(t, ","), True),
        TableFormat("tsv", "tsv", "text/tab-separated-values; charset=utf-8", lambda t: _delimited(t, "\t"), True),
        TableFormat("json", "json", "application/json", _json, False),
        TableFormat("parquet", "parquet", "application/vnd.apache.parquet", _parquet, False),
    )
}


def table_format(name: str) -> TableFormat:
    try:
        return TABLE_FORMATS[name.lower()]
    except KeyError:
        raise CicagraphError(f"unknown table format {name!r}; choose one of {', '.join(TABLE_FORMATS)}") from None


def csvw_metadata(table: Table, url: str, fmt: TableFormat) -> dict[str, Any]:
    """The CSVW metadata document describing ``url`` (a CSV or TSV rendering of ``table``)."""
    doc: dict[str, Any] = {
        "@context": "http://www.w3.org/ns/csvw",
        "url": url,
        "dc:title": table.title,
        "dc:description": table.description,
        "dc:license": LICENSE,
        "dc:source": DATASET_IRI,
        "schema:version": table.version.label,
        "schema:dateModified": table.version.built_at,
        "cicagraph:contentHash": table.version.content_hash,
        "cicagraph:citation": table.version.citation(),
        "tableSchema": {
            "columns": [
                {"name": c.name, "titles": c.title or c.name, "datatype": c.datatype, "dc:description": c.description}
                for c in table.columns
            ]
        },
    }
    if table.notes:
        doc["cicagraph:notes"] = table.notes
    if fmt.name == "tsv":
        doc["dialect"] = {"delimiter": "\t"}
    return doc


def write_table(table: Table, fmt: TableFormat, out: Path | None) -> bytes:
    """The table's bytes; written to ``out`` (with ``out``-metadata.json for CSV/TSV) when given."""
    body = fmt.write(table)
    if out is not None:
        out.write_bytes(body)
        if fmt.csvw:
            meta = csvw_metadata(table, out.name, fmt)
            Path(str(out) + "-metadata.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return body


def humanise(name: str) -> str:
    """A column title from a variable name: ``stateLabel`` → "State", ``start_date`` → "Start date"."""
    name = re.sub(r"Label$", "", name)
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:] if text else name


def ordered(values: Sequence[str]) -> list[str]:
    return sorted(dict.fromkeys(v for v in values if v))
