"""Literals and numbers in the pure-Python twin (``src/core/scanner/scalars.rs``): whole
numbers taken with a regular expression, a number or literal cut by the end of a chunk read
character by character."""

from __future__ import annotations

import re

from deltajson._pure import messages as m
from deltajson._pure.parts import ScannerParts
from deltajson._pure.states import (
    LITERAL,
    N_DOT,
    N_EXP,
    N_EXP_DIGITS,
    N_EXP_SIGN,
    N_FRAC,
    N_INT,
    N_MINUS,
    N_ZERO,
    NUMBER,
)

_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_NUMBER_CONTINUES = frozenset(".eE0123456789")
_DIGITS = frozenset("0123456789")


class ScalarStates(ScannerParts):
    """The literal and number states, mixed into ``Scanner``."""

    def _in_literal(self, text: str, pos: int) -> int:
        word = self.lit_word
        n = len(text)
        while self.lit_matched < len(word):
            if pos >= n:
                return pos
            if text[pos] != word[self.lit_matched]:
                raise self._unexpected(pos, m.literal(word))
            self.lit_matched += 1
            pos += 1
        self.sink.literal(word)
        self._value_done()
        return pos

    def _begin_number(self, text: str, pos: int) -> int:
        match = _NUMBER.match(text, pos)
        if match is not None:
            end = match.end()
            if (
                end < len(text)
                and text[end] not in _NUMBER_CONTINUES
                and not self._number_continues_as_word(text, end)
            ):
                # The whole number is here and the next character ends it.
                self.num = N_INT if match.lastindex == 1 else N_FRAC
                self.num_start = self._loc(pos)
                self._complete_number(text, pos, end)
                return end
        c = text[pos]
        self.num = N_MINUS if c == "-" else N_ZERO if c == "0" else N_INT
        self.num_start = self._loc(pos)
        self.num_parts = []
        self.state = NUMBER
        return self._in_number(text, pos + 1, pos)

    def _in_number(self, text: str, pos: int, seg_start: int) -> int:
        n = len(text)
        while pos < n:
            c = text[pos]
            st = self.num
            digit = c in _DIGITS
            if st == N_MINUS:
                if digit:
                    nxt = N_ZERO if c == "0" else N_INT
                elif c == "I" and self.allow_nan:
                    self.lit_word = "-Infinity"
                    self.lit_matched = 2
                    self.state = LITERAL
                    return self._in_literal(text, pos + 1)
                else:
                    return self._bad_number(text, pos, seg_start, m.DIGIT)
            elif st == N_INT and digit:
                nxt = N_INT
            elif (st == N_ZERO or st == N_INT) and c == ".":
                nxt = N_DOT
            elif (st == N_ZERO or st == N_INT or st == N_FRAC) and (c == "e" or c == "E"):
                nxt = N_EXP
            elif st == N_DOT:
                if not digit:
                    return self._bad_number(text, pos, seg_start, m.DIGIT)
                nxt = N_FRAC
            elif st == N_FRAC and digit:
                nxt = N_FRAC
            elif st == N_EXP:
                if c == "+" or c == "-":
                    nxt = N_EXP_SIGN
                elif digit:
                    nxt = N_EXP_DIGITS
                else:
                    return self._bad_number(text, pos, seg_start, m.EXPONENT_START)
            elif st == N_EXP_SIGN:
                if not digit:
                    return self._bad_number(text, pos, seg_start, m.DIGIT)
                nxt = N_EXP_DIGITS
            elif st == N_EXP_DIGITS and digit:
                nxt = N_EXP_DIGITS
            else:
                # A complete number followed by a byte that cannot continue it.
                if self._number_continues_as_word(text, pos):
                    return self._number_becomes_word(text, seg_start, pos)
                self._complete_number(text, seg_start, pos)
                return pos
            self.num = nxt
            pos += 1
        self.num_parts.append(text[seg_start:])
        return pos

    def _bad_number(self, text: str, pos: int, seg_start: int, expected: str) -> int:
        """A byte no number can hold: in repair mode the number reads on as a word (``1e``,
        ``1.2.3``), otherwise an error."""
        if self.repair:
            return self._number_becomes_word(text, seg_start, pos)
        raise self._unexpected(pos, expected)

    def _complete_number(self, text: str, start: int, end: int) -> None:
        if self.num_parts:
            self.num_parts.append(text[start:end])
            number = "".join(self.num_parts)
            self.num_parts = []
        else:
            number = text[start:end]
        is_integer = self.num == N_ZERO or self.num == N_INT
        limit = self.max_int_digits
        if is_integer and limit is not None:
            digits = len(number) - (number[0] == "-")
            if digits > limit and self.num_start is not None:
                raise self._error_from(self.num_start, m.integer_too_long(digits, limit))
        self.sink.number(number, is_integer)
        self._value_done()
