"""Which error jiter reports for a buffer, and where: the jiter and pydantic_core shims' error
messages (the error path only; nothing here runs while a buffer parses).

deltajson reports the first byte that cannot continue a JSON document; jiter, a recursive
descent parser, reports where *its* reader notices, which is often elsewhere: invalid UTF-8
when the string ends (at the first bad byte plus one), a bad ``\\u`` escape at the first
non-hex digit, a truncated ``\\u`` escape as the end of the string, ``NaN`` without
``allow_inf_nan`` as "expected value", a duplicate key just after its colon; in partial mode a
container swallows the errors that mean "ends here" and its parent reads on from where the
reader stopped. Mapping one parser's errors onto the other's would be a long list of special
cases, so this module replays jiter's reader over the bytes (jiter 0.14's ``parse.rs``,
``string_decoder.rs``, ``number_decoder.rs`` and ``python.rs``, step for step, but building
no values) and words the error as jiter does: ``"<what> at line L column C"``, the column
counted in bytes.

It is iterative (an explicit stack of open containers), so a deep document does not need
Python's recursion, and linear in the buffer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from typing import Optional

__all__ = ["error_message"]

# jiter's messages (errors.rs), by the name of their JsonErrorType.
EOF_LIST = "EOF while parsing a list"
EOF_OBJECT = "EOF while parsing an object"
EOF_STRING = "EOF while parsing a string"
EOF_VALUE = "EOF while parsing a value"
EXPECTED_COLON = "expected `:`"
EXPECTED_LIST_COMMA_OR_END = "expected `,` or `]`"
EXPECTED_OBJECT_COMMA_OR_END = "expected `,` or `}`"
EXPECTED_IDENT = "expected ident"
EXPECTED_VALUE = "expected value"
INVALID_ESCAPE = "invalid escape"
INVALID_NUMBER = "invalid number"
NUMBER_OUT_OF_RANGE = "number out of range"
INVALID_UNICODE = "invalid unicode code point"
CONTROL_CHARACTER = "control character (\\u0000-\\u001F) found while parsing a string"
KEY_MUST_BE_A_STRING = "key must be a string"
LONE_LEADING_SURROGATE = "lone leading surrogate in hex escape"
TRAILING_COMMA = "trailing comma"
TRAILING_CHARACTERS = "trailing characters"
UNEXPECTED_END_OF_HEX = "unexpected end of hex escape"
RECURSION_LIMIT = "recursion limit exceeded"

# The errors a container swallows in partial mode (``JsonError::allowed_if_partial``): it
# ends there, and its parent reads on from where the reader stopped.
_ALLOWED_IF_PARTIAL = frozenset(
    (
        EOF_LIST,
        EOF_OBJECT,
        EOF_STRING,
        EOF_VALUE,
        EXPECTED_LIST_COMMA_OR_END,
        EXPECTED_OBJECT_COMMA_OR_END,
    )
)

# ``DEFAULT_RECURSION_LIMIT``: values nested in containers, the top-level value not counted.
_RECURSION_LIMIT = 200
# ``NumberInt`` and ``NumberRange``: an integer part longer than this is out of range.
_MAX_NUMBER_LENGTH = 4300

_WHITESPACE = re.compile(rb"[ \t\r\n]*")
# What ends a run of plain string content (``JSON_ASCII``/``CHAR_TYPE``).
_STRING_SPECIAL = re.compile(rb'["\\\x00-\x1f]')
_DIGITS = re.compile(rb"[0-9]*")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_SIMPLE_ESCAPES = {
    0x22: 0x22,
    0x5C: 0x5C,
    0x2F: 0x2F,
    0x62: 0x08,
    0x66: 0x0C,
    0x6E: 0x0A,
    0x72: 0x0D,
    0x74: 0x09,
}
_QUOTE, _BACKSLASH = 0x22, 0x5C


class _Error(Exception):
    """A jiter error: its message and the byte index jiter gives it."""

    def __init__(self, what: str, index: int) -> None:
        super().__init__(what, index)
        self.what = what
        self.index = index


def error_message(
    data: bytes,
    *,
    allow_inf_nan: bool,
    partial_mode: str,
    catch_duplicate_keys: bool,
    decimal: bool = False,
    utf8_column_shift: int = 1,
) -> Optional[str]:
    """The message of the ``ValueError`` jiter raises for ``data``, or ``None`` if jiter
    parses it.

    Args:
        data: the whole buffer (a ``str`` is read as its UTF-8 encoding).
        allow_inf_nan: accept ``NaN``, ``Infinity`` and ``-Infinity``.
        partial_mode: ``"off"``, ``"on"`` or ``"trailing-strings"``.
        catch_duplicate_keys: a key repeated within one object is an error.
        decimal: ``float_mode="decimal"``: a number that ``Decimal`` refuses is an error.
        utf8_column_shift: where after the last valid byte invalid UTF-8 is reported: jiter
            says one byte after the bad one (``start + valid_up_to + 1``), pydantic_core's
            build at the bad byte itself (0).
    """
    reader = _Reader(
        data, allow_inf_nan, partial_mode, catch_duplicate_keys, decimal, utf8_column_shift
    )
    try:
        reader.run()
    except _Error as e:
        return f"{e.what} at {position(data, e.index)}"
    return None


def position(data: bytes, index: int) -> str:
    """``LinePosition::find``: the 1-based line and byte column of ``index`` (a newline is
    column 0 of the line it starts; past the end, the column of the last byte)."""
    if index < len(data):
        line = data.count(b"\n", 0, index + 1) + 1
        column = index - data.rfind(b"\n", 0, index + 1)
    else:
        line = data.count(b"\n") + 1
        column = len(data) - data.rfind(b"\n") - 1
    return f"line {line} column {column}"


class _Reader:
    """jiter's ``PythonParser`` without the values; ``index`` is its parser's index, moved
    exactly when jiter's is (a failed string, number or literal leaves it at the start)."""

    def __init__(
        self,
        data: bytes,
        allow_inf_nan: bool,
        mode: str,
        duplicates: bool,
        decimal: bool,
        utf8_shift: int,
    ) -> None:
        self.data = data
        self.n = len(data)
        self.index = 0
        self.allow_inf_nan = allow_inf_nan
        self.partial = mode != "off"
        self.trailing_strings = mode == "trailing-strings"
        self.duplicates = duplicates
        self.decimal = decimal
        self.utf8_shift = utf8_shift

    def ws(self) -> Optional[int]:
        """``eat_whitespace``: the next byte that is not whitespace (``None`` at the end)."""
        self.index = _WHITESPACE.match(self.data, self.index).end()  # type: ignore[union-attr]
        return self.data[self.index] if self.index < self.n else None

    def run(self) -> None:
        # The open containers, innermost last: for an object, the keys it has (``None``
        # without catch_duplicate_keys); for a list, ``False``.
        stack: list[object] = []
        if self.ws() is None:
            raise _Error(EOF_VALUE, self.index)
        taking = True  # at a value's first byte; else just after a value
        while True:
            try:
                if taking:
                    self.value(stack)
                else:
                    if not stack:
                        break
                    self.step(stack)
                taking = False
            except _Error as e:
                # Caught by the innermost container (python.rs, ``allow_partial_err``).
                if not (self.partial and stack and e.what in _ALLOWED_IF_PARTIAL):
                    raise
                stack.pop()
                taking = False
                continue
            if stack and stack[-1] == "take":
                stack.pop()
                self.check_depth(stack)
                taking = True
        if not self.partial and self.ws() is not None:
            raise _Error(TRAILING_CHARACTERS, self.index)

    def check_depth(self, stack: list[object]) -> None:
        """``check_take_value``: the next value is nested in ``len(stack)`` containers."""
        if len(stack) > _RECURSION_LIMIT:
            raise _Error(RECURSION_LIMIT, self.index)

    def value(self, stack: list[object]) -> None:
        """``py_take_value`` at the peeked byte: a scalar is read whole; a container is
        opened (pushed) and, if it has a first value, ``"take"`` is pushed to ask for it."""
        data, i = self.data, self.index
        first = data[i]
        if first == 0x5B:  # [
            stack.append(False)
            self.index += 1
            nxt = self.ws()
            if nxt is None:
                raise _Error(EOF_LIST, self.index)
            if nxt == 0x5D:
                self.index += 1
                stack.pop()
            else:
                stack.append("take")
        elif first == 0x7B:  # {
            stack.append(set() if self.duplicates else None)
            self.index += 1
            nxt = self.ws()
            if nxt is None:
                raise _Error(EOF_OBJECT, self.index)
            if nxt == _QUOTE:
                self.member(stack)
            elif nxt == 0x7D:
                self.index += 1
                stack.pop()
            else:
                raise _Error(KEY_MUST_BE_A_STRING, self.index)
        elif first == _QUOTE:
            self.index = self.string(i, self.trailing_strings)
        elif first == 0x6E:  # n
            self.index = self.ident(i, b"ull")
        elif first == 0x74:  # t
            self.index = self.ident(i, b"rue")
        elif first == 0x66:  # f
            self.index = self.ident(i, b"alse")
        else:
            try:
                self.index = self.number(i, first)
            except _Error:
                if not (first in b"-IN" or 0x30 <= first <= 0x39):  # ``Peek::is_num``
                    raise _Error(EXPECTED_VALUE, i) from None
                raise

    def member(self, stack: list[object]) -> None:
        """``object_key`` and what follows it up to the value's first byte."""
        key_start = self.index
        end = self.string(key_start, False)
        self.index = end
        nxt = self.ws()
        if nxt is None:
            raise _Error(EOF_OBJECT, self.index)
        if nxt != 0x3A:
            raise _Error(EXPECTED_COLON, self.index)
        self.index += 1
        keys = stack[-1]
        if isinstance(keys, set):
            key = _decode_key(self.data[key_start + 1 : end - 1])
            if key in keys:
                raise _Error(f"Detected duplicate key {_rust_debug(key)}", self.index)
            keys.add(key)
        if self.ws() is None:  # ``peek``
            raise _Error(EOF_VALUE, self.index)
        stack.append("take")

    def step(self, stack: list[object]) -> None:
        """``array_step``/``object_step`` after a value of the innermost container."""
        nxt = self.ws()
        if stack[-1] is False:  # a list
            if nxt is None:
                raise _Error(EOF_LIST, self.index)
            if nxt == 0x2C:
                self.index += 1
                after = self.ws()
                if after is None:
                    raise _Error(EOF_VALUE, self.index)
                if after == 0x5D:
                    raise _Error(TRAILING_COMMA, self.index)
                stack.append("take")
            elif nxt == 0x5D:
                self.index += 1
                stack.pop()
            else:
                raise _Error(EXPECTED_LIST_COMMA_OR_END, self.index)
            return
        if nxt is None:
            raise _Error(EOF_OBJECT, self.index)
        if nxt == 0x2C:
            self.index += 1
            after = self.ws()
            if after == _QUOTE:
                self.member(stack)
            elif after == 0x7D:
                raise _Error(TRAILING_COMMA, self.index)
            elif after is not None:
                raise _Error(KEY_MUST_BE_A_STRING, self.index)
            else:
                raise _Error(EOF_VALUE, self.index)
        elif nxt == 0x7D:
            self.index += 1
            stack.pop()
        else:
            raise _Error(EXPECTED_OBJECT_COMMA_OR_END, self.index)

    # ---- scalars: each returns the index after it, or raises ---------------------------

    def ident(self, index: int, rest: bytes) -> int:
        """``consume_ident``: the rest of ``true``, ``false``, ``null``, ``NaN``,
        ``Infinity``."""
        data, n = self.data, self.n
        if data[index + 1 : index + 1 + len(rest)] == rest:
            return index + 1 + len(rest)
        index += 1
        for c in rest:
            if index >= n:
                break
            if data[index] != c:
                raise _Error(EXPECTED_IDENT, index)
            index += 1
        raise _Error(EOF_VALUE, index)

    def number(self, index: int, first: int) -> int:
        """``NumberAny``/``NumberRange::decode`` (their errors agree)."""
        data, n = self.data, self.n
        start = index
        if first == 0x4E:  # N
            if not self.allow_inf_nan:
                raise _Error(EXPECTED_VALUE, index)
            return self.ident(index, b"aN")
        positive = first != 0x2D
        if not positive:
            index += 1
        digit = data[index] if index < n else None
        if digit == 0x30:
            index += 1
            nxt = data[index] if index < n else None
            if nxt is not None and 0x30 <= nxt <= 0x39:
                raise _Error(INVALID_NUMBER, index)
        elif digit == 0x49:  # I
            if self.allow_inf_nan:
                return self.ident(index, b"nfinity")
            raise _Error(EXPECTED_VALUE if positive else INVALID_NUMBER, index)
        elif digit is not None and 0x31 <= digit <= 0x39:
            index = _digits_end(data, index + 1)
            if index - start > _MAX_NUMBER_LENGTH:
                raise _Error(NUMBER_OUT_OF_RANGE, start + _MAX_NUMBER_LENGTH + 1)
        elif digit is not None:
            raise _Error(INVALID_NUMBER, index)
        else:
            raise _Error(EOF_VALUE, index)
        nxt = data[index] if index < n else None
        if nxt == 0x2E:  # .
            end = self.fraction(index + 1)
        elif nxt in (0x65, 0x45):  # e E
            end = self.exponent(index + 1)
        else:
            return index
        if self.decimal:
            # ``ParseNumberDecimal`` calls ``Decimal`` on the text, an error at its end.
            try:
                Decimal(data[start:end].decode("ascii"))
            except Exception as e:  # whatever Decimal raises, jiter wraps
                message = f"{type(e).__qualname__}: {e}"
                raise _Error(f"Internal error: {_rust_debug(message)}", end) from None
        return end

    def fraction(self, index: int) -> int:
        data = self.data
        if index >= self.n:
            raise _Error(EOF_VALUE, index)
        if not 0x30 <= data[index] <= 0x39:
            raise _Error(INVALID_NUMBER, index)
        index = _digits_end(data, index + 1)
        if index < self.n and data[index] in (0x65, 0x45):
            return self.exponent(index + 1)
        return index

    def exponent(self, index: int) -> int:
        data = self.data
        if index < self.n and data[index] in (0x2B, 0x2D):
            index += 1
        if index >= self.n:
            raise _Error(EOF_VALUE, index)
        if not 0x30 <= data[index] <= 0x39:
            raise _Error(INVALID_NUMBER, index)
        return _digits_end(data, index + 1)

    def string(self, index: int, allow_partial: bool) -> int:
        """``StringDecoder::decode`` from the opening quote at ``index``: the index after
        the string (past the end of the buffer for a partial one)."""
        data, n = self.data, self.n
        start = index + 1
        special = _STRING_SPECIAL.search(data, start)
        if special is None:
            if not allow_partial:
                raise _Error(EOF_STRING, n)
            self.check_utf8(data[start:], start, True)
            return n + 1
        at = special.start()
        c = data[at]
        if c == _QUOTE:
            self.check_utf8(data[start:at], start, allow_partial)
            return at + 1
        if c != _BACKSLASH:
            raise _Error(CONTROL_CHARACTER, at)
        # ``decode_to_tape``: escapes decoded, UTF-8 checked on the decoded text.
        tape = bytearray()
        chunk_start, index = start, at
        while True:
            tape += data[chunk_start:index]
            index += 1
            if index >= n:
                if allow_partial:
                    self.check_utf8(tape, start, True)
                    return index
                raise _Error(EOF_STRING, index)
            escape = data[index]
            simple = _SIMPLE_ESCAPES.get(escape)
            if simple is not None:
                tape.append(simple)
            elif escape == 0x75:  # u
                try:
                    char, index = self.unicode_escape(index)
                except _Error as e:
                    if allow_partial and e.what == EOF_STRING:
                        self.check_utf8(tape, start, True)
                        return e.index
                    raise
                tape += char.encode("utf-8")
            else:
                raise _Error(INVALID_ESCAPE, index)
            index += 1
            special = _STRING_SPECIAL.search(data, index)
            if special is None:
                if not allow_partial:
                    raise _Error(EOF_STRING, n)
                tape += data[index:]
                self.check_utf8(tape, start, True)
                return n + 1
            at = special.start()
            c = data[at]
            if c == _QUOTE:
                tape += data[index:at]
                self.check_utf8(tape, start, allow_partial)
                return at + 1
            if c != _BACKSLASH:
                raise _Error(CONTROL_CHARACTER, at)
            chunk_start, index = index, at

    def check_utf8(self, raw: bytes | bytearray, start: int, allow_partial: bool) -> None:
        """``to_str``: invalid UTF-8 is reported at ``start`` plus the length of the valid
        part (of the decoded text, escapes and all) plus the shift; in partial mode a
        character cut by the end of the text is dropped, not an error."""
        if raw.isascii():
            return
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            if allow_partial and e.end == len(raw) and e.reason == "unexpected end of data":
                return
            raise _Error(INVALID_UNICODE, start + e.start + self.utf8_shift) from None

    def unicode_escape(self, index: int) -> tuple[str, int]:
        """``parse_escape`` at the ``u`` of ``\\u``: the character and the index of the
        last hex digit read."""
        data, n = self.data, self.n
        unit, index = self.hex4(index)
        if 0xDC00 <= unit <= 0xDFFF:
            raise _Error(LONE_LEADING_SURROGATE, index)
        if not 0xD800 <= unit <= 0xDBFF:
            return chr(unit), index
        if index + 3 <= n:
            if data[index + 1 : index + 3] == b"\\u":
                low, index = self.hex4(index + 2)
                if not 0xDC00 <= low <= 0xDFFF:
                    raise _Error(LONE_LEADING_SURROGATE, index)
                return chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)), index
            if data[index + 1] == _BACKSLASH:
                raise _Error(UNEXPECTED_END_OF_HEX, index + 2)
            raise _Error(UNEXPECTED_END_OF_HEX, index + 1)
        if index + 1 >= n or data[index + 1] == _BACKSLASH:
            raise _Error(EOF_STRING, n)
        raise _Error(UNEXPECTED_END_OF_HEX, index + 1)

    def hex4(self, index: int) -> tuple[int, int]:
        """``parse_u4``: the four hex digits after ``index`` (fewer left is the end of the
        string, whatever they are)."""
        data = self.data
        if index + 5 > self.n:
            raise _Error(EOF_STRING, self.n)
        for _ in range(4):
            index += 1
            if data[index] not in _HEX:
                raise _Error(INVALID_ESCAPE, index)
        return int(data[index - 3 : index + 1], 16), index


def _digits_end(data: bytes, index: int) -> int:
    """The index after the run of digits at ``index``."""
    return _DIGITS.match(data, index).end()  # type: ignore[union-attr]


def _decode_key(raw: bytes) -> str:
    """A key that jiter read whole (its escapes and UTF-8 already checked)."""
    if b"\\" not in raw:
        return raw.decode("utf-8")
    return str(json.loads(b'"' + raw + b'"'))


def _rust_debug(text: str) -> str:
    """``format!("{:?}", text)``: Rust's quoted, escaped form of a ``str``."""
    out = ['"']
    for c in text:
        code = ord(c)
        if c in _RUST_ESCAPES:
            out.append(_RUST_ESCAPES[c])
        elif 0x20 <= code < 0x7F:
            out.append(c)
        elif code < 0x80 or not c.isprintable() or unicodedata.category(c) in ("Mn", "Me"):
            out.append(f"\\u{{{code:x}}}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


_RUST_ESCAPES = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", '"': '\\"', "\\": "\\\\"}
