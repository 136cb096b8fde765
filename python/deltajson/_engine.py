"""The model engine: typed partial values from a stream, with Pydantic as the contract.

It reads the parser's change ops (O(delta) per chunk) and keeps one view per open container
(a partial model, a list, a dict), updated in place; ``partial()`` returns that view, or a copy
of its open spine (O(depth + width of the open containers)).

Validation follows three rules, so that what it shows and raises is what Pydantic gives:

* The final value is ``Model.model_validate_json(text)``: one validation of the whole text,
  nothing reused. Every validator runs once, on the raw input Pydantic gives it.
* A completed value is validated at its place (:mod:`deltajson._schema`), in JSON mode, from
  its raw value — never from instances validated below it, so a validator never sees a model
  in place of its dict and no validator's effect is applied twice. What that validation gives
  is what a completed value shows. A failure raises :class:`SchemaMismatch` on the chunk that
  completes the value, but only where the place is *sound* (a failure there fails the
  document); elsewhere the enclosing value decides when it completes.
* Model validators, ``info``-validators, ``extra="forbid"`` and missing fields need the whole
  object: they run when the enclosing object completes, since it is validated whole.

Completed containers are thus validated at each enclosing level: O(document x depth) in all,
at most O(size of the value) on the chunk that completes it, and nothing per chunk otherwise.
"""

from __future__ import annotations

import types
from typing import Any, Callable, Literal, NamedTuple, Optional, Union

from pydantic import BaseModel, TypeAdapter, ValidationError

from deltajson._api import Chunk, Parser, joined
from deltajson._errors import SchemaMismatch
from deltajson._partial import construct, partial_model, takes_data
from deltajson._schema import (
    ANY_SCHEMA,
    Place,
    Schemas,
    Shape,
    describe,
    dumps,
    error_with_prefix,
)

Path = tuple[Union[str, int], ...]
OnInvalid = Literal["raise", "skip"]
_MISSING = object()
_UNSET = object()


class _Child(NamedTuple):
    """Where a child of an open container goes: its place, and for fields-like containers
    the field it fills with that key's priority (None where the key fills nothing)."""

    place: Optional[Place]
    name: Optional[str]
    priority: int


_NOWHERE = _Child(None, None, 0)


class _Open:
    """An open container: its place, what its children are, and its view."""

    __slots__ = (
        "child",
        "decided",
        "done",
        "is_list",
        "key",
        "loc",
        "open_key",
        "open_name",
        "path",
        "place",
        "shape",
        "shown",
        "skipped",
        "view",
        "winners",
    )

    def __init__(self, path: Path, child: _Child, shape: Shape, is_list: bool) -> None:
        self.path = path
        self.key: Any = path[-1] if path else None
        #: Where it goes in its parent (as resolved when it opened).
        self.child = child
        #: Validated at completion (None: the enclosing value decides).
        self.place = child.place
        #: What its children are (a tagged union's: the variant's, once its tag is known).
        self.shape = shape
        self.decided = shape.kind != "tagged"
        self.is_list = is_list
        #: Pydantic's location of this container (tags of tagged unions included).
        self.loc: tuple[Any, ...] = ()
        #: Completed children: JSON key (list index) -> raw value.
        self.done: dict[Any, Any] = {}
        #: Completed children as shown: JSON key -> shown value (fields-like containers).
        self.shown: dict[Any, Any] = {}
        #: Field name -> priority of the key that fills it (AliasChoices: the first wins).
        self.winners: dict[str, int] = {}
        #: Children left out (on_invalid="skip").
        self.skipped: set[Any] = set()
        #: The key of the open child shown in ``view`` (a partial string or container).
        self.open_key: Any = _UNSET
        #: Model views: the field (or extra key) the open child is shown under.
        self.open_name: Optional[str] = None
        self.view: Any = None


class ModelEngine:
    """Feeds a parser and keeps a typed view of the document of ``model``."""

    def __init__(
        self,
        model: type[Any],
        *,
        on_invalid: OnInvalid = "raise",
        on_field: Optional[Callable[[Path, Any], None]] = None,
        live: bool = False,
        parser_options: Optional[dict[str, Any]] = None,
    ) -> None:
        if on_invalid not in ("raise", "skip"):
            raise ValueError(f"on_invalid must be 'raise' or 'skip', not {on_invalid!r}")
        self.model = model
        options = dict(parser_options or {})
        self.parser = Parser(**options)
        self.parser.changes()  # start recording
        # Prose around the value, or repairs, make the text differ from the value's JSON.
        self._text_is_json = not (options.get("lenient") or options.get("repair"))
        if isinstance(model, type) and issubclass(model, BaseModel):
            self._validator: Any = model.__pydantic_validator__
            schema = model.__pydantic_core_schema__
        else:
            adapter: TypeAdapter[Any] = TypeAdapter(model)
            self._validator = adapter.validator
            schema = adapter.core_schema
        self.schemas = _schemas_of(model, schema)
        self.on_invalid = on_invalid
        self.on_field = on_field
        #: Keep one view, updated in place, instead of a new partial per call.
        self.live = live
        self.stack: list[_Open] = []
        self.final: Any = _MISSING
        #: The root's partial view once its container closed: what a failed final validation
        #: still shows (``partial``), nothing read being lost.
        self._closed_view: Any = None
        #: Top-level fields complete so far (names), in completion order.
        self.completed_fields: list[str] = []
        #: Completed ``(path, value)`` since the last ``take_events()``; recorded only once
        #: asked for (``record_events``), so a long stream keeps nothing.
        self.record_events = False
        self.events: list[tuple[Path, Any]] = []
        #: The parser's ops since the last ``take_ops()`` (for the SSE helper), recorded
        #: only when ``record_ops`` is set.
        self.record_ops = False
        self.ops: list[tuple[str, Path, Any]] = []
        self.changed = False
        self._pieces: list[Union[str, bytes]] = []
        #: A child was left out somewhere (on_invalid="skip"): the final is validated from
        #: the value without it, not from the text.
        self._filtered = False
        #: The open string's path and text so far (from the ops; joined when shown).
        self._open_path: Optional[Path] = None
        self._open_text: list[str] = []
        #: Where the open string is shown: (container, key, field name); None where it is not.
        self._open_slot: Optional[tuple[_Open, Any, Optional[str]]] = None
        #: Failures of values completed in the current chunk: (path, location, error).
        self._failures: list[tuple[Path, tuple[Any, ...], ValidationError]] = []

    # ---- input ------------------------------------------------------------------------------

    def feed(self, chunk: Chunk) -> None:
        # Kept first: an error carries the text up to and including the chunk it is in.
        if isinstance(chunk, str):
            self._pieces.append(chunk)
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            self._pieces.append(bytes(chunk))
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

    def _text(self) -> Union[str, bytes]:
        """Everything fed, joined once (bytes where any piece was bytes)."""
        pieces = self._pieces
        if len(pieces) != 1:
            self._pieces = [joined(pieces)]
        return self._pieces[0]

    @property
    def raw(self) -> str:
        text = self._text()
        return text if isinstance(text, str) else text.decode("utf-8", "replace")

    @property
    def done(self) -> bool:
        return self.final is not _MISSING

    def take_events(self) -> list[tuple[Path, Any]]:
        events, self.events = self.events, []
        return events

    def _apply(self, ops: list[tuple[str, Path, Any]]) -> None:
        if ops:
            self.changed = True
        for op, path, value in ops:
            if op == "append":  # the open string grew (the most frequent op)
                self._open_text.append(value)
            elif op == "add":
                if isinstance(value, (dict, list)):
                    self._opened(path, isinstance(value, list))
                elif isinstance(value, str):
                    self._open_path, self._open_text = path, [value]
                    self._open_slot = self._string_slot(path)
            else:
                if path == self._open_path:
                    self._open_path = self._open_slot = None
                self._completed(path, value)
        if self._failures:
            # The first failure the chunk left standing (a later duplicate key in the same
            # chunk replaces a value, and with it its failure).
            path, loc, error = self._failures[0]
            raise self._mismatch(error, path, loc)

    def _failed(self, path: Path, loc: tuple[Any, ...], error: ValidationError) -> None:
        self._failures.append((path, loc, error))

    def _passed(self, path: Path) -> None:
        """A value at ``path`` completed valid: failures at or below it were replaced."""
        if self._failures:
            depth = len(path)
            self._failures = [f for f in self._failures if f[0][:depth] != path]

    # ---- places -----------------------------------------------------------------------------

    def _child_place(self, parent: _Open, key: Any) -> _Child:
        """Where ``parent``'s child at ``key`` goes; nowhere where nothing is known or the
        key is shadowed by a preferred one already present."""
        shape = parent.shape
        kind = shape.kind
        if kind in ("list", "dict"):
            return _Child(shape.item, None, 0)
        if kind == "fields":
            found = shape.keys.get(key) if isinstance(key, str) else None
            if found:
                entry = found[0]
                if parent.winners.get(entry.name, entry.priority + 1) < entry.priority:
                    return _NOWHERE  # a preferred alias filled the field already
                return _Child(entry.place, entry.name, entry.priority)
            if shape.extra is not None and isinstance(key, str) and key not in shape.deep:
                return _Child(shape.extra, None, 0)
            return _NOWHERE
        if kind == "tuple" and isinstance(key, int):
            if key < len(shape.items) and (shape.variadic is None or key <= shape.variadic):
                return _Child(shape.items[key], None, 0)
            if shape.variadic is not None:
                return _Child(shape.items[shape.variadic], None, 0)
        return _NOWHERE

    def _shape_of(self, place: Optional[Place], is_list: bool) -> Shape:
        if place is None:
            return _ANY
        shape = self.schemas.shape(place)
        if shape.kind == "tagged":
            return shape
        if shape.kind == "union":
            for member in shape.members:
                found = self.schemas.shape(member)
                if _fits(found, is_list):
                    return found
            return _ANY
        return shape if _fits(shape, is_list) else _ANY

    # ---- containers -------------------------------------------------------------------------

    def _opened(self, path: Path, is_list: bool) -> None:
        parent = self.stack[-1] if self.stack else None
        if parent is None:
            child = _Child(self.schemas.root, None, 0)
        else:
            child = self._child_place(parent, path[-1])
        entry = _Open(path, child, self._shape_of(child.place, is_list), is_list)
        if not entry.decided:
            entry.shape = self._undecided_shape(entry.shape, is_list)
        if parent is not None:
            entry.loc = (*parent.loc, path[-1])
        entry.view = self._new_view(entry)
        if parent is not None:
            self._show(parent, path[-1], entry.view, child.name, still_open=True)
        self.stack.append(entry)

    def _undecided_shape(self, tagged: Shape, is_list: bool) -> Shape:
        """A tagged union's value before its tag: shown as its first variant, nothing in it
        validated early (another variant may take it)."""
        for variant in tagged.choices.values():
            loose = self.schemas.place(variant.shape_schema or ANY_SCHEMA, variant.config, False)
            shape = self.schemas.shape(loose)
            if _fits(shape, is_list):
                return _Undecided(shape, tagged)
        return _Undecided(_ANY, tagged)

    def _new_view(self, entry: _Open) -> Any:
        shape = entry.shape
        if shape.kind == "fields" and shape.model is not None:
            return construct(partial_model(shape.model), {})
        return [] if entry.is_list else {}

    def _completed(self, path: Path, value: Any) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and top.path == path and isinstance(value, (dict, list)):
            self.stack.pop()
            child, shown, loc = top.child, top.view, top.loc
            if top.skipped or self._filtered:
                value = self._without_skipped(top, value)
            parent = self.stack[-1] if self.stack else None
        else:
            parent = top
            if parent is None:
                self._finished(value)
                return
            child = self._child_place(parent, path[-1])
            loc = (*parent.loc, path[-1])
            shown = value
        if parent is None:  # the root container
            self._closed_view = shown
            self._finished(value)
            return
        key = path[-1]
        if self.on_invalid == "skip" and self._forbidden(parent, key):
            verdict = "skip"
        else:
            verdict, shown = self._check(child.place, value, shown, path, loc)
        if verdict == "ok":
            self._child_done(parent, key, value, shown, child)
            return
        if verdict == "skip":
            parent.skipped.add(key)
            self._filtered = True
            self._unshow(parent, key)
        else:
            # Failed (raised at the end of the chunk): the last good partial stays shown,
            # an open container's view as it was.
            parent.open_key = _UNSET

    def _forbidden(self, parent: _Open, key: Any) -> bool:
        """A key that fills no field of an ``extra="forbid"`` object, where that fails the
        document: skipping leaves the key out, as if it had not been sent."""
        shape = parent.shape
        return (
            shape.kind == "fields"
            and shape.forbid
            and parent.decided
            and parent.place is not None
            and parent.place.sound
            and not (isinstance(key, str) and (key in shape.keys or key in shape.deep))
        )

    def _child_done(self, parent: _Open, key: Any, value: Any, shown: Any, child: _Child) -> None:
        """Records a completed child of ``parent`` and shows it."""
        parent.done[key] = value
        shape = parent.shape
        name = child.name
        if shape.kind == "fields":
            if name is not None:
                parent.winners[name] = child.priority
                if len(self.stack) == 1 and name not in self.completed_fields:
                    self.completed_fields.append(name)
            self._deep_aliases(parent, key, value)
        self._show(parent, key, shown, name, still_open=False)
        place = child.place
        if place is not None and place.schema is not None and place.sound:
            path = (*parent.path, key)
            self._passed(path)
            self._report(path, shown)
        if isinstance(shape, _Undecided) and key == shape.tagged.tag_key:
            self._decide(parent, value)

    def _check(
        self, place: Optional[Place], value: Any, shown: Any, path: Path, loc: tuple[Any, ...]
    ) -> tuple[str, Any]:
        """Validates a completed value at its place where that is sound: ("ok", shown),
        ("skip", None) to leave it out, or ("bad", None), its failure noted."""
        if place is None or place.schema is None or not place.sound:
            return "ok", shown
        try:
            return "ok", self.schemas.validate(place, value)
        except ValidationError as e:
            if self.on_invalid == "skip":
                return "skip", None
            self._failed(path, loc, e)
            return "bad", None
        except Exception:
            # A validator that fails outside its document (it reads something only the
            # enclosing object has): the enclosing value decides when it completes.
            return "ok", shown

    def _decide(self, entry: _Open, tag: Any) -> None:
        """The tag of a tagged union arrived: its variant becomes the shape, the children
        already complete are validated at their places, and the view is rebuilt."""
        shape = entry.shape
        assert isinstance(shape, _Undecided)
        tagged = shape.tagged
        try:
            variant = tagged.choices.get(tag)
        except TypeError:  # an unhashable tag
            variant = None
        if variant is None:
            if entry.place is not None and entry.place.schema is not None and entry.place.sound:
                probe = {tagged.tag_key: tag}
                try:
                    self.schemas.validate(entry.place, probe)
                except ValidationError as e:
                    if self.on_invalid == "raise":
                        self._failed(entry.path, entry.loc, e)
                except Exception:
                    pass
            return
        entry.shape = self._shape_of(variant, entry.is_list)
        entry.decided = True
        entry.loc = (*entry.loc, tag) if isinstance(tag, (str, int)) else entry.loc
        done, entry.done, entry.shown, entry.winners = entry.done, {}, {}, {}
        entry.view = self._new_view(entry)
        entry.open_key = _UNSET
        for key, value in done.items():
            if self.on_invalid == "skip" and self._forbidden(entry, key):
                entry.skipped.add(key)
                self._filtered = True
                continue
            child = self._child_place(entry, key)
            path, loc = (*entry.path, key), (*entry.loc, key)
            verdict, shown = self._check(child.place, value, value, path, loc)
            if verdict == "ok":
                self._child_done(entry, key, value, shown, child)
        parent_index = self.stack.index(entry)
        if parent_index > 0:
            parent = self.stack[parent_index - 1]
            self._show(parent, entry.key, entry.view, entry.child.name, still_open=True)

    def _deep_aliases(self, parent: _Open, key: Any, value: Any) -> None:
        """A key that an ``AliasPath`` reaches into completed: the fields it fills."""
        for entry in parent.shape.deep.get(key, ()):
            found = _follow(value, entry.rest)
            if found is _MISSING:
                continue
            if parent.winners.get(entry.name, entry.priority + 1) < entry.priority:
                continue
            path = (*parent.path, key, *entry.rest)
            loc = (*parent.loc, key, *entry.rest)
            verdict, shown = self._check(entry.place, found, found, path, loc)
            if verdict == "ok":
                parent.winners[entry.name] = entry.priority
                self._set_field(parent, entry.name, shown)

    def _finished(self, value: Any) -> None:
        """The root value completed: the final value is Pydantic's, from the text itself."""
        try:
            if self._text_is_json and not self._filtered:
                self.final = self._validator.validate_json(self._text())
            else:
                self.final = self._validator.validate_json(dumps(value))
        except ValidationError as e:
            # Pydantic's errors for the whole text; the path is that of the first value that
            # failed on its own in this chunk, if one did (else the root's).
            path = self._failures[0][0] if self._failures else ()
            raise self._mismatch(e, path, ()) from e
        self._report((), self.final)

    def _without_skipped(self, entry: _Open, value: Any) -> Any:
        """A container's raw value without the children left out (on_invalid="skip"), its
        children's own raw values likewise (as recorded when they completed)."""
        done, skipped = entry.done, entry.skipped
        if isinstance(value, list):
            return [done.get(i, v) for i, v in enumerate(value) if i not in skipped]
        return {k: done.get(k, v) for k, v in value.items() if k not in skipped}

    def _mismatch(self, error: ValidationError, path: Path, loc: tuple[Any, ...]) -> SchemaMismatch:
        title = getattr(self.model, "__name__", str(self.model))
        located = error_with_prefix(error, loc, title)
        mismatch = SchemaMismatch(
            describe(located, path),
            path=path,
            validation_error=located,
            partial=self.partial(),
            raw=self.raw,
        )
        mismatch.__cause__ = located
        return mismatch

    def _report(self, path: Path, value: Any) -> None:
        if self.record_events:
            self.events.append((path, value))
        if self.on_field is not None:
            self.on_field(path, value)

    # ---- views ------------------------------------------------------------------------------

    def _show(
        self, entry: _Open, key: Any, value: Any, name: Optional[str], *, still_open: bool
    ) -> None:
        """Puts a child into ``entry``'s view (over the open child's slot)."""
        view = entry.view
        if entry.is_list:
            if entry.open_key is not _UNSET:
                view[-1] = value
            else:
                view.append(value)
        elif entry.shape.kind == "fields":
            if not still_open:
                entry.shown[key] = value
            entry.open_name = None
            if entry.shape.model is None:
                view[key] = value
            elif name is not None:
                self._set_field(entry, name, value)
                entry.open_name = name if still_open else None
            elif entry.shape.extra is not None and isinstance(key, str):
                extra = view.__pydantic_extra__
                if extra is None:
                    extra = {}
                    object.__setattr__(view, "__pydantic_extra__", extra)
                extra[key] = value
                entry.open_name = key if still_open else None
        else:
            view[key] = value
        entry.open_key = key if still_open else _UNSET

    def _set_field(self, entry: _Open, name: str, value: Any) -> None:
        view = entry.view
        if entry.shape.model is None:
            view[name] = value
        else:
            view.__dict__[name] = value
            view.__pydantic_fields_set__.add(name)

    def _unshow(self, entry: _Open, key: Any) -> None:
        """Removes a child left out (on_invalid="skip") from ``entry``'s view."""
        view = entry.view
        if entry.is_list:
            if entry.open_key is not _UNSET:
                view.pop()
        elif entry.shape.kind == "fields" and entry.shape.model is not None:
            name = self._child_place(entry, key).name
            if name is not None and name in view.__pydantic_fields_set__:
                info = type(view).model_fields[name]
                view.__dict__[name] = (
                    None if takes_data(info) else info.get_default(call_default_factory=True)
                )
                view.__pydantic_fields_set__.discard(name)
        else:
            view.pop(key, None)
        entry.open_key = _UNSET

    # ---- output -----------------------------------------------------------------------------

    def partial(self) -> Any:
        """The current value as partial models (the final model once complete). In live
        mode one view, updated in place (O(delta) per chunk); otherwise a fresh copy of the
        open spine, never changed afterwards (completed parts shared)."""
        if self.final is not _MISSING:
            return self.final
        if not self.stack:
            return self._closed_view
        self._show_open_string()
        root = self.stack[0].view
        return root if self.live else self._copy_spine()

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
        if not self.stack or len(path) != len(self.stack[-1].path) + 1:
            return None
        deepest = self.stack[-1]
        key = path[-1]
        if key in deepest.done:
            return None  # a duplicate key: the completed value stays until the new one is done
        child = self._child_place(deepest, key)
        shape = self.schemas.shape(child.place) if child.place is not None else _ANY
        return (deepest, key, child.name) if shape.partial_strings else None

    def _show_open_string(self) -> None:
        slot = self._open_slot
        if slot is None:
            return
        pieces = self._open_text
        if len(pieces) > 1:
            pieces[:] = ["".join(pieces)]
        entry, key, name = slot
        self._show(entry, key, pieces[0], name, still_open=True)

    def _copy_spine(self) -> Any:
        child: Any = _UNSET
        for level in range(len(self.stack) - 1, -1, -1):
            entry = self.stack[level]
            child_key = self.stack[level + 1].key if child is not _UNSET else _UNSET
            child = _copy_view(entry, child_key, child)
        return child


def _copy_view(entry: _Open, child_key: Any, child: Any) -> Any:
    """A shallow copy of ``entry``'s view, with its open child replaced by ``child``."""
    view = entry.view
    replace = child_key is not _UNSET
    if isinstance(view, list):
        copied = list(view)
        if replace and copied:
            copied[-1] = child
        return copied
    if isinstance(view, dict):
        copied_dict = dict(view)
        if replace:
            copied_dict[child_key] = child
        return copied_dict
    cls: type[BaseModel] = type(view)
    values = dict(view.__dict__)
    extra = view.__pydantic_extra__
    if extra is not None:
        extra = dict(extra)
    if replace and entry.open_name is not None:
        if entry.open_name in values:
            values[entry.open_name] = child
        elif extra is not None:
            extra[entry.open_name] = child
    copied_model = cls.__new__(cls)
    object.__setattr__(copied_model, "__dict__", values)
    object.__setattr__(copied_model, "__pydantic_fields_set__", set(view.__pydantic_fields_set__))
    object.__setattr__(copied_model, "__pydantic_extra__", extra)
    object.__setattr__(copied_model, "__pydantic_private__", None)
    return copied_model


class _Undecided(Shape):
    """The shape shown for a tagged union's value whose tag has not arrived."""

    def __init__(self, shown: Shape, tagged: Shape) -> None:
        super().__init__(
            shown.kind,
            model=shown.model,
            keys=shown.keys,
            deep=shown.deep,
            extra=shown.extra,
            item=shown.item,
            items=shown.items,
            variadic=shown.variadic,
            partial_strings=shown.partial_strings,
        )
        self.tagged = tagged


_ANY = Shape("any", partial_strings=True)
#: Places of type expressions that are not classes (``list[int]``), which hold no attribute.
_EXPRESSION_SCHEMAS: dict[Any, Schemas] = {}


def _schemas_of(model: Any, schema: Any) -> Schemas:
    """The places of ``model``'s schema, made once per model (again if it was rebuilt). A
    class keeps its own (in its ``__dict__``, not inherited), so they live as long as it does:
    models made per request do not pile up here."""
    # A class; not `list[int]`, which Python 3.10 also calls an instance of type.
    is_class = isinstance(model, type) and not isinstance(model, types.GenericAlias)
    own = model.__dict__ if is_class else None
    found = own.get("__deltajson_schemas__") if own is not None else None
    if found is None and own is None:
        try:
            found = _EXPRESSION_SCHEMAS.get(model)
        except TypeError:  # unhashable
            return Schemas(schema)
    if found is None or found.root.shape_schema is not schema:
        found = Schemas(schema)
        # Threads that made them at the same time each go on with their own (complete and
        # equal); later streams use the one kept last.
        if own is not None:
            type.__setattr__(model, "__deltajson_schemas__", found)
        else:
            _EXPRESSION_SCHEMAS[model] = found
    return found


def _fits(shape: Shape, is_list: bool) -> bool:
    if shape.kind in ("any",):
        return True
    if shape.kind in ("list", "tuple"):
        return is_list
    if shape.kind in ("fields", "dict", "tagged"):
        return not is_list
    return False


def _follow(value: Any, rest: tuple[Any, ...]) -> Any:
    for part in rest:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return value
