"""Synthetic graphs in the cicagraph ontology, for the benchmarks.

    python bench/generate.py 100k [--out bench/work/100k]

Writes a minimal project the real pipeline builds (``cicagraph --project DIR build``):
``ontology/``, ``shapes/``, ``checks/`` and ``queries/`` copied from the checkout,
``data/vocabularies.ttl`` (roles and adoption actions) copied too, and the synthetic facts in
``data/synthetic.ttl``: plain N-Triples lines (a subset of Turtle, so the pipeline's ``*.ttl``
glob reads it and any N-Triples tool does too).

The graph is a scaled-up version of the shipped data: states (unique ISO alpha-3 codes),
forums with organs, memberships with dates (members and former observers, never
overlapping), chairmanships held by members, meetings of five kinds with venues and host
states, documents and their adoptions at meetings, a CBM catalogue (dimensions, areas,
measures) with coordinating states, and web-page sources that every fact is derived from.
It conforms to the shipped shapes and checks, so validation and reasoning do real work.

Deterministic: the same size and seed give byte-identical output. The triple count lands
within ~1 % of the requested size (``--exact`` trims the data file to it exactly).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import string
import sys
from itertools import product
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}

ID = "https://w3id.org/cicagraph/id/"
CG = "https://w3id.org/cicagraph/ontology#"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

MEETING_KINDS = [("Summit", "summit"), ("MinisterialMeeting", "ministerial"), ("SeniorOfficialsMeeting", "soc"),
                 ("WorkingGroupMeeting", "swg"), ("ExpertsMeeting", "experts")]
DOCUMENT_KINDS = ["Declaration", "Act", "Statement", "ActionPlan", "Memorandum", "Agreement"]

# Per forum (average): 5 + 2*6 organs + 30 members*8 + 6 observers*9 + 20 meetings*10
# + 20 documents*5 + 20 adoptions*7 + 5 chairs*8 + 4 coordinations*6 + 5 sources*5 ≈ 830
TRIPLES_PER_FORUM = 805
MEMBERS_PER_FORUM = 30
OBSERVERS_PER_FORUM = 6
MEETINGS_PER_FORUM = 20
CHAIRS_PER_FORUM = 5
COORDINATIONS_PER_FORUM = 4
SOURCES_PER_FORUM = 5


def parse_size(text: str) -> int:
    key = text.strip().lower()
    if key in SIZES:
        return SIZES[key]
    multiplier = 1
    if key[-1] in "km":
        multiplier = 1_000 if key[-1] == "k" else 1_000_000
        key = key[:-1]
    return int(float(key) * multiplier)


def size_name(n: int) -> str:
    for name, value in SIZES.items():
        if value == n:
            return name
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def iri(local: str) -> str:
    return f"<{ID}{local}>"


def lit(text: str, lang: str | None = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(text: str, datatype: str) -> str:
    return f'"{text}"^^<{XSD}{datatype}>'


def cg(local: str) -> str:
    return f"<{CG}{local}>"


def date(rng: random.Random, start_year: int, end_year: int) -> tuple[str, str]:
    """(lexical form, datatype) with mixed precision, as in the real data."""
    y = rng.randint(start_year, end_year)
    kind = rng.random()
    if kind < 0.7:
        return f"{y:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "date"
    if kind < 0.85:
        return f"{y:04d}-{rng.randint(1, 12):02d}", "gYearMonth"
    return f"{y:04d}", "gYear"


def triples(n_target: int, seed: int = 42) -> Iterator[str]:
    """N-Triples lines of a graph of about ``n_target`` triples."""
    rng = random.Random(seed)
    forums = max(1, round((n_target - 450) / TRIPLES_PER_FORUM))
    n_states = min(26 ** 3, max(60, forums // 2 + MEMBERS_PER_FORUM + OBSERVERS_PER_FORUM + 10))
    codes = ["".join(c) for c in product(string.ascii_uppercase, repeat=3)]
    rng.shuffle(codes)
    codes = sorted(codes[:n_states])
    n_places = max(20, forums // 4)
    n_areas = max(10, min(500, forums // 2))

    def t(s: str, p: str, o: str) -> str:
        return f"{s} {p} {o} .\n"

    a, label, alt = RDF_TYPE, f"<{SKOS}prefLabel>", f"<{SKOS}altLabel>"
    derived = f"<{PROV}wasDerivedFrom>"
    in_scheme, broader = f"<{SKOS}inScheme>", f"<{SKOS}broader>"

    # global sources, states, places, CBM catalogue
    yield t(iri("source/S0"), a, cg("WebPage"))
    yield t(iri("source/S0"), f"<{DCT}identifier>", lit("S0", None))
    yield t(iri("source/S0"), cg("url"), typed("https://example.org/synthetic/S0", "anyURI"))
    yield t(iri("source/S0"), f"<{DCT}title>", lit("Synthetic reference list"))
    for code in codes:
        s = iri(f"state/{code}")
        yield t(s, a, cg("State"))
        yield t(s, label, lit(f"State {code}"))
        yield t(s, cg("isoAlpha3"), lit(code, None))
        yield t(s, derived, iri("source/S0"))
    for i in range(n_places):
        s = iri(f"place/city-{i:05d}")
        yield t(s, a, cg("City"))
        yield t(s, label, lit(f"City {i}"))
        yield t(s, cg("locatedIn"), iri(f"state/{codes[i % len(codes)]}"))
    catalogue = iri("cbm/catalogue")
    yield t(catalogue, a, f"<{SKOS}ConceptScheme>")
    yield t(catalogue, label, lit("Catalogue of CBMs (synthetic)"))
    for d in range(1, 6):
        s = iri(f"cbm/dimension-{d}")
        yield t(s, a, cg("CBMDimension"))
        yield t(s, label, lit(f"Dimension {d}"))
        yield t(s, in_scheme, catalogue)
        yield t(s, f"<{SKOS}topConceptOf>", catalogue)
    for ar in range(n_areas):
        s = iri(f"cbm/area-{ar:04d}")
        yield t(s, a, cg("CBMArea"))
        yield t(s, label, lit(f"Area {ar}"))
        yield t(s, in_scheme, catalogue)
        yield t(s, broader, iri(f"cbm/dimension-{ar % 5 + 1}"))
        for m in range(2):
            ms = iri(f"cbm/measure-{ar:04d}-{m}")
            yield t(ms, a, cg("CBMeasure"))
            yield t(ms, label, lit(f"Measure {ar}.{m}"))
            yield t(ms, in_scheme, catalogue)
            yield t(ms, broader, s)

    role = {r: iri(f"role/{r}") for r in ("member", "observer", "chair", "coordinator", "co-coordinator")}
    for f in range(forums):
        slug = f"forum-{f:05d}"
        forum = iri(f"org/{slug}")
        sources = [iri(f"source/{slug}-s{k}") for k in range(SOURCES_PER_FORUM)]
        for k, src in enumerate(sources):
            yield t(src, a, cg("WebPage"))
            yield t(src, f"<{DCT}identifier>", lit(f"{slug}-s{k}", None))
            yield t(src, cg("url"), typed(f"https://example.org/synthetic/{slug}/{k}", "anyURI"))
            yield t(src, f"<{DCT}title>", lit(f"Page {k} about forum {f}"))
            yield t(src, f"<{DCT}date>", typed(f"{rng.randint(2000, 2024)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}", "date"))
        yield t(forum, a, cg("Forum"))
        yield t(forum, label, lit(f"Forum {f} on Asian security"))
        yield t(forum, alt, lit(f"F{f}"))
        yield t(forum, derived, sources[0])
        yield t(forum, cg("headquarters"), iri(f"place/city-{rng.randrange(n_places):05d}"))
        organs = []
        for kind in ("council", "secretariat"):
            organ = iri(f"org/{slug}-{kind}")
            organs.append(organ)
            yield t(organ, a, cg("Organ"))
            yield t(organ, label, lit(f"{kind.title()} of forum {f}"))
            yield t(organ, f"<{ORG}subOrganizationOf>", forum)
            yield t(organ, derived, sources[0])

        picked = rng.sample(codes, MEMBERS_PER_FORUM + OBSERVERS_PER_FORUM)
        members, observers = picked[:MEMBERS_PER_FORUM], picked[MEMBERS_PER_FORUM:]
        open_members = []
        for code in members:
            ms = iri(f"membership/{slug}-{code}-member")
            start, dt = date(rng, 1990, 2010)
            yield t(ms, a, f"<{ORG}Membership>")
            yield t(ms, f"<{ORG}member>", iri(f"state/{code}"))
            yield t(ms, f"<{ORG}organization>", forum)
            yield t(ms, f"<{ORG}role>", role["member"])
            yield t(ms, cg("startDate"), typed(start, dt))
            yield t(ms, derived, rng.choice(sources))
            if rng.random() < 0.2:
                yield t(ms, cg("endDate"), typed(f"{rng.randint(2011, 2024)}", "gYear"))
            else:
                open_members.append(code)
            yield t(ms, f"<{DCT}description>", lit(f"State {code} joined forum {f}"))
        for code in observers:
            ms = iri(f"membership/{slug}-{code}-observer")
            y = rng.randint(1990, 2015)
            yield t(ms, a, f"<{ORG}Membership>")
            yield t(ms, f"<{ORG}member>", iri(f"state/{code}"))
            yield t(ms, f"<{ORG}organization>", forum)
            yield t(ms, f"<{ORG}role>", role["observer"])
            yield t(ms, cg("startDate"), typed(f"{y}", "gYear"))
            yield t(ms, cg("endDate"), typed(f"{y + rng.randint(1, 8)}", "gYear"))
            yield t(ms, derived, rng.choice(sources))
            yield t(ms, cg("asOf"), typed(f"{y}", "gYear"))
            yield t(ms, f"<{DCT}description>", lit(f"State {code} observed forum {f}"))
        for c in range(CHAIRS_PER_FORUM):
            code = rng.choice(open_members or members[:1])
            start = 2011 + 2 * c
            ten = iri(f"tenure/{slug}-chair-{code}-{start}")
            yield t(ten, a, cg("Chairmanship"))
            yield t(ten, cg("holder"), iri(f"state/{code}"))
            yield t(ten, cg("heldIn"), forum)
            yield t(ten, f"<{ORG}role>", role["chair"])
            yield t(ten, cg("startDate"), typed(f"{start}", "gYear"))
            yield t(ten, cg("endDate"), typed(f"{start + 2}", "gYear"))
            yield t(ten, derived, rng.choice(sources))
            yield t(ten, f"<{DCT}description>", lit(f"Chair of forum {f} from {start}"))
        meetings = []
        for m in range(MEETINGS_PER_FORUM):
            cls, word = MEETING_KINDS[m % len(MEETING_KINDS)]
            ordinal = m // len(MEETING_KINDS) + 1
            mtg = iri(f"meeting/{slug}-{word}-{ordinal}")
            meetings.append(mtg)
            start, dt = date(rng, 1992, 2024)
            yield t(mtg, a, cg(cls))
            yield t(mtg, label, lit(f"{ordinal}. {cls} of forum {f}"))
            yield t(mtg, cg("meetingOf"), organs[0] if cls in ("Summit", "MinisterialMeeting") else forum)
            yield t(mtg, cg("ordinal"), typed(str(ordinal), "positiveInteger"))
            yield t(mtg, cg("startDate"), typed(start, dt))
            yield t(mtg, cg("venue"), iri(f"place/city-{rng.randrange(n_places):05d}"))
            yield t(mtg, cg("hostState"), iri(f"state/{rng.choice(members)}"))
            yield t(mtg, derived, rng.choice(sources))
            if rng.random() < 0.3 and dt == "date" and int(start[8:]) <= 26:
                yield t(mtg, cg("endDate"), typed(start[:8] + f"{min(28, int(start[8:]) + 2):02d}", "date"))
            yield t(mtg, f"<{DCT}description>", lit(f"Meeting {m} of forum {f}"))
        for d in range(MEETINGS_PER_FORUM):
            kind = DOCUMENT_KINDS[d % len(DOCUMENT_KINDS)]
            doc = iri(f"document/{slug}-{kind.lower()}-{d}")
            yield t(doc, a, cg(kind))
            yield t(doc, label, lit(f"{kind} {d} of forum {f}"))
            yield t(doc, cg("documentOf"), forum)
            yield t(doc, derived, rng.choice(sources))
            yield t(doc, f"<{DCT}description>", lit(f"Text {d} of forum {f}"))
            adoption = iri(f"adoption/{slug}-{kind.lower()}-{d}")
            yield t(adoption, a, cg("Adoption"))
            yield t(adoption, cg("adoptedDocument"), doc)
            yield t(adoption, cg("atMeeting"), meetings[d])
            yield t(adoption, cg("adoptedBy"), organs[0])
            yield t(adoption, cg("action"), iri("concept/adopted"))
            yield t(adoption, derived, rng.choice(sources))
            yield t(adoption, f"<{DCT}description>", lit(f"Adoption {d} in forum {f}"))
        for c in range(COORDINATIONS_PER_FORUM):
            code = members[c]
            area = rng.randrange(n_areas)
            r = "coordinator" if c % 2 == 0 else "co-coordinator"
            co = iri(f"coordination/{slug}-area-{area:04d}-{code}-{r}")
            yield t(co, a, cg("Coordination"))
            yield t(co, cg("coordinator"), iri(f"state/{code}"))
            yield t(co, cg("coordinatedConcept"), iri(f"cbm/area-{area:04d}"))
            yield t(co, f"<{ORG}role>", role[r])
            yield t(co, derived, rng.choice(sources))
            start = rng.randint(2005, 2024)
            yield t(co, cg("startDate"), typed(f"{start}", "gYear"))
            if r == "coordinator":
                # Areas are drawn at random, so two forums' coordinators may share one: each
                # ends (data-two-current-holders-violation allows one current coordinator).
                yield t(co, cg("endDate"), typed(f"{start + 1}", "gYear"))


def write_project(out: Path, n_target: int, seed: int = 42, *, exact: bool = False) -> dict:
    """A buildable project at ``out`` with about ``n_target`` synthetic triples; returns facts
    about it (also written to ``out/synthetic.json``)."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("ontology", "shapes", "checks", "queries"):
        target = out / name
        if target.exists():
            shutil.rmtree(target)
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, target)
        else:
            target.mkdir()
    data = out / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir()
    shutil.copy(REPO / "data" / "vocabularies.ttl", data / "vocabularies.ttl")
    n = 0
    with (data / "synthetic.ttl").open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(f"# Synthetic cicagraph data: about {n_target} triples, seed {seed} (bench/generate.py). N-Triples syntax.\n")
        for line in triples(n_target, seed):
            if exact and n >= n_target:
                break
            handle.write(line)
            n += 1
    facts = {"requested": n_target, "triples": n, "seed": seed, "data_file": str(data / "synthetic.ttl")}
    (out / "synthetic.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", help="10k, 100k, 1m, 10m or a number (250k, 2.5m…)")
    parser.add_argument("--out", type=Path, help="project directory (default bench/work/<size>)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--exact", action="store_true", help="cut the data at exactly SIZE triples (may break a record)")
    args = parser.parse_args(argv)
    n = parse_size(args.size)
    out = args.out or REPO / "bench" / "work" / size_name(n)
    facts = write_project(out, n, args.seed, exact=args.exact)
    print(f"{out}: {facts['triples']} triples in data/synthetic.ttl", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
