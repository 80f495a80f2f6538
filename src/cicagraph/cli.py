"""The ``cicagraph`` command line: a thin shell over the pipeline functions.

Errors are translated in exactly one place (:class:`CicagraphGroup`): a message on stderr and
an exit code — 0 success, 1 the data does not conform / is inconsistent, 2 an error
(unparsable input, bad query, missing build).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from cicagraph import __version__
from cicagraph.config import GRAPHS, Project, Settings
from cicagraph.errors import CicagraphError

log = logging.getLogger("cicagraph")


class CicagraphGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CicagraphError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    base: Settings = ctx.obj["settings"]
    return base.with_(**overrides)


def _progress(ctx: click.Context):
    if ctx.obj["verbose"]:
        return lambda message: click.echo(message, err=True)
    return None


@click.group(cls=CicagraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cicagraph")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), help="Project root holding ontology/, data/, shapes/, checks/, queries/ (default: the checkout you are in, else the packaged copy).")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), help="Where the built dataset lives (default: <project>/build).")
@click.option("-v", "--verbose", is_flag=True, help="Show progress and step timings on stderr.")
@click.pass_context
def cli(ctx: click.Context, project: Path | None, build_dir: Path | None, verbose: bool) -> None:
    """cicagraph: the knowledge graph of Asia's security forums and confidence-building
    measures — build it, check it, query it and serve it."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    overrides: dict[str, Any] = {"build_dir": build_dir}
    if project is not None:
        overrides["project"] = Project(project.resolve())
    ctx.obj = {"settings": Settings.load(overrides), "verbose": verbose}


LARGE_LOAD_BYTES = 50 * 1024 * 1024  # show the load progress bar above this much data
SHACL_ENGINE = click.option(
    "--shacl-engine", type=click.Choice(["auto", "turbo", "pyshacl"]), default=None,
    help="SHACL engine: 'auto' (default: pyshacl-turbo when installed, else pyshacl), 'turbo' (pyshacl-turbo, "
    "~10x faster; a test checks it reports the same as pyshacl) or 'pyshacl' (the reference). Also $CICAGRAPH_SHACL_ENGINE.",
)
ENGINE = click.option("--engine", type=click.Choice(["fast", "owlrl"]), default="fast", show_default=True, help="OWL 2 RL engine: 'fast' (compiled rules, checked against owlrl by a test) or owlrl itself.")


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output directory (default: the build dir).")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), help="Also write a persistent pyoxigraph store to DIR (serve it with `serve --store DIR`).")
@click.option("--force", is_flag=True, help="Rebuild even if the inputs are unchanged.")
@click.option("--no-docs", is_flag=True, help="Skip the pyLODE ontology documentation.")
@ENGINE
@SHACL_ENGINE
@click.pass_context
def build(ctx: click.Context, out_dir: Path | None, store_dir: Path | None, force: bool, no_docs: bool, engine: str, shacl_engine: str | None) -> None:
    """Run load → validate → reason → store and write the built dataset.

    Writes dataset.nq (named graphs ontology, data, inferred), manifest.json (counts, content
    hash of the inputs, timings, tool versions), downloads/ and docs/. Atomic: on failure
    nothing in the output is replaced. Cached: unchanged inputs are not rebuilt.
    """
    from cicagraph.pipeline.build import build as run_build
    from cicagraph.pipeline.load import rdf_files

    settings = _settings(ctx).with_(shacl_engine=shacl_engine)
    total = sum(p.stat().st_size for p in rdf_files(settings.project.data_dir))
    # A progress bar on the load when asked for (--verbose) or when the data is large.
    show_bar = ctx.obj["verbose"] or total > LARGE_LOAD_BYTES
    with click.progressbar(length=total, label="loading data", file=sys.stderr, hidden=not show_bar) as bar:
        result = run_build(
            settings, out_dir=out_dir, store_dir=store_dir, engine=engine, force=force, docs=not no_docs,
            progress=_progress(ctx), load_progress=bar.update,
        )
    counts = result.manifest.get("counts", {})
    state = "up to date" if result.cached else "built"
    click.echo(f"{state}: {result.out_dir} — " + ", ".join(f"{name} {n} triples" for name, n in counts.items()))


@cli.command()
@click.option("--data", "data_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Validate these data files instead of data/ (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@SHACL_ENGINE
@click.pass_context
def validate(ctx: click.Context, data_files: tuple[Path, ...], fmt: str, shacl_engine: str | None) -> None:
    """Check the data against the SHACL shapes and the *-violation.rq checks.

    The report is grouped by shape (or check): focus node, path, value, message, file.
    Exit codes: 0 conforms (sh:Warning and sh:Info results are reported but do not fail
    it), 1 does not conform (at least one sh:Violation), 2 error (e.g. unparsable input).
    """
    from cicagraph.pipeline.load import load_inputs
    from cicagraph.pipeline.validate import validate as run_validate

    settings = _settings(ctx)
    inputs = load_inputs(settings.project, data_files or None)
    report = run_validate(inputs, shacl_engine or settings.shacl_engine)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.to_text())
    ctx.exit(0 if report.conforms else 1)


@cli.command()
@ENGINE
@click.option("--show", "show_triples", is_flag=True, help="Also print the inferred triples (N-Triples).")
@click.pass_context
def reason(ctx: click.Context, engine: str, show_triples: bool) -> None:
    """Print what OWL 2 RL reasoning infers, per predicate, and any consistency problem.

    Exit codes: 0 consistent, 1 inconsistent, 2 error.
    """
    from cicagraph.pipeline.load import load_inputs
    from cicagraph.pipeline.reason import reason as run_reason

    settings = _settings(ctx)
    inputs = load_inputs(settings.project)
    result = run_reason(inputs.ontology, inputs.data, engine)
    click.echo(f"{len(result.inferred)} inferred triples ({result.engine}, {result.seconds:.2f} s)")
    for predicate, count in result.per_predicate():
        click.echo(f"  {count:7d}  {predicate}")
    if show_triples:
        import rdflib

        shown = rdflib.Graph()
        for triple in sorted(result.inferred):
            shown.add(triple)
        click.echo(shown.serialize(format="nt"))
    if result.problems:
        click.echo(f"{len(result.problems)} consistency problem(s):", err=True)
        for problem in result.problems:
            click.echo(f"  - [{problem.kind}] {problem.message}", err=True)
        ctx.exit(1)
    click.echo("consistent")


def _ensure_built(ctx: click.Context, settings: Settings) -> None:
    """Rebuild when the inputs changed (a no-op when cached); a persistent store is served
    as it is."""
    from cicagraph.pipeline.build import build as run_build

    if settings.store_dir is None:
        run_build(settings, progress=_progress(ctx))


def _open_built_store(ctx: click.Context):
    """The built dataset, rebuilt first when the inputs changed."""
    from cicagraph.pipeline.store import open_store

    settings = _settings(ctx)
    _ensure_built(ctx, settings)
    return open_store(settings), settings


CLI_MAX_ROWS = 10**9  # the CLI streams to a terminal or file: no cap
QUERY_FORMATS = ["table", "json", "xml", "csv", "tsv", "turtle", "nt", "jsonld", "rdfxml"]


@cli.command()
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read the query from a file.")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table", show_default=True, help="table/json/xml/csv/tsv for SELECT and ASK; turtle/nt/jsonld/rdfxml for CONSTRUCT and DESCRIBE.")
@click.option("--graph", "graphs", multiple=True, type=click.Choice(list(GRAPHS)), help="Query only these graphs as the default graph (default: the union of all).")
@click.option("--timeout", type=float, help="Time limit in seconds.")
@click.pass_context
def query(ctx: click.Context, query: str | None, query_file: Path | None, fmt: str, graphs: tuple[str, ...], timeout: float | None) -> None:
    """Run a SPARQL query against the built dataset.

    QUERY is the query text, or '-' to read it from stdin; or use --file F.
    """
    from cicagraph.query.sparql import run_query

    if query_file is not None:
        text = query_file.read_text(encoding="utf-8")
    elif query == "-":
        text = sys.stdin.read()
    elif query:
        text = query
    else:
        raise click.UsageError("give a QUERY or --file F")
    store, settings = _open_built_store(ctx)
    outcome = run_query(
        store,
        text,
        default_graph_uris=[GRAPHS[g] for g in graphs],
        timeout_s=timeout or settings.query_timeout_s,
        max_rows=CLI_MAX_ROWS,
    )
    _print_outcome(outcome, fmt)


def _print_outcome(outcome, fmt: str) -> None:
    from cicagraph.query.sparql import serialize
    from cicagraph.query.tables import render_table

    if fmt == "table":
        click.echo(render_table(outcome))
        return
    name = {"turtle": "ttl", "rdfxml": "rdf"}.get(fmt, fmt)
    click.echo(serialize(outcome, name).decode("utf-8"), nl=False)


@cli.command("queries")
@click.argument("name", required=False)
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Bind a parameter of the query (repeatable).")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table", show_default=True)
@click.pass_context
def queries_command(ctx: click.Context, name: str | None, params: tuple[str, ...], fmt: str) -> None:
    """List the research queries in queries/, or run the one called NAME."""
    from cicagraph.query.queries import load_queries
    from cicagraph.query.sparql import run_query

    settings = _settings(ctx)
    catalogue = load_queries(settings.project.queries_dir)
    if name is None:
        for canned in catalogue.values():
            click.echo(f"{canned.name:40s} {canned.title}")
        return
    if name not in catalogue:
        raise CicagraphError(f"no research query called {name!r}", hint="run `cicagraph queries` to list them")
    canned = catalogue[name]
    values = dict(p.split("=", 1) for p in params if "=" in p)
    bad = [p for p in params if "=" not in p]
    if bad:
        raise click.UsageError(f"--param takes NAME=VALUE, got {bad[0]!r}")
    store, settings = _open_built_store(ctx)
    outcome = run_query(store, canned.text, substitutions=canned.bindings(values), timeout_s=settings.query_timeout_s, max_rows=CLI_MAX_ROWS)
    _print_outcome(outcome, fmt)


def _dataset_version(settings: Settings):
    from cicagraph.tabular import DatasetVersion

    return DatasetVersion.from_manifest_file(settings.manifest_file)


def _emit_table(table, fmt: str, out_file: Path | None) -> None:
    """A table to ``out_file`` (CSV/TSV with a CSVW ``-metadata.json`` beside it) or stdout."""
    from cicagraph.tabular import table_format, write_table

    table_fmt = table_format(fmt)
    if out_file is None and table_fmt.name == "parquet":
        raise click.UsageError("Parquet is binary: give --out FILE")
    body = write_table(table, table_fmt, out_file)
    if out_file is None:
        click.echo(body.decode("utf-8"), nl=False)
    else:
        click.echo(f"wrote {out_file} ({len(table.rows)} rows, dataset {table.version.label})", err=True)


TABLE_FORMAT_NAMES = ["csv", "tsv", "json", "parquet"]


@cli.command()
@click.option("--forum", "forums", multiple=True, metavar="NAME", help="A forum or organization by short name (cica, sco, asean …) or IRI (repeatable; default: every forum with state memberships).")
@click.option("--from", "first", default="1992", show_default=True, metavar="YEAR|DATE", help="First year (or day, with --unit day).")
@click.option("--to", "last", default=None, metavar="YEAR|DATE", help="Last year (or day; default: the current year).")
@click.option("--unit", type=click.Choice(["year", "day"]), default="year", show_default=True, help="One row per state and year, or per state and day.")
@click.option("--rule", type=click.Choice(["year-end", "any"]), default="year-end", show_default=True, help="A year's status: the one held on 31 December, or any held during the year.")
@click.option("--shape", type=click.Choice(["long", "wide"]), default="long", show_default=True, help="Long: a row per state, year and forum; wide: a row per state and year, a column per forum.")
@click.option("--all-states", is_flag=True, help="Every state of the graph, coded 0 where it holds no status (default: the states with a status in the chosen forums).")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMAT_NAMES), default="csv", show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (CSV/TSV also get FILE-metadata.json, CSVW); default stdout.")
@click.pass_context
def panel(ctx: click.Context, forums: tuple[str, ...], first: str, last: str | None, unit: str, rule: str, shape: str,
          all_states: bool, fmt: str, out_file: Path | None) -> None:
    """A state-year membership panel (Correlates of War IGO shape).

    Codes: 1 member, 2 associate/partner, 3 observer, 0 none, empty = unknown (a status
    that a source attests without dating its start is unknown before that date, never 0).
    """
    from cicagraph.query.queries import load_queries
    from cicagraph.query.research_tables import panel_table

    store, settings = _open_built_store(ctx)
    table = panel_table(store, load_queries(settings.project.queries_dir), forums=forums, first=first, last=last,
                        unit=unit, rule=rule, shape=shape, all_states=all_states, version=_dataset_version(settings))
    _emit_table(table, fmt, out_file)


@cli.command("table")
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Bind a parameter of the query (repeatable).")
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMAT_NAMES), default="csv", show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (CSV/TSV also get FILE-metadata.json, CSVW); default stdout.")
@click.pass_context
def table_command(ctx: click.Context, name: str, params: tuple[str, ...], fmt: str, out_file: Path | None) -> None:
    """A research query (see `cicagraph queries`) as a clean table: names beside IRIs,
    ISO dates, no parameter columns."""
    from cicagraph.errors import QueryError
    from cicagraph.query.queries import load_queries
    from cicagraph.query.research_tables import query_table

    settings = _settings(ctx)
    registry = load_queries(settings.project.queries_dir)
    canned = registry.get(name)
    if canned is None:
        raise QueryError(f"no research query named {name!r}", hint="`cicagraph queries` lists them")
    values = dict(p.split("=", 1) for p in params if "=" in p)
    if len(values) != len(params):
        raise click.UsageError("--param takes NAME=VALUE")
    store, settings = _open_built_store(ctx)
    _emit_table(query_table(store, canned, values, _dataset_version(settings)), fmt, out_file)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "nq", "trig", "jsonld", "rdfxml"]), default="trig", show_default=True)
@click.option("--graph", type=click.Choice(["data", "inferred", "ontology", "all"]), default="all", show_default=True, help="Which named graph; 'all' keeps the graphs in quad formats and merges them in triple formats.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (default: stdout).")
@click.option("--downloads", "downloads_dir", type=click.Path(file_okay=False, path_type=Path), help="Instead, write every format plus SHA256SUMS into this directory (as served at /downloads/).")
@click.pass_context
def export(ctx: click.Context, fmt: str, graph: str, out_file: Path | None, downloads_dir: Path | None) -> None:
    """Export the built dataset in an RDF format."""
    from cicagraph.pipeline.export import write_downloads
    from cicagraph.pipeline.store import dump_dataset

    store, _ = _open_built_store(ctx)
    if downloads_dir is not None:
        for path in write_downloads(store, downloads_dir):
            click.echo(str(path))
        return
    data = dump_dataset(store, fmt, None if graph == "all" else GRAPHS[graph])
    if out_file is None:
        sys.stdout.buffer.write(data)
    else:
        out_file.write_bytes(data)
        click.echo(f"wrote {out_file} ({len(data)} bytes)", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def stats(ctx: click.Context, fmt: str) -> None:
    """Triples per graph, and instances per class (asserted + inferred)."""
    from cicagraph.pipeline.stats import dataset_stats

    store, _ = _open_built_store(ctx)
    numbers = dataset_stats(store)
    if fmt == "json":
        click.echo(json.dumps(numbers, indent=2))
        return
    click.echo("Triples per graph:")
    for name, n in numbers["graphs"].items():
        click.echo(f"  {n:8d}  {name}")
    click.echo(f"Classes: {len(numbers['classes'])} with instances; {numbers['instances']} typed resources")
    for cls, n in numbers["classes"].items():
        click.echo(f"  {n:8d}  {cls}")


@cli.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option("--workers", type=int, default=None, help="Worker processes of the production server.")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), help="Serve a persistent store written by `build --store DIR` (no rebuild).")
@click.option("--timeout", "query_timeout_s", type=float, default=None, help="Query time limit in seconds (default 10).")
@click.option("--cache-mb", type=click.IntRange(min=0), default=None, help="Result cache per worker, in MiB (default 64): repeated queries and pages are answered from memory.")
@click.option("--no-cache", is_flag=True, help="No result cache (every query runs; ETags and 304s stay).")
@click.option("--read-timeout", "read_timeout_s", type=click.IntRange(min=1), default=None, help="Close a connection silent this many seconds while its request is read (default 5).")
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader instead of gunicorn.")
@click.option("--get", "get_path", metavar="PATH", help="Run one GET request in-process, print the response and exit (0 if HTTP 200).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None, store_dir: Path | None, query_timeout_s: float | None, cache_mb: int | None, no_cache: bool, read_timeout_s: int | None, dev: bool, get_path: str | None) -> None:
    """Serve the SPARQL endpoint, query UI and linked data (builds first if needed)."""
    from cicagraph.web.server import get_once, run_server

    cache_bytes = 0 if no_cache else (None if cache_mb is None else cache_mb * 1024 * 1024)
    settings = _settings(ctx, host=host, port=port, workers=workers, store_dir=store_dir, query_timeout_s=query_timeout_s,
                         result_cache_bytes=cache_bytes, read_timeout_s=read_timeout_s)
    _ensure_built(ctx, settings)
    if get_path is not None:
        status, body, _ = get_once(settings, get_path)
        sys.stdout.buffer.write(body)
        ctx.exit(0 if status == 200 else 1)
    run_server(settings, dev=dev)


@cli.command()
@click.option("--to", "endpoint", required=True, metavar="URL", help="Base URL of the SPARQL store: Oxigraph http://host:7878, Fuseki http://host:3030/DATASET, GraphDB http://host:7200/repositories/ID, Virtuoso http://host:8890/sparql.")
@click.option("--graph", "graphs", multiple=True, type=click.Choice(list(GRAPHS)), help="Publish only this named graph (repeatable; default: all).")
@click.option("--protocol", type=click.Choice(["gsp", "update", "auto"]), default="auto", show_default=True, help="Graph Store Protocol PUT, SPARQL Update, or GSP falling back to Update.")
@click.option("--user", default=None, help="User name for HTTP Basic authentication (Digest for Virtuoso, or when the store asks for it).")
@click.option("--password", default=None, envvar="CICAGRAPH_PUBLISH_PASSWORD", help="Password (or $CICAGRAPH_PUBLISH_PASSWORD).")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), help="Publish from a persistent store written by `build --store DIR`.")
@click.option("--store-url", default=None, help="Graph Store endpoint, when it cannot be derived from --to.")
@click.option("--query-url", default=None, help="Query endpoint used to verify the counts.")
@click.option("--update-url", default=None, help="SPARQL Update endpoint.")
@click.option("--timeout", "timeout_s", type=float, default=60.0, show_default=True, help="Seconds per HTTP request.")
@click.pass_context
def publish(ctx: click.Context, endpoint: str, graphs: tuple[str, ...], protocol: str, user: str | None, password: str | None,
            store_dir: Path | None, store_url: str | None, query_url: str | None, update_url: str | None, timeout_s: float) -> None:
    """Push each named graph to an external SPARQL store and verify its triple count.

    Idempotent: a GSP PUT (or DROP + INSERT DATA) replaces each graph. Exit codes: 0 published
    and verified, 1 a count differs on the target, 2 an error (unreachable, refused, bad URL).
    See docs/publishing.md for Fuseki, GraphDB, Virtuoso and QLever.
    """
    from cicagraph.pipeline.store import open_store
    from cicagraph.publish.remote import publish as run_publish

    if (user is None) != (password is None):
        raise click.UsageError("give both --user and --password, or neither")
    settings = _settings(ctx, store_dir=store_dir)
    _ensure_built(ctx, settings)
    report = run_publish(
        open_store(settings), endpoint, graphs=list(graphs) or None, protocol=protocol,  # type: ignore[arg-type]
        auth=(user, password) if user is not None else None, timeout_s=timeout_s,
        store_url=store_url, query_url=query_url, update_url=update_url, progress=_progress(ctx),
    )
    click.echo(report.to_text())


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Only report whether the files are in canonical order (exit 1 if not).")
@click.pass_context
def normalize(ctx: click.Context, files: tuple[Path, ...], check: bool) -> None:
    """Rewrite the ontology in a stable canonical order (run after saving from Protégé).

    FILES default to ontology/cicagraph.ttl and its imports. Also removes the OWL API's save
    noise (owl:NamedIndividual types, ^^xsd:string, flipped owl:disjointWith), which does
    not change the ontology's meaning.
    """
    from cicagraph.curation.canonical import (
        canonical_turtle,
        normalize_file,
        owl_normal_form,
    )
    from cicagraph.pipeline.load import load_ontology, parse_file

    settings = _settings(ctx)
    paths = list(files) or load_ontology(settings.project)[1]
    stale = []
    for path in paths:
        if check:
            canonical = canonical_turtle(owl_normal_form(parse_file(path)))
            if canonical != path.read_text(encoding="utf-8"):
                stale.append(path)
                click.echo(f"{path}: not in canonical order; run `cicagraph normalize`", err=True)
            else:
                click.echo(f"{path}: already canonical")
        elif normalize_file(path, owl_normal=True):
            click.echo(f"{path}: rewritten in canonical order")
        else:
            click.echo(f"{path}: already canonical")
    ctx.exit(1 if stale else 0)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output directory (default: <build>/docs/ontology).")
@click.pass_context
def docs(ctx: click.Context, out_dir: Path | None) -> None:
    """Generate the HTML documentation of the ontology with pyLODE."""
    from cicagraph.pipeline.ontodocs import write_ontology_docs

    settings = _settings(ctx)
    target = out_dir or settings.docs_dir / "ontology"
    index = write_ontology_docs(settings.project.ontology_file, target)
    click.echo(str(index))


@cli.command("check-owl")
@click.option("--with-data", is_flag=True, help="Also load the data into the reasoner.")
@click.pass_context
def check_owl_command(ctx: click.Context, with_data: bool) -> None:
    """OWL 2 DL profile check (OWL API) and consistency/classification with HermiT (needs Java)."""
    from cicagraph.curation.owlcheck import check_owl
    from cicagraph.pipeline.load import load_ontology, rdf_files

    settings = _settings(ctx)
    _, ontology_files = load_ontology(settings.project)
    report = check_owl(ontology_files, rdf_files(settings.project.data_dir) if with_data else [])
    click.echo(f"OWL 2 DL: {'yes' if report.in_dl_profile else 'NO'}; consistent: {'yes' if report.consistent else 'NO'}; unsatisfiable classes: {len(report.unsatisfiable)} ({report.seconds:.1f} s)")
    for line in report.dl_violations + report.unsatisfiable:
        click.echo(f"  - {line}")
    ctx.exit(0 if report.in_dl_profile and report.consistent and not report.unsatisfiable else 1)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report as text or as JSON.")
@click.pass_context
def coverage(ctx: click.Context, fmt: str) -> None:
    """Coverage of the data and the state of the gap list (data/gaps.ttl).

    Per forum, how many memberships have a start date, an end date or only cg:asOf; how many
    facts carry a quote for every source; every gap with its status (open / closed by a
    source / searched, not found). Exit 0 when the gap list agrees with the data, 1 when a gap
    is inconsistent (listed open but its fact is now dated, or closed but not), 2 on an error.
    """
    from cicagraph.curation.coverage import coverage_report

    report = coverage_report(_settings(ctx).project)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=1, ensure_ascii=False))
    else:
        click.echo(report.to_text())
    ctx.exit(0 if report.ok else 1)
