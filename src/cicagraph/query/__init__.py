"""The query layer: running SPARQL safely on a built store and shaping the answers.

:mod:`~cicagraph.query.sparql` (the query guard, limits, timeouts and result serialization
with :mod:`~cicagraph.query.results`), :mod:`~cicagraph.query.queries` (the canned research
queries in ``queries/*.rq`` with their parameters), :mod:`~cicagraph.query.tables` and
:mod:`~cicagraph.query.research_tables` (clean tables for researchers) and
:mod:`~cicagraph.query.panel` (the state-year panel).

Imports only the core modules; never the pipeline, web, curation or publish layers.
"""
