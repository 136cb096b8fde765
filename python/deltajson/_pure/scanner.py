"""The pure-Python twin of the Rust scanner (``src/core/scanner.rs``).

It works on decoded text (the parser decodes bytes incrementally) and calls the same events on
its sink as the Rust core. States, error precedence and messages follow the Rust code one to
one, so both backends accept, reject and report exactly the same inputs; regular expressions
skip whitespace, string runs and whole numbers in one step, and the byte-at-a-time machines
only run where a token is cut by the end of a chunk.

Positions: the scanner keeps no input. An error is located by the text of the current chunk,
the index in it, the byte offset of that chunk and the line/column where that chunk began.

The states live in mixins of their own, as the Rust scanner's do in ``scanner/``:
``strings.py``, ``scalars.py`` (literals and numbers), ``repair_states.py`` and ``words.py``
(repair mode); ``parts.py`` declares what they use of one another for the type checker.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from deltajson._pure import messages as m
from deltajson._pure.candidate import ScalarCandidate
from deltajson._pure.repair import NW_DEAD
from deltajson._pure.repair_states import RepairStates
from deltajson._pure.scalars import ScalarStates
from deltajson._pure.states import (
    AFTER_VALUE,
    ARRAY,
    ARRAY_FIRST,
    C_BLOCK,
    C_BLOCK_STAR,
    COLON,
    COMMENT,
    COMPLETE_NUMBER,
    E_AFTER_HIGH,
    E_BACKSLASH,
    E_HEX,
    E_IDLE,
    FAILED,
    FOREIGN,
    LITERAL,
    N_EXP,
    N_ZERO,
    NUMBER,
    OBJECT,
    OBJECT_FIRST,
    OBJECT_KEY,
    PROSE,
    R_STR,
    STOPPED,
    STR,
    STR_END,
    VALUE,
    WORD,
    Location,
    ScanError,
    utf8_len,
)
from deltajson._pure.strings import StringStates
from deltajson._pure.words import WordStates

# Names of the states in ``Parser.tail`` (strings are "string" or "key_string").
_TAIL_NAMES = {
    VALUE: "value",
    ARRAY_FIRST: "first_item",
    OBJECT_FIRST: "first_key",
    OBJECT_KEY: "key",
    COLON: "colon",
    AFTER_VALUE: "after_value",
    NUMBER: "number",
    LITERAL: "literal",
    PROSE: "prose",
    STOPPED: "stopped",
    FAILED: "error",
    COMMENT: "comment",
}
_STRING_STATES = (STR, R_STR, STR_END)
_WS = re.compile(r"[ \t\n\r]*")
_DIGITS = frozenset("0123456789")
_LITERALS = {"t": "true", "f": "false", "n": "null"}
_NAN_LITERALS = {"N": "NaN", "I": "Infinity"}
_PROSE_END = re.compile(r"[{\[]")
_NOT_WS = re.compile(r"[^ \t\n\r]")


class Scanner(StringStates, ScalarStates, RepairStates, WordStates):
    """Incremental JSON scanner over text chunks; calls ``sink`` for every event."""

    def __init__(
        self,
        sink: Any,
        *,
        multiple: bool,
        allow_nan: bool,
        max_depth: int,
        max_string_bytes: Optional[int],
        max_int_digits: Optional[int],
        lenient: bool = False,
        lone_surrogates: bool = True,
        repair: bool = False,
    ) -> None:
        self.sink = sink
        self.repair = repair
        lenient = lenient or repair
        self.lone_surrogates = lone_surrogates
        self.multiple = multiple
        self.allow_nan = allow_nan
        self.max_depth = max_depth
        self.max_string_bytes = max_string_bytes
        self.max_int_digits = max_int_digits
        self.lenient = lenient
        self.state = PROSE if lenient else VALUE
        # Lenient mode: repairs as (kind, offset, length); where skipped text began.
        self.repair_list: list[tuple[str, int, int]] = []
        self.prose_start: Optional[int] = None
        self.suffix_start: Optional[int] = None
        self.last_comma: Optional[Location] = None
        self.stack: list[int] = []
        self.values_done = 0
        self.error: Optional[ScanError] = None
        self.finished = False
        # The open string.
        self.str_is_key = False
        self.str_raw = 0
        self.str_start: Optional[Location] = None
        self.key_parts: list[str] = []
        self.esc = E_IDLE
        self.hex = 0
        self.hex_count = 0
        self.high = 0
        # The open number and literal.
        self.num = N_ZERO
        self.num_parts: list[str] = []
        self.num_start: Optional[Location] = None
        self.lit_word = ""
        self.lit_matched = 0
        # Repair mode: the open string's quote, a held quote and the whitespace after it, the
        # open word, the open comment and the state it interrupted.
        self.quote = '"'
        self.quote_loc = None
        self.held_ws: list[str] = []  # runs of whitespace, joined once decided
        self.held_ws_len = 0
        self.word_parts: list[str] = []
        self.word_start = 0  # byte offset of the word
        # While the value word may be a literal or a number, it is not counted against
        # max_string_bytes; nor are spaces at its end (trimmed if it ends there).
        self.word_may_be_literal = False
        self.word_num = NW_DEAD
        self.word_spaces = 0
        self.word_spaces_at: Optional[Location] = None
        self.word_slash = False  # the chunk ended with " /" in a value word
        self.slash_loc = None
        # One value: the text before any "{" or "[" read strictly, in case the whole document
        # is a scalar (see ScalarCandidate in repair.py).
        self.candidate = ScalarCandidate.for_options(
            repair and not multiple,
            allow_nan=allow_nan,
            max_depth=max_depth,
            max_string_bytes=max_string_bytes,
            max_int_digits=max_int_digits,
            lone_surrogates=lone_surrogates,
        )
        self.comment = 0
        self.comment_loc = None
        self.resume = VALUE
        # Position at the start of the current chunk.
        self.line = 1
        self.col = 0
        self.recent = b""  # the last bytes fed (for excerpts)
        # The byte offset of ``_text[_known_index]`` (see ``_loc_offset``).
        self._known_index = 0
        self._known_offset = 0
        self._set_text("", 0)
        self._found_byte: Optional[int] = None

    # ---- queries ----------------------------------------------------------------------------

    def in_value(self) -> bool:
        return bool(self.stack) or self.state in (STR, NUMBER, LITERAL, R_STR, STR_END, WORD)

    def scalar_in_progress(self) -> bool:
        if self.state in _STRING_STATES or self.state == WORD:
            return not self.str_is_key
        return self.state in (NUMBER, LITERAL)

    def key_pending(self) -> bool:
        # A comment interrupts a state without changing where the grammar is.
        st = self.resume if self.state == COMMENT else self.state
        return st == COLON or (st == VALUE and bool(self.stack) and self.stack[-1] == OBJECT)

    def in_string(self) -> bool:
        """Whether string content (or an unquoted word) is being read: where the parser's
        held bytes of a cut character are content."""
        return self.state == STR or self.state == R_STR or self.state == WORD

    def tail_state(self) -> str:
        """What the scanner is in the middle of (``Scanner::tail_state`` in scanner.rs)."""
        st = self.state
        if st in _STRING_STATES:
            return "key_string" if self.str_is_key else "string"
        if st == WORD:
            return "key_word" if self.str_is_key else "word"
        return _TAIL_NAMES[st]

    def pending_chars(self) -> int:
        """Characters of the unfinished token not in any event yet: a number or literal so
        far, or a partial escape (a high surrogate escape waiting for its pair counts 6).
        ASCII all, so characters are bytes; the parser adds its held UTF-8 bytes."""
        st = self.state
        if st == NUMBER:
            return sum(map(len, self.num_parts))
        if st == LITERAL:
            return self.lit_matched
        if st == STR or st == R_STR:
            escape = {E_IDLE: 0, E_AFTER_HIGH: 0, E_BACKSLASH: 1, E_HEX: 2 + self.hex_count}
            return (6 if self.high else 0) + escape[self.esc]
        if st == STR_END:
            return 1 + self.held_ws_len
        if st == WORD:
            # What was read since the word began (a held " /" too), as the core counts it.
            return self._content_end_offset() - self.word_start
        return 0

    # ---- feeding ----------------------------------------------------------------------------

    def feed_text(self, text: str, base: int) -> None:
        """Scans ``text``, whose first character is at byte offset ``base``."""
        if self.error is not None:
            raise self.error
        self._set_text(text, base)
        pos = 0
        n = len(text)
        try:
            while pos < n:
                st = self.state
                if st == VALUE or st == ARRAY_FIRST:
                    pos = self._at_value(text, pos)
                elif st == AFTER_VALUE:
                    pos = self._after_value(text, pos)
                elif st == OBJECT_FIRST or st == OBJECT_KEY:
                    pos = self._at_key(text, pos)
                elif st == COLON:
                    pos = self._at_colon(text, pos)
                elif st == STR:
                    pos = self._in_string(text, pos)
                elif st == NUMBER:
                    pos = self._in_number(text, pos, pos)
                elif st == LITERAL:
                    pos = self._in_literal(text, pos)
                elif st == PROSE:
                    pos = self._in_prose(text, pos)
                elif st == STOPPED:
                    pos = self._in_suffix(text, pos)
                elif st == R_STR:
                    pos = self._in_repair_string(text, pos)
                elif st == STR_END:
                    pos = self._at_string_end(text, pos)
                elif st == WORD:
                    pos = self._in_word(text, pos)
                elif st == COMMENT:
                    pos = self._in_comment(text, pos)
                else:
                    break
        except ScanError as e:
            self.fail(e)
            raise
        self._advance(text)

    def feed_foreign_byte(self, byte: int, base: int) -> None:
        """Scans a byte that is not text: the start of invalid UTF-8, or of a character cut
        by the end of the chunk, at byte offset ``base``. The Rust core judges such a byte in
        its current state (it may end a number, be a bad escape, or be invalid UTF-8 inside a
        string), so it goes through the same machine; every state rejects it."""
        self._found_byte = byte
        try:
            self.feed_text(FOREIGN, base)
        finally:
            self._found_byte = None

    def skipping(self) -> bool:
        """Whether bytes are being skipped unread (lenient mode, around the value; repair
        mode, in a comment)."""
        return self.state == PROSE or self.state == STOPPED or self.in_comment_body()

    def skip_raw(self, data: bytes, base: int) -> None:
        """Skips bytes that are not text while ``skipping()``: the Rust core does not check
        UTF-8 outside the value in lenient mode, and counts a column for every byte that does
        not continue a character."""
        if data:
            self.note_skipped(base)
            self.candidate = None  # not text: strict JSON would refuse it
            if self.state == COMMENT:
                self.comment = C_BLOCK if self.comment == C_BLOCK_STAR else self.comment
            self.col += sum(1 for b in data if (b & 0xC0) != 0x80)
            self.recent = (self.recent + data)[-m.EXCERPT_BYTES :]

    def note_skipped(self, offset: int) -> None:
        """Records that skipped text begins at ``offset`` (if nothing was skipped yet)."""
        if self.state == PROSE and self.prose_start is None:
            self.prose_start = offset
        elif self.state == STOPPED and self.suffix_start is None:
            self.suffix_start = offset

    def _advance(self, text: str) -> None:
        newlines = text.count("\n")
        if newlines:
            self.line += newlines
            self.col = len(text) - text.rfind("\n") - 1
        else:
            self.col += len(text)
        tail = text[-m.EXCERPT_BYTES :].encode("utf-8", "surrogatepass")
        self.recent = (self.recent + tail)[-m.EXCERPT_BYTES :]

    def finish(self, end_offset: int, column_shift: int = 0) -> None:
        """Ends the input at byte ``end_offset``; raises an ``is_eof`` error if the document
        is incomplete. ``column_shift`` counts a held partial character."""
        if self.error is not None:
            raise self.error
        if self.finished:
            return
        self._set_text("", end_offset)  # where ``recent`` ends
        try:
            if self.repair:
                self.finish_candidate(end_offset)
                self._finish_repair(end_offset)
            if self.state == PROSE and self.multiple:
                # Several values (lenient): the text after the last one is ignored.
                self.suffix_start, self.prose_start = self.prose_start, None
            if self.state == NUMBER and self.num in COMPLETE_NUMBER:
                self._complete_number("", 0, 0)
            expected = self._expected_at_end()
            if expected is not None:
                loc = Location("", 0, end_offset, self.line, self.col + column_shift)
                raise self._error_from(loc, m.unexpected(expected, m.FOUND_EOF), is_eof=True)
        except ScanError as e:
            self.fail(e)
            raise
        self._report_suffix(end_offset)
        self.finished = True

    def _expected_at_end(self) -> Optional[str]:
        st = self.state
        if not self.stack and (st == AFTER_VALUE or (st == VALUE and self.multiple)):
            return None
        if st == STOPPED:
            return None
        if st == PROSE and self.multiple:
            return None
        if st == PROSE:
            return m.VALUE
        if st == VALUE:
            return m.VALUE
        if st == ARRAY_FIRST:
            return m.VALUE_OR_ARRAY_END
        if st == OBJECT_FIRST:
            return m.KEY_OR_OBJECT_END
        if st == OBJECT_KEY:
            return m.KEY
        if st == COLON:
            return m.COLON
        if st == AFTER_VALUE:
            return self._expected_after_value()
        if st == STR:
            return {E_BACKSLASH: m.ESCAPE_CHAR, E_HEX: m.HEX_DIGIT}.get(self.esc, m.STRING_END)
        if st == NUMBER:
            return m.EXPONENT_START if self.num == N_EXP else m.DIGIT
        if st == LITERAL:
            return m.literal(self.lit_word)
        return m.VALUE  # repair mode's states, closed by _finish_repair

    def fail(self, e: ScanError) -> ScanError:
        self._report_suffix(e.offset)
        self.state = FAILED
        self.error = e
        return e

    # ---- structure --------------------------------------------------------------------------

    def _at_value(self, text: str, pos: int) -> int:
        if text[pos] in " \t\n\r":
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if pos == len(text):
                return pos
        if text[pos] == "]" and (self.state == ARRAY_FIRST or self._trailing_comma_allowed(ARRAY)):
            if self.state != ARRAY_FIRST:
                self._trailing_comma_repair()
            return self._close(pos)
        return self._begin_value(text, pos)

    def _begin_value(self, text: str, pos: int) -> int:
        c = text[pos]
        sink = self.sink
        if c == "{":
            self._open(pos, OBJECT)
            sink.begin_object()
            self.state = OBJECT_FIRST
            return pos + 1
        if c == "[":
            self._open(pos, ARRAY)
            sink.begin_array()
            self.state = ARRAY_FIRST
            return pos + 1
        if c == '"':
            return self._begin_string(text, pos + 1, False)
        if c == "-" or c in _DIGITS:
            return self._begin_number(text, pos)
        if self.repair:
            return self._repair_token(text, pos, False)
        word = _LITERALS.get(c) or (_NAN_LITERALS.get(c) if self.allow_nan else None)
        if word is not None:
            if text.startswith(word, pos):
                sink.literal(word)
                self._value_done()
                return pos + len(word)
            self.lit_word = word
            self.lit_matched = 1
            self.state = LITERAL
            return self._in_literal(text, pos + 1)
        expected = m.VALUE_OR_ARRAY_END if self.state == ARRAY_FIRST else m.VALUE
        raise self._unexpected(pos, expected)

    def _at_key(self, text: str, pos: int) -> int:
        if text[pos] in " \t\n\r":
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if pos == len(text):
                return pos
        c = text[pos]
        if c == '"':
            return self._begin_string(text, pos + 1, True)
        if c == "}" and self.state == OBJECT_FIRST:
            return self._close(pos)
        if c == "}" and self._trailing_comma_allowed(OBJECT):
            self._trailing_comma_repair()
            return self._close(pos)
        if self.repair:
            return self._repair_token(text, pos, True)
        raise self._unexpected(pos, m.KEY_OR_OBJECT_END if self.state == OBJECT_FIRST else m.KEY)

    def _at_colon(self, text: str, pos: int) -> int:
        if text[pos] in " \t\n\r":
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if pos == len(text):
                return pos
        if text[pos] == ":":
            self.state = VALUE
            return pos + 1
        if self.repair and text[pos] in "/#":
            return self._begin_comment(text, pos)
        raise self._unexpected(pos, m.COLON)

    def _after_value(self, text: str, pos: int) -> int:
        if text[pos] in " \t\n\r":
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if pos == len(text):
                return pos
        c = text[pos]
        stack = self.stack
        if stack:
            top = stack[-1]
            if c == ",":
                self.state = OBJECT_KEY if top == OBJECT else VALUE
                if self.lenient:
                    self.last_comma = self._loc(pos)
                return pos + 1
            if (c == "]" and top == ARRAY) or (c == "}" and top == OBJECT):
                return self._close(pos)
            if self.repair:
                return self._repair_after_value(text, pos, top)
            raise self._unexpected(pos, self._expected_after_value())
        if self.multiple:
            return self._begin_value(text, pos)
        raise self._unexpected(pos, m.END_OF_INPUT)

    def _expected_after_value(self) -> str:
        if not self.stack:
            return m.END_OF_INPUT
        return m.COMMA_OR_OBJECT_END if self.stack[-1] == OBJECT else m.COMMA_OR_ARRAY_END

    def _open(self, pos: int, container: int) -> None:
        if len(self.stack) >= self.max_depth:
            raise self._error_at(pos, m.too_deep(self.max_depth))
        self.stack.append(container)

    def _close(self, pos: int) -> int:
        if self.stack.pop() == OBJECT:
            self.sink.end_object()
        else:
            self.sink.end_array()
        self._value_done()
        return pos + 1

    def _value_done(self) -> None:
        self.state = AFTER_VALUE
        if not self.stack:
            self.values_done += 1
            if self.lenient:
                # One value, or (``multiple``) the next one after prose, fences and commas.
                self.state = PROSE if self.multiple else STOPPED

    # ---- lenient mode -----------------------------------------------------------------------

    def _trailing_comma_allowed(self, container: int) -> bool:
        if not self.lenient or not self.stack or self.stack[-1] != container:
            return False
        return self.state == (VALUE if container == ARRAY else OBJECT_KEY)

    def _trailing_comma_repair(self) -> None:
        comma = self.last_comma
        assert comma is not None
        offset = self._offset_of(comma)
        self.repair_list.append(("trailing_comma", offset, 1))

    def repairs(self) -> list[tuple[str, int, int]]:
        """Repairs so far. The list only grows: the text ignored after the value is added when
        the input ends (at finish, or at an error), when its length is known."""
        return list(self.repair_list)

    def _report_suffix(self, end_offset: int) -> None:
        start, self.suffix_start = self.suffix_start, None
        if start is not None:
            self.repair_list.append(("ignored_suffix", start, max(0, end_offset - start)))

    def _in_prose(self, text: str, pos: int) -> int:
        """Skips text before the value up to the first ``{`` or ``[`` (see scanner.rs)."""
        while True:
            match = _PROSE_END.search(text, pos)
            end = match.start() if match is not None else len(text)
            if self.prose_start is None:
                visible = _NOT_WS.search(text, pos, end)
                if visible is not None:
                    self.prose_start = self._loc_offset(visible.start())
            if self.candidate is not None:
                self.feed_candidate(text[pos:end], self._loc_offset(pos))
            if match is None:
                return end
            if self.candidate_in_string():
                # A bracket inside a string that may be the whole document (repair mode):
                # text, not the start of the value, if that string takes it (not after a
                # backslash: then it is no scalar).
                self.feed_candidate(text[end], self._loc_offset(end))
                if self.candidate is not None:
                    if self.prose_start is None:
                        self.prose_start = self._loc_offset(end)
                    pos = end + 1
                    continue
            self.candidate = None
            if self.prose_start is not None:
                self.repair_list.append(
                    ("skipped_prefix", self.prose_start, self._loc_offset(end) - self.prose_start)
                )
                self.prose_start = None
            self.state = VALUE
            return end

    def _in_suffix(self, text: str, pos: int) -> int:
        """Ignores everything after the value, noting where it began."""
        if self.suffix_start is None:
            visible = _NOT_WS.search(text, pos)
            if visible is not None:
                self.suffix_start = self._loc_offset(visible.start())
        return len(text)

    def _loc_offset(self, index: int) -> int:
        """Byte offset of ``self._text[index]``. Measured from the last index asked about in
        this chunk (reset by ``_set_text``), so the offsets of a chunk's repairs, asked for in
        input order, cost O(chunk) in all rather than O(chunk) each."""
        known = self._known_index
        if index >= known:
            self._known_offset += utf8_len(self._text[known:index])
        else:
            self._known_offset -= utf8_len(self._text[index:known])
        self._known_index = index
        return self._known_offset

    def _set_text(self, text: str, base: int) -> None:
        """The chunk being scanned, whose first character is at byte offset ``base``."""
        self._text = text
        self._base = base
        self._known_index = 0
        self._known_offset = base

    # ---- errors -----------------------------------------------------------------------------

    def _loc(self, index: int) -> Location:
        return Location(self._text, index, self._base, self.line, self.col)

    def _unexpected(self, pos: int, expected: str) -> ScanError:
        byte = self._found_byte
        found = m.found_char(self._text[pos]) if byte is None else m.found_byte(byte)
        return self._error_at(pos, m.unexpected(expected, found))

    def _error_at(self, pos: int, msg: str, *, offset: Optional[int] = None) -> ScanError:
        return self._error_from(self._loc(pos), msg, offset=offset)

    def error_after_text(
        self, msg: str, *, offset: int, column_shift: int = 0, tail: bytes = b""
    ) -> ScanError:
        """Fails at byte ``offset``, just after all the text scanned so far (bytes that are not
        text yet: the start of an incomplete character). ``column_shift`` counts such a
        character when the offset falls inside it, as the Rust core does; ``tail`` is the
        raw input after the text, through the byte at ``offset`` (shown in the excerpt)."""
        self._set_text("", self._base)
        loc = Location("", 0, offset, self.line, self.col + column_shift)
        return self.fail(self._error_from(loc, msg, tail=tail))

    def _error_from(
        self,
        loc: Location,
        msg: str,
        *,
        offset: Optional[int] = None,
        is_eof: bool = False,
        tail: bytes = b"",
    ) -> ScanError:
        before = loc.text[: loc.at]
        explicit_offset = offset is not None
        if offset is None:
            offset = loc.base + utf8_len(before)
        newlines = before.count("\n")
        if newlines:
            line = loc.line + newlines
            column = loc.at - before.rfind("\n")
        else:
            line = loc.line
            column = loc.col + loc.at + 1
        if loc.text is FOREIGN:
            # The Rust core shows the offending byte too (decoded lossily).
            raw = self.recent
            if self._found_byte is not None:
                raw += bytes([self._found_byte])
        else:
            # Up to and including the first byte of the offending character, as the core sees
            # it (a character is judged by its first byte).
            recent = self.recent if loc.text is self._text else b""
            if explicit_offset:
                # An offset inside a character (a limit): through the byte at that offset.
                through = loc.text[: loc.at + 1].encode("utf-8", "surrogatepass")
                raw = recent + through[: max(0, offset - loc.base + 1)]
            else:
                raw = recent + before.encode("utf-8", "surrogatepass")
                raw += loc.text[loc.at : loc.at + 1].encode("utf-8", "surrogatepass")[:1]
        excerpt = m.excerpt_of(raw + tail)
        return ScanError(msg, offset, line, column, excerpt, is_eof)
