"""``partial_json_parser.loads`` with prefix reuse: same signature, same results, O(delta) per
call on a growing buffer.

::

    from deltajson.compat.partial_json_parser import Allow, loads

    value = loads(buffer, Allow.STR | Allow.OBJ)

partial-json-parser completes a truncated document by text repair, then ``json.loads``. For a
buffer that is a prefix of valid JSON, this shim gives the same value from an incremental
parse, rule for rule (``Allow`` flags decide what an unfinished string, number, literal, array
or object becomes):

- an unfinished string keeps its text so far, less trailing whitespace, less a half escape;
  a ``\\uD83D`` still waiting for its pair stays, as a lone surrogate;
- an unfinished number loses trailing ``.``, ``e``, ``+`` or ``-``; with ``NUM`` not allowed a
  number that ends the buffer is left out even if it looks complete (``[1 `` gives ``[]``),
  except a lone top-level number;
- an unfinished literal is completed (``tr`` is ``True``, ``-Inf`` is ``-inf``) if its kind
  is allowed;
- an unfinished array or object of a kind not allowed is left out with its key (at the top
  level: ``PartialJSON``);
- a repeated key keeps its first place, as ``json.loads`` keeps it, and a member left out
  leaves the key's earlier value (``deltajson.compat._duplicates``).

Anything else (text that is not a prefix of valid JSON, or a custom ``parser``) goes to
``partial_json_parser`` itself when it is installed, since its answers there come from its
repair heuristics; without it, such input raises ``MalformedJSON``. ``Allow`` and the
exception classes are partial-json-parser's own when it is installed, so ``except`` clauses
written for it catch these too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import IntFlag, auto
from typing import Any, Optional, Union

from deltajson.compat._duplicates import MISSING, Members, drop_member
from deltajson.compat._reuse import PrefixCache, Stream, new_parser
from deltajson.compat._spine import fresh, open_spine, place

__all__ = [
    "ALL",
    "ARR",
    "ATOM",
    "BOOL",
    "COLLECTION",
    "INF",
    "INFINITY",
    "NAN",
    "NULL",
    "NUM",
    "OBJ",
    "SPECIAL",
    "STR",
    "Allow",
    "JSONDecodeError",
    "MalformedJSON",
    "PartialJSON",
    "cache",
    "loads",
]

try:
    from partial_json_parser import Allow, JSONDecodeError, MalformedJSON, PartialJSON
    from partial_json_parser import loads as _original_loads  # held: the name may be swapped
except ImportError:  # pragma: no cover - exercised by a test that hides the package
    _original_loads = None

    class Allow(IntFlag):  # type: ignore[no-redef]
        """What may be unfinished: the same flags as partial-json-parser's ``Allow``."""

        STR = auto()
        NUM = auto()
        ARR = auto()
        OBJ = auto()
        NULL = auto()
        BOOL = auto()
        NAN = auto()
        INFINITY = auto()
        _INFINITY = auto()

        INF = INFINITY | _INFINITY
        SPECIAL = NULL | BOOL | INF | NAN
        ATOM = STR | NUM | SPECIAL
        COLLECTION = ARR | OBJ
        ALL = ATOM | COLLECTION

    class JSONDecodeError(ValueError):  # type: ignore[no-redef]
        """Base of the errors below."""

    class PartialJSON(JSONDecodeError):  # type: ignore[no-redef, misc]
        """The text is a prefix of JSON, but what is unfinished is not allowed."""

    class MalformedJSON(JSONDecodeError):  # type: ignore[no-redef, misc]
        """The text is not a prefix of JSON."""


STR = Allow.STR
NUM = Allow.NUM
ARR = Allow.ARR
OBJ = Allow.OBJ
NULL = Allow.NULL
BOOL = Allow.BOOL
NAN = Allow.NAN
INFINITY = Allow.INFINITY
_INFINITY = Allow._INFINITY
INF = Allow.INF
SPECIAL = Allow.SPECIAL
ATOM = Allow.ATOM
COLLECTION = Allow.COLLECTION
ALL = Allow.ALL

#: The streams this shim keeps (``deltajson.compat.configure`` sets its bounds).
cache = PrefixCache()

# Literal words, the flag that lets each be completed, and its value.
_LITERALS = (
    ("null", Allow.NULL, None),
    ("true", Allow.BOOL, True),
    ("false", Allow.BOOL, False),
    ("Infinity", Allow.INFINITY, float("inf")),
    ("-Infinity", Allow._INFINITY, float("-inf")),
    ("NaN", Allow.NAN, float("nan")),
)
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}")


class _Left:
    """Marks a value the rules leave out."""


_LEFT_OUT = _Left()


def loads(
    json_string: str,
    allow_partial: Union[Allow, int] = Allow.ALL,
    parser: Optional[Callable[[str], Any]] = None,
    use_fast_fix: bool = True,
) -> Any:
    """Parses a possibly truncated JSON document exactly as ``partial_json_parser.loads``.

    Raises:
        PartialJSON: what is unfinished is not in ``allow_partial``.
        MalformedJSON: the text is not a prefix of JSON (from partial-json-parser itself
            when it is installed, with whatever its repair makes of it).
    """
    if parser is not None or not use_fast_fix:
        return _delegate(json_string, allow_partial, parser, use_fast_fix)
    key = type(json_string)
    stream = cache.open(key, json_string, _new_stream)
    try:
        if stream.error is not None:
            return _delegate(json_string, allow_partial, parser, use_fast_fix, stream.error)
        return _render(stream, int(allow_partial))
    finally:
        cache.keep(key, stream)


def _new_stream() -> Stream:
    # NaN and Infinity are accepted: partial-json-parser completes them and json.loads
    # reads them.
    return Stream(new_parser(allow_nan=True))


decode = loads


def _delegate(
    json_string: str,
    allow_partial: Union[Allow, int],
    parser: Optional[Callable[[str], Any]],
    use_fast_fix: bool,
    error: Optional[Exception] = None,
) -> Any:
    if _original_loads is None:
        raise MalformedJSON(str(error) if error else "needs partial-json-parser installed")
    return _original_loads(json_string, allow_partial, parser, use_fast_fix)


def _render(stream: Stream, allow: int) -> Any:
    parser = stream.parser
    data: str = stream.data
    state, pending = parser.tail
    if parser.depth == 0:
        return _top_level(parser, data, state, pending, allow)
    root, spine = open_spine(parser)
    for level, container in enumerate(spine):
        if not allow & (ARR if type(container) is list else OBJ):
            # An unfinished array or object of a kind not allowed goes, with its key.
            if level == 0:
                raise PartialJSON()
            _leave_out(stream, spine[level - 1], parser.path[:level])
            return root
    inner = spine[-1]
    key = parser.path[-1] if len(parser.path) == len(spine) else None
    if state == "string":
        text = _string(inner[key] if type(inner) is dict else inner[-1], data, pending, allow)
        if text is _LEFT_OUT:
            _leave_out(stream, inner, parser.path)
        elif type(inner) is list:
            inner[-1] = text
        else:
            inner[key] = text  # where the key is: first place if it is repeated
    elif state in ("number", "literal"):
        value = _scalar(data[len(data) - pending :], allow)
        if value is not _LEFT_OUT:
            place(inner, key, value)  # type: ignore[arg-type]
    elif state == "after_value" and not allow & NUM and data.rstrip()[-1:].isdigit():
        # A number that ends the buffer might go on: left out without NUM, though complete.
        if type(inner) is list:
            inner.pop()
        else:
            where = parser.path[: len(spine) - 1]
            members = _members(stream)
            last = members.last_key(data, where)
            if last is not None:
                drop_member(inner, last, members.before_last(data, (*where, last)))
    return root


def _top_level(parser: Any, data: str, state: str, pending: int, allow: int) -> Any:
    value = parser.snapshot(copy=False)
    if data[:1] in (" ", "\t", "\n", "\r") and type(value) not in (list, dict) and _original_loads:
        # Whitespace before a top-level scalar throws partial-json-parser's repair off (it
        # raises, or completes the wrong text or number: " 12" gives 1): its answer, as is.
        return _original_loads(data, allow)
    if state == "after_value":
        return fresh(value)
    if state == "string":
        text = _string(value, data, pending, allow)
    elif state in ("number", "literal"):
        text = _scalar(data[len(data) - pending :], allow, top_level=True)
    else:
        raise MalformedJSON("string index out of range")
    if text is _LEFT_OUT:
        raise PartialJSON()
    return text


def _string(value: str, data: str, pending: int, allow: int) -> Any:
    """An unfinished string as partial-json-parser completes it (``value`` is deltajson's
    decoded prefix, the buffer's last ``pending`` characters its undecoded end)."""
    if not allow & STR:
        return _LEFT_OUT
    if pending:
        # A half escape goes; a complete high surrogate escape stays, alone.
        high = _HIGH_SURROGATE.match(data, len(data) - pending)
        return value + chr(int(high.group()[2:], 16)) if high else value
    # Its repair strips the text, so trailing whitespace (as written, not escaped) goes.
    spaces = len(data) - len(data.rstrip())
    return value[: len(value) - spaces] if spaces else value


def _scalar(token: str, allow: int, top_level: bool = False) -> Any:
    """An unfinished number or literal as partial-json-parser completes it."""
    for word, flag, value in _LITERALS:
        if word.startswith(token) and token not in ("-", ""):
            return value if allow & flag else _LEFT_OUT
    number = token.rstrip(".-+eE")
    if not number or number == "-":
        return _LEFT_OUT
    if number == token and top_level:
        return json.loads(number)
    return json.loads(number) if allow & NUM else _LEFT_OUT


def _leave_out(stream: Stream, container: Any, path: tuple[Any, ...]) -> None:
    """Leaves the member at ``path`` (being written, in ``container``) out, as the repair
    that drops it and ``json.loads`` would: an object's key keeps its earlier value."""
    earlier = MISSING if type(container) is list else _members(stream).earlier(stream.data, path)
    drop_member(container, path[-1], earlier)


def _members(stream: Stream) -> Members:
    if stream.extra is None:
        stream.extra = Members()
    members: Members = stream.extra
    return members
