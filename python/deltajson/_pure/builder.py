"""The pure-Python twin of the object builder (``src/python/builder.rs``).

The open spine (root to cursor) is kept as live lists and dicts; a completed value is made
once and attached to its parent, never touched again. ``snapshot()`` shallow-copies only the
open containers, innermost first, and returns the same object while nothing changed. On
request it also reports change ops, completed values and selected items (off until asked for).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional, Union, cast

_LITERAL_VALUES: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}

Container = Union[list[Any], dict[str, Any]]
PathPart = Union[str, int]
Path = tuple[PathPart, ...]
ANY = object()  # a "*" step of a selection pattern


class OpLog:
    """Ops since the last ``changes()``; string growth is merged into one ``append`` op.
    Their paths address the tree as it stands when each op applies (JSON Patch's rule):
    once a dropping selection removed items of a list, later indexes there are smaller than
    the stream's (``("remove", path)`` says when an item left)."""

    def __init__(self) -> None:
        self.ops: list[tuple[Any, ...]] = []
        self.append_path: Optional[Path] = None
        self.append_text: list[str] = []

    def push(self, op: str, path: Path, value: Any) -> None:
        self.flush_append()
        self.ops.append((op, path, value))

    def flush_append(self) -> None:
        if self.append_path is not None:
            if self.append_text:
                self.ops.append(("append", self.append_path, "".join(self.append_text)))
            self.append_path = None
            self.append_text = []

    def remove(self, path: Path) -> None:
        self.flush_append()
        self.ops.append(("remove", path))

    def take(self) -> list[tuple[Any, ...]]:
        self.flush_append()
        ops, self.ops = self.ops, []
        return ops


class Builder:
    """Builds Python values from scanner events (the scanner's sink)."""

    def __init__(self, *, multiple: bool, partial_strings: bool, float_mode: str) -> None:
        self.multiple = multiple
        self.partial_strings = partial_strings
        self.decimal = float_mode == "decimal"
        # Open containers, outermost first; for each dict the key being written, for each list
        # how many completed items a selection dropped.
        self.frames: list[Container] = []
        self.keys: list[Optional[str]] = []
        self.dropped: list[int] = []
        self.root: Any = None
        self.has_root = False
        # The open string value.
        self.open_attached = False
        self.open_pending: list[str] = []
        self.open_text: Optional[str] = None
        self.dirty = False
        self.cached: Any = None
        self.has_cached = False
        # Reporting, off until asked for.
        self.ops: Optional[OpLog] = None
        self.done_log: Optional[list[tuple[Path, Any]]] = None
        self.pattern: Optional[list[Any]] = None
        self.drop_selected = False
        self.selected: list[tuple[Path, Any]] = []

    # ---- events -----------------------------------------------------------------------------

    def begin_object(self) -> None:
        d: dict[str, Any] = {}
        self._add_child(d, {}, complete=False)
        self._push(d)

    def begin_array(self) -> None:
        items: list[Any] = []
        self._add_child(items, [], complete=False)
        self._push(items)

    def end_object(self) -> None:
        path = self._spine_path(len(self.frames) - 1) if self._observed() else None
        container = self.frames.pop()
        self.keys.pop()
        self.dropped.pop()
        if path is not None:
            self._completed(path, container)

    end_array = end_object

    def key(self, key: str) -> None:
        if self.keys:
            self.keys[-1] = key

    def string(self, text: str) -> None:
        self._add_child(text, text, complete=True)

    def begin_string(self) -> None:
        self.open_pending = []
        self.open_text = None
        self.open_attached = False
        if self.partial_strings:
            self.open_attached = True
            self._add_child("", "", complete=False)

    def string_piece(self, text: str) -> None:
        self.open_pending.append(text)
        if self.open_attached:
            self.dirty = True
            ops = self.ops
            if ops is not None:
                if ops.append_path is None:
                    ops.append_path = self._tree_path(self._spine_path(len(self.frames)))
                ops.append_text.append(text)

    def end_string(self) -> None:
        text = self._flush_open_text()
        attached = self.open_attached
        self.open_attached = False
        self.open_text = None
        if attached:
            self.dirty = True
            self._replace_open_value(text)
            if self._observed():
                self._completed(self._spine_path(len(self.frames)), text)
        else:
            self._add_child(text, text, complete=True)

    def number(self, text: str, is_integer: bool) -> None:
        if is_integer:
            value: Any = int(text)
        elif self.decimal:
            value = Decimal(text)
        else:
            value = float(text)
        self._add_child(value, value, complete=True)

    def literal(self, word: str) -> None:
        value = _LITERAL_VALUES[word]
        self._add_child(value, value, complete=True)

    # ---- reading ----------------------------------------------------------------------------

    def snapshot(self, copy: bool) -> Any:
        self._catch_up_open_string()
        if not self.has_root:
            return None
        if not copy or not self.frames:
            return self.root
        if not self.dirty and self.has_cached:
            return self.cached
        self.cached = self._copy_frames()[0]
        self.has_cached = True
        self.dirty = False
        return self.cached

    def fresh_spine(self) -> list[Container]:
        """New copies of the open containers, outermost first (empty when none is open), each
        holding the next one's copy; nothing is kept (the caller may edit them)."""
        self._catch_up_open_string()
        return self._copy_frames()

    def _catch_up_open_string(self) -> None:
        """Puts the open string's newest text into the tree, if it is behind."""
        if self.open_attached and self.open_pending:
            self._replace_open_value(self._flush_open_text())

    def _copy_frames(self) -> list[Container]:
        copies: list[Container] = [
            container[:] if isinstance(container, list) else container.copy()
            for container in self.frames
        ]
        # Each copy holds the next level's copy where its container holds the open child.
        for i in range(len(copies) - 1):
            parent, key = copies[i], self.keys[i]
            if isinstance(parent, list):
                parent[-1] = copies[i + 1]
            elif key is not None:
                parent[key] = copies[i + 1]
        return copies

    def path(self, scalar_open: bool, key_pending: bool) -> Path:
        parts = self._spine_parts(len(self.frames) - 1)
        if self.frames:
            container = self.frames[-1]
            if isinstance(container, list):
                if scalar_open:
                    size = len(container) + self.dropped[-1]
                    parts.append(size - 1 if self.open_attached else size)
            elif self.keys[-1] is not None and (scalar_open or key_pending):
                parts.append(self.keys[-1])
        return tuple(parts)

    def exists(self, path: Path) -> bool:
        """Whether a value exists at ``path``, or existed and was dropped by a selection."""
        if not self.has_root:
            return False
        node = self.root
        for depth, part in enumerate(path):
            if isinstance(node, list):
                if type(part) is not int or part < 0:
                    return False
                dropped = self._dropped_at(depth, node)
                if part < dropped:
                    return True
                if part - dropped >= len(node):
                    return False
                node = node[part - dropped]
            elif isinstance(node, dict):
                if not isinstance(part, str) or part not in node:
                    return False
                node = node[part]
            else:
                return False
        return True

    def _dropped_at(self, depth: int, node: list[Any]) -> int:
        if depth < len(self.frames) and self.frames[depth] is node:
            return self.dropped[depth]
        return 0

    # ---- reporting --------------------------------------------------------------------------

    def changes(self) -> list[tuple[str, Path, Any]]:
        if self.ops is not None:
            return self.ops.take()
        self.ops = OpLog()
        if self.has_root:
            return [("add", (), self.snapshot(True))]
        return []

    def take_done(self) -> list[tuple[Path, Any]]:
        if self.done_log is None:
            self.done_log = []
        done, self.done_log = self.done_log, []
        return done

    def select(self, pattern: list[Any], drop: bool) -> None:
        self.pattern = pattern
        self.drop_selected = drop

    def take_selected(self) -> list[tuple[Path, Any]]:
        taken, self.selected = self.selected, []
        return taken

    def _observed(self) -> bool:
        return self.ops is not None or self.done_log is not None or self.pattern is not None

    def _spine_parts(self, upto: int) -> list[PathPart]:
        """Path components of ``frames[1..=upto]`` inside their parents."""
        parts: list[PathPart] = []
        for container, key, dropped in zip(
            self.frames[:upto], self.keys[:upto], self.dropped[:upto], strict=True
        ):
            if isinstance(container, list):
                parts.append(len(container) + dropped - 1)
            elif key is not None:
                parts.append(key)
        return parts

    def _spine_path(self, upto: int) -> Path:
        return tuple(self._spine_parts(upto))

    def _new_child_path(self) -> Path:
        if not self.frames:
            return ()
        parts = self._spine_parts(len(self.frames) - 1)
        container = self.frames[-1]
        if isinstance(container, list):
            parts.append(len(container) + self.dropped[-1])
        elif self.keys[-1] is not None:
            parts.append(self.keys[-1])
        return tuple(parts)

    def _tree_path(self, path: Path) -> Path:
        """``path`` (the stream's indexes) as it addresses the tree: minus the items a
        dropping selection removed before, in each list on the way."""
        dropped = self.dropped
        if not any(dropped):
            return path
        return tuple(
            cast(int, part) - dropped[depth] if isinstance(self.frames[depth], list) else part
            for depth, part in enumerate(path)
        )

    def _completed(self, path: Path, value: Any) -> None:
        ops_path = self._tree_path(path) if self.ops is not None else path
        if self.ops is not None:
            self.ops.push("done", ops_path, value)
        if self.done_log is not None:
            self.done_log.append((path, value))
        if self.pattern is None or not _matches(self.pattern, path):
            return
        self.selected.append((path, value))
        if self.drop_selected:
            self.dirty = True
            if self.ops is not None:
                self.ops.remove(ops_path)
            if not self.frames:
                self.root = None
                self.has_root = False
            else:
                container = self.frames[-1]
                if isinstance(container, list):
                    container.pop()
                    self.dropped[-1] += 1
                else:
                    del container[self.keys[-1]]  # type: ignore[arg-type]

    # ---- helpers ----------------------------------------------------------------------------

    def _push(self, container: Container) -> None:
        self.frames.append(container)
        self.keys.append(None)
        self.dropped.append(0)

    def _flush_open_text(self) -> str:
        piece = "".join(self.open_pending)
        self.open_pending = []
        text = piece if self.open_text is None else self.open_text + piece
        self.open_text = text
        return text

    def _replace_open_value(self, value: str) -> None:
        self._place(value, new=False)

    def _place(self, value: Any, *, new: bool) -> None:
        """Puts ``value`` in the innermost container — as a new item, or over its last item
        (the open string) — or makes it the root."""
        if self.frames:
            container = self.frames[-1]
            if isinstance(container, list):
                if new:
                    container.append(value)
                else:
                    container[-1] = value
            else:
                key = self.keys[-1]
                if key is not None:
                    container[key] = value
        else:
            self.root = value
            self.has_root = True

    def _add_child(self, value: Any, fresh: Any, *, complete: bool) -> None:
        """Adds a new value to the innermost container (or makes it the root); ``fresh`` is
        what an ``add`` op carries (a new empty container for containers)."""
        self.dirty = True
        if not self.frames and self.multiple:
            values: list[Any] = []
            self.root = values
            self.has_root = True
            self._push(values)
            if self.ops is not None:
                self.ops.push("add", (), [])
        path = self._new_child_path() if self._observed() else None
        if self.ops is not None and path is not None:
            self.ops.push("add", self._tree_path(path), fresh)
        self._place(value, new=True)
        if complete and path is not None:
            self._completed(path, value)


def _matches(pattern: list[Any], path: Path) -> bool:
    if len(pattern) != len(path):
        return False
    for step, part in zip(pattern, path, strict=True):
        if step is ANY:
            continue
        if type(step) is not type(part) or step != part:
            return False
    return True


def parse_pattern(path: tuple[Any, ...]) -> list[Any]:
    """A selection pattern from a tuple of keys, indexes and ``"*"``."""
    steps: list[Any] = []
    for part in path:
        if part == "*":
            steps.append(ANY)
        elif isinstance(part, str) or (type(part) is int and part >= 0):
            steps.append(part)
        else:
            raise TypeError('a selection path holds keys (str), indexes (int >= 0) and "*"')
    return steps
