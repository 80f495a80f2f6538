"""A byte-bounded LRU cache of answers (issue 11).

The graph is read-only between builds, so every answer is a pure function of (build, query,
dataset, media type, row cap): a repeated query can be answered from memory. The key always
starts with the build's content hash, so an answer can never be served for another build; a
query that failed or ran out of time never reaches :meth:`ResultCache.put`.

cachetools' ``LRUCache`` with ``getsizeof`` does the byte accounting and the eviction order
(weighted LRU is easy to get subtly wrong by hand); the lock makes it safe for the threads of
one worker, which share one cache.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Hashable

import cachetools

from cicagraph.config import DEFAULT_RESULT_CACHE_BYTES

log = logging.getLogger(__name__)

# An entry larger than this share of the budget is not cached: one huge CONSTRUCT must not
# evict every small answer the home page and the views repeat.
MAX_ENTRY_SHARE = 8
# Bytes charged per entry besides its value (key tuple, headers, the LRU's bookkeeping), so
# that 10k tiny answers cannot exceed the budget by their overhead.
ENTRY_OVERHEAD_BYTES = 512


@dataclass(frozen=True)
class CachedAnswer:
    """The bytes of one answer and what its response needs besides them."""

    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + ENTRY_OVERHEAD_BYTES


class _LRU(cachetools.LRUCache):  # type: ignore[type-arg]
    evictions = 0

    def popitem(self):  # type: ignore[no-untyped-def]
        item = super().popitem()
        self.evictions += 1
        return item


class ResultCache:
    """Answers by key, at most ``max_bytes`` of them (``max_bytes=0`` disables the cache)."""

    def __init__(self, max_bytes: int = DEFAULT_RESULT_CACHE_BYTES) -> None:
        self.max_bytes = max(0, max_bytes)
        self.max_entry_bytes = self.max_bytes // MAX_ENTRY_SHARE
        self._entries = _LRU(maxsize=max(1, self.max_bytes), getsizeof=lambda answer: answer.size)
        self._lock = threading.Lock()
        self.hits = self.misses = self.rejected = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Hashable, *, count_miss: bool = True) -> CachedAnswer | None:
        """The answer under ``key``, or None. ``count_miss=False`` for a lookup that is not
        yet known to be of a cacheable answer (:meth:`count_miss` once it is)."""
        if not self.enabled:
            return None
        with self._lock:
            answer = self._entries.get(key)
            if answer is not None:
                self.hits += 1
            elif count_miss:
                self.misses += 1
            return answer  # type: ignore[no-any-return]

    def count_miss(self) -> None:
        with self._lock:
            self.misses += 1

    def put(self, key: Hashable, answer: CachedAnswer) -> bool:
        """Keep ``answer``; False when it is larger than an entry may be (or caching is off)."""
        if not self.enabled:
            return False
        if answer.size > self.max_entry_bytes:
            with self._lock:
                self.rejected += 1
            return False
        with self._lock:
            self._entries[key] = answer
        return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def stats(self) -> dict[str, int | bool]:
        with self._lock:
            return {
                "enabled": self.enabled,
                "hits": self.hits,
                "misses": self.misses,
                "entries": len(self._entries),
                "bytes": int(self._entries.currsize),
                "max_bytes": self.max_bytes,
                "evictions": self._entries.evictions,
                "too_large": self.rejected,
            }
