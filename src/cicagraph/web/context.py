"""What every view needs, built once at start-up and kept on ``app.extensions``."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Callable

import pyoxigraph as ox
from flask import current_app, request

from cicagraph.config import Settings
from cicagraph.query.cache import ResultCache
from cicagraph.query.queries import CannedQuery
from cicagraph.tabular import DatasetVersion


@dataclass
class WebContext:
    settings: Settings
    store: ox.Store
    queries: dict[str, CannedQuery]
    counts: dict[str, int]
    version: DatasetVersion = field(default_factory=DatasetVersion)  # the build being served
    started_at: float = field(default_factory=time.time)
    cache: dict[tuple[str, ...], bytes] = field(default_factory=dict)  # small derived documents
    memo: dict[str, object] = field(default_factory=dict)  # derived views of the store (read-only graph)
    result_cache: ResultCache = field(default_factory=lambda: ResultCache(0))  # answers and pages

    @property
    def build_token(self) -> str:
        """Names the build being served, first in every cache key and ETag: the inputs' content
        hash and the build time (a rebuild of the same inputs with other code is another build);
        a store with no manifest gets a token of its own, so it never shares an answer."""
        if self.version.content_hash == "unbuilt":
            token = self.memo.get("build_token")
            if token is None:
                token = self.memo["build_token"] = "unbuilt-" + secrets.token_hex(8)
            return token  # type: ignore[return-value]
        return f"{self.version.content_hash}@{self.version.built_at}"

    def cached(self, key: tuple[str, ...], make: Callable[[], bytes]) -> bytes:
        """A derived document (service description, VoID) built once per key."""
        value = self.cache.get(key)
        if value is None:
            if len(self.cache) > 64:  # keys include the Host: never let clients grow it
                self.cache.clear()
            value = self.cache[key] = make()
        return value


def ctx() -> WebContext:
    return current_app.extensions["cicagraph"]  # type: ignore[no-any-return]


def base_url() -> str:
    """Public base URL ending in '/': ``settings.base_url`` when set, else from the request."""
    configured = ctx().settings.base_url
    if configured:
        return configured.rstrip("/") + "/"
    return request.host_url
