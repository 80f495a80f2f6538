"""The fixed research-query mix of the benchmarks.

Every query is one kind of question researchers ask of the graph; ``{forum}``, ``{state}``,
``{membership}`` and ``{dimension}`` are filled with IRIs that exist at every size (see
:func:`anchors`). All queries run over the union of the named graphs (asserted + inferred),
as the service does by default.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX cg: <https://w3id.org/cicagraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX role: <https://w3id.org/cicagraph/id/role/>
"""


@dataclass(frozen=True)
class BenchQuery:
    name: str
    kind: str  # "select" | "construct" | "describe"
    feature: str  # what it exercises
    join: bool  # counts towards the "≥ 50× faster than rdflib on join queries" target
    template: str

    def text(self, anchors: dict[str, str]) -> str:
        return PREFIXES + self.template.format(**anchors)


MIX: list[BenchQuery] = [
    BenchQuery("lookup", "select", "lookup by IRI", False,
               "SELECT ?p ?o WHERE {{ <{state}> ?p ?o }}"),
    BenchQuery("members_at_date", "select", "membership join + date FILTER + OPTIONAL", True, """
SELECT ?state ?label ?start WHERE {{
  ?ms org:organization <{forum}> ; org:member ?state ; org:role role:member ; cg:startDate ?start .
  OPTIONAL {{ ?ms cg:endDate ?end }}
  ?state skos:prefLabel ?label .
  FILTER(STR(?start) <= "2012-01-01" && (!BOUND(?end) || STR(?end) >= "2012"))
}} ORDER BY ?label"""),
    BenchQuery("state_forums", "select", "membership join + date FILTER", True, """
SELECT ?forum ?name ?start WHERE {{
  ?ms org:member <{state}> ; org:organization ?forum ; org:role role:member ; cg:startDate ?start .
  ?forum skos:prefLabel ?name .
  FILTER(STR(?start) < "2005")
}} ORDER BY ?start ?forum"""),
    BenchQuery("hosts_join", "select", "whole-graph membership x meeting join + FILTER + GROUP BY", True, """
SELECT ?forum (COUNT(DISTINCT ?state) AS ?hosts) WHERE {{
  ?ms org:member ?state ; org:organization ?forum ; org:role role:member ; cg:startDate ?start .
  ?m cg:meetingOf ?forum ; cg:hostState ?state ; cg:startDate ?d .
  FILTER(STR(?d) >= "2015" && STR(?start) <= STR(?d))
}} GROUP BY ?forum ORDER BY DESC(?hosts) ?forum LIMIT 20"""),
    BenchQuery("meetings_optional", "select", "OPTIONAL + property path", False, """
SELECT ?m ?start ?end ?venue WHERE {{
  ?m cg:meetingOf/org:subOrganizationOf? <{forum}> ; cg:startDate ?start .
  OPTIONAL {{ ?m cg:endDate ?end }}
  OPTIONAL {{ ?m cg:venue/skos:prefLabel ?venue }}
}} ORDER BY ?start ?m"""),
    BenchQuery("members_per_forum", "select", "GROUP BY / COUNT over all memberships", False, """
SELECT ?forum (COUNT(?ms) AS ?n) WHERE {{ ?ms a org:Membership ; org:organization ?forum }}
GROUP BY ?forum ORDER BY DESC(?n) ?forum LIMIT 20"""),
    BenchQuery("cbm_path", "select", "transitive property path skos:broader+", False, """
SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c skos:broader+ <{dimension}> }}"""),
    BenchQuery("adopted_docs_path", "select", "sequence path + zero-or-more path", True, """
SELECT ?doc ?meeting WHERE {{
  ?a cg:adoptedDocument ?doc ; cg:atMeeting ?meeting .
  ?meeting cg:meetingOf/org:subOrganizationOf* <{forum}> .
}} ORDER BY ?doc"""),
    BenchQuery("construct_members", "construct", "CONSTRUCT", True, """
CONSTRUCT {{ ?state org:memberOf <{forum}> ; skos:prefLabel ?label }}
WHERE {{ ?ms org:organization <{forum}> ; org:member ?state . ?state skos:prefLabel ?label }}"""),
    BenchQuery("describe", "describe", "DESCRIBE", False, "DESCRIBE <{membership}>"),
]

BY_NAME = {q.name: q for q in MIX}
# Queries whose cost grows with the whole graph (left out of the "light" HTTP mix).
WHOLE_GRAPH = frozenset({"hosts_join", "members_per_forum", "adopted_docs_path"})
LOOKUP = BY_NAME["lookup"]

ANCHOR_QUERY = PREFIXES + """
SELECT ?forum ?state ?membership WHERE {
  ?membership org:organization ?forum ; org:member ?state ; org:role role:member .
  FILTER(?forum = <https://w3id.org/cicagraph/id/org/forum-00000>)
} ORDER BY ?membership LIMIT 1"""


def anchors(store) -> dict[str, str]:
    """IRIs for the templates, read from a pyoxigraph store of the synthetic dataset."""
    rows = list(store.query(ANCHOR_QUERY, use_default_graph_as_union=True))
    if not rows:
        raise SystemExit("the dataset has no forum-00000 membership: is it a bench/generate.py graph?")
    row = rows[0]
    return {
        "forum": row["forum"].value,
        "state": row["state"].value,
        "membership": row["membership"].value,
        "dimension": "https://w3id.org/cicagraph/id/cbm/dimension-1",
    }


def texts(anchor_values: dict[str, str]) -> dict[str, str]:
    return {q.name: q.text(anchor_values) for q in MIX}
