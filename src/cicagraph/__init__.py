"""cicagraph: a knowledge graph of Asia's security forums and confidence-building measures.

The layers (``docs/architecture.md``), each importing only those below it:

* core modules: :mod:`cicagraph.config`, :mod:`cicagraph.errors`, :mod:`cicagraph.formats`,
  :mod:`cicagraph.tabular`;
* :mod:`cicagraph.pipeline` (load, validate, reason, store, build) and
  :mod:`cicagraph.query` (SPARQL, research queries, tables, panel), side by side;
* :mod:`cicagraph.curation`, :mod:`cicagraph.publish` and :mod:`cicagraph.web`;
* :mod:`cicagraph.cli` on top.

The library API is importable from here too (lazily, so ``import cicagraph`` stays cheap)::

    from cicagraph import Settings, build, open_store, run_query
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name → module that defines it
_API = {
    "Settings": "cicagraph.config",
    "build": "cicagraph.pipeline.build",
    "open_store": "cicagraph.pipeline.store",
    "run_query": "cicagraph.query.sparql",
    "create_app": "cicagraph.web",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'cicagraph' has no attribute {name!r}")
