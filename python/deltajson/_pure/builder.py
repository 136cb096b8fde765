"""The pure-Python twin of the object builder (``src/python/builder.rs``).

The open spine (root to cursor) is kept as live lists and dicts; a completed value is made
once and attached to its parent, never touched again. ``snapshot()`` shallow-copies only the
open containers, innermost first, and returns the same object while nothing changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional, Union

_LITERAL_VALUES: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}

Container = Union[list[Any], dict[str, Any]]


class Builder:
    """Builds Python values from scanner events (the scanner's sink)."""

    def __init__(self, *, multiple: bool, partial_strings: bool, float_mode: str) -> None:
        self.multiple = multiple
        self.partial_strings = partial_strings
        self.decimal = float_mode == "decimal"
        # Open containers, outermost first, and for each dict the key being written.
        self.frames: list[Container] = []
        self.keys: list[Optional[str]] = []
        self.root: Any = None
        self.has_root = False
        # The open string value.
        self.open_attached = False
        self.open_pending: list[str] = []
        self.open_text: Optional[str] = None
        self.dirty = False
        self.cached: Any = None
        self.has_cached = False

    # ---- events -----------------------------------------------------------------------------

    def begin_object(self) -> None:
        d: dict[str, Any] = {}
        self._attach(d)
        self.frames.append(d)
        self.keys.append(None)

    def end_object(self) -> None:
        self.frames.pop()
        self.keys.pop()

    def begin_array(self) -> None:
        items: list[Any] = []
        self._attach(items)
        self.frames.append(items)
        self.keys.append(None)

    end_array = end_object

    def key(self, key: str) -> None:
        if self.keys:
            self.keys[-1] = key

    def string(self, text: str) -> None:
        self._attach(text)

    def begin_string(self) -> None:
        self.open_pending = []
        self.open_text = None
        self.open_attached = False
        if self.partial_strings:
            self.open_attached = True
            self._attach("")

    def string_piece(self, text: str) -> None:
        self.open_pending.append(text)
        if self.open_attached:
            self.dirty = True

    def end_string(self) -> None:
        text = self._flush_open_text()
        attached = self.open_attached
        self.open_attached = False
        self.open_text = None
        if attached:
            self.dirty = True
            self._replace_open_value(text)
        else:
            self._attach(text)

    def number(self, text: str, is_integer: bool) -> None:
        if is_integer:
            value: Any = int(text)
        elif self.decimal:
            value = Decimal(text)
        else:
            value = float(text)
        self._attach(value)

    def literal(self, word: str) -> None:
        self._attach(_LITERAL_VALUES[word])

    # ---- reading ----------------------------------------------------------------------------

    def snapshot(self, copy: bool) -> Any:
        if self.open_attached and self.open_pending:
            self._replace_open_value(self._flush_open_text())
        if not self.has_root:
            return None
        if not copy or not self.frames:
            return self.root
        if not self.dirty and self.has_cached:
            return self.cached
        child: Any = None
        has_child = False
        for container, key in zip(reversed(self.frames), reversed(self.keys), strict=True):
            copied: Container
            if isinstance(container, list):
                copied = container[:]
                if has_child:
                    copied[-1] = child
            else:
                copied = container.copy()
                if has_child and key is not None:
                    copied[key] = child
            child = copied
            has_child = True
        self.cached = child
        self.has_cached = True
        self.dirty = False
        return child

    def path(self, scalar_open: bool, key_pending: bool) -> tuple[Union[str, int], ...]:
        parts: list[Union[str, int]] = []
        last = len(self.frames) - 1
        for i, (container, key) in enumerate(zip(self.frames, self.keys, strict=True)):
            innermost = i == last
            if isinstance(container, list):
                if not innermost:
                    parts.append(len(container) - 1)
                elif scalar_open:
                    parts.append(len(container) - 1 if self.open_attached else len(container))
            elif key is not None and (not innermost or scalar_open or key_pending):
                parts.append(key)
        return tuple(parts)

    # ---- helpers ----------------------------------------------------------------------------

    def _flush_open_text(self) -> str:
        piece = "".join(self.open_pending)
        self.open_pending = []
        text = piece if self.open_text is None else self.open_text + piece
        self.open_text = text
        return text

    def _replace_open_value(self, value: str) -> None:
        if self.frames:
            container = self.frames[-1]
            if isinstance(container, list):
                container[-1] = value
            else:
                key = self.keys[-1]
                if key is not None:
                    container[key] = value
        else:
            self.root = value

    def _attach(self, value: Any) -> None:
        self.dirty = True
        if not self.frames and self.multiple:
            values: list[Any] = []
            self.root = values
            self.has_root = True
            self.frames.append(values)
            self.keys.append(None)
        if self.frames:
            container = self.frames[-1]
            if isinstance(container, list):
                container.append(value)
            else:
                key = self.keys[-1]
                if key is not None:
                    container[key] = value
        else:
            self.root = value
            self.has_root = True
