"""LangChain's ``parse_partial_json`` with prefix reuse: same signature, same results, O(delta)
per call on a growing buffer.

::

    from deltajson.compat.langchain import parse_partial_json

    value = parse_partial_json(buffer)

LangChain closes an open string and the open brackets, then drops characters from the end
until ``json.loads`` accepts the text. For a buffer that is a prefix of valid JSON this shim
gives the same value from an incremental parse:

- an unfinished string keeps its text so far, without a trailing lone backslash; a string
  cut inside a ``\\u`` escape is left out (with its key), but a ``\\uD83D`` waiting for its
  pair stays, as a lone surrogate;
- an unfinished number is cut to its longest valid prefix (``1.`` gives ``1``; ``-`` is left
  out); an unfinished literal is left out; a key without its value is left out;
- at the top level, a buffer that cannot be completed this way raises
  ``json.JSONDecodeError``;
- a repeated key keeps its first place, as ``json.loads`` keeps it, and a string left out
  leaves the key's earlier value (``deltajson.compat._duplicates``).

Anything else (text that is not a prefix of valid JSON: raw control characters in strings,
stray brackets, prose) goes to LangChain's own function when ``langchain_core`` is installed;
without it, ``json.JSONDecodeError`` is raised.
"""

from __future__ import annotations

import json
import re
from typing import Any

from deltajson.compat._duplicates import Members, drop_member
from deltajson.compat._reuse import PrefixCache, Stream, new_parser
from deltajson.compat._spine import fresh, open_spine, place

__all__ = ["cache", "parse_partial_json"]

try:  # LangChain's own function, held now: looked up later, the name may be this shim
    from langchain_core.utils.json import parse_partial_json as _original
except ImportError:  # pragma: no cover - depends on the environment
    _original = None  # type: ignore[assignment]

#: The streams this shim keeps (``deltajson.compat.configure`` sets its bounds).
cache = PrefixCache()

# What ``json.loads`` reads of an unfinished number: its longest valid prefix.
_NUMBER_PREFIX = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\Z")  # the whole pending tail


class _Left:
    """Marks a value the rules leave out."""


_LEFT_OUT = _Left()


def parse_partial_json(s: str, *, strict: bool = False) -> Any:
    """Parses a possibly truncated JSON document exactly as LangChain's
    ``langchain_core.utils.json.parse_partial_json``.

    Raises:
        json.JSONDecodeError: nothing of the text parses.
    """
    if strict or not isinstance(s, str):
        # strict=True changes which repairs LangChain makes (it turns raw newlines into
        # escapes first); bytes are decoded by json.loads. Neither is the streaming case.
        return _delegate(s, strict)

    stream = cache.open(str, s, _new_stream)
    try:
        if stream.error is not None:
            if not _may_start_json(s):
                return _prose(stream, s)
            return _delegate(s, strict)
        return _render(stream)
    finally:
        cache.keep(str, stream)


_WHITESPACE = re.compile(r"[ \t\n\r]*")  # json.loads's
_WORDS = {"t": "true", "f": "false", "n": "null", "N": "NaN", "I": "Infinity"}


def _may_start_json(s: str) -> bool:
    """Whether some prefix of ``s`` (with closing brackets) could be a JSON value:
    ``s`` starts, after whitespace, with a bracket, a quote, a number or a literal word
    (or a piece of one)."""
    at = _WHITESPACE.match(s).end()  # type: ignore[union-attr]
    first = s[at : at + 1]
    word = _WORDS.get(first)
    if word is None:
        return first in '-{["0123456789'
    start = s[at : at + len(word)]
    return word.startswith(start)


class _Brackets:
    """LangChain's bracket scan, kept up to date O(delta) per call: whether a closing bracket
    outside strings fails to match (LangChain then returns ``None``)."""

    __slots__ = ("escaped", "in_string", "mismatch", "scanned", "stack")

    def __init__(self) -> None:
        self.scanned = 0
        self.in_string = self.escaped = self.mismatch = False
        self.stack: list[str] = []

    def update(self, text: str) -> bool:
        if self.mismatch:
            return True
        new = text[self.scanned :]
        self.scanned = len(text)
        in_string, escaped, stack = self.in_string, self.escaped, self.stack
        for char in new:
            if in_string:
                if char == '"' and not escaped:
                    in_string = False
                elif char == "\\":
                    escaped = not escaped
                elif char != "\n" or escaped:
                    escaped = False
            elif char == '"':
                in_string, escaped = True, False
            elif char == "{" or char == "[":
                stack.append("}" if char == "{" else "]")
            elif char == "}" or char == "]":
                if not stack or stack.pop() != char:
                    self.mismatch = True
                    return True
        self.in_string, self.escaped = in_string, escaped
        return False


def _prose(stream: Stream, s: str) -> Any:
    """Text that does not start like JSON: every text LangChain tries starts with the same
    character, so none parses — unless its bracket scan stops first, with ``None``."""
    if not isinstance(stream.extra, _Brackets):  # (a stream that failed late may hold Members)
        stream.extra = _Brackets()
    if stream.extra.update(s):
        return None
    return json.loads(s)  # raises at the first character, as LangChain's last resort does


def _new_stream() -> Stream:
    # NaN and Infinity are accepted: json.loads reads them.
    return Stream(new_parser(allow_nan=True))


def _delegate(s: Any, strict: bool) -> Any:
    if _original is None:
        return json.loads(s, strict=strict)
    return _original(s, strict=strict)


def _render(stream: Stream) -> Any:
    parser = stream.parser
    data: str = stream.data
    state, pending = parser.tail
    if parser.depth == 0:
        if state == "after_value":
            return fresh(parser.snapshot(copy=False))
        value: Any = _LEFT_OUT
        if state == "string":
            value = _string(parser.snapshot(copy=False), data, pending)
        elif state == "number":
            value = _number(data[len(data) - pending :])
        if value is _LEFT_OUT:
            return json.loads(data)  # raises, as LangChain's last resort does
        return value
    root, spine = open_spine(parser)
    inner = spine[-1]
    key = parser.path[-1] if len(parser.path) == len(spine) else None
    if state == "string":
        text = _string(inner[key] if type(inner) is dict else inner[-1], data, pending)
        if type(inner) is list:
            if text is _LEFT_OUT:
                inner.pop()
            else:
                inner[-1] = text
        elif text is not _LEFT_OUT:
            inner[key] = text  # where the key is: first place if it is repeated
        else:
            # Left out, the key keeps the value an earlier member gave it, if any.
            if not isinstance(stream.extra, Members):
                stream.extra = Members()
            drop_member(inner, key, stream.extra.earlier(data, parser.path))
    elif state == "number":
        number = _number(data[len(data) - pending :])
        if number is not _LEFT_OUT:
            place(inner, key, number)  # type: ignore[arg-type]
    return root


def _string(value: str, data: str, pending: int) -> Any:
    """An unfinished string as LangChain closes it (``value`` is deltajson's decoded prefix,
    the buffer's last ``pending`` characters its undecoded end)."""
    tail = data[len(data) - pending :]
    if tail.endswith("\\") and not tail.endswith("\\\\"):
        tail = tail[:-1]  # a backslash that starts an escape: LangChain drops it
    if not tail:
        return value
    if _HIGH_SURROGATE.match(tail):
        return value + chr(int(tail[2:], 16))  # kept alone, as json.loads keeps it
    return _LEFT_OUT  # cut inside a \u escape: json.loads rejects it, the string goes


def _number(token: str) -> Any:
    match = _NUMBER_PREFIX.match(token)
    return json.loads(match.group()) if match else _LEFT_OUT
