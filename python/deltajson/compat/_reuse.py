"""Prefix reuse: the incremental parse of a stream's buffer, found again by the text it read.

Libraries that stream JSON call a parser on the *whole accumulated buffer* after every chunk.
A shim keeps the parser that read the previous buffer; when the next buffer starts with the
same text (a ``memcmp``, far cheaper than parsing), only the new suffix is fed. Anything else
starts a fresh parser, so a call never depends on what came before it.

The cache and its streams are in the Rust extension (``src/python/reuse.rs``): they run on
every call of a shim, where Python's bookkeeping alone cost more than the parse of a chunk.

Bounds: a cache holds at most ``max_streams`` parsers (least recently used go first), and the
text they keep totals at most ``max_bytes`` (bytes, or characters of a ``str``; a longer
stream is parsed but not kept). Each kept stream also holds the value parsed so far.

Thread safety: a stream is taken out of the cache while a call uses it, so two threads never
share a parser; a second thread on the same buffer simply parses on its own.
"""

from __future__ import annotations

from typing import Any, Union

import deltajson
from deltajson._deltajson import PrefixCache, Stream

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_STREAMS",
    "PrefixCache",
    "Stream",
    "Text",
    "new_parser",
]

Text = Union[bytes, str]

DEFAULT_MAX_STREAMS = 16
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def new_parser(**options: Any) -> Any:
    """A parser of the default engine (``$DELTAJSON_BACKEND`` chooses, as everywhere)."""
    return deltajson.Parser(**options)
