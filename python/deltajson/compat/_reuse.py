"""Prefix reuse: the incremental parse of a stream's buffer, found again by the text it read.

Libraries that stream JSON call a parser on the *whole accumulated buffer* after every chunk.
A shim keeps the parser that read the previous buffer; when the next buffer starts with the
same text (``startswith``: a ``memcmp``, far cheaper than parsing), only the new suffix is fed.
Anything else starts a fresh parser, so a call never depends on what came before it.

The text read is kept as our own pieces, never as the caller's buffer object: holding that
object would keep CPython from growing a ``str`` in place (``buf += chunk`` would copy the
whole buffer each time), and a ``bytearray`` could change under us. Pieces are merged so that
each is at least twice the size of the next: O(log n) of them, each byte copied O(log n)
times over a stream, and checking a buffer is one ``startswith`` per piece.

Bounds: a cache holds at most ``max_streams`` parsers (least recently used go first), and the
text they keep totals at most ``max_bytes`` (a longer stream is parsed but not kept). Each
kept stream also holds the value parsed so far.

Thread safety: a stream is taken out of the cache while a call uses it, so two threads never
share a parser; a second thread on the same buffer simply parses on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Optional, Union

import deltajson
from deltajson._errors import JSONError

Text = Union[bytes, str]

DEFAULT_MAX_STREAMS = 16
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Each kept piece of text is at least this many times the size of the next one.
_MERGE = 8


class Stream:
    """One incremental parse: the text read so far (as pieces), its parser, the error that
    stopped it, whatever the shim keeps beside them (``extra``), and — during a call only —
    the caller's buffer (``data``)."""

    __slots__ = ("data", "error", "extra", "parser", "pieces", "size")

    def __init__(self, parser: Any, extra: Any = None) -> None:
        self.parser = parser
        self.extra = extra
        self.error: Optional[JSONError] = None
        self.pieces: list[Any] = []
        self.size = 0
        self.data: Any = None

    def read_prefix_of(self, data: Text) -> bool:
        """Whether ``data`` starts with the text read so far."""
        if len(data) < self.size:
            return False
        at = 0
        for piece in self.pieces:
            if not data.startswith(piece, at):
                return False
            at += len(piece)
        return True

    def extend(self, data: Any) -> None:
        """Reads what ``data`` adds to the text read so far (``data`` starts with it)."""
        self.data = data
        if len(data) == self.size:
            return
        new = data[self.size :]
        if self.error is None:
            try:
                self.parser.feed(new)
            except JSONError as e:
                self.error = e
        self.size = len(data)
        if type(data) is bytes:
            # Immutable, and never grown in place: the caller's buffer itself is the text.
            self.pieces = [data]
            return
        if new is data and len(data) > 1:
            new = data[:-1] + data[-1:]  # a whole slice is the caller's object itself
        pieces = self.pieces
        pieces.append(new)
        while len(pieces) > 1 and len(pieces[-2]) < _MERGE * len(pieces[-1]):
            last = pieces.pop()
            pieces[-1] += last


class PrefixCache:
    """The streams a shim keeps, each under a key that says which parser options it uses."""

    def __init__(
        self, max_streams: int = DEFAULT_MAX_STREAMS, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.max_streams = max_streams
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        # Least recently used first.
        self._streams: list[tuple[Hashable, Stream]] = []
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def open(self, key: Hashable, data: Text, make: Callable[[], Stream]) -> Stream:
        """The stream that has read ``data`` (reusing one that read a prefix of it), now the
        caller's; give it back with ``keep`` (in a ``finally``) once done reading it."""
        with self._lock:
            found = self._take(key, data)
        if found is None:
            found = make()
        # A feed interrupted half-way (KeyboardInterrupt, MemoryError) may leave the parser in
        # any state: the exception propagates before the caller can keep the stream.
        found.extend(data)
        return found

    def _take(self, key: Hashable, data: Text) -> Optional[Stream]:
        streams = self._streams
        # Most recent first: the stream a call continues is usually the last one used. Any
        # stream whose text starts the buffer gives the same result; the first found is used.
        for i in range(len(streams) - 1, -1, -1):
            k, s = streams[i]
            if k == key and s.read_prefix_of(data):
                del streams[i]
                self._bytes -= s.size
                self.hits += 1
                return s
        self.misses += 1
        return None

    def keep(self, key: Hashable, stream: Stream) -> None:
        """Keeps ``stream`` for the next call (within the bounds); it lets go of the caller's
        buffer."""
        stream.data = None
        size = stream.size
        if size > self.max_bytes or self.max_streams == 0:
            return
        with self._lock:
            streams = self._streams
            streams.append((key, stream))
            self._bytes += size
            if len(streams) > self.max_streams or self._bytes > self.max_bytes:
                while len(streams) > self.max_streams or self._bytes > self.max_bytes:
                    _, old = streams.pop(0)
                    self._bytes -= old.size

    def clear(self) -> None:
        """Forgets every stream, and zeroes the counts."""
        with self._lock:
            self._streams.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def info(self) -> dict[str, int]:
        """``hits`` (calls that reused a stream), ``misses``, ``streams`` kept, ``bytes`` of
        text they keep."""
        with self._lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "streams": len(self._streams),
                "bytes": self._bytes,
            }


def new_parser(**options: Any) -> Any:
    """A parser of the default engine (``$DELTAJSON_BACKEND`` chooses, as everywhere)."""
    return deltajson.Parser(**options)
