"""Change ops as JSON Patch (RFC 6902), and a small patch applier.

``Parser.changes()`` returns ops — ``("add", path, value)``, ``("append", path, text)``,
``("done", path, value)`` — whose size is O(delta). To send them to a browser or another
process, turn them into JSON Patch operations with JSON Pointer paths (RFC 6901):

- ``add`` becomes ``{"op": "add", "path": ..., "value": ...}``;
- ``append`` becomes ``{"op": "append", "path": ..., "value": text}`` — a documented extension
  (string concatenation) that keeps patches O(delta) — or, with ``strict=True``, an RFC-valid
  ``{"op": "replace", "path": ..., "value": <whole string so far>}``, which costs the string's
  length every time it grows;
- ``("remove", path)`` (a dropping selection took an item out) becomes
  ``{"op": "remove", "path": ...}``;
- ``done`` has no patch operation (the value is already in place).

Op paths address the value as it stands when the op applies, as JSON Patch does, so replaying
the ops in order always gives ``snapshot()``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Union

PathPart = Union[str, int]
#: ``(op, path, value)``, or ``("remove", path)``.
Op = tuple[Any, ...]

__all__ = ["JsonPatcher", "apply_patch", "json_pointer", "to_json_patch"]


def json_pointer(path: Iterable[PathPart]) -> str:
    """The RFC 6901 JSON Pointer of a path: ``("a/b", 0)`` -> ``"/a~1b/0"``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _parse_pointer(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON Pointer starts with '/': {pointer!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


class JsonPatcher:
    """Turns successive batches of ops into JSON Patch operations.

    Args:
        strict: Emit only RFC 6902 operations (string growth as ``replace`` with the whole
            string so far). The patcher then keeps a copy of the document to know those
            strings; without ``strict`` it keeps nothing.
    """

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self._shadow: Any = None

    def patch(self, ops: Iterable[Op]) -> list[dict[str, Any]]:
        """The JSON Patch operations for a batch of ops (batches must come in order)."""
        out: list[dict[str, Any]] = []
        for entry in ops:
            op, path = entry[0], entry[1]
            if op == "done":
                continue
            pointer = json_pointer(path)
            if op == "remove":  # ("remove", path): a dropping selection took it out
                out.append({"op": "remove", "path": pointer})
                if self.strict:
                    self._shadow = _apply_one(self._shadow, "remove", _parts(path), None)
                continue
            value = entry[2]
            if op == "add":
                out.append({"op": "add", "path": pointer, "value": value})
                if self.strict:
                    self._shadow = _apply_one(self._shadow, "add", _parts(path), value)
            elif op == "append":
                if self.strict:
                    self._shadow = _apply_one(self._shadow, "append", _parts(path), value)
                    out.append(
                        {"op": "replace", "path": pointer, "value": _get(self._shadow, path)}
                    )
                else:
                    out.append({"op": "append", "path": pointer, "value": value})
            else:
                raise ValueError(f"unknown op {op!r}")
        return out


def to_json_patch(ops: Iterable[Op], *, strict: bool = False) -> list[dict[str, Any]]:
    """JSON Patch operations for ops collected from the start of a stream.

    For batches converted one at a time (say, one SSE event per feed) in strict mode, keep one
    :class:`JsonPatcher` for the whole stream instead: strict ``replace`` operations need the
    strings' text from earlier batches.
    """
    return JsonPatcher(strict=strict).patch(ops)


def apply_patch(doc: Any, patch: Iterable[dict[str, Any]]) -> Any:
    """Applies ``add``, ``replace``, ``remove`` and ``append`` operations; returns the new
    document (containers are changed in place; a value added is copied first)."""
    for operation in patch:
        op = operation["op"]
        if op not in ("add", "replace", "remove", "append"):
            raise ValueError(f"unsupported JSON Patch operation {op!r}")
        doc = _apply_one(doc, op, _parse_pointer(operation["path"]), operation.get("value"))
    return doc


def _parts(path: tuple[PathPart, ...]) -> list[str]:
    return [str(p) for p in path]


def _get(doc: Any, path: tuple[PathPart, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _apply_one(doc: Any, op: str, parts: list[str], value: Any) -> Any:
    if not parts:
        if op == "append":
            return doc + value
        return None if op == "remove" else copy.deepcopy(value)
    parent = doc
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if op == "add":
            parent.insert(index, copy.deepcopy(value))
        elif op == "replace":
            parent[index] = copy.deepcopy(value)
        elif op == "remove":
            del parent[index]
        else:
            parent[index] += value
    else:
        if op in ("add", "replace"):
            parent[last] = copy.deepcopy(value)
        elif op == "remove":
            del parent[last]
        else:
            parent[last] += value
    return doc
