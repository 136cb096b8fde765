"""The pure-Python twin of ``src/python/wire.rs``: SSE events as bytes, the same to the byte.

- ``patch_event(ops, progress=None)``: the ``patch`` event of a batch of change ops (appends
  to one string merged, and into the ``add`` of that string), or ``None`` for an empty batch;
- ``value_event(name, value)``: ``{"value": ...}`` (the ``done`` event);
- ``event(name, payload)``: any JSON payload (the ``error`` event).

JSON is written as ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` writes it,
but without recursion (a value may be nested as deep as the parser allows); a float with no
JSON form is written as ``null`` and named by its JSON Pointer in ``"nonfinite"``; a lone
surrogate is written as its ``\\uDXXX`` escape; anything else that is not JSON as its
``str()``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Optional

__all__ = ["event", "patch_event", "value_event"]

_MAX_NESTING = 100_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogates(text: str) -> str:
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _string(text: str) -> str:
    return _escape_surrogates(json.dumps(text, ensure_ascii=False))


def _segment(part: Any) -> str:
    return "/" + str(part).replace("~", "~0").replace("/", "~1")


def pointer(path: tuple[Any, ...]) -> str:
    """The JSON Pointer of a path."""
    return "".join(_segment(part) for part in path)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _scalar(value: Any) -> Optional[str]:
    """The JSON of a non-container (None for a non-finite float, written as null)."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value) if math.isfinite(value) else None
    return _string(str(value))


def _nonfinite_name(value: float) -> str:
    return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")


def dumps(value: Any, at: str, nonfinite: dict[str, str]) -> str:
    """``value`` as JSON; ``at`` is its pointer in the document (for ``nonfinite``)."""
    out: list[str] = []
    # (items to write, next index, is a dict, pointer of the container)
    stack: list[tuple[list[tuple[Any, Any]], list[int], bool, str]] = []
    current: Any = value
    here = at
    pending = True
    while True:
        if pending:
            pending = False
            if isinstance(current, (list, tuple)):
                out.append("[")
                stack.append((list(enumerate(current)), [0], False, here))
            elif isinstance(current, dict):
                out.append("{")
                stack.append((list(current.items()), [0], True, here))
            else:
                text = _scalar(current)
                if text is None:
                    nonfinite[here] = _nonfinite_name(current)
                    text = "null"
                out.append(text)
            if len(stack) > _MAX_NESTING:
                raise ValueError("the value to send is nested too deep")
        if not stack:
            return "".join(out)
        items, position, is_dict, base = stack[-1]
        index = position[0]
        if index == len(items):
            out.append("}" if is_dict else "]")
            stack.pop()
            continue
        if index:
            out.append(",")
        position[0] = index + 1
        key, current = items[index]
        if is_dict:
            name = _key(key)
            out.append(_string(name))
            out.append(":")
            here = base + _segment(name)
        else:
            here = f"{base}/{key}"
        pending = True


def _nonfinite_member(nonfinite: dict[str, str]) -> str:
    if not nonfinite:
        return ""
    return (
        ',"nonfinite":{'
        + ",".join(f"{_string(k)}:{_string(v)}" for k, v in nonfinite.items())
        + "}"
    )


def patch_event(ops: list[tuple[Any, ...]], progress: Optional[float] = None) -> Optional[bytes]:
    """The ``patch`` event of a batch of ops, or ``None`` when the batch is empty."""
    if not ops:
        return None
    written: list[str] = []
    completed: list[str] = []
    nonfinite: dict[str, str] = {}
    pending: Optional[list[Any]] = None  # [name, pointer, text pieces]

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            name, where, pieces = pending
            text = _string("".join(pieces))
            written.append(f'{{"op":"{name}","path":{_string(where)},"value":{text}}}')
            pending = None

    for op in ops:
        kind, path = op[0], op[1]
        where = pointer(path)
        if kind == "append":
            if pending is not None and pending[1] == where:
                pending[2].append(op[2])
                continue
            flush()
            pending = ["append", where, [op[2]]]
        elif kind == "add":
            flush()
            value = op[2]
            if isinstance(value, str):
                pending = ["add", where, [value]]
            else:
                text = dumps(value, where, nonfinite)
                written.append(f'{{"op":"add","path":{_string(where)},"value":{text}}}')
        elif kind == "done":
            completed.append(_string(where))
        elif kind == "remove":
            flush()
            written.append(f'{{"op":"remove","path":{_string(where)}}}')
        else:
            raise ValueError(f"unknown op {kind!r}")
    flush()
    data = f'{{"ops":[{",".join(written)}],"completed":[{",".join(completed)}]'
    if progress is not None:
        data += ',"progress":' + (_scalar(float(progress)) or "null")
    data += _nonfinite_member(nonfinite) + "}"
    return f"event: patch\ndata: {data}\n\n".encode()


def value_event(name: str, value: Any) -> bytes:
    """The event ``name`` with data ``{"value": value}``."""
    nonfinite: dict[str, str] = {}
    text = dumps(value, "", nonfinite)
    return f'event: {name}\ndata: {{"value":{text}{_nonfinite_member(nonfinite)}}}\n\n'.encode()


def event(name: str, payload: Any) -> bytes:
    """The event ``name`` with ``payload`` as its data."""
    return f"event: {name}\ndata: {dumps(payload, '', {})}\n\n".encode()
