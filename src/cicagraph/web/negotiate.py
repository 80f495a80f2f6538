"""Content negotiation: ``format=`` overrides the ``Accept`` header (with q-values)."""

from __future__ import annotations

from typing import Sequence

from flask import request

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
    if not request.headers.get("Accept"):
        return offered[0]
    best = request.accept_mimetypes.best_match(candidates)
    if best is None:
        raise NotAcceptable(
            f"cannot answer in any of the accepted media types ({request.headers.get('Accept')}); "
            f"available: {', '.join(candidates)}"
        )
    return best if best in extra or rdf is None else _canonical(best, rdf)
