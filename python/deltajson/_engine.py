"""The model engine: typed partial values from a stream, each completed part validated once.

It reads the parser's change ops (O(delta) per chunk) and mirrors the containers that are
still open, holding their completed children already validated. When a value completes it is
validated once, against its place in the schema with every constraint and validator; a
completed container is validated from its validated children (pydantic does not revalidate
model instances), so nothing is validated twice, and the final value is ``Model`` itself,
validated strictly. A partial model is built only along the open spine.

Values inside a union are validated when the union's value completes (which variant applies
may only be known at the end), and shown meanwhile from the raw tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Optional, Union

from pydantic import BaseModel, ValidationError

from deltajson._api import Chunk, Parser
from deltajson._errors import SchemaMismatch
from deltajson._partial import Node, construct, plan_for
from deltajson.select import value_at

Path = tuple[Union[str, int], ...]
OnInvalid = Literal["raise", "skip"]
_MISSING = object()
_SKIPPED = object()


@dataclass(eq=False)
class _Open:
    """An open container: its place in the schema and its completed children (validated)."""

    path: Path
    node: Optional[Node]
    is_list: bool
    children: Union[dict[Any, Any], list[Any]] = field(default_factory=dict)
    #: Live mode: the view of this container, updated in place (None inside unions).
    live: Any = None
    #: Live mode, lists: the last item of ``live`` is the open child.
    open_slot: bool = False


class ModelEngine:
    """Feeds a parser and keeps a typed view of the document of ``model``."""

    def __init__(
        self,
        model: type[BaseModel],
        *,
        on_invalid: OnInvalid = "raise",
        on_field: Optional[Callable[[Path, Any], None]] = None,
        live: bool = False,
        parser_options: Optional[dict[str, Any]] = None,
    ) -> None:
        if on_invalid not in ("raise", "skip"):
            raise ValueError(f"on_invalid must be 'raise' or 'skip', not {on_invalid!r}")
        self.model = model
        self.plan = plan_for(model)
        self.parser = Parser(**(parser_options or {}))
        self.parser.changes()  # start recording
        self.on_invalid = on_invalid
        self.on_field = on_field
        #: Keep one view, updated in place, instead of building a new partial per call.
        self.live = live
        self.stack: list[_Open] = []
        self.final: Any = _MISSING
        #: Top-level fields complete so far (names), in completion order.
        self.completed_fields: list[str] = []
        #: Completed ``(path, validated value)`` since the last ``take_events()``; recorded
        #: only once asked for (``record_events``), so a long stream keeps nothing.
        self.record_events = False
        self.events: list[tuple[Path, Any]] = []
        #: The parser's ops since the last ``take_ops()`` (for the SSE helper), recorded
        #: only when ``record_ops`` is set.
        self.record_ops = False
        self.ops: list[tuple[str, Path, Any]] = []
        self.changed = False
        self._raw: list[str] = []

    # ---- input ------------------------------------------------------------------------------

    def feed(self, chunk: Chunk) -> None:
        if isinstance(chunk, str):
            self._raw.append(chunk)
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            self._raw.append(bytes(chunk).decode("utf-8", "replace"))
        self.parser.feed(chunk)  # also rejects what is not a chunk, with a clear TypeError
        self._apply(self._changes())

    def finish(self) -> Any:
        self.parser.finish()
        self._apply(self._changes())
        return self.final

    def _changes(self) -> list[tuple[str, Path, Any]]:
        ops: list[tuple[str, Path, Any]] = self.parser.changes()
        if self.record_ops:
            self.ops.extend(ops)
        return ops

    def take_ops(self) -> list[tuple[str, Path, Any]]:
        ops, self.ops = self.ops, []
        return ops

    @property
    def raw(self) -> str:
        text = "".join(self._raw)
        self._raw = [text]
        return text

    @property
    def done(self) -> bool:
        return self.final is not _MISSING

    def take_events(self) -> list[tuple[Path, Any]]:
        events, self.events = self.events, []
        return events

    def _apply(self, ops: list[tuple[str, Path, Any]]) -> None:
        for op, path, value in ops:
            self.changed = True
            if op == "add" and isinstance(value, (dict, list)):
                entry = _Open(
                    path,
                    self._node_of(path),
                    isinstance(value, list),
                    [] if isinstance(value, list) else {},
                )
                if self.live:
                    entry.live = _new_view(entry.node, entry.is_list)
                    if self.stack:
                        self._put(self.stack[-1], path[-1], entry.live, still_open=True)
                self.stack.append(entry)
            elif op == "done":
                self._completed(path, value)

    def _node_of(self, path: Path) -> Optional[Node]:
        """The schema node for a value at ``path``, a child of the innermost open container
        (None where the schema says nothing, or inside a union until it completes)."""
        if not path:
            return self.plan
        parent = self.stack[-1] if self.stack else None
        if parent is None or parent.node is None or parent.node.kind == "union":
            return None
        return parent.node.child(path[-1])

    def _completed(self, path: Path, value: Any) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and top.path == path and isinstance(value, (dict, list)):
            self.stack.pop()
            node, given = top.node, top.children
        else:
            node, given = self._node_of(path), value
        validated = value if node is None else self._validate(node, given, path)
        if not self.stack:
            if validated is not _SKIPPED:
                self.final = validated
                self._report(path, validated)
            return
        parent = self.stack[-1]
        if validated is _SKIPPED:
            if self.live:
                self._unput(parent, path[-1])
            return
        if self.live:
            self._put(parent, path[-1], validated, still_open=False)
        if isinstance(parent.children, list):
            parent.children.append(validated)
        else:
            parent.children[path[-1]] = validated
        if node is not None:
            self._report(path, validated)
            if len(path) == 1 and parent.node is not None and parent.node.kind == "model":
                found = parent.node.fields.get(path[0])  # type: ignore[arg-type]
                if found is not None:
                    self.completed_fields.append(found[0])

    def _report(self, path: Path, value: Any) -> None:
        if self.record_events:
            self.events.append((path, value))
        if self.on_field is not None:
            self.on_field(path, value)

    def _validate(self, node: Node, given: Any, path: Path) -> Any:
        try:
            return node.adapter.validate_python(given)
        except ValidationError as e:
            if self.on_invalid == "skip" and path:
                return _SKIPPED
            where = "/".join(map(str, path)) or "(root)"
            first = e.errors()[0] if e.errors() else {"msg": str(e)}
            raise SchemaMismatch(
                f"{where}: {first['msg']}",
                path=path,
                validation_error=e,
                partial=self.partial(),
                raw=self.raw,
            ) from e

    # ---- output -----------------------------------------------------------------------------

    def partial(self) -> Any:
        """The current value as partial models (the final model once complete). Built along
        the open spine only, and never mutated afterwards — except in live mode, where it is
        one view updated in place, each chunk costing O(delta)."""
        if self.final is not _MISSING:
            return self.final
        if not self.stack:
            return None
        raw = self.parser.snapshot(copy=False)
        open_path = self.parser.path
        if self.live:
            return self._refresh_live(raw, open_path)
        return self._build(0, value_at(raw, self.stack[0].path), open_path)

    # ---- live mode --------------------------------------------------------------------------

    def _put(self, entry: _Open, key: Any, value: Any, *, still_open: bool) -> None:
        """Sets a child in a live view (over the open child's slot in a list)."""
        view = entry.live
        if view is None:
            return
        if isinstance(view, list):
            if entry.open_slot:
                view[-1] = value
            else:
                view.append(value)
            entry.open_slot = still_open
        elif isinstance(view, dict):
            view[key] = value
        else:
            assert entry.node is not None
            found = entry.node.fields.get(key)
            if found is not None:
                view.__dict__[found[0]] = value
                view.__pydantic_fields_set__.add(found[0])

    def _unput(self, entry: _Open, key: Any) -> None:
        """Removes a child that turned out invalid (``on_invalid="skip"``) from a live view."""
        view = entry.live
        if isinstance(view, list):
            if entry.open_slot:
                view.pop()
                entry.open_slot = False
        elif isinstance(view, dict):
            view.pop(key, None)
        elif view is not None and entry.node is not None:
            found = entry.node.fields.get(key)
            if found is not None:
                info = type(view).model_fields[found[0]]
                view.__dict__[found[0]] = info.get_default(call_default_factory=True)
                view.__pydantic_fields_set__.discard(found[0])

    def _refresh_live(self, raw: Any, open_path: Path) -> Any:
        """Brings the parts that are not kept up to date by events into the live view: the
        open string, and values inside unions (shown from the raw tree)."""
        for level, entry in enumerate(self.stack):
            if entry.live is None and level > 0:
                # A union (or unknown) value: its typed view is rebuilt from the raw tree.
                parent = self.stack[level - 1]
                view = _display(entry.node, value_at(raw, entry.path))
                self._put(parent, entry.path[-1], view, still_open=True)
        deepest = self.stack[-1]
        depth = len(deepest.path)
        if deepest.live is not None and len(open_path) == depth + 1:
            key = open_path[depth]
            text = value_at(raw, open_path)
            child = deepest.node.child(key) if deepest.node is not None else None
            if isinstance(text, str) and child is not None and child.partial_strings:
                self._put(deepest, key, text, still_open=True)
        root = self.stack[0]
        return root.live if root.live is not None else _display(root.node, value_at(raw, root.path))

    def _build(self, level: int, raw: Any, open_path: Path) -> Any:
        entry = self.stack[level]
        node = entry.node
        if node is None or node.kind == "union":
            return _display(node, raw)
        depth = len(entry.path)
        child: Any = _SKIPPED
        child_key: Any = None
        if level + 1 < len(self.stack):
            child_key = self.stack[level + 1].path[depth]
            child = self._build(level + 1, value_at(raw, (child_key,)), open_path)
        elif len(open_path) == depth + 1:
            # An open scalar: a string shows its prefix where any string is allowed.
            child_key = open_path[depth]
            text = value_at(raw, (child_key,))
            item_node = node.child(child_key)
            if isinstance(text, str) and item_node is not None and item_node.partial_strings:
                child = text
        if entry.is_list:
            items = list(entry.children)  # completed items (validated); a copy per partial
            if child is not _SKIPPED:
                items.append(child)
            return items
        values = dict(entry.children)
        if child is not _SKIPPED:
            values[child_key] = child
        if node.kind == "dict":
            return values
        assert node.partial is not None
        named = {node.fields[k][0]: v for k, v in values.items() if k in node.fields}
        return construct(node.partial, named)


def _new_view(node: Optional[Node], is_list: bool) -> Any:
    """An empty live view for a container (None where the schema cannot say: unions)."""
    if node is None or node.kind == "union":
        return None
    if node.kind == "model":
        assert node.partial is not None
        return construct(node.partial, {})
    return [] if is_list else {}


def _display(node: Optional[Node], raw: Any) -> Any:
    """A typed view of a raw (possibly partial) value, by the schema, without validation of
    anything incomplete: the union's variant is chosen by the value's shape and tag."""
    if node is None:
        return raw
    if node.kind == "union":
        variant = node.variant_for(raw)
        return _display(variant, raw) if variant is not None else raw
    if node.kind == "model" and isinstance(raw, dict):
        assert node.partial is not None
        named = {
            node.fields[k][0]: _display(node.fields[k][1], v)
            for k, v in raw.items()
            if k in node.fields
        }
        return construct(node.partial, named)
    if node.kind == "list" and isinstance(raw, list):
        return [_display(node.item, v) for v in raw]
    if node.kind == "dict" and isinstance(raw, dict):
        return {k: _display(node.item, v) for k, v in raw.items()}
    if node.partial_strings:
        return raw
    try:
        return node.adapter.validate_python(raw)
    except ValidationError:
        return None
