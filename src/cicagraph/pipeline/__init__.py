"""The build pipeline: files on disk → the served dataset.

Stages, in order: :mod:`~cicagraph.pipeline.load` (Turtle and the ontology, with file and
line in every syntax error), :mod:`~cicagraph.pipeline.validate` (SHACL shapes and the
SPARQL ``*-violation.rq`` checks), :mod:`~cicagraph.pipeline.reason` (OWL 2 RL with the rule
engine in :mod:`~cicagraph.pipeline.rules`, kept in its own graph), :mod:`~cicagraph.pipeline.dates`
(date bounds), :mod:`~cicagraph.pipeline.store` (the pyoxigraph store and reproducible
N-Quads) and :mod:`~cicagraph.pipeline.export` (dumps, VoID, checksums) and
:mod:`~cicagraph.pipeline.ontodocs` (the ontology's HTML docs). :mod:`~cicagraph.pipeline.build`
runs them and swaps the finished build into place, so nothing half-built is served.

Imports only the core modules (``cicagraph.config``, ``errors``, ``formats``, ``tabular``);
never the query, web, curation or publish layers (``tests/test_architecture.py``).
"""
