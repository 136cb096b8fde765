"""Repair mode's unquoted words (``src/core/scanner/words.rs``): keys, values, Python
literals and numbers as models write them, each a value only once its end is known."""

from __future__ import annotations

from typing import Optional

from deltajson._pure import messages as m
from deltajson._pure.parts import ScannerParts
from deltajson._pure.repair import (
    _ENDS_ATOM_WORD,
    _KEY_WORD_REFUSED,
    _KEY_WORD_RUN,
    _NUMBER_WORD,
    _VALUE_WORD_RUN,
    _WORD_KEY_ENDS,
    _WORD_VALUE_ENDS,
    NW_DEAD,
    NW_NUMBER,
    NW_START,
    classify_word,
    may_be_literal,
    num_word_of,
    num_word_step,
)
from deltajson._pure.states import (
    C_SLASH,
    COLON,
    COMMENT,
    E_IDLE,
    WORD,
    Location,
    ScanError,
    utf8_len,
)


class WordStates(ScannerParts):
    """The unquoted-word states, mixed into ``Scanner``."""

    def _begin_word(self, text: str, pos: int, key: bool) -> int:
        """Starts an unquoted word, read like string content into the key's parts or
        ``word_parts`` (``begin_word`` in repair_states.rs): not counted against
        ``max_string_bytes`` while it may be a literal or a number, nor spaces at its end."""
        self.str_is_key = key
        self.str_raw = 0
        self.esc = E_IDLE
        self.key_parts = []
        self.word_parts = []
        self.word_may_be_literal = not key
        self.word_num = NW_DEAD if key else NW_START
        self.word_spaces = 0
        self.word_slash = False
        self.str_start = self._loc(pos)
        self.word_start = self._loc_offset(pos)
        self.state = WORD
        return self._in_word(text, pos)

    def _number_becomes_word(self, text: str, seg_start: int, pos: int) -> int:
        word = "".join(self.num_parts) + text[seg_start:pos]
        self.num_parts = []
        self.str_is_key = False
        self.str_raw = 0
        self.esc = E_IDLE
        self.word_parts = [word]
        self.word_may_be_literal = may_be_literal(word, self.allow_nan)
        self.word_num = num_word_of(word)
        self.word_spaces = 0
        self.word_slash = False
        self.str_start = self.num_start
        self.word_start = self._offset_of(self.num_start)
        self.state = WORD
        return self._in_word(text, pos)

    def _number_continues_as_word(self, text: str, pos: int) -> bool:
        if not self.repair or pos >= len(text):
            return False
        c = text[pos]
        return c in _NUMBER_WORD or c >= "\x80"

    def _word_uncounted(self) -> bool:
        return self.word_may_be_literal or self.word_num != NW_DEAD

    def _in_word(self, text: str, pos: int) -> int:
        if self.word_slash and pos < len(text):
            self.word_slash = False
            if text[pos] not in "/*":
                self._slash_is_text()
            else:
                # The `` /`` that ended the last chunk starts a comment.
                self._end_word(False)
                self.comment_loc = self.slash_loc
                self.resume = self.state
                self.comment = C_SLASH
                self.state = COMMENT
                return self._in_comment(text, pos)
        key = self.str_is_key
        run = _KEY_WORD_RUN if key else _VALUE_WORD_RUN
        ends = _WORD_KEY_ENDS if key else _WORD_VALUE_ENDS
        n = len(text)
        while pos < n:
            if self.word_may_be_literal or self.word_num != NW_DEAD:
                pos = self._word_prefix(text, pos)
                if pos == n or self.state != WORD:
                    return pos
            end = run.match(text, pos).end()  # type: ignore[union-attr]
            if end > pos:
                self._word_run(text, pos, end)
                pos = end
                if pos == n:
                    return pos
            c = text[pos]
            if c == "/" and not key:
                # ``True // note``: a comment after a space ends the word; ``n/a`` is text.
                after_space = self.word_spaces > 0
                if after_space and pos + 1 < n and text[pos + 1] in "/*":
                    self._end_word(False)
                    return self._begin_comment(text, pos)
                if after_space and pos + 1 == n:
                    # Decided by the next chunk's first character: held, not counted yet.
                    self.word_slash = True
                    self.slash_loc = self._loc(pos)
                    return n
                self._word_run(text, pos, pos + 1)
                pos += 1
                continue
            if c == "\t" or c in ends:
                self._end_word(False)
                return pos
            if c < " " or (key and c in _KEY_WORD_REFUSED):
                raise self._unexpected(pos, m.COLON if key else self._expected_after_value())
            self._count_word()
            pos = self._string_surrogate(text, pos)
        return pos

    def _word_prefix(self, text: str, pos: int) -> int:
        """Reads a value word while it may still be a literal or a number, uncounted
        (``word_prefix`` in repair_states.rs): after spaces, a character that starts the
        next item ends a complete literal or number (``[true 2]``, ``[.5 [1]]``)."""
        n = len(text)
        parts = self.word_parts
        allow_nan = self.allow_nan
        while pos < n:
            c = text[pos]
            if c == " ":
                if not self.word_spaces:
                    self.word_spaces_at = self._loc(pos)
                self.word_spaces += 1
                parts.append(c)
                pos += 1
                continue
            if c < " " or c in _WORD_VALUE_ENDS or c == "/":
                return pos
            if self.word_spaces:
                if c in _ENDS_ATOM_WORD and self._word_is_atom():
                    self._end_word(False)
                else:
                    self._count_word()
                return pos
            literal = self.word_may_be_literal and may_be_literal("".join(parts) + c, allow_nan)
            number = num_word_step(self.word_num, c)
            if not literal and number == NW_DEAD:
                self._count_word()
                return pos
            self.word_may_be_literal = literal
            self.word_num = number
            parts.append(c)
            pos += 1
        return pos

    def _word_is_atom(self) -> bool:
        """Whether the value word, without the spaces after it, is a literal or a number."""
        if self.word_num in NW_NUMBER:
            return True
        if not self.word_may_be_literal:
            return False
        word = "".join(self.word_parts).rstrip(" ")
        return classify_word(word, self.allow_nan, False)[0] == "literal"

    def _count_word(self) -> None:
        """The word is text from here on: its characters so far count against
        ``max_string_bytes``, then the spaces after them (``count_word``)."""
        limit = self.max_string_bytes
        if self.word_may_be_literal or self.word_num != NW_DEAD:
            self.word_may_be_literal = False
            self.word_num = NW_DEAD
            # ASCII only so far: characters are bytes.
            self.str_raw = sum(map(len, self.word_parts)) - self.word_spaces
            if limit is not None and self.str_raw > limit:
                raise self._limit_error(self.str_start, self.word_start, limit)
        if self.word_spaces:
            if limit is not None:
                room = max(0, limit - self.str_raw)
                if self.word_spaces > room:
                    loc = self.word_spaces_at
                    raise self._limit_error(loc, self._offset_of(loc), room)
            self.str_raw += self.word_spaces
            self.word_spaces = 0

    def _limit_error(self, loc: Optional[Location], offset: int, skip: int) -> ScanError:
        """``max_string_bytes`` passed at ``skip`` ASCII characters after ``loc`` (at byte
        ``offset``)."""
        assert loc is not None and self.max_string_bytes is not None
        at = loc._replace(at=loc.at + skip)
        return self._error_from(at, m.string_too_long(self.max_string_bytes), offset=offset + skip)

    def _word_run(self, text: str, pos: int, end: int) -> None:
        """Text of a word: the spaces held before it count first; spaces at its end are held,
        uncounted, until more text follows (``word_run``)."""
        run = text[pos:end]
        core = len(run.rstrip(" "))
        if core:
            self._count_word()
            self._string_run(text, pos, pos + core)
        if core < len(run):
            if not self.word_spaces:
                self.word_spaces_at = self._loc(pos + core)
            self.word_spaces += len(run) - core
            self._emit(run[core:])

    def _slash_is_text(self) -> None:
        """The held `` /`` turned out to be text of the word (``slash_is_text``)."""
        self._count_word()
        limit = self.max_string_bytes
        if limit is not None and self.str_raw >= limit:
            assert self.slash_loc is not None
            raise self._error_from(self.slash_loc, m.string_too_long(limit))
        self.str_raw += 1
        self.word_parts.append("/")

    def _end_word(self, at_end: bool) -> None:
        key = self.str_is_key
        word = "".join(self.key_parts if key else self.word_parts).rstrip(" ")
        self.key_parts = []
        self.word_parts = []
        self.word_spaces = 0
        offset = self.word_start
        length = utf8_len(word)
        if key:
            self.repair_list.append(("unquoted_key", offset, length))
            self.sink.key(word)
            self.state = COLON
            return
        kind, value, repaired = classify_word(word, self.allow_nan, at_end)
        if kind == "literal":
            if repaired:
                cut = at_end and len(value) != len(word)
                self.repair_list.append(("truncated" if cut else "python_literal", offset, length))
            self.sink.literal(value)
        elif kind == "number":
            number, is_integer = value
            limit = self.max_int_digits
            if is_integer and limit is not None:
                digits = len(number) - (number[0] == "-")
                if digits > limit and self.str_start is not None:
                    raise self._error_from(self.str_start, m.integer_too_long(digits, limit))
            self.repair_list.append(("number_fixed", offset, length))
            self.sink.number(number, is_integer)
        else:
            limit = self.max_string_bytes
            if self._word_uncounted() and limit is not None and length > limit:
                # A prefix of a literal or a number that stopped there (``tru``, ``-``): text,
                # not counted until now.
                raise self._limit_error(self.str_start, offset, limit)
            self.repair_list.append(("unquoted_value", offset, length))
            self.sink.string(word)
        self._value_done()
