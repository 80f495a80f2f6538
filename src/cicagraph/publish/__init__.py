"""Publishing a build to an external SPARQL store (Graph Store Protocol or SPARQL Update):
see :mod:`cicagraph.publish.remote` and ``docs/publishing.md``.

May import the core modules and the pipeline; nothing imports publish but the CLI.
"""
