"""Strings in the pure-Python twin (``src/core/scanner/strings.rs``): runs of plain characters
taken with a regular expression, escapes, surrogates, and what is delivered of a string while
it is still open."""

from __future__ import annotations

import json
import re
from typing import Optional

from deltajson._pure import messages as m
from deltajson._pure.parts import ScannerParts
from deltajson._pure.repair import close_is_certain
from deltajson._pure.states import (
    COLON,
    E_AFTER_HIGH,
    E_BACKSLASH,
    E_HEX,
    E_IDLE,
    R_STR,
    SIMPLE_ESCAPES,
    STR,
    WORD,
    Location,
    chars_within,
    utf8_len,
)

# A run of string content that needs no attention: no quote, backslash, control character or
# lone surrogate (which only a ``str`` chunk can hold: kept, but one at a time, see
# ``_in_string``; ``FOREIGN`` is one too).
_STR_RUN = re.compile(r'[^"\\\x00-\x1f\ud800-\udfff]*')
# A whole string with escapes, up to and including its closing quote: content runs and valid
# escapes only (anything else is left to the general loop, which reports it at its place).
_ESCAPED_STR = re.compile(r'(?:[^"\\\x00-\x1f\ud800-\udfff]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
# The same, where the lone surrogates of a ``str`` chunk are kept: the core takes a string
# holding them whole too (its WTF-8 run is checked in one go).
_STR_RUN_KEEP = re.compile(r'[^"\\\x00-\x1f]*')
_ESCAPED_STR_KEEP = re.compile(r'(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_HEX = {c: int(c, 16) for c in "0123456789abcdefABCDEF"}


class StringStates(ScannerParts):
    """The string states, mixed into ``Scanner``."""

    def _begin_string(self, text: str, pos: int, key: bool) -> int:
        self.str_is_key = key
        self.str_raw = 0
        self.str_start = self._loc(pos)
        keep = self.lone_surrogates and self._found_byte is None
        end = (_STR_RUN_KEEP if keep else _STR_RUN).match(text, pos).end()  # type: ignore[union-attr]
        limit = self.max_string_bytes
        # Repair mode takes a string whole only if what follows its quote proves it ends.
        certain = not self.repair
        if end < len(text) and text[end] == '"':
            whole = text[pos:end]
            if (limit is None or utf8_len(whole) <= limit) and (
                certain or close_is_certain(text, end)
            ):
                return self._whole_string(whole, key, end + 1)
        elif end < len(text) and text[end] == "\\":
            # With escapes, closed in this chunk: decoded in one go (as the core does), so the
            # sink gets it whole. json.loads decodes escapes exactly by our rules.
            closed = (_ESCAPED_STR_KEEP if keep else _ESCAPED_STR).match(text, pos)
            if closed is not None:
                raw = text[pos : closed.end() - 1]
                fits = limit is None or utf8_len(raw) <= limit
                if fits and (certain or close_is_certain(text, closed.end() - 1)):
                    decoded: str = json.loads(f'"{raw}"')
                    # A surrogate here came from an escape and is lone (pairs are joined).
                    if self.lone_surrogates or _SURROGATE.search(decoded) is None:
                        return self._whole_string(decoded, key, closed.end())
        self._open_string(key, '"', pos)
        if self.repair:
            return self._in_repair_string(text, pos)
        return self._in_string(text, pos)

    def _open_string(self, key: bool, quote: str, pos: int) -> None:
        """Starts the general loop of a string (in repair mode, quoted with ``quote``)."""
        self.str_is_key = key
        self.str_raw = 0
        self.str_start = self._loc(pos)
        self.state = R_STR if self.repair else STR
        self.quote = quote
        self.esc = E_IDLE
        self.high = 0
        if key:
            self.key_parts = []
        else:
            self.sink.begin_string()

    def _whole_string(self, decoded: str, key: bool, after: int) -> int:
        """Delivers a string found whole in one chunk; returns the index after its quote."""
        if key:
            self.sink.key(decoded)
            self.state = COLON
        else:
            self.sink.string(decoded)
            self._value_done()
        return after

    def _in_string(self, text: str, pos: int) -> int:
        n = len(text)
        while pos < n:
            if self.esc != E_IDLE:
                pos = self._escape_char(text, pos)
                continue
            pos = self._content_run(text, pos, _STR_RUN)
            if pos == n:
                return pos
            c = text[pos]
            if c == '"':
                self._end_string()
                return pos + 1
            if c == "\\":
                self._count_string_char(pos)
                self.esc = E_BACKSLASH
                pos += 1
            elif c < " ":
                limit = self.max_string_bytes
                if limit is not None and self.str_raw >= limit:
                    raise self._error_at(pos, m.string_too_long(limit))
                raise self._error_at(pos, m.control_in_string(c))
            else:
                pos = self._string_surrogate(text, pos)
        return pos

    def _string_surrogate(self, text: str, pos: int) -> int:
        """A surrogate in string content: a byte that is not text (see
        ``feed_foreign_byte``; the parser has already weighed the limit), an error; or a lone
        surrogate of a ``str`` chunk, which json.loads keeps: a character of its own (three
        bytes in the core's WTF-8), or refused like the escape, at its place (the limit wins
        if the string is already full, as for a control character)."""
        if self._found_byte is not None:
            raise self._error_at(pos, m.INVALID_UTF8)
        if not self.lone_surrogates:
            limit = self.max_string_bytes
            if limit is not None and self.str_raw >= limit:
                raise self._error_at(pos, m.string_too_long(limit))
            raise self._error_at(pos, m.LONE_SURROGATE)
        self._string_run(text, pos, pos + 1)
        return pos + 1

    def _content_run(self, text: str, pos: int, run: re.Pattern[str]) -> int:
        """Takes the run of content ``run`` matches at ``pos`` (checked against the limit and
        emitted); returns where it ends."""
        end = run.match(text, pos).end()  # type: ignore[union-attr]
        if end > pos:
            self._string_run(text, pos, end)
        return end

    def _string_run(self, text: str, pos: int, end: int) -> None:
        run = text[pos:end]
        limit = self.max_string_bytes
        if limit is not None:
            size = utf8_len(run)
            room = limit - self.str_raw
            if size > room:
                # Show the characters that fit, then fail at the first byte past the limit.
                fit = room if run.isascii() else chars_within(run, room)
                self._emit(run[:fit])
                straddles = utf8_len(run[:fit]) < room
                raise self._error_at(
                    pos + fit + straddles,
                    m.string_too_long(limit),
                    offset=self._content_offset() + limit,
                )
            self.str_raw += size
        self._emit(run)

    def _content_offset(self) -> int:
        start = self.str_start
        assert start is not None
        return self._offset_of(start)

    def _offset_of(self, loc: Optional[Location]) -> int:
        """Byte offset of the character at ``loc``."""
        assert loc is not None
        if loc.text is self._text and loc.base == self._base:
            return self._loc_offset(loc.at)
        return loc.base + utf8_len(loc.text[: loc.at])

    def excerpt_through(self, offset: int) -> str:
        """The excerpt of an error at ``offset``, a byte before the current chunk: the recent
        bytes (which end where that chunk begins) through it."""
        keep = len(self.recent) - max(0, self._base - offset - 1)
        return m.excerpt_of(self.recent[: max(0, keep)])

    def _content_end_offset(self) -> int:
        """Byte offset just after the text scanned last."""
        return self._base + utf8_len(self._text)

    def _count_string_char(self, pos: int) -> None:
        limit = self.max_string_bytes
        if limit is not None and self.str_raw >= limit:
            raise self._error_at(pos, m.string_too_long(limit))
        self.str_raw += 1

    def _escape_char(self, text: str, pos: int) -> int:
        c = text[pos]
        st = self.esc
        if st == E_AFTER_HIGH and c != "\\":
            self._flush_high(pos)
            return pos
        self._count_string_char(pos)
        if st == E_BACKSLASH:
            if c == "u":
                self.esc = E_HEX
                self.hex = 0
                self.hex_count = 0
                return pos + 1
            simple = SIMPLE_ESCAPES.get(c)
            if simple is None:
                raise self._unexpected(pos, m.ESCAPE_CHAR)
            self._flush_high(pos)
            self._emit(simple)
            self.esc = E_IDLE
            return pos + 1
        if st == E_HEX:
            digit = _HEX.get(c)
            if digit is None:
                raise self._unexpected(pos, m.HEX_DIGIT)
            self.hex = self.hex * 16 + digit
            self.hex_count += 1
            if self.hex_count == 4:
                self.esc = E_IDLE
                self._code_unit(self.hex, pos)
            return pos + 1
        # E_AFTER_HIGH and a backslash: maybe the low surrogate's escape.
        self.esc = E_BACKSLASH
        return pos + 1

    def _flush_high(self, pos: int) -> None:
        if self.high:
            self._lone_surrogate(pos)
            self._emit(chr(self.high))
            self.high = 0
        if self.esc == E_AFTER_HIGH:
            self.esc = E_IDLE

    def _code_unit(self, unit: int, pos: int) -> None:
        if self.high:
            if 0xDC00 <= unit < 0xE000:
                self._emit(chr(0x10000 + ((self.high - 0xD800) << 10) + (unit - 0xDC00)))
                self.high = 0
                return
            self._lone_surrogate(pos)
            self._emit(chr(self.high))
            self.high = 0
        if 0xD800 <= unit < 0xDC00:
            self.high = unit
            self.esc = E_AFTER_HIGH
        else:
            if 0xDC00 <= unit < 0xE000:
                self._lone_surrogate(pos)
            self._emit(chr(unit))

    def _lone_surrogate(self, pos: int) -> None:
        """A surrogate escape turned out unpaired (at ``pos``): kept, or an error."""
        if not self.lone_surrogates:
            raise self._error_at(pos, m.LONE_SURROGATE)

    def _emit(self, piece: str) -> None:
        if not piece:
            return
        if self.str_is_key:
            self.key_parts.append(piece)
        elif self.state == WORD:
            self.word_parts.append(piece)  # an unquoted value is judged when it ends
        else:
            self.sink.string_piece(piece)

    def _end_string(self) -> None:
        if self.str_is_key:
            self.sink.key("".join(self.key_parts))
            self.key_parts = []
            self.state = COLON
        else:
            self.sink.end_string()
            self._value_done()
