"""The pure-Python ``Parser``: same API and semantics as the Rust one.

Bytes are decoded with an incremental UTF-8 decoder, so a character split between chunks is
held back (and never shown) until it is complete; the text goes to the scanner. What the Rust
core does byte by byte — reject a non-ASCII byte outside a string at once, count the bytes of
a held character against ``max_string_bytes`` — is done here on the decoder's held bytes.
"""

from __future__ import annotations

import codecs
import functools
import sys
import threading
from typing import Any, Callable, Optional, TypeVar, Union, cast

from deltajson._errors import IncompleteJSONError, JSONError
from deltajson._options import check_options
from deltajson._pure import messages as m
from deltajson._pure import wire
from deltajson._pure.builder import Builder, parse_pattern
from deltajson._pure.scanner import Scanner
from deltajson._pure.states import (
    E_AFTER_HIGH,
    E_BACKSLASH,
    E_HEX,
    E_IDLE,
    ScanError,
    chars_within,
    utf8_len,
)

Chunk = Union[bytes, bytearray, memoryview, str]
F = TypeVar("F", bound=Callable[..., Any])


def _int_max_str_digits() -> Optional[int]:
    get = getattr(sys, "get_int_max_str_digits", None)
    limit = get() if get is not None else 0
    return limit or None


def _is_utf8_prefix(held: bytes) -> bool:
    """Whether the bytes a decoder holds can still become a character. CPython's incremental
    decoder also holds some prefixes that can never be valid (``ED A0``: an encoded surrogate),
    which the Rust core (like ``str::from_utf8``) rejects as soon as it sees them."""
    if len(held) < 2:
        return True
    lead, second = held[0], held[1]
    low, high = {
        0xE0: (0xA0, 0xBF),
        0xED: (0x80, 0x9F),
        0xF0: (0x90, 0xBF),
        0xF4: (0x80, 0x8F),
    }.get(lead, (0x80, 0xBF))
    return low <= second <= high


_IN_USE = (
    "this Parser is in use by another call (another thread?): a Parser reads one stream; give "
    "each thread its own"
)


def _exclusive(method: F) -> F:
    """One call at a time: a second thread (or a re-entrant call from a finalizer) gets a
    clear error instead of interleaving with a call in progress and corrupting the parser.
    (The Rust engine's borrow check does the same.) ``_calls`` is odd while such a call runs,
    and counts them, for :func:`_reading`."""

    @functools.wraps(method)
    def exclusive(self: Parser, *args: Any, **kwargs: Any) -> Any:
        if not self._in_use.acquire(blocking=False):
            raise RuntimeError(_IN_USE)
        self._calls += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._calls += 1
            self._in_use.release()

    return cast(F, exclusive)


def _reading(method: F) -> F:
    """A read-only accessor (``status``, ``path``, ``tail``...): any number may run at once,
    but one that overlaps a call of :func:`_exclusive` (which may be halfway through changing
    what it reads) raises the same ``RuntimeError`` instead of answering from a torn state —
    as the Rust engine's shared borrow does. Checked by the count of calls before and after."""

    @functools.wraps(method)
    def reading(self: Parser, *args: Any) -> Any:
        calls = self._calls
        if calls & 1:
            raise RuntimeError(_IN_USE)
        try:
            result = method(self, *args)
        except Exception:
            if self._calls != calls:
                raise RuntimeError(_IN_USE) from None
            raise
        if self._calls != calls:
            raise RuntimeError(_IN_USE)
        return result

    return cast(F, reading)


class Parser:
    """Pure-Python incremental JSON parser (``backend="python"``)."""

    backend = "python"

    def __init__(
        self,
        *,
        partial_strings: bool = True,
        multiple: bool = False,
        max_depth: int = 1024,
        max_bytes: Optional[int] = None,
        max_string_bytes: Optional[int] = None,
        allow_nan: bool = False,
        float_mode: str = "float",
        lenient: bool = False,
        allow_lone_surrogates: bool = True,
        repair: bool = False,
    ) -> None:
        check_options(
            {
                "partial_strings": partial_strings,
                "multiple": multiple,
                "max_depth": max_depth,
                "max_bytes": max_bytes,
                "max_string_bytes": max_string_bytes,
                "allow_nan": allow_nan,
                "float_mode": float_mode,
                "lenient": lenient,
                "allow_lone_surrogates": allow_lone_surrogates,
                "repair": repair,
            }
        )
        self._partial_strings = partial_strings
        self._multiple = multiple
        self._float_mode = float_mode
        self._max_bytes = max_bytes
        self._max_string_bytes = max_string_bytes
        self._builder = Builder(
            multiple=multiple, partial_strings=partial_strings, float_mode=float_mode
        )
        self._scanner = Scanner(
            self._builder,
            multiple=multiple,
            allow_nan=allow_nan,
            max_depth=max_depth,
            max_string_bytes=max_string_bytes,
            max_int_digits=_int_max_str_digits(),
            lenient=lenient,
            lone_surrogates=allow_lone_surrogates,
            repair=repair,
        )
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._consumed = 0
        self._in_use = threading.Lock()
        self._calls = 0  # see _exclusive and _reading

    # ---- feeding ----------------------------------------------------------------------------

    @_exclusive
    def feed(self, chunk: Chunk, /) -> None:
        """Feeds the next chunk of the document."""
        scanner = self._scanner
        if scanner.error is not None:
            raise self._to_json_error(scanner.error)
        if scanner.finished:
            raise self._after_finish()
        if isinstance(chunk, str):
            if not self._decoder.getstate()[0]:
                self._feed_text(chunk)
                return
            # After the first bytes of a character: a str never continues it, so this fails
            # at those bytes, as in the core.
            data = chunk.encode("utf-8", "surrogatepass")
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            data = bytes(chunk)
        else:
            raise TypeError(
                f"feed() takes bytes, bytearray, memoryview or str, not {type(chunk).__name__}"
            )
        self._feed_bytes(data)

    def _feed_text(self, text: str) -> None:
        """Feeds a ``str`` (its lone surrogates are characters, kept in strings as
        ``json.loads`` keeps them) when no partial character is held."""
        size = utf8_len(text)
        limit = self._max_bytes
        if limit is None or self._consumed + size <= limit:
            self._scan(text, self._consumed)
            self._consumed += size
            return
        # Past max_bytes: the characters that fit, then the bytes of the next one that do
        # (held, as the core holds them), then the error.
        room = limit - self._consumed
        fit = chars_within(text, room)
        self._scan(text[:fit], self._consumed)
        self._consumed += utf8_len(text[:fit])
        encoded = text[fit].encode("utf-8", "surrogatepass")
        held = encoded[: limit - self._consumed]
        if held:
            self._consumed += len(held)
            self._check_held(held, text=True)
        shift = 1 if held else 0
        pending = encoded[: len(held) + 1]
        raise self._fail_after_text(
            m.too_many_bytes(limit), limit, shift, pending, limit - len(held)
        )

    def _feed_bytes(self, data: bytes) -> None:
        over = self._max_bytes is not None and self._consumed + len(data) > self._max_bytes
        first_past = b""
        if over:
            assert self._max_bytes is not None
            room = max(0, self._max_bytes - self._consumed)
            first_past = data[room : room + 1]
            data = data[:room]
        size = len(data)
        held_before = self._decoder.getstate()[0]
        base = self._consumed - len(held_before)
        while True:
            try:
                text = self._decoder.decode(data)
                break
            except UnicodeDecodeError as e:
                # Scan what is valid first (an earlier error wins), then the bad bytes.
                joined = held_before + data
                self._scan(joined[: e.start].decode("utf-8"), base)
                if not self._scanner.skipping():
                    self._repair_text_at(base + e.start)
                    self._string_limit_before(joined[e.start : e.end], base + e.start)
                    self._scan_foreign(joined[e.start], base + e.start)
                    raise AssertionError("a foreign byte is always rejected") from e
                # Lenient mode, outside the value: skip them unchecked and go on.
                self._scanner.skip_raw(joined[e.start : e.end], base + e.start)
                self._decoder.reset()
                base += e.end
                data, held_before = joined[e.end :], b""
        self._scan(text, base)
        self._consumed += size
        held = self._decoder.getstate()[0]
        if held:
            self._check_held(held)
        if over:
            assert self._max_bytes is not None
            shift = 1 if held else 0
            pending_start = self._max_bytes - len(held)
            raise self._fail_after_text(
                m.too_many_bytes(self._max_bytes),
                self._max_bytes,
                shift,
                held + first_past,
                pending_start,
            )

    def _scan(self, text: str, base: int) -> None:
        try:
            self._scanner.feed_text(text, base)
        except ScanError as e:
            raise self._to_json_error(e) from None

    def _repair_text_at(self, offset: int) -> None:
        """Repair mode, before bytes that are not ASCII (and not text yet) at ``offset``: the
        core reads them as string content where a held quote or a backslash turns out to be
        text, where a number reads on as a word (``20°C``) or a word is text from there on,
        or where they begin an unquoted word, so the scanner goes there first."""
        scanner = self._scanner
        if not scanner.repair:
            return
        try:
            scanner.settle_held_quote()
            scanner.settle_word()
            scanner.start_word_for_held(offset)
        except ScanError as e:
            raise self._to_json_error(scanner.fail(e)) from None

    def _string_limit_before(self, bad: bytes, offset: int) -> None:
        """Fails on ``max_string_bytes`` if the bytes of an invalid sequence that come before
        the byte proving it invalid already pass the limit (the first offending byte wins, as
        in the Rust core): after a lead byte that can start a character the proof is the
        first byte not continuing it; otherwise the lead byte itself."""
        scanner = self._scanner
        limit = self._max_string_bytes
        if not scanner.in_string() or scanner.esc not in (E_IDLE, E_AFTER_HIGH):
            return
        if scanner.esc == E_AFTER_HIGH:
            self._end_high_surrogate(bad[0], offset)
        if limit is None:
            return
        before_proof = len(bad) if 0xC2 <= bad[0] <= 0xF4 else 0
        if scanner.str_raw + before_proof > limit:
            at = scanner._content_offset() + limit
            raise self._fail_after_text(
                m.string_too_long(limit), at, 1 if at > offset else 0, bad, offset
            )

    def _end_high_surrogate(self, byte: int, offset: int) -> None:
        """A non-ASCII byte at ``offset`` ends a pending high surrogate escape: kept alone, or
        (lone surrogates refused) an error at that byte, judged by the scanner as the Rust
        core judges it."""
        scanner = self._scanner
        if not scanner.lone_surrogates:
            self._scan_foreign(byte, offset)
        scanner._flush_high(0)

    def _scan_foreign(self, byte: int, offset: int) -> None:
        try:
            self._scanner.feed_foreign_byte(byte, offset)
        except ScanError as e:
            raise self._to_json_error(e) from None

    def _check_held(self, held: bytes, *, text: bool = False) -> None:
        """Judges the first bytes of a character cut by the end of the chunk, as the Rust core
        does when it sees them: outside string content they are an error at once; inside, they
        end a pending high surrogate and count against ``max_string_bytes``. From a ``str``
        (``text``) they may be those of a lone surrogate (WTF-8), refused as soon as its
        second byte shows it is one, if lone surrogates are."""
        scanner = self._scanner
        start = self._consumed - len(held)
        surrogate = text and len(held) >= 2 and held[0] == 0xED and held[1] >= 0xA0
        self._repair_text_at(start)
        if scanner.skipping():
            # Outside the value in lenient mode: nothing is judged; note where skipping began.
            scanner.note_skipped(start)
            return
        invalid = not (surrogate or _is_utf8_prefix(held))
        if invalid and scanner.in_string():
            # Held although already invalid (the decoder waits for more): as for a decoding
            # error, the limit wins if the bytes before the one proving it invalid pass it.
            proof = next(i for i in range(1, len(held) + 1) if not _is_utf8_prefix(held[:i]))
            self._string_limit_before(held[: max(1, proof - 1)], start)
        if invalid or not scanner.in_string() or scanner.esc in (E_BACKSLASH, E_HEX):
            self._scan_foreign(held[0], start)
        if scanner.esc == E_AFTER_HIGH:
            self._end_high_surrogate(held[0], start)
        limit = self._max_string_bytes
        if surrogate and not scanner.lone_surrogates:
            if limit is None or scanner.str_raw < limit:
                raise self._fail_after_text(m.LONE_SURROGATE, start, 0, held, start)
        if limit is not None and scanner.str_raw + len(held) > limit:
            offset = scanner._content_offset() + limit
            shift = 1 if offset > start else 0
            raise self._fail_after_text(m.string_too_long(limit), offset, shift, held, start)

    def _fail_after_text(
        self,
        msg: str,
        offset: int,
        column_shift: int = 0,
        pending: bytes = b"",
        pending_start: int = 0,
    ) -> JSONError:
        """Fails at byte ``offset``, after the text scanned so far; ``pending`` holds the
        bytes known past that text, from byte ``pending_start`` (the excerpt shows them
        through ``offset``, as the core does)."""
        tail = pending[: max(0, offset - pending_start + 1)]
        e = self._scanner.error_after_text(msg, offset=offset, column_shift=column_shift, tail=tail)
        return self._to_json_error(e)

    # ---- reading ----------------------------------------------------------------------------

    @_exclusive
    def snapshot(self, *, copy: bool = True) -> Any:
        """The current partial value; never mutated by later feeds unless ``copy=False``."""
        return self._builder.snapshot(copy)

    @_exclusive
    def _open_spine(self) -> list[Any]:
        """New shallow copies of the open containers, outermost first (empty when none is
        open), each holding the next one's copy: a snapshot that is the caller's to edit,
        never kept or reused by the parser. For the ``deltajson.compat`` shims."""
        return self._builder.fresh_spine()

    @_exclusive
    def finish(self) -> Any:
        """Ends the input and returns the final value."""
        scanner = self._scanner
        held = self._decoder.getstate()[0]
        if held:
            # The input ends inside a character: the text before any bracket is not one
            # scalar (the core's strict reading of it fails on those bytes).
            scanner.candidate = None
        try:
            scanner.finish(self._consumed, 1 if held else 0)
        except ScanError as e:
            raise self._to_json_error(e) from None
        value = self._builder.snapshot(False)
        if self._multiple and value is None:
            return []
        return value

    @_exclusive
    def changes(self) -> list[tuple[str, tuple[Union[str, int], ...], Any]]:
        """The ops since the last call; the first call starts recording and returns the
        current value as one ``("add", (), value)`` op."""
        return self._builder.changes()

    def patch_event(self, progress: Optional[float] = None) -> Optional[bytes]:
        """The SSE ``patch`` event of the ops since the last call, or ``None`` (see
        :mod:`deltajson._pure.wire`)."""
        return wire.patch_event(self.changes(), progress)

    @_exclusive
    def done(self) -> list[tuple[tuple[Union[str, int], ...], Any]]:
        """The ``(path, value)`` pairs completed since the last call (the first call starts
        recording)."""
        return self._builder.take_done()

    @_exclusive
    def select(self, path: tuple[Union[str, int], ...], /, *, drop: bool = False) -> None:
        """Selects values completed at paths matching ``path`` (keys, indexes and ``"*"``)."""
        if not isinstance(path, tuple):
            raise TypeError("select() takes a tuple path")
        self._builder.select(parse_pattern(path), drop)

    @_exclusive
    def pop_selected(self) -> list[tuple[tuple[Union[str, int], ...], Any]]:
        """The ``(path, value)`` pairs selected since the last call."""
        return self._builder.take_selected()

    @_reading
    def completed(self, path: tuple[Union[str, int], ...], /) -> bool:
        """Whether the value at ``path`` is complete (it exists and is not being written)."""
        if not isinstance(path, tuple):
            raise TypeError("completed() takes a tuple path")
        scanner = self._scanner
        if not path and self._multiple:
            return scanner.finished
        if scanner.in_value():
            open_path = self._builder.path(scanner.scalar_in_progress(), False)
            if open_path[: len(path)] == path and len(path) <= len(open_path):
                return False
        return self._builder.exists(path)

    @property
    @_reading
    def repairs(self) -> list[tuple[str, int, int]]:
        """Repairs made in lenient mode: ``(kind, offset, length)``."""
        return self._scanner.repairs()

    @property
    @_reading
    def status(self) -> str:
        """``"empty"``, ``"partial"``, ``"complete"`` or ``"error"``."""
        scanner = self._scanner
        if scanner.error is not None:
            return "error"
        if scanner.in_value():
            return "partial"
        return "complete" if scanner.values_done else "empty"

    @property
    @_reading
    def path(self) -> tuple[Union[str, int], ...]:
        """Path of the value being written, e.g. ``("items", 3, "title")``."""
        s = self._scanner
        return self._builder.path(s.scalar_in_progress(), s.key_pending())

    @property
    @_reading
    def tail(self) -> tuple[str, int]:
        """What the parser is in the middle of: ``(state, pending)``; see ``Parser.tail``."""
        s = self._scanner
        if s.error is not None:
            return ("error", 0)
        state = s.tail_state()
        pending = s.pending_chars()
        if state in ("string", "key_string", "word", "key_word"):
            pending += len(self._decoder.getstate()[0])
        return (state, pending)

    @property
    @_reading
    def offset(self) -> int:
        """Bytes consumed so far (the error's offset once failed)."""
        e = self._scanner.error
        return e.offset if e is not None else self._consumed

    @property
    @_reading
    def line(self) -> int:
        """1-based line of ``offset``."""
        e = self._scanner.error
        return e.line if e is not None else self._scanner.line

    @property
    @_reading
    def column(self) -> int:
        """1-based column of ``offset``, in characters."""
        e = self._scanner.error
        if e is not None:
            return e.column
        # A character cut by the end of the chunk counts from its first byte on.
        return self._scanner.col + 1 + (1 if self._decoder.getstate()[0] else 0)

    @property
    @_reading
    def depth(self) -> int:
        """Number of open arrays and objects."""
        return len(self._scanner.stack)

    def __repr__(self) -> str:
        return (
            f"Parser(backend='python', status={self.status!r}, offset={self.offset}, "
            f"partial_strings={self._partial_strings}, multiple={self._multiple}, "
            f"float_mode={self._float_mode!r})"
        )

    # ---- errors -----------------------------------------------------------------------------

    def _after_finish(self) -> JSONError:
        s = self._scanner
        return JSONError(m.AFTER_FINISH, "", self._consumed, s.line, s.col + 1)

    def _to_json_error(self, e: ScanError) -> JSONError:
        if e.is_eof:
            partial = self._builder.snapshot(True)
            return IncompleteJSONError(
                e.msg, e.excerpt, e.offset, e.line, e.column, partial=partial
            )
        return JSONError(e.msg, e.excerpt, e.offset, e.line, e.column)
