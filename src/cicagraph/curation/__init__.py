"""Tools for the people who curate the ontology and the data, run from the CLI.

:mod:`~cicagraph.curation.canonical` (the canonical Turtle save of the ontology),
:mod:`~cicagraph.curation.owlcheck` (OWL 2 DL profile and HermiT checks) and
:mod:`~cicagraph.curation.coverage` (what the data covers and the recorded gaps).

May import the core modules and the pipeline; nothing imports curation but the CLI.
"""
