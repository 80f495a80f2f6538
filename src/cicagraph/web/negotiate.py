"""Content negotiation: ``format=`` overrides the ``Accept`` header (with q-values).

``Accept`` is read leniently (issue 13): a malformed weight (``q=abc``, ``q=2``, ``q=-1``,
``q=0.12345``) is ignored, as if the element had none (RFC 9110 12.4.2 allows at most three
decimals in 0..1; werkzeug drops the whole element instead, which turned a client's typo into
a 406). Empty and unparseable elements are skipped; an Accept header with nothing left is no
preference at all. :class:`LenientRequest` is the app's request class.
"""

from __future__ import annotations

import re
from typing import Sequence

from flask import Request, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import (
    dump_options_header,
    parse_accept_header,
    parse_list_header,
    parse_options_header,
)
from werkzeug.utils import cached_property

from cicagraph.formats import (
    RDF_FORMATS,
    RESULTS_FORMATS,
    rdf_format_for,
    results_format_for,
)
from cicagraph.web.errors import NotAcceptable

# Offered in this order when the client has no preference (equal q-values).
RESULTS_MEDIA_TYPES = [f.media_type for f in RESULTS_FORMATS.values()] + ["application/json"]
RDF_MEDIA_TYPES = [f.media_type for f in RDF_FORMATS.values()] + ["text/plain", "application/x-turtle"]
# Triple formats first: a CONSTRUCT result has no named graphs.
GRAPH_MEDIA_TYPES = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
                     "application/n-quads", "application/trig", "text/plain", "application/x-turtle"]


_Q_VALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
MAX_ACCEPT_ELEMENTS = 64  # a longer list is cut (a client naming more types gains nothing)


def lenient_accept(value: str | None) -> MIMEAccept:
    """``Accept`` with malformed q-values ignored (the element keeps weight 1)."""
    if not value:
        return MIMEAccept(None)
    items = []
    for item in parse_list_header(value)[:MAX_ACCEPT_ELEMENTS]:
        media_type, options = parse_options_header(item)
        if not media_type or "/" not in media_type:
            continue
        q = options.get("q")
        if q is not None and _Q_VALUE.fullmatch(q.strip(" \t")) is None:
            del options["q"]
        items.append(dump_options_header(media_type, options))
    return parse_accept_header(", ".join(items), MIMEAccept)


class LenientRequest(Request):
    """Flask's request with :func:`lenient_accept` for ``accept_mimetypes``."""

    @cached_property
    def accept_mimetypes(self) -> MIMEAccept:  # type: ignore[override]
        return lenient_accept(self.headers.get("Accept"))


def _has_preference() -> bool:
    return bool(request.accept_mimetypes)


def _canonical(media_type: str, rdf: bool) -> str:
    fmt = rdf_format_for(media_type) if rdf else results_format_for(media_type)
    assert fmt is not None
    return fmt.media_type


def negotiate(offered: Sequence[str], *, rdf: bool | None, format_param: str | None = None,
              extra: Sequence[str] = ()) -> str:
    """The canonical media type to answer with, or one of ``extra`` (e.g. ``text/html``).
    ``rdf`` picks the registry (RDF or SPARQL results); ``None`` offers ``offered`` verbatim.

    :raise NotAcceptable: neither ``format=`` nor ``Accept`` names anything offered (406).
    """
    requested = format_param if format_param is not None else request.args.get("format")
    if requested:
        requested = requested.strip().replace(" ", "+")  # an unescaped '+' in a URL
        if requested in extra or (requested == "html" and "text/html" in extra):
            return "text/html" if requested == "html" else requested
        if rdf is None:
            if requested in offered:
                return requested
            raise NotAcceptable(f"format={requested!r} is not available here; choose one of {', '.join(offered)}")
        fmt = rdf_format_for(requested) if rdf else results_format_for(requested)
        if fmt is None or fmt.media_type not in offered:
            names = RDF_FORMATS if rdf else RESULTS_FORMATS
            raise NotAcceptable(f"format={requested!r} is not available here; choose one of {', '.join(names)}")
        return fmt.media_type
    candidates = [*extra, *offered] if extra else list(offered)
    if not request.headers.get("Accept") or not _has_preference():
        return offered[0]
    best = request.accept_mimetypes.best_match(candidates)
    if best is None:
        raise NotAcceptable(
            f"cannot answer in any of the accepted media types ({request.headers.get('Accept', '')[:200]}); "
            f"available: {', '.join(candidates)}"
        )
    return best if best in extra or rdf is None else _canonical(best, rdf)
