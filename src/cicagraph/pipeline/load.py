"""Stage 1: load the ontology (with its imports, resolved offline through the catalog),
the data, the SHACL shapes and the ``*-violation.rq`` checks.

Files are parsed with pyoxigraph (fast, and its syntax errors carry line and column) and
handed on as rdflib graphs, which pyshacl and owlrl need.
"""

from __future__ import annotations

import hashlib
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF

from cicagraph.config import Project
from cicagraph.errors import InputError, SyntaxErrorInFile

log = logging.getLogger(__name__)

CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
RDF_SUFFIXES = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML}


@dataclass(frozen=True)
class Check:
    """A SPARQL SELECT that returns one row per violation (``*-violation.rq``)."""

    name: str
    title: str
    text: str
    path: Path


@dataclass
class Inputs:
    """Everything the pipeline reads, parsed."""

    ontology: rdflib.Graph
    data: rdflib.Graph
    shapes: rdflib.Graph
    checks: list[Check]
    ontology_files: list[Path]
    data_files: list[Path]
    shape_files: list[Path]
    origin: dict[rdflib.term.Node, Path] = field(default_factory=dict)  # subject -> first file
    content_hash: str = ""
    # The data as N-Triples text (rdflib's serializer: the exact terms rdflib holds), made
    # once by data_ntriples(); validation feeds it to pyshacl-turbo and to the check store.
    ntriples: str | None = field(default=None, repr=False, compare=False)

    def data_ntriples(self) -> str:
        if self.ntriples is None:
            self.ntriples = self.data.serialize(format="nt")
        return self.ntriples

    def file_of(self, node: rdflib.term.Node) -> Path | None:
        return self.origin.get(node)


def _ox_to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))


def parse_file(path: Path, graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Parse one RDF file into ``graph`` (a new one by default); syntax errors name the
    file, line and column."""
    graph = rdflib.Graph() if graph is None else graph
    for _ in _parse_into(path, graph):
        pass
    return graph


PROGRESS_EVERY = 20_000  # triples between two progress reports


def _parse_into(path: Path, graph: rdflib.Graph, progress: Callable[[int], None] | None = None) -> Iterator[rdflib.term.Node]:
    """Add the triples of ``path`` to ``graph``, yielding each triple's subject; report the
    bytes read so far to ``progress`` now and then."""
    fmt = RDF_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown RDF file type (expected one of {', '.join(RDF_SUFFIXES)})")
    # Straight into the store (Graph.add only checks the terms' types, which are ours).
    store_add = graph.store.add
    # One rdflib term per distinct parsed term: converting is a third of the load time, and
    # equal terms then share one object (less memory for the graph and for forked children).
    terms: dict = {}
    get = terms.get

    def term(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
        converted = get(t)
        if converted is None:
            converted = terms[t] = _ox_to_rdflib(t)
        return converted

    try:
        with path.open("rb") as handle:
            reported = 0
            for count, triple in enumerate(ox.parse(handle, format=fmt, base_iri=path.resolve().as_uri()), 1):
                subject = term(triple.subject)
                store_add((subject, term(triple.predicate), term(triple.object)), graph, quoted=False)
                yield subject
                if progress is not None and count % PROGRESS_EVERY == 0:
                    position = handle.tell()
                    progress(position - reported)
                    reported = position
            if progress is not None:
                progress(path.stat().st_size - reported)
    except SyntaxError as exc:
        line, column = exc.lineno, exc.offset
        detail = exc.msg
        # pyoxigraph says "Parser error between line 3 column 11 and …: <what>"; keep <what>.
        if detail and ": " in detail and detail.startswith("Parser error"):
            detail = detail.split(": ", 1)[1]
        raise SyntaxErrorInFile(path, line, column, detail) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_catalog(catalog: Path) -> dict[str, Path]:
    """Ontology IRI -> local file, from a Protégé/OWL API ``catalog-v001.xml``."""
    if not catalog.is_file():
        return {}
    try:
        root = ET.parse(catalog).getroot()
    except ET.ParseError as exc:
        raise InputError(f"{catalog}: not a valid XML catalog: {exc}") from None
    return {
        element.attrib["name"]: (catalog.parent / element.attrib["uri"]).resolve()
        for element in root.iter(f"{CATALOG_NS}uri")
        if "name" in element.attrib and "uri" in element.attrib
    }


def load_ontology(project: Project) -> tuple[rdflib.Graph, list[Path]]:
    """The edited ontology and its ``owl:imports`` closure, each import resolved through the
    catalog (never fetched from the web)."""
    catalog = read_catalog(project.catalog_file)
    graph = rdflib.Graph()
    files: list[Path] = []
    pending = [project.ontology_file]
    seen_iris: set[str] = set()
    while pending:
        path = pending.pop()
        if path in files:
            continue
        if not path.is_file():
            raise InputError(f"ontology file {path} is missing")
        part = parse_file(path)
        files.append(path)
        graph += part
        for ontology in part.subjects(RDF.type, OWL.Ontology):
            seen_iris.add(str(ontology))
        for imported in part.objects(None, OWL.imports):
            iri = str(imported)
            if iri in seen_iris:
                continue
            local = catalog.get(iri)
            if local is None:
                raise InputError(
                    f"{path}: owl:imports <{iri}> is not mapped in {project.catalog_file}",
                    hint="add a <uri name=… uri=…/> entry so the import resolves offline",
                )
            pending.append(local)
    return graph, files


def rdf_files(directory: Path, pattern: str = "*.ttl") -> list[Path]:
    return sorted(p for p in directory.rglob(pattern) if p.is_file()) if directory.is_dir() else []


def load_checks(directory: Path) -> list[Check]:
    checks = []
    for path in sorted(directory.glob("*-violation.rq")) if directory.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        title = next(
            (line.split(":", 1)[1].strip() for line in text.splitlines() if line.lower().startswith("# title:")),
            path.stem,
        )
        checks.append(Check(name=path.stem, title=title, text=text, path=path))
    return checks


def content_hash(paths: Sequence[Path]) -> str:
    """SHA-256 over the names and bytes of every input: the cache key of a build."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.name).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def input_files(project: Project, data_files: Sequence[Path] | None = None) -> list[Path]:
    """Every file a build reads (ontology dir, data, shapes, checks)."""
    data = list(data_files) if data_files is not None else rdf_files(project.data_dir)
    return sorted(
        set(rdf_files(project.ontology_dir))
        | {project.catalog_file}
        | set(data)
        | set(rdf_files(project.shapes_dir))
        | set(project.checks_dir.glob("*.rq") if project.checks_dir.is_dir() else [])
    )


def load_inputs(
    project: Project,
    data_files: Sequence[Path] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Inputs:
    """Parse everything a build needs. ``data_files`` defaults to every ``data/**/*.ttl``;
    ``progress`` is told how many bytes of data were read, as they are read."""
    ontology, ontology_files = load_ontology(project)
    files = list(data_files) if data_files is not None else rdf_files(project.data_dir)
    if not files:
        raise InputError(f"no data files found in {project.data_dir}")
    data = rdflib.Graph()
    origin: dict[rdflib.term.Node, Path] = {}
    for path in files:
        for subject in _parse_into(Path(path), data, progress):
            if subject not in origin:
                origin[subject] = Path(path)
    shape_files = rdf_files(project.shapes_dir)
    shapes = rdflib.Graph()
    for path in shape_files:
        parse_file(path, shapes)
    all_files = input_files(project, files)
    log.info("loaded %d ontology, %d data and %d shape triples", len(ontology), len(data), len(shapes))
    return Inputs(
        ontology=ontology,
        data=data,
        shapes=shapes,
        checks=load_checks(project.checks_dir),
        ontology_files=ontology_files,
        data_files=[Path(p) for p in files],
        shape_files=shape_files,
        origin=origin,
        content_hash=content_hash(all_files),
    )
