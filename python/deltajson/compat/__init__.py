"""Drop-in shims for the parsers streaming libraries call on the whole buffer after every chunk.

Each shim has its peer's signature and gives its peer's results (values, types, quirks,
exception types), but keeps the incremental parse of the buffer it last saw: a call whose
buffer extends a kept one feeds only the new suffix, so the accumulate-and-reparse pattern
costs O(delta) per call instead of O(buffer).

- ``deltajson.compat.jiter.from_json``
- ``deltajson.compat.pydantic_core.from_json``
- ``deltajson.compat.partial_json_parser.loads`` (with ``Allow`` and its exceptions)
- ``deltajson.compat.langchain.parse_partial_json``

Bounds: each shim keeps at most 16 streams and 64 Mi bytes of buffers (characters, for a
``str``; ``configure`` changes both). A result shares completed values with the results
before it on the same stream, as ``Parser.snapshot()`` does, and is otherwise a new object.
"""

from __future__ import annotations

import importlib
from typing import Any

from deltajson.compat._reuse import DEFAULT_MAX_BYTES, DEFAULT_MAX_STREAMS, PrefixCache

SHIMS = ("jiter", "pydantic_core", "partial_json_parser", "langchain")

__all__ = ["SHIMS", "cache_info", "clear", "configure"]


def _caches() -> dict[str, PrefixCache]:
    return {name: importlib.import_module(f"deltajson.compat.{name}").cache for name in SHIMS}


def configure(
    *, max_streams: int = DEFAULT_MAX_STREAMS, max_bytes: int = DEFAULT_MAX_BYTES
) -> None:
    """Sets every shim's bounds: streams kept (0 turns reuse off) and bytes of buffers kept."""
    if max_streams < 0 or max_bytes < 0:
        raise ValueError("max_streams and max_bytes must be >= 0")
    for cache in _caches().values():
        cache.max_streams = max_streams
        cache.max_bytes = max_bytes
        cache.clear()


def clear() -> None:
    """Forgets every kept stream and zeroes the counts of `cache_info`."""
    for cache in _caches().values():
        cache.clear()


def cache_info() -> dict[str, dict[str, Any]]:
    """Per shim: ``hits`` (calls that reused a stream), ``misses``, ``streams`` and ``bytes``
    kept."""
    return {name: cache.info() for name, cache in _caches().items()}
