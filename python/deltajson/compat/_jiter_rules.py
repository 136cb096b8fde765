"""jiter's parsing rules on top of an incremental parse (shared by the jiter and pydantic_core
shims, whose ``from_json`` is jiter).

jiter reads a document by recursive descent. Its partial mode differs from deltajson's
partial-value semantics in ways the shims reproduce exactly:

- the end of the buffer completes a trailing number (``[1, 2`` gives ``[1, 2]``; a number that
  is not valid as it stands, ``[1.`` or ``[-``, is left out) and a literal only once spelled
  out (``[tr`` gives ``[]``);
- ``"on"`` leaves an unfinished string out, ``"trailing-strings"`` keeps its decoded prefix
  (without a half escape or half a surrogate pair, like deltajson);
- a container stops at the first thing that is not ``,`` or its closing bracket after an item
  (``[1 2]`` gives ``[1]``), and nothing is checked after the top-level value (``[1] x``
  gives ``[1]``) — except a digit after a leading zero, which jiter's number reader rejects;
- invalid UTF-8 inside a string that the buffer never closes is an unfinished string, not an
  error (jiter checks UTF-8 when a string ends);
- at most 201 nested containers.

Everything else is an error, raised as the ``ValueError`` jiter raises, message and position
included: once deltajson's parse says the buffer fails, ``deltajson.compat._jiter_errors``
replays jiter's reader over it to find which error jiter reports, and where.
"""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException
from typing import Any, NamedTuple, Optional, Union

from deltajson._errors import JSONError
from deltajson._pure import messages as m
from deltajson.compat._jiter_errors import error_message
from deltajson.compat._reuse import PrefixCache, Stream, Text, new_parser
from deltajson.compat._spine import fresh, innermost, open_spine, place

# jiter's recursion limit: the top-level value plus 200 nested levels.
MAX_DEPTH = 201
# jiter's longest integer part (sign included).
_MAX_NUMBER_LENGTH = 4300

PARTIAL_MODES = ("off", "on", "trailing-strings")
PARTIAL_ERROR = "Invalid partial mode, should be `'off'`, `'on'`, `'trailing-strings'` or a `bool`"

_NUMBER = r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?"
_NUMBER_BYTES = re.compile(_NUMBER.encode())
_NUMBER_TEXT = re.compile(_NUMBER)
# deltajson's messages for "a container (or the document) goes on after an item".
_AFTER_ITEM = tuple(
    m.unexpected(expected, "")
    for expected in (m.COMMA_OR_ARRAY_END, m.COMMA_OR_OBJECT_END, m.END_OF_INPUT)
)
_INVALID_UTF8 = m.INVALID_UTF8
_BAD_HEX = m.unexpected(m.HEX_DIGIT, "")


def partial_mode(value: object) -> str:
    """The partial mode jiter would read from ``value`` (a bool or one of its names)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        if value in PARTIAL_MODES:
            return value
        raise ValueError(PARTIAL_ERROR)
    raise TypeError(PARTIAL_ERROR)


def not_an_instance(value: object, expected: str) -> str:
    """PyO3's words for an argument of the wrong type (by qualified name; ``None`` has no
    "object")."""
    if value is None:
        return f"'None' is not an instance of '{expected}'"
    return f"'{type(value).__qualname__}' object is not an instance of '{expected}'"


_CACHE_ERROR = "Invalid string cache mode, should be `'all'`, '`keys`', `'none`' or a `bool`"


def check_cache_mode(value: object) -> None:
    """Checks a string cache setting as jiter does (it does not change results)."""
    if isinstance(value, bool):
        return
    if isinstance(value, str):
        if value in ("all", "keys", "none"):
            return
        raise ValueError(_CACHE_ERROR)
    raise TypeError(_CACHE_ERROR)


class _Duplicates:
    """Finds a key repeated in one object (jiter's ``catch_duplicate_keys``) from the
    parser's ops, O(delta) per call: the keys of every open object so far."""

    __slots__ = ("found", "keys")

    def __init__(self) -> None:
        self.keys: dict[tuple[Any, ...], set[str]] = {}
        self.found: Optional[str] = None

    def update(self, ops: list[tuple[str, tuple[Any, ...], Any]]) -> None:
        for op, path, _ in ops:
            if self.found is not None:
                return
            if op == "add" and path and type(path[-1]) is str:
                seen = self.keys.setdefault(path[:-1], set())
                if path[-1] in seen:
                    self.found = path[-1]
                seen.add(path[-1])
            elif op == "done":
                self.keys.pop(path, None)


class _Specials:
    """Whether the text read so far may hold ``NaN`` or ``Infinity`` (scanned O(delta) per
    call): jiter's decimal mode gives them as ``Decimal``, deltajson as ``float``."""

    __slots__ = ("scanned", "seen")

    def __init__(self) -> None:
        self.scanned = 0
        self.seen = False

    def update(self, data: Text) -> bool:
        if not self.seen:
            start = max(0, self.scanned - 7)
            for word in (b"NaN", b"Infinity") if isinstance(data, bytes) else ("NaN", "Infinity"):
                if data.find(word, start) >= 0:  # type: ignore[arg-type]
                    self.seen = True
            self.scanned = len(data)
        return self.seen


class _Extra:
    __slots__ = ("duplicates", "specials")

    def __init__(self, duplicates: Optional[_Duplicates], specials: Optional[_Specials]) -> None:
        self.duplicates = duplicates
        self.specials = specials


class Config(NamedTuple):
    """One way of calling jiter: the cache key of the streams parsed that way (get one from
    ``config``: the cache compares keys by identity)."""

    text_type: type
    allow_inf_nan: bool
    mode: str
    catch_duplicate_keys: bool
    decimal: bool
    # pydantic_core refuses a ``str`` holding a lone surrogate with a TypeError.
    surrogates_type_error: bool
    # Where invalid UTF-8 is reported, after the last valid byte: jiter says one byte after
    # the bad one, pydantic_core's build of jiter at the bad byte (``_jiter_errors``).
    utf8_column_shift: int = 1

    def make(self) -> Stream:
        parser = new_parser(
            partial_strings=self.mode == "trailing-strings",
            allow_nan=self.allow_inf_nan,
            float_mode="decimal" if self.decimal else "float",
            max_depth=MAX_DEPTH,
            allow_lone_surrogates=False,
        )
        duplicates = None
        if self.catch_duplicate_keys:
            parser.changes()  # start recording ops
            duplicates = _Duplicates()
        specials = _Specials() if self.decimal and self.allow_inf_nan else None
        if duplicates is None and specials is None:
            return Stream(parser)
        return Stream(parser, _Extra(duplicates, specials))

    def reparse(self, patched: Text) -> Any:
        """A one-off parse of a repaired buffer (an error path): not kept."""
        stream = self.make()
        stream.extend(patched)
        return self.value(stream, repaired=True)

    def render(self, stream: Stream) -> Any:
        """What jiter returns for the stream's buffer, or the exception it raises."""
        if self.surrogates_type_error and stream.lone_surrogate:
            raise TypeError("Expected bytes, bytearray or str")
        try:
            return self.value(stream)
        except _Fails as e:
            raise ValueError(self.message(stream.data, str(e))) from None

    def message(self, data: Text, fallback: str) -> str:
        """jiter's message for a buffer it fails on (``fallback``, deltajson's wording, if
        jiter's reader would not fail: the shim and jiter disagree)."""
        found = self.jiter_error(data)
        return fallback if found is None else found

    def jiter_error(self, data: Text) -> Optional[str]:
        """The message of jiter's error for ``data``, ``None`` if jiter parses it (replays
        jiter's reader: for error paths only)."""
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        return error_message(
            raw,
            allow_inf_nan=self.allow_inf_nan,
            partial_mode=self.mode,
            catch_duplicate_keys=self.catch_duplicate_keys,
            decimal=self.decimal,
            utf8_column_shift=self.utf8_column_shift,
        )

    def value(self, stream: Stream, repaired: bool = False) -> Any:
        """The value, or ``_Fails`` (worded by ``render``); ``repaired``: the stream reads a
        buffer ``_render`` repaired, whose original was checked already."""
        extra: Optional[_Extra] = stream.extra
        if extra is None:
            return _render(stream, self)
        if extra.duplicates is not None:
            if stream.error is not None and not repaired:
                # What deltajson read stops early, so its keys may not reach a repeat that
                # jiter, reading on (or reading a key before the error as whole), finds.
                found = self.jiter_error(stream.data)
                if found is not None:
                    raise ValueError(found)
            _check_duplicates(stream, extra.duplicates, self.mode == "trailing-strings")
        value = _render(stream, self)
        if extra.specials is not None and extra.specials.update(stream.data):
            value = _specials_as_decimal(value)
        return value


_CONFIGS: dict[Config, Config] = {}


class _Fails(ValueError):
    """jiter fails on the buffer (``Config.render`` finds its message)."""


def config(
    text_type: type,
    allow_inf_nan: bool,
    mode: str,
    catch_duplicate_keys: bool,
    decimal: bool,
    surrogates_type_error: bool,
    utf8_column_shift: int = 1,
) -> Config:
    """The one ``Config`` of these settings (there are fewer than a hundred)."""
    made = Config(
        text_type,
        allow_inf_nan,
        mode,
        catch_duplicate_keys,
        decimal,
        surrogates_type_error,
        utf8_column_shift,
    )
    return _CONFIGS.setdefault(made, made)


def parse(cache: PrefixCache, data: Text, config: Config) -> Any:
    """What jiter's ``from_json`` returns for ``data`` (or the ``ValueError`` it raises)."""
    try:
        return _parse(cache, data, config)
    except DecimalException as e:
        # ``Decimal`` refuses the number (an exponent out of its range): jiter wraps that
        # as an "Internal error" ValueError.
        if not config.decimal:
            raise
        raise ValueError(config.message(data, str(e))) from None


def _parse(cache: PrefixCache, data: Text, config: Config) -> Any:
    if config.mode == "off":
        stream = cache.open(config, data, config.make)
    else:
        # Mid-stream, the open containers as they stand are the answer, found by the cache.
        settled, found = cache.read(config, data, config.make)
        if settled:
            return found
        stream = found
    try:
        return config.render(stream)
    finally:
        cache.keep(config, stream)


def _render(stream: Stream, config: Config) -> Any:
    mode = config.mode
    parser = stream.parser
    partial = mode != "off"
    error = stream.error
    data = stream.data
    if error is not None:
        if partial and _ends_item(error):
            closed = _closed_further_out(error, data, parser)
            if closed is not None:
                return config.reparse(closed)
            return open_spine(parser)[0]
        if mode == "trailing-strings":
            patched = _without_cut_char_at_close(error, data, parser)
            if patched is not None:
                return config.reparse(patched)
        cut = _string_cut_by_eof(error, data)
        if cut is None:
            raise _Fails(f"{_jiter_message(error)} at line {error.line} column {error.column}")
        # To jiter, an unfinished string: left out of its container (a key, or a value in
        # "on" mode), kept decoded in "trailing-strings" mode if what it has is valid.
        keep = mode == "trailing-strings" and cut
        if partial and parser.depth > 0:
            if keep or mode == "on" or _is_key(data, error.offset, parser):
                return open_spine(parser)[0]
        elif keep:
            return parser.snapshot(copy=False)
        raise _eof(data, "string", parser, None)
    state, pending = parser.tail
    depth = parser.depth
    if depth == 0 and state == "after_value":
        return fresh(parser.snapshot(copy=False))
    number = _trailing_number(data, pending, config.decimal) if state == "number" else None
    if depth == 0:
        if number is not None:
            return number[0]
        if state == "string" and mode == "trailing-strings":
            return parser.snapshot(copy=False)
        raise _eof(data, state, parser, number)
    if not partial:
        raise _eof(data, state, parser, number)
    root, spine = open_spine(parser)
    if number is not None:
        place(spine[-1], parser.path[-1], number[0])
    return root


def _check_duplicates(stream: Stream, duplicates: _Duplicates, partial_strings: bool) -> None:
    parser = stream.parser
    duplicates.update(parser.changes())
    state = parser.tail[0]
    if duplicates.found is None and (
        state in _BEFORE_THE_VALUE or (state == "string" and not partial_strings)
    ):
        # A key read with its colon but no value in the tree yet (none, or one not read
        # whole): jiter checks the key already. (A partial string is in the tree, its key
        # checked by the op that put it there.)
        inner = innermost(parser)
        key = parser.path[-1] if parser.path else None
        if type(inner) is dict and type(key) is str and key in inner:
            duplicates.found = key
    if duplicates.found is not None:
        raise _Fails(f'Detected duplicate key "{duplicates.found}"')


_BEFORE_THE_VALUE = frozenset(("value", "number", "literal"))


def _trailing_number(data: Text, pending: int, decimal: bool) -> Optional[tuple[Any]]:
    """The number the buffer ends with, as jiter reads it at the end of input (``None`` if
    it is not a valid number as it stands)."""
    text = data[len(data) - pending :]
    pattern: Any = _NUMBER_BYTES if isinstance(text, bytes) else _NUMBER_TEXT
    match = pattern.fullmatch(text)
    if match is None:
        return None
    fraction, exponent = match.start(1), match.start(2)
    if max(fraction, exponent) > _MAX_NUMBER_LENGTH or (
        fraction < 0 and exponent < 0 and len(text) > _MAX_NUMBER_LENGTH
    ):
        raise _Fails("number out of range")  # jiter's limit on the integer part, sign included
    if fraction < 0 and exponent < 0:
        return (int(text),)
    if decimal:
        return (Decimal(text.decode() if isinstance(text, bytes) else text),)
    return (float(text),)


def _ends_item(error: JSONError) -> bool:
    """Whether jiter would stop quietly here: something other than ``,`` or the closing
    bracket after an item, or anything after the top-level value. Not a digit after a
    leading zero: jiter's number reader rejects ``01`` itself."""
    if not error.msg.startswith(_AFTER_ITEM):
        return False
    before, found = error.excerpt[-2:-1], error.excerpt[-1:]
    return not (found.isdigit() and before == "0")


def _closed_further_out(error: JSONError, data: Text, parser: Any) -> Optional[Text]:
    """jiter's reader goes on where a container stops at the closing bracket of one further
    out (``[{"a": 1], 2]`` gives ``[{'a': 1}, 2]``: the object stops at ``]``, which closes
    the list). The buffer with the brackets that close the containers in between, which
    reads as jiter reads the original (to parse again), if that is the case here."""
    closes = {"]": list, "}": dict}.get(error.excerpt[-1:])
    if closes is None:
        return None
    kinds = [type(container) for container in open_spine(parser)[1]]
    for outer in range(len(kinds) - 2, -1, -1):
        if kinds[outer] is closes:
            brackets = b"".join(b"]" if k is list else b"}" for k in reversed(kinds[outer + 1 :]))
            raw = data if isinstance(data, bytes) else data.encode("utf-8")
            patched = raw[: error.offset] + brackets + raw[error.offset :]
            return patched if isinstance(data, bytes) else patched.decode("utf-8")
    return None


def _string_cut_by_eof(error: JSONError, data: Text) -> Optional[bool]:
    """Whether jiter, reading the string that ``error`` is in, would reach the end of the
    buffer before any error: ``None`` if not (or if ``error`` is not inside a string), else
    whether the undecoded rest is valid UTF-8 but for an incomplete last character (what
    ``"trailing-strings"`` needs to keep the string).

    jiter checks UTF-8 only when a string ends and reads ``\\uXXXX`` four bytes at a time
    (fewer left is the end of input, whatever they are), so invalid UTF-8 or a bad hex digit
    near the end is, to jiter, an unfinished string. This replays its string reader from the
    error on (error path only)."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if error.msg == _INVALID_UTF8:
        i = error.offset
    elif error.msg.startswith(_BAD_HEX):
        i = raw.rfind(b"\\u", max(0, error.offset - 6), error.offset)
        if i < 0:
            return None
    else:
        return None
    n = len(raw)
    tape = bytearray()
    while i < n:
        b = raw[i]
        if b == 0x22 or b < 0x20:  # the string ends (and fails), or a control character
            return None
        if b != 0x5C:
            tape.append(b)
            i += 1
            continue
        if i + 1 == n:
            break
        c = raw[i + 1]
        if c != 0x75:  # not \u
            if c not in b'"\\/bfnrt':
                return None
            tape.append(0x20)  # any ASCII stands in for the decoded escape
            i += 2
            continue
        unit = _hex4(raw, i + 2)
        if unit == _CUT:
            break
        if unit == _NOT_HEX or 0xDC00 <= unit <= 0xDFFF:
            return None
        i += 6
        if 0xD800 <= unit <= 0xDBFF:
            if i == n or (i + 1 == n and raw[i] == 0x5C):
                break
            if raw[i : i + 2] != b"\\u":
                return None
            low = _hex4(raw, i + 2)
            if low == _CUT:
                break
            if not 0xDC00 <= low <= 0xDFFF:
                return None
            i += 6
        tape.extend(b"  ")
    try:
        tape.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.end == len(tape) and e.reason == "unexpected end of data"
    return True


_CUT = -1  # fewer than four bytes left
_NOT_HEX = -2
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def _hex4(raw: bytes, at: int) -> int:
    """The code unit of the four hex digits at ``at``; ``_CUT`` if fewer than four bytes are
    left (jiter reads them as a block), ``_NOT_HEX`` if one is not a hex digit."""
    digits = raw[at : at + 4]
    if len(digits) < 4:
        return _CUT
    if not _HEX_DIGITS.issuperset(digits):
        return _NOT_HEX
    return int(digits, 16)


def _without_cut_char_at_close(error: JSONError, data: Text, parser: Any) -> Optional[Text]:
    """In ``"trailing-strings"`` mode jiter decodes every string value leniently: the first
    bytes of a character right before the closing quote are dropped, not an error. The buffer
    without them (to parse again), if that is the case here."""
    if error.msg != _INVALID_UTF8 or not isinstance(data, bytes):
        return None
    start = error.offset
    end = data.find(b'"', start, start + 4)
    if end < 0 or _is_key(data, start, parser):
        return None
    try:
        data[start:end].decode("utf-8")
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data":
            return data[:start] + data[end:]
    return None


def _is_key(data: Text, offset: int, parser: Any) -> bool:
    """Whether the string holding byte ``offset`` is an object key: what precedes its opening
    quote (the first quote before ``offset`` that no backslash escapes)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    i = offset - 1
    while i >= 0:
        if data[i] == 0x22:
            slashes = 0
            while i - 1 - slashes >= 0 and data[i - 1 - slashes] == 0x5C:
                slashes += 1
            if slashes % 2 == 0:
                break
        i -= 1
    before = data[:i].rstrip(b" \t\n\r")[-1:]
    return before == b"{" or (before == b"," and type(innermost(parser)) is dict)


def _specials_as_decimal(value: Any) -> Any:
    """``value`` with NaN and infinite floats as ``Decimal`` (new containers where anything
    changes: completed values are shared with earlier results and never edited)."""
    cls = type(value)
    if cls is float and (value != value or value in (_INF, -_INF)):
        return Decimal(value)
    if cls is list:
        items = [_specials_as_decimal(v) for v in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if cls is dict:
        members = {k: _specials_as_decimal(v) for k, v in value.items()}
        return members if any(members[k] is not v for k, v in value.items()) else value
    return value


_INF = float("inf")


def _jiter_message(error: JSONError) -> str:
    msg = error.msg
    if msg.startswith(_AFTER_ITEM[0]):
        return "expected `,` or `]`"
    if msg.startswith(_AFTER_ITEM[1]):
        return "expected `,` or `}`"
    if msg.startswith(_AFTER_ITEM[2]):
        return "trailing characters"
    return msg


def _eof(data: Text, state: str, parser: Any, number: Optional[tuple[Any]]) -> _Fails:
    """jiter's error for a buffer that ends early, at its end."""
    if state in ("string", "key_string"):
        what = "a string"
    elif state in ("value", "key", "literal") or (state == "number" and number is None):
        what = "a value"
    else:
        what = "a list" if type(innermost(parser)) is list else "an object"
    newline: Union[bytes, str] = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(newline) + 1  # type: ignore[arg-type]
    column = len(data) - data.rfind(newline) - 1  # type: ignore[arg-type]
    return _Fails(f"EOF while parsing {what} at line {line} column {column}")
