"""Re-pin the expected answers of the research queries (tests/queries/expected/*.json).

Run it only after REVIEWING the change in the answers (the tests never re-pin by
themselves)::

    python tests/queries/regenerate.py                 # every query
    python tests/queries/regenerate.py cica-chairs-over-time members-on-date ...
    python tests/queries/regenerate.py --dataset build/dataset.nq NAME   # reuse a build
    python tests/queries/regenerate.py --check         # only report which answers differ

Without ``--dataset`` the shipped project is built into a temporary directory exactly as the
test fixture ``shipped_store`` does (validation and reasoning included). For each query it
prints the row count and whether the pinned answer changed; ``git diff tests/queries/expected``
then shows what to review.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cgqueries_testlib import (  # noqa: E402
    REPO,
    expected_path,
    queries,
    read_expected,
    rows_of,
    write_expected,
)


def shipped_store(dataset: Path | None):
    from cicagraph.pipeline.store import load_dataset_file

    if dataset is not None:
        return load_dataset_file(dataset)
    from cicagraph.config import Project, Settings
    from cicagraph.pipeline.build import build

    out = Path(tempfile.mkdtemp(prefix="cicagraph-regenerate-")) / "build"
    build(Settings(project=Project(REPO)), out_dir=out, docs=False, downloads=False)
    return load_dataset_file(out / "dataset.nq")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="query names (file stems in queries/); default: all")
    parser.add_argument("--dataset", type=Path, help="an existing dataset.nq instead of a fresh build")
    parser.add_argument("--check", action="store_true", help="do not write, only report differences")
    args = parser.parse_args(argv)

    registry = queries()
    unknown = sorted(set(args.names) - set(registry))
    if unknown:
        parser.error(f"unknown queries: {', '.join(unknown)}")
    store = shipped_store(args.dataset)
    changed = 0
    for name in args.names or sorted(registry):
        rows = rows_of(store, registry[name])
        old = read_expected(name) if expected_path(name).exists() else None
        status = "new" if old is None else ("same" if old == rows else "CHANGED")
        changed += status != "same"
        if not args.check and status != "same":
            write_expected(name, rows)
        print(f"{status:8} {len(rows):5} rows  {name}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
