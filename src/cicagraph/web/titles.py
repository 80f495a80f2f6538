"""Human titles for the graph's nodes: n-ary facts read as sentences, sources by title,
publisher and date, properties by their labels.

The n-ary facts (memberships, tenures, coordinations, adoptions, claims) have no label of
their own; :func:`fact_title` makes one from their parts, e.g.

* membership   "Afghanistan — member of CICA (as of 2004-10-22)"
* tenure       "Kazakhstan — chair of CICA (2002 – 2010-06)"
* coordination "Kazakhstan — coordinator of Human Dimension (as of 2007-10-17)"
* adoption     "Almaty Act — adopted at First CICA Summit (2002-06-04)"
* claim        "Claim of P01 (en.wikipedia.org): Wikipedia gives CICA's establishment …"
* count claim  "20 members of CICA (as of 2008) — according to P67 (kremlin.ru)"
* source       "P08 — sputnikglobe.com, 2004-10-22"

Labels are looked up in the requested language, then English, then any; the connecting
words are English (the data has English labels only, apart from a few names).
"""

from __future__ import annotations

import re
from typing import Iterable, Union
from urllib.parse import urlsplit

import pyoxigraph as ox

from cicagraph.config import ONTOLOGY_NS, RESOURCE_NS

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]
Node = Union[ox.NamedNode, ox.BlankNode]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
CG = ONTOLOGY_NS

LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label", DCT + "title")

MEMBERSHIP = {ORG + "Membership"}
TENURE = {CG + "Tenure", CG + "Chairmanship", CG + "OfficeTerm"}
COORDINATION = {CG + "Coordination"}
ADOPTION = {CG + "Adoption"}
COUNT_CLAIM = {CG + "CountClaim"}
CLAIM = {CG + "Claim"}
SOURCE = {CG + "Source", CG + "WebPage", CG + "Article", CG + "CodeFile", CG + "Compilation"}
# Facts whose sources are worth showing wherever they are listed.
FACT = MEMBERSHIP | TENURE | COORDINATION | ADOPTION | COUNT_CLAIM | CLAIM | {
    CG + "Event", CG + "Meeting", CG + "Decision", CG + "Proposal"}
ORGANIZATION = {ORG + "Organization", ORG + "FormalOrganization", ORG + "OrganizationalUnit",
                CG + "IntergovernmentalBody", CG + "InternationalOrganization", CG + "Forum", CG + "Organ"}

# Vocabulary terms whose published label is a camel-case name or reads badly on a page.
PROPERTY_LABELS = {
    RDF_TYPE: "type",
    PROV + "wasDerivedFrom": "derived from",
    PROV + "qualifiedDerivation": "quoted in derivation",
    PROV + "entity": "source quoted",
    ORG + "hasSubOrganization": "has sub-organization",
    ORG + "subOrganizationOf": "sub-organization of",
}

# The parts of a fact first, in reading order, on its page.
PART_ORDER = [ORG + "member", CG + "holder", CG + "coordinator", CG + "adoptedDocument", CG + "count",
              ORG + "role", CG + "countedRole", CG + "action", ORG + "organization", CG + "heldIn",
              CG + "coordinatedConcept", CG + "about", CG + "atMeeting", CG + "adoptedBy", CG + "statedBy",
              CG + "statement", CG + "startDate", CG + "asOf", CG + "endDate", CG + "endedBy", CG + "date",
              DCT + "title", DCT + "publisher", DCT + "date", CG + "url", DCT + "identifier"]

STATEMENT_CHARS = 90
SOURCE_TITLE_CHARS = 70


# --- small helpers -------------------------------------------------------------------------


def _objects(store: ox.Store, node: Node, predicate: str) -> list[Term]:
    seen: dict[str, Term] = {}
    for quad in store.quads_for_pattern(node, ox.NamedNode(predicate), None, None):
        seen.setdefault(str(quad.object), quad.object)
    return sorted(seen.values(), key=str)


def _literals(store: ox.Store, node: Node, predicate: str) -> list[ox.Literal]:
    return [t for t in _objects(store, node, predicate) if isinstance(t, ox.Literal)]


def _first_value(store: ox.Store, node: Node, predicate: str) -> str | None:
    values = _literals(store, node, predicate)
    return values[0].value if values else None


def _pick(literals: Iterable[ox.Literal], lang: str) -> ox.Literal | None:
    literals = list(literals)
    for wanted in (lang, "en", None):
        for lit in literals:
            if (lit.language or None) == wanted:
                return lit
    return literals[0] if literals else None


def types_of(store: ox.Store, node: Term) -> set[str]:
    if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
        return set()
    return {t.value for t in _objects(store, node, RDF_TYPE) if isinstance(t, ox.NamedNode)}


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def humanise_name(name: str) -> str:
    """``wasDerivedFrom`` → "was derived from", ``asOfEarliest`` → "as of earliest"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ").split()
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words) or name


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.–—-")
    return cut + " …"


def _plural(word: str, n: int) -> str:
    if n == 1:
        return word
    head, _, last = word.rpartition(" ")
    if re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif re.search(r"(s|x|ch|sh)$", last):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last


# --- labels ----------------------------------------------------------------------------------


def label(store: ox.Store, term: Term, lang: str = "en") -> str | None:
    """The node's own label: skos:prefLabel, rdfs:label or dcterms:title, in ``lang``, then
    English, then any language (predicates in that order within a language)."""
    if not isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return None
    candidates: list[ox.Literal] = []
    for predicate in LABEL_PREDICATES:
        candidates.extend(_literals(store, term, predicate))
    picked = _pick(candidates, lang)
    return picked.value if picked else None


def acronym(store: ox.Store, node: Node, lang: str = "en") -> str | None:
    """An organization's short name: a one-word skos:altLabel with capitals ("CICA", "ADMM-Plus")."""
    own = label(store, node, lang)
    if own and len(own) <= 12 and not re.search(r"\s", own):
        return own  # the name is short already ("BRICS"; its altLabel "BRIC" is a former name)
    candidates = [
        lit for lit in _literals(store, node, SKOS + "altLabel")
        if len(lit.value) <= 12 and not re.search(r"\s", lit.value) and len(re.findall(r"[A-ZА-ЯЁ]", lit.value)) >= 2
    ]
    if not candidates:
        return None
    in_lang = [c for c in candidates if (c.language or "en") == lang] or [c for c in candidates if (c.language or "en") == "en"]
    if not in_lang:
        return None
    return sorted(in_lang, key=lambda c: (-len(c.value), c.value))[0].value


def is_organization(store: ox.Store, node: Term) -> bool:
    if not isinstance(node, ox.NamedNode):
        return False
    return bool(types_of(store, node) & ORGANIZATION) or node.value.startswith(RESOURCE_NS + "org/")


def name(store: ox.Store, term: Term | None, lang: str = "en", depth: int = 0) -> str | None:
    """How a part of a fact is named inside a title: an organization by its acronym, anything
    else by its label, a nested fact by its own title, a literal by its value."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return term.value
    if not isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return None
    if is_organization(store, term):
        short = acronym(store, term, lang)
        if short:
            return short
    own = label(store, term, lang)
    if own:
        return own
    if depth < 2:
        generated = fact_title(store, term, lang, _depth=depth + 1)
        if generated:
            return generated
    if isinstance(term, ox.NamedNode):
        return humanise_name(local_name(term.value))
    return None


def _names(store: ox.Store, node: Node, predicate: str, lang: str, depth: int) -> list[str]:
    return [n for n in (name(store, t, lang, depth) for t in _objects(store, node, predicate)) if n]


def _role(store: ox.Store, node: Node, lang: str) -> str | None:
    """The most specific role(s): "founding member" rather than "member, founding member"."""
    roles = [t for t in _objects(store, node, ORG + "role") if isinstance(t, ox.NamedNode)]
    broader = {b.value for r in roles for b in _objects(store, r, SKOS + "broader") if isinstance(b, ox.NamedNode)}
    specific = [r for r in roles if r.value not in broader] or roles
    names = [n for n in (name(store, r, lang) for r in specific) if n]
    return " and ".join(names) if names else None


def when(store: ox.Store, node: Node) -> str:
    """The dates of a fact, e.g. "2010 – 2014-05-20", "since 2010-06", "as of 2004-10-22"."""
    start = _first_value(store, node, CG + "startDate")
    end = _first_value(store, node, CG + "endDate")
    as_of = _first_value(store, node, CG + "asOf")
    ended_by = _first_value(store, node, CG + "endedBy")
    date = _first_value(store, node, CG + "date")
    parts: list[str] = []
    if start and end:
        parts.append(f"{start} – {end}")
    elif start:
        parts.append(f"since {start}")
    else:
        if as_of:
            parts.append(f"as of {as_of}")
        elif date:
            parts.append(date)
        if end:
            parts.append(f"until {end}")
    if ended_by and not end:
        parts.append(f"ended by {ended_by}")
    return ", ".join(parts)


def _with_when(text: str, dates: str) -> str:
    return f"{text} ({dates})" if dates else text


# --- sources ---------------------------------------------------------------------------------


def source_identifier(store: ox.Store, node: Node) -> str:
    ident = _first_value(store, node, DCT + "identifier")
    if ident:
        return ident
    return local_name(node.value) if isinstance(node, ox.NamedNode) else "source"


def _host(store: ox.Store, node: Node) -> str | None:
    url = _first_value(store, node, CG + "url")
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host or None


def _publisher(store: ox.Store, node: Node, lang: str) -> str | None:
    publishers = _objects(store, node, DCT + "publisher")
    names = [n for n in (name(store, p, lang) for p in publishers) if n]
    return ", ".join(names) if names else None


def source_title(store: ox.Store, node: Node, lang: str = "en", *, limit: int | None = None) -> str:
    """"P08 — sputnikglobe.com, 2004-10-22" for an untitled page; "<title> — <publisher>,
    <date>" for a titled one."""
    title = label(store, node, lang)
    publisher = _publisher(store, node, lang)
    date = _first_value(store, node, DCT + "date")
    if title:
        head = shorten(title, limit) if limit else title
        tail = [publisher, date]
    else:
        head = source_identifier(store, node)
        tail = [_host(store, node) or publisher, date]
        if publisher and tail[0] != publisher:
            tail.insert(1, publisher)
    rest = ", ".join(t for t in tail if t)
    return f"{head} — {rest}" if rest else head


def source_reference(store: ox.Store, node: Node, lang: str = "en") -> str:
    """A source cited inside another title: "P67 (kremlin.ru, 2008)"."""
    ident = source_identifier(store, node)
    title = label(store, node, lang)
    if title:
        title = re.sub(r"^\[[^\]]*\]\s*", "", title) or title  # "[Untitled in the extracted text] …"
    parts = [shorten(title, SOURCE_TITLE_CHARS) if title else _host(store, node),
             _publisher(store, node, lang) if title else None,
             _first_value(store, node, DCT + "date")]
    rest = ", ".join(p for p in parts if p)
    return f"{ident} ({rest})" if rest else ident


def _sources(store: ox.Store, node: Node) -> list[Node]:
    """The fact's sources, those it quotes first."""
    derived = [t for t in _objects(store, node, PROV + "wasDerivedFrom") if isinstance(t, (ox.NamedNode, ox.BlankNode))]
    quoted: list[Node] = []
    for d in _objects(store, node, PROV + "qualifiedDerivation"):
        if isinstance(d, (ox.NamedNode, ox.BlankNode)):
            quoted.extend(e for e in _objects(store, d, PROV + "entity") if isinstance(e, (ox.NamedNode, ox.BlankNode)))
    ordered: dict[str, Node] = {}
    for s in quoted + derived:
        ordered.setdefault(str(s), s)
    return list(ordered.values())


def _attribution(store: ox.Store, node: Node, lang: str, depth: int) -> str | None:
    """Who says it: the stating agent (unless it is just the source's authors), and the source."""
    sources = _sources(store, node)
    creators = {str(c) for s in sources for c in _objects(store, s, DCT + "creator")}
    stated = [t for t in _objects(store, node, CG + "statedBy") if str(t) not in creators]
    who = [n for n in (name(store, t, lang, depth) for t in stated) if n]
    if sources:
        ref = source_reference(store, sources[0], lang)
        if len(sources) > 1:
            more = len(sources) - 1
            ref += f" and {more} other source{'s' if more > 1 else ''}"
    else:
        ref = None
    if who:
        return f"{' and '.join(who)}, {source_identifier(store, sources[0])}" if sources else " and ".join(who)
    return ref


# --- facts -----------------------------------------------------------------------------------


def fact_title(store: ox.Store, node: Term, lang: str = "en", *, _depth: int = 0) -> str | None:
    """A human title made from the parts of an n-ary fact or a source; None for other nodes."""
    if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
        return None
    types = types_of(store, node)
    depth = _depth + 1
    if types & SOURCE:
        return source_title(store, node, lang)
    if types & MEMBERSHIP:
        member = _names(store, node, ORG + "member", lang, depth)
        forum = _names(store, node, ORG + "organization", lang, depth)
        if not member and not forum:
            return None
        role = _role(store, node, lang) or "member"
        text = f"{' and '.join(member) or '?'} — {role} of {' and '.join(forum) or '?'}"
        return _with_when(text, when(store, node))
    if types & TENURE:
        holder = _names(store, node, CG + "holder", lang, depth)
        held_in = _names(store, node, CG + "heldIn", lang, depth)
        if not holder and not held_in:
            return None
        role = _role(store, node, lang) or "holder"
        text = f"{' and '.join(holder) or '?'} — {role}" + (f" of {' and '.join(held_in)}" if held_in else "")
        return _with_when(text, when(store, node))
    if types & COORDINATION:
        coordinator = _names(store, node, CG + "coordinator", lang, depth)
        concept = _names(store, node, CG + "coordinatedConcept", lang, depth)
        if not coordinator and not concept:
            return None
        role = _role(store, node, lang) or "coordinator"
        text = f"{' and '.join(coordinator) or '?'} — {role} of {' and '.join(concept) or '?'}"
        return _with_when(text, when(store, node))
    if types & ADOPTION:
        document = _names(store, node, CG + "adoptedDocument", lang, depth)
        if not document:
            return None
        action = " and ".join(_names(store, node, CG + "action", lang, depth)) or "adopted"
        meeting = _names(store, node, CG + "atMeeting", lang, depth)
        by = _names(store, node, CG + "adoptedBy", lang, depth)
        text = f"{' and '.join(document)} — {action}"
        if meeting:
            text += f" at {' and '.join(meeting)}"
        elif by:
            text += f" by {', '.join(by)}"
        return _with_when(text, when(store, node))
    if types & COUNT_CLAIM:
        count = _first_value(store, node, CG + "count")
        role_terms = _objects(store, node, CG + "countedRole")
        role = name(store, role_terms[0], lang, depth) if role_terms else "member"
        about = [t for t in _objects(store, node, CG + "about")]
        forums = [t for t in about if is_organization(store, t)] or about
        if len(forums) > 1 and isinstance(node, ox.NamedNode):
            # "5 observers of CICA", about CICA and the UN (one of them): the one the IRI names
            slug = local_name(node.value)
            named = [t for t in forums if isinstance(t, ox.NamedNode) and local_name(t.value) in slug]
            if named:
                forums = [max(named, key=lambda t: len(t.value))]
        about_names = [n for n in (name(store, t, lang, depth) for t in forums) if n]
        if count is None:
            return None
        try:
            n = int(count)
        except ValueError:
            n = 2
        text = f"{count} {_plural(role or 'member', n)}"
        if about_names:
            text += f" of {' and '.join(about_names)}"
        text = _with_when(text, when(store, node))
        who = _attribution(store, node, lang, depth)
        return f"{text} — according to {who}" if who else text
    if types & CLAIM:
        statement = _pick(_literals(store, node, CG + "statement"), lang)
        who = _attribution(store, node, lang, depth)
        if statement is None:
            return f"Claim of {who}" if who else None
        text = shorten(statement.value, STATEMENT_CHARS)
        return f"Claim of {who}: {text}" if who else f"Claim: {text}"
    return None


def title(store: ox.Store, term: Term | None, lang: str = "en") -> str | None:
    """What to call a node wherever it is shown: sources by title, publisher and date; other
    nodes by their label; n-ary facts without one by the title made from their parts."""
    if not isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return None
    if types_of(store, term) & SOURCE:
        return source_title(store, term, lang)
    return label(store, term, lang) or fact_title(store, term, lang)


def fact_titles(store: ox.Store, node: Node) -> dict[str, str]:
    """The fact's title in every language that one of its parts has a label in (English first)."""
    languages = {"en"}
    for quad in store.quads_for_pattern(node, None, None, None):
        part = quad.object
        if isinstance(part, (ox.NamedNode, ox.BlankNode)):
            for predicate in LABEL_PREDICATES + (SKOS + "altLabel",):
                languages.update(lit.language for lit in _literals(store, part, predicate) if lit.language)
    titles: dict[str, str] = {}
    for lang in sorted(languages, key=lambda x: (x != "en", x)):
        made = fact_title(store, node, lang)
        if made and (lang == "en" or made != titles.get("en")):
            titles[lang] = made
    return titles


# --- properties --------------------------------------------------------------------------------


def property_label(store: ox.Store, iri: str, lang: str = "en") -> str:
    """A predicate as a page shows it: the ontology's or vocabulary's label ("start date",
    "derived from"), camel-case labels and unlabelled terms humanised ("as of earliest")."""
    if iri in PROPERTY_LABELS:
        return PROPERTY_LABELS[iri]
    own = label(store, ox.NamedNode(iri), lang)
    if own:
        if not re.search(r"\s", own) and re.search(r"[a-z][A-Z]", own):
            return humanise_name(own)
        if iri.startswith(DCT):
            return own.lower()  # "Date", "Bibliographic Citation" beside "start date"
        return own
    return humanise_name(local_name(iri))


# How a predicate reads from its object's side ("Referenced by" on a page).
INVERSE_LABELS = {
    PROV + "wasDerivedFrom": "source of",
    ORG + "member": "memberships held",
    ORG + "organization": "memberships in it",
    ORG + "role": "held as role in",
    ORG + "hasMembership": "held by",
    CG + "holder": "tenures held",
    CG + "heldIn": "tenures in it",
    CG + "coordinator": "coordinations held",
    CG + "coordinatedConcept": "coordinated by",
    CG + "adoptedDocument": "adoptions",
    CG + "adoptedBy": "adopted or signed",
    CG + "atMeeting": "adopted or decided here",
    CG + "about": "claims and facts about it",
    CG + "statedBy": "claims stated",
    CG + "countedRole": "counted in",
    CG + "action": "actions",
}


def inverse_label(store: ox.Store, iri: str, lang: str = "en") -> str:
    """``org:member`` seen from the member: "memberships held"; others "<label> (of)"."""
    if iri in INVERSE_LABELS:
        return INVERSE_LABELS[iri]
    return f"{property_label(store, iri, lang)} (of)"
