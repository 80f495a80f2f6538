"""``/healthz``: liveness plus the size of each named graph."""

from __future__ import annotations

import os
import time

from flask import Blueprint, Response, jsonify

from cicagraph import __version__
from cicagraph.query import sparql
from cicagraph.web.context import ctx

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Response:
    """Triple counts per graph (counted once at start-up: the store is read-only)."""
    context = ctx()
    return jsonify(
        ok=True,
        version=__version__,
        triples=context.counts,
        total_triples=sum(context.counts.values()),
        research_queries=len(context.queries),
        uptime_s=round(time.time() - context.started_at, 1),
        worker_pid=os.getpid(),  # the figures below are this worker's (bench/serving.py reads each)
        running_queries=sparql.running_queries(),
        running_timed_out_queries=sparql.abandoned_queries(),
        result_cache=context.result_cache.stats(),
    )
