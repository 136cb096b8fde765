"""What the model engine shows: its views of the open levels (a child put into its parent's
view, or taken out), the open string shown where it grows, and ``partial()``, the live root
or a copy of its open spine. A mixin of ``ModelEngine`` (``_engine.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from deltajson._engine_parts import (
    _ANY,
    _UNSET,
    Path,
    _Child,
    _copy_view,
    _Open,
)
from deltajson._partial import takes_data
from deltajson._schema import (
    Place,
    Schemas,
    Shape,
)

copy_spine: Any
try:
    from deltajson._deltajson import copy_spine
except ImportError:  # pragma: no cover - only without the compiled extension
    copy_spine = None


class EngineViews:
    """The views and output of ``ModelEngine``, whose state they use."""

    if TYPE_CHECKING:
        stack: list[_Open]
        live: bool
        final: Any
        schemas: Schemas
        _fast: bool
        _open_text: list[Any]
        _open_target: Any
        _open_slot: Optional[tuple[_Open, Any, Optional[str]]]
        _closed_view: Any

        done: bool

        def _child_place(self, parent: _Open, key: Any) -> _Child: ...

    def _show(
        self, entry: _Open, key: Any, value: Any, name: Optional[str], *, still_open: bool
    ) -> None:
        """Puts a child into ``entry``'s view (over the open child's slot)."""
        if entry.is_list:
            if entry.open_key is not _UNSET:
                entry.view[-1] = value
            else:
                entry.view.append(value)
        elif entry.fields is not None:  # a model view
            entry.open_name = None
            if name is not None:
                entry.fields[name] = value
                entry.fields_set.add(name)  # type: ignore[union-attr]
                if still_open:
                    entry.open_name = name
            elif entry.shape.extra is not None and isinstance(key, str):
                view = entry.view
                extra = view.__pydantic_extra__
                if extra is None:
                    extra = {}
                    object.__setattr__(view, "__pydantic_extra__", extra)
                extra[key] = value
                if still_open:
                    entry.open_name = key
        else:  # a dict: a TypedDict's or dataclass's fields, a dict's items, anything
            entry.open_name = None
            entry.view[key] = value
        entry.open_key = key if still_open else _UNSET

    def _set_field(self, entry: _Open, name: str, value: Any) -> None:
        if entry.fields is None:
            entry.view[name] = value
        else:
            entry.fields[name] = value
            entry.fields_set.add(name)  # type: ignore[union-attr]

    def _unshow(self, entry: _Open, key: Any) -> None:
        """Removes a child left out (on_invalid="skip") from ``entry``'s view."""
        view = entry.view
        if entry.is_list:
            if entry.open_key is not _UNSET:
                view.pop()
        elif entry.fields is not None:
            name = self._child_place(entry, key).name
            if name is not None and name in entry.fields_set:  # type: ignore[operator]
                info = type(view).model_fields[name]
                entry.fields[name] = (
                    None if takes_data(info) else info.get_default(call_default_factory=True)
                )
                entry.fields_set.discard(name)  # type: ignore[union-attr]
        else:
            view.pop(key, None)
        entry.open_key = _UNSET

    # ---- output -----------------------------------------------------------------------------

    def partial(self) -> Any:
        """The current value as partial models (the final model once complete). In live
        mode one view, updated in place (O(delta) per chunk); otherwise a fresh copy of the
        open spine, never changed afterwards (completed parts shared)."""
        if self.done:
            return self.final
        stack = self.stack
        if not stack:
            return self._closed_view
        if self._open_slot is not None:
            pieces = self._open_text
            target = self._open_target
            if target is None:
                self._show_open_string()
            elif len(pieces) > 1:
                # It grew: set where it is shown (``_show`` did the rest the first time).
                text = "".join(pieces)
                self._open_text = [text]
                target[0][target[1]] = text
        if self.live:
            return stack[0].view
        if self._fast and copy_spine is not None:
            return copy_spine(stack)
        return self._copy_spine()

    def shown_root(self) -> Any:
        """The top-level view (live, not copied): what the value is shown as now."""
        return self.stack[0].view if self.stack else self._closed_view

    def open_spine(self) -> list[tuple[Shape, bool, bool, Any, Optional[Place]]]:
        """The open containers as the last ``partial()`` showed them, root first, for the
        policy layer (:mod:`deltajson._contracts`): each one's shape, whether its view is a
        model, whether it is a list, the key its open child is shown under (list index,
        JSON key, or the model's attribute; None where none is shown) and that child's
        place."""
        spine = []
        for entry in self.stack:
            is_model = entry.shape.kind == "fields" and entry.shape.model is not None
            key = entry.open_key
            shown = None if key is _UNSET else entry.open_name if is_model else key
            place = self._child_place(entry, key).place if shown is not None else None
            spine.append((entry.shape, is_model, entry.is_list, shown, place))
        return spine

    def _string_slot(self, path: Path) -> Optional[tuple[_Open, Any, Optional[str]]]:
        """Where a string that just opened at ``path`` is shown while it grows: in the
        innermost container, where any string is accepted (resolved once per string)."""
        if not self.stack or len(path) != self.stack[-1].depth + 1:
            return None
        deepest = self.stack[-1]
        key = path[-1]
        if key in deepest.done:
            return None  # a duplicate key: the completed value stays until the new one is done
        child = self._child_place(deepest, key)
        shape = self.schemas.shape(child.place) if child.place is not None else _ANY
        return (deepest, key, child.name) if shape.partial_strings else None

    def _show_open_string(self) -> None:
        """Shows the open string in its slot, and notes where its text is set as it grows
        (its container's view is only ever replaced by ``_decide``, which forgets that)."""
        pieces = self._open_text
        if len(pieces) > 1:
            text = "".join(pieces)
            self._open_text = [text]
        else:
            text = pieces[0]
        entry, key, name = self._open_slot  # type: ignore[misc]
        self._show(entry, key, text, name, still_open=True)
        if entry.is_list:
            self._open_target = (entry.view, -1)
        elif entry.fields is not None:
            if entry.open_name is not None and entry.open_name == name:
                self._open_target = (entry.fields, name)
        else:
            self._open_target = (entry.view, key)

    def _copy_spine(self) -> Any:
        """A new copy of every open view (``copy_spine`` does it natively, reusing list
        copies nobody holds any more: the tests compare the two)."""
        stack = self.stack
        level = len(stack) - 1
        entry = stack[level]
        child = _copy_view(entry, _UNSET, _UNSET)
        while level:
            level -= 1
            child_key = entry.key
            entry = stack[level]
            child = _copy_view(entry, child_key, child)
        return child
