"""Vertex AI's streamed function-call arguments as JSON text.

With ``tool_config.function_calling_config.stream_function_call_arguments``, Vertex AI sends
a function call's arguments as typed pieces, each addressed by a JSON Path (RFC 9535):
``FunctionCall.partial_args``, a list of ``PartialArg(json_path, string_value |
number_value | bool_value | null_value, will_continue)``; a string may come in several
pieces at one path (``will_continue``), and the call's own ``will_continue`` says more parts
follow. :class:`ArgsWriter` folds the pieces into the JSON text of one document — the keys
and brackets the paths imply, string pieces escaped as they come — so the parser reads a
call's arguments exactly as it reads streamed JSON text: the same ops, partials and done
events. A call that ends closes every open array and object (its ``done`` events come);
a stream cut while a call was continuing leaves its text open (incomplete, never closed into
a value that looks complete).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Optional, Union

__all__ = ["ArgsWriter", "parse_json_path"]

Key = Union[str, int]

# RFC 9535 segments: .name (shorthand), ['name'] / ["name"], [index].
_SEGMENT = re.compile(
    r"""\.(?P<name>[A-Za-z_\u0080-\U0010FFFF][A-Za-z0-9_\u0080-\U0010FFFF]*)
      | \[\s*(?P<index>0|[1-9][0-9]*)\s*\]
      | \[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\]
      | \[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\]
    """,
    re.VERBOSE,
)


def parse_json_path(path: str) -> tuple[Key, ...]:
    """The keys and indexes of a singular JSON Path (``$.foo.bar[0].data``).

    Raises:
        ValueError: not a singular path (wildcards, slices, filters are not addresses).
    """
    text = path.strip()
    if not text.startswith("$"):
        raise ValueError(f"a JSON Path starts with '$': {path!r}")
    parts: list[Key] = []
    pos = 1
    while pos < len(text):
        match = _SEGMENT.match(text, pos)
        if match is None:
            raise ValueError(f"not a singular JSON Path at {text[pos:]!r} in {path!r}")
        if match["name"] is not None:
            parts.append(match["name"])
        elif match["index"] is not None:
            parts.append(int(match["index"]))
        else:
            quoted = match["sq"] if match["sq"] is not None else match["dq"]
            parts.append(_unescape(quoted))
        pos = match.end()
    return tuple(parts)


def _unescape(text: str) -> str:
    """An RFC 9535 quoted name's value: JSON's escapes, ``\\'`` for a quote, and in single
    quotes an unescaped ``"``."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            after = text[i + 1]
            out.append("'" if after == "'" else char + after)
            i += 2
            continue
        out.append('\\"' if char == '"' else char)
        i += 1
    return str(json.loads('"' + "".join(out) + '"'))


class _Level:
    __slots__ = ("count", "is_list", "key")

    def __init__(self, key: Optional[Key], is_list: bool) -> None:
        self.key = key  # its key in the parent (None for the root)
        self.is_list = is_list
        self.count = 0  # children begun


class ArgsWriter:
    """The JSON text of one call's arguments, from its path-addressed pieces."""

    def __init__(self) -> None:
        self.levels: list[_Level] = []
        self.string: Optional[tuple[Key, ...]] = None  # the path of the open string
        self.closed = False

    def piece(self, arg: Any, get: Any) -> str:
        """The text a ``PartialArg`` (an SDK object or the wire's dict, read with ``get``)
        adds."""
        raw_path = get(arg, "json_path", "jsonPath")
        if not isinstance(raw_path, str):
            raise ValueError(f"a partial argument without a JSON Path: {arg!r}")
        path = parse_json_path(raw_path)
        if not path:
            raise ValueError("a partial argument addresses the root, which is an object")
        more = bool(get(arg, "will_continue", "willContinue"))
        string = get(arg, "string_value", "stringValue")
        out: list[str] = []
        if self.string is not None:
            if string is not None and path == self.string:
                out.append(_escaped(string))
                if not more:
                    out.append('"')
                    self.string = None
                return "".join(out)
            out.append('"')  # a string whose last piece never said so
            self.string = None
        out.append(self._open(path))
        if string is not None:
            out.append('"' + _escaped(string))
            if more:
                self.string = path
            else:
                out.append('"')
            return "".join(out)
        out.append(_atom(arg, get))
        return "".join(out)

    def close(self) -> str:
        """The text that ends the arguments: the open string, then every open container."""
        if self.closed:
            return ""
        self.closed = True
        out = '"' if self.string is not None else ""
        self.string = None
        if not self.levels:
            return out + "{}"
        out += "".join("]" if level.is_list else "}" for level in reversed(self.levels))
        self.levels = []
        return out

    def _open(self, path: tuple[Key, ...]) -> str:
        """Closes what ``path`` leaves, opens what it enters, and writes the separator and
        key before its value."""
        out: list[str] = []
        if not self.levels:
            out.append("{")
            self.levels.append(_Level(None, False))
        # The open containers below the root follow path[0], path[1], ...: keep the prefix
        # the new path shares with them.
        keep = 1
        while (
            keep < len(self.levels)
            and keep - 1 < len(path) - 1
            and self.levels[keep].key == path[keep - 1]
        ):
            keep += 1
        while len(self.levels) > keep:
            out.append("]" if self.levels.pop().is_list else "}")
        for depth in range(len(self.levels) - 1, len(path)):
            key = path[depth]
            parent = self.levels[-1]
            out.append(self._entry(parent, key, path))
            if depth < len(path) - 1:
                is_list = isinstance(path[depth + 1], int)
                out.append("[" if is_list else "{")
                self.levels.append(_Level(key, is_list))
        return "".join(out)

    def _entry(self, parent: _Level, key: Key, path: tuple[Key, ...]) -> str:
        """The separator (and key) of a new child of ``parent``."""
        where = "$" + "".join(f"[{k!r}]" for k in path)
        if parent.is_list:
            if not isinstance(key, int):
                raise ValueError(f"{where}: a key inside an array")
            if key != parent.count:
                raise ValueError(f"{where}: item {key} of an array of {parent.count} so far")
        elif not isinstance(key, str):
            raise ValueError(f"{where}: an index inside an object")
        separator = "," if parent.count else ""
        parent.count += 1
        if parent.is_list:
            return separator
        return separator + json.dumps(key, ensure_ascii=False) + ":"


def _escaped(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _atom(arg: Any, get: Any) -> str:
    number = get(arg, "number_value", "numberValue")
    if number is not None:
        if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
            return str(int(number))  # a double that is an integer: as the model wrote it
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueError(f"a partial argument's number is not JSON: {number!r}")
        return json.dumps(number)
    flag = get(arg, "bool_value", "boolValue")
    if flag is not None:
        return "true" if flag else "false"
    if get(arg, "null_value", "nullValue") is not None:
        return "null"
    raise ValueError(f"a partial argument without a value: {arg!r}")
