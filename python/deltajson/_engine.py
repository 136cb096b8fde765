"""The model engine: typed partial values from a stream, with Pydantic as the contract.

It reads the parser's change ops (O(delta) per chunk) and keeps one view per open container
(a partial model, a list, a dict), updated in place; ``partial()`` returns that view, or a copy
of its open spine (O(depth + width of the open containers); see *Cost* below).

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

Cost. This runs after every chunk of an LLM stream, so its common paths are kept short: the
place of a known key is looked up once per schema (``Shape.children``), an atom whose place
takes it unchanged (a bare ``str`` or ``int`` field) is shown without calling Pydantic (the
shortcut ``Schemas.validate`` takes, proved identical by a property test), a completed
container's JSON text for Pydantic is written in Rust (``json_of``), and a model view's field
dict is held rather than looked up. A ``copy=True`` partial copies its open lists through
``ListCopies``, which updates in place a copy that no partial holds any more (the one a
consumer's loop let go of): O(delta) per chunk instead of the list's width, the partials a
consumer keeps never changing.
"""

from __future__ import annotations

import types
from typing import Any, Callable, Literal, NamedTuple, Optional, Union

from pydantic import BaseModel, TypeAdapter, ValidationError

from deltajson._api import Chunk, Parser, joined
from deltajson._errors import SchemaMismatch
from deltajson._partial import partial_maker, partial_model, takes_data
from deltajson._schema import (
    ANY_SCHEMA,
    Place,
    Schemas,
    Shape,
    describe,
    error_with_prefix,
    json_of,
)
from deltajson._schema import _encodable as encodable

Lane: Any
ListCopies: Any
ModelCopies: Any
copy_spine: Any
try:
    from deltajson._deltajson import Lane, ListCopies, ModelCopies, copy_spine
except ImportError:  # pragma: no cover - only without the compiled extension
    Lane = ListCopies = ModelCopies = copy_spine = None

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
        "copies",
        "decided",
        "depth",
        "done",
        "fields",
        "fields_set",
        "is_list",
        "key",
        "loc",
        "open_key",
        "open_name",
        "path",
        "place",
        "shape",
        "skipped",
        "spine",
        "view",
        "winners",
    )

    def __init__(self, path: Path, child: _Child, shape: Shape, is_list: bool) -> None:
        self.path = path
        self.depth = len(path)
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
        #: Completed children: JSON key -> raw value (a list's only where children may be
        #: left out, on_invalid="skip": only ``_without_skipped`` reads them there).
        self.done: dict[Any, Any] = {}
        #: Field name -> priority of the key that fills it (AliasChoices: the first wins).
        self.winners: dict[str, int] = {}
        #: Children left out (on_invalid="skip").
        self.skipped: Optional[set[Any]] = None
        #: The key of the open child shown in ``view`` (a partial string or container).
        self.open_key: Any = _UNSET
        #: Model views: the field (or extra key) the open child is shown under.
        self.open_name: Optional[str] = None
        self.view: Any = None
        #: A model view's ``__dict__`` and ``__pydantic_fields_set__`` (None otherwise).
        self.fields: Optional[dict[str, Any]] = None
        self.fields_set: Optional[set[str]] = None
        #: The copies made of a list view for copy=True partials (``ListCopies``).
        self.copies: Any = None
        #: ``(view, fields, fields_set, copies)``, for ``copy_spine``.
        self.spine: Any = None


class ModelEngine:
    """Feeds a parser and keeps a typed view of the document of ``model``."""

    #: Take ``_apply``'s inline fast paths (tests turn them off to compare).
    fast = True

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
        self._parser_changes = self.parser.changes
        #: One call per chunk: keep it in ``_pieces``, feed it, apply the ops if any (those
        #: the lane takes, then the rest by ``_apply``) and say whether there were any: the
        #: Rust parser's own ``_step``, else ``_python_step``.
        step = getattr(self.parser, "_step", None)
        self.step: Step = step if step is not None else _python_step(self.parser)
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
        self._skip = on_invalid == "skip"
        self.on_field = on_field
        #: Keep one view, updated in place, instead of a new partial per call.
        self.live = live
        self.stack: list[_Open] = []
        self.final: Any = _MISSING
        #: The final value is there (``final``).
        self.done = False
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
        #: Partials are not asked for after every chunk that changed something
        #: (``min_interval``): no lane then.
        self.throttled = False
        self._pieces: list[Union[str, bytes]] = []
        #: UTF-8 bytes of ``_pieces[:_counted_pieces]`` (``nbytes``).
        self._counted = 0
        self._counted_pieces = 0
        #: A child was left out somewhere (on_invalid="skip"): the final is validated from
        #: the value without it, not from the text.
        self._filtered = False
        #: The open string's path and text so far (from the ops; joined when shown).
        self._open_path: Optional[Path] = None
        self._open_text: list[str] = []
        #: Where the open string is shown: (container, key, field name); None where it is not.
        self._open_slot: Optional[tuple[_Open, Any, Optional[str]]] = None
        #: Once the open string was shown in its slot: the object and index its text is set
        #: at when it grows (a model's field dict and name, a list and -1, a dict and key).
        self._open_target: Optional[tuple[Any, Any]] = None
        #: The inline fast paths of ``_apply`` (off: every op takes the general methods, as
        #: the differential tests run it; never in skip mode, which the general ones handle).
        self._fast = self.fast and not self._skip
        #: Applies the common ops natively (``Lane``, see ``src/python/typed.rs``): it does
        #: what the fast paths would, so it runs only where they would.
        self.lane = Lane(self, _UNSET) if self._fast and Lane is not None else None
        #: Failures of values completed in the current chunk: (path, location, error).
        self._failures: list[tuple[Path, tuple[Any, ...], ValidationError]] = []

    # ---- input ------------------------------------------------------------------------------

    def feed(self, chunk: Chunk) -> bool:
        """Feeds a chunk; returns whether anything changed. The chunk is kept first: an error
        carries the text up to and including the chunk it is in. What is not a chunk is
        rejected by the parser, with a clear TypeError."""
        if self.step(chunk, self._pieces, self._apply, self.lane_now()):
            self.changed = True
            return True
        return False

    def lane_now(self) -> Any:
        """The lane, where it may run: not while ops or completed values are recorded or
        reported (it does not record or report them), nor where partials are throttled (it
        shows the open string as it grows, not when a partial is asked for)."""
        if self.record_ops or self.record_events or self.on_field is not None or self.throttled:
            return None
        return self.lane

    def finish(self) -> Any:
        self.parser.finish()
        self._apply(self._parser_changes())
        return self.final

    def take_ops(self) -> list[tuple[str, Path, Any]]:
        ops, self.ops = self.ops, []
        return ops

    def _text(self) -> Union[str, bytes]:
        """Everything fed, joined once (bytes where any piece was bytes)."""
        pieces = self._pieces
        if len(pieces) != 1:
            # In place: ``step`` holds this list. The one piece is counted anew when asked.
            kinds = set(map(type, pieces))
            pieces[:] = ["".join(pieces) if bytes not in kinds else joined(pieces)]  # type: ignore[arg-type]
            self._counted = self._counted_pieces = 0
        return pieces[0]

    def nbytes(self) -> int:
        """Bytes fed, ``str`` chunks counted in UTF-8 (each piece counted once)."""
        pieces = self._pieces
        for piece in pieces[self._counted_pieces :]:
            if type(piece) is not str:
                self._counted += len(piece)
            elif piece.isascii():
                self._counted += len(piece)
            else:
                self._counted += len(piece.encode("utf-8", "surrogatepass"))
        self._counted_pieces = len(pieces)
        return self._counted

    @property
    def raw(self) -> str:
        text = self._text()
        return text if isinstance(text, str) else text.decode("utf-8", "replace")

    def take_events(self) -> list[tuple[Path, Any]]:
        events, self.events = self.events, []
        return events

    def _apply(self, ops: list[tuple[str, Path, Any]]) -> None:
        if not ops:
            return
        self.changed = True
        if self.record_ops:
            self.ops.extend(ops)
        stack = self.stack
        fast = self._fast
        for op, path, value in ops:
            if op == "append":  # the open string grew (the most frequent op)
                self._open_text.append(value)
                continue
            # The parsers build exact dicts, lists and strs.
            kind = type(value)
            if op == "add":
                if kind is str:
                    self._open_path, self._open_text = path, [value]
                    self._open_slot = self._string_slot(path)
                    self._open_target = None
                elif kind is dict or kind is list:
                    self._opened(path, kind is list)
                continue
            open_path = self._open_path
            if open_path is not None and (path is open_path or path == open_path):
                self._open_path = self._open_slot = self._open_target = None
            if not fast or not stack or kind is dict or kind is list:
                self._completed(path, value)
                continue
            # Fast path: a string, number or literal completed in the innermost container,
            # at a known field of a model or as a list item, where it is shown as it is (its
            # place checks nothing, or takes it unchanged: Schemas.validate's shortcut). What
            # ``_child_completed``, ``_child_done`` and ``_show`` do there, inline.
            top = stack[-1]
            if top.fields is not None:
                child = top.shape.children.get(path[-1])
            elif top.is_list:
                child = top.shape.child
            else:
                child = None
            if child is None or not top.decided or top.shape.deep:
                self._completed(path, value)
                continue
            place = child.place
            checked = place is not None and place.checked
            if checked and not _as_is(place, value):  # type: ignore[arg-type,unused-ignore]
                self._completed(path, value)
                continue
            if top.fields is not None:
                name = child.name
                top.done[path[-1]] = value
                top.winners[name] = 0  # known keys in ``children`` have priority 0
                if top.depth == 0 and name not in self.completed_fields:
                    self.completed_fields.append(name)
                top.fields[name] = value
                top.fields_set.add(name)  # type: ignore[union-attr]
                top.open_name = None
            elif top.open_key is not _UNSET:
                top.view[-1] = value
            else:
                top.view.append(value)
            top.open_key = _UNSET
            if checked:
                if self._failures:
                    self._passed(path)
                if self.record_events or self.on_field is not None:
                    self._report(path, value)
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
        if kind == "fields":
            known = shape.children.get(key) if type(key) is str else None
            if known is not None:
                return known  # type: ignore[no-any-return]
            found = shape.keys.get(key) if isinstance(key, str) else None
            if found:
                entry = found[0]
                if entry.priority == 0:
                    # Never shadowed (nothing is preferred to it): the same for every object
                    # of this shape, so kept (for known keys only: bounded by the schema).
                    known = shape.children[key] = _Child(entry.place, entry.name, 0)
                    return known
                if parent.winners.get(entry.name, entry.priority + 1) < entry.priority:
                    return _NOWHERE  # a preferred alias filled the field already
                return _Child(entry.place, entry.name, entry.priority)
            if shape.extra is not None and isinstance(key, str) and key not in shape.deep:
                return _Child(shape.extra, None, 0)
            return _NOWHERE
        if kind in ("list", "dict"):
            every = shape.child
            if every is None:
                every = shape.child = _Child(shape.item, None, 0)
            return every  # type: ignore[no-any-return]
        if kind == "tuple" and isinstance(key, int):
            if key < len(shape.items) and (shape.variadic is None or key <= shape.variadic):
                return _Child(shape.items[key], None, 0)
            if shape.variadic is not None:
                return _Child(shape.items[shape.variadic], None, 0)
        return _NOWHERE

    def _shape_of(self, place: Optional[Place], is_list: bool) -> Shape:
        """The shape a container at ``place`` is shown with (found once per place)."""
        if place is None:
            return _ANY
        cache = self.schemas.shown
        found = cache.get((place, is_list))
        if found is None:
            found = cache[(place, is_list)] = self._find_shape(place, is_list)
        return found

    def _find_shape(self, place: Place, is_list: bool) -> Shape:
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
        stack = self.stack
        if stack:
            parent: Optional[_Open] = stack[-1]
            key = path[-1]
            child = parent.shape.child if parent.is_list else None  # type: ignore[union-attr]
            if child is None:
                child = self._child_place(parent, key)  # type: ignore[arg-type]
        else:
            parent, key = None, None
            child = _Child(self.schemas.root, None, 0)
        place = child.place
        shape = _ANY if place is None else self.schemas.shown.get((place, is_list))
        if shape is None:
            shape = self._shape_of(place, is_list)
        entry = _Open(path, child, shape, is_list)
        if not entry.decided:
            entry.shape = self._undecided_shape(shape, is_list)
        self._set_view(entry, self._new_view(entry))
        if parent is not None:
            entry.loc = (*parent.loc, key)
            if parent.is_list:  # ``_show``, inline
                if parent.open_key is not _UNSET:
                    parent.view[-1] = entry.view
                else:
                    parent.view.append(entry.view)
                parent.open_key = key
            else:
                self._show(parent, key, entry.view, child.name, still_open=True)
        stack.append(entry)

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
            make = shape.new_view
            if make is None:
                make = shape.new_view = partial_maker(partial_model(shape.model))
            return make()
        return [] if entry.is_list else {}

    def _set_view(self, entry: _Open, view: Any) -> None:
        entry.view = view
        if isinstance(view, BaseModel):
            entry.fields = view.__dict__
            entry.fields_set = view.__pydantic_fields_set__
        else:
            entry.fields = entry.fields_set = None
        if not self.live and ListCopies is not None:
            if entry.is_list:
                entry.copies = ListCopies()
            elif entry.fields is not None:
                entry.copies = ModelCopies()
        entry.spine = (view, entry.fields, entry.fields_set, entry.copies)
        if entry.shape.lane is None:
            entry.shape.lane = self._lane_table(entry.shape)

    def _lane_table(self, shape: Shape) -> Any:
        """What the lane takes in a container of ``shape``: the places of a model's known
        keys, ``{key: (field name, plain type, checked, shows strings)}`` (the keys whose
        child ``_child_place`` keeps in ``Shape.children``), or a list's item place,
        ``(plain type, checked, shows strings)``; ``False`` elsewhere. As ``_apply``'s fast
        paths and ``_string_slot`` decide."""
        if shape.kind == "fields" and shape.model is not None and not shape.deep:
            table = {}
            for key, found in shape.keys.items():
                field = found[0]
                if field.priority == 0:
                    place = field.place
                    strings = self.schemas.shape(place).partial_strings
                    table[key] = (field.name, *_lane_place(place), strings)
            return table
        if shape.kind == "list":
            item = shape.item
            if item is None:
                return (None, False, False, _ANY.partial_strings)
            return (*_lane_place(item), self.schemas.shape(item).partial_strings)
        return False

    def _completed(self, path: Path, value: Any) -> None:
        stack = self.stack
        if not stack:
            self._finished(value)  # a value that is not a container: the whole document
            return
        top = stack[-1]
        kind = type(value)
        if len(path) != top.depth or (kind is not dict and kind is not list):
            self._child_completed(top, path[-1], value, path)
            return
        # The innermost open container itself closed.
        stack.pop()
        shown = top.view
        if top.skipped or self._filtered:
            value = self._without_skipped(top, value)
        if not stack:  # the root container
            self._closed_view = shown
            self._finished(value)
            return
        parent = stack[-1]
        if not (self._fast and parent.is_list):
            if self._fast and top.is_list and self._items_validated(top, value):
                # A bare list of models whose every item was validated at the items' place
                # as it closed (only then is it shown as the model itself, not its partial
                # class): Pydantic would give back a new list of the same values.
                self._child_done(parent, top.key, value, list(shown), top.child, path)
                return
            self._settle(parent, top.key, value, shown, top.child, path, top, ())
            return
        # An item of a list closed: ``_settle``, ``_check`` and ``_child_done``, inline.
        place = top.child.place
        if place is not None and place.checked:
            try:
                shown = self.schemas.validate(place, value)
            except ValidationError as e:
                self._failed(path, top.loc, e)
                parent.open_key = _UNSET
                return
            except Exception:
                pass  # a validator failing outside its document: the enclosing value decides
        if parent.open_key is not _UNSET:
            parent.view[-1] = shown
        else:
            parent.view.append(shown)
        parent.open_key = _UNSET
        if place is not None and place.checked:
            if self._failures:
                self._passed(path)
            if self.record_events or self.on_field is not None:
                self._report(path, shown)

    def _items_validated(self, entry: _Open, value: Any) -> bool:
        """Whether ``entry``, a list that just closed with the raw ``value``, is a bare list
        of models (``Schemas.items_model``) each of whose items its view shows as the model
        its item place validated (a failed or unchecked item stays its partial class)."""
        place = entry.place
        if place is None or not place.checked or entry.skipped:
            return False
        found = self.schemas.items_model(place)
        if found is None or entry.shape.item is not found[0]:
            return False
        view, model = entry.view, found[1]
        return (
            type(view) is list
            and len(view) == len(value)
            and all(type(item) is model for item in view)
        )

    def _child_completed(self, parent: _Open, key: Any, value: Any, path: Path) -> None:
        """A child of the innermost container that is not a container completed (a string,
        number, or literal): the common case, on most chunks that complete anything."""
        child = self._child_place(parent, key)
        place = child.place
        if not self._skip and (place is None or not place.checked or _as_is(place, value)):
            self._child_done(parent, key, value, value, child, path)
            return
        self._settle(parent, key, value, value, child, path, parent, (key,))

    def _settle(
        self,
        parent: _Open,
        key: Any,
        value: Any,
        shown: Any,
        child: _Child,
        path: Path,
        owner: _Open,
        tail: tuple[Any, ...],
    ) -> None:
        """Judges a completed child of ``parent`` (located at ``owner.loc + tail``) and
        records it, leaves it out, or notes its failure."""
        if self._skip and self._forbidden(parent, key):
            verdict = "skip"
        else:
            verdict, shown = self._check(child.place, value, shown, path, owner, tail)
        if verdict == "ok":
            self._child_done(parent, key, value, shown, child, path)
            return
        if verdict == "skip":
            self._leave_out(parent, key)
            self._unshow(parent, key)
        else:
            # Failed (raised at the end of the chunk): the last good partial stays shown,
            # an open container's view as it was.
            parent.open_key = _UNSET

    def _leave_out(self, parent: _Open, key: Any) -> None:
        if parent.skipped is None:
            parent.skipped = set()
        parent.skipped.add(key)
        self._filtered = True

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

    def _child_done(
        self, parent: _Open, key: Any, value: Any, shown: Any, child: _Child, path: Path
    ) -> None:
        """Records a completed child of ``parent`` and shows it."""
        shape = parent.shape
        name = child.name
        if shape.kind == "fields":
            parent.done[key] = value
            if name is not None:
                parent.winners[name] = child.priority
                if parent.depth == 0 and name not in self.completed_fields:
                    self.completed_fields.append(name)
            if shape.deep:
                self._deep_aliases(parent, key, value)
        elif self._skip or not parent.is_list:
            parent.done[key] = value
        self._show(parent, key, shown, name, still_open=False)
        place = child.place
        if place is not None and place.checked:
            if self._failures:
                self._passed(path)
            if self.record_events or self.on_field is not None:
                self._report(path, shown)
        if not parent.decided and key == parent.shape.tagged.tag_key:  # type: ignore[attr-defined]
            self._decide(parent, value)

    def _check(
        self,
        place: Optional[Place],
        value: Any,
        shown: Any,
        path: Path,
        owner: _Open,
        tail: tuple[Any, ...],
    ) -> tuple[str, Any]:
        """Validates a completed value at its place where that is sound: ("ok", shown),
        ("skip", None) to leave it out, or ("bad", None), its failure noted (located at
        ``owner.loc + tail``)."""
        if place is None or not place.checked:
            return "ok", shown
        try:
            return "ok", self.schemas.validate(place, value)
        except ValidationError as e:
            if self._skip:
                return "skip", None
            self._failed(path, (*owner.loc, *tail), e)
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
            if entry.place is not None and entry.place.checked:
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
        done, entry.done, entry.winners = entry.done, {}, {}
        self._set_view(entry, self._new_view(entry))
        entry.open_key = _UNSET
        self._open_target = None  # the open string is shown again, in the new view
        for key, value in done.items():
            if self._skip and self._forbidden(entry, key):
                self._leave_out(entry, key)
                continue
            child = self._child_place(entry, key)
            path = (*entry.path, key)
            verdict, shown = self._check(child.place, value, value, path, entry, (key,))
            if verdict == "ok":
                self._child_done(entry, key, value, shown, child, path)
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
            verdict, shown = self._check(
                entry.place, found, found, path, parent, (key, *entry.rest)
            )
            if verdict == "ok":
                parent.winners[entry.name] = entry.priority
                self._set_field(parent, entry.name, shown)

    def _finished(self, value: Any) -> None:
        """The root value completed: the final value is Pydantic's, from the text itself."""
        try:
            if self._text_is_json and not self._filtered:
                self.final = self._validator.validate_json(self._text())
            else:
                self.final = self._validator.validate_json(json_of(value))
        except ValidationError as e:
            # Pydantic's errors for the whole text; the path is that of the first value that
            # failed on its own in this chunk, if one did (else the root's).
            path = self._failures[0][0] if self._failures else ()
            raise self._mismatch(e, path, ()) from e
        self.done = True
        self._report((), self.final)

    def _without_skipped(self, entry: _Open, value: Any) -> Any:
        """A container's raw value without the children left out (on_invalid="skip"), its
        children's own raw values likewise (as recorded when they completed)."""
        done, skipped = entry.done, entry.skipped or ()
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


def _copy_view(entry: _Open, child_key: Any, child: Any) -> Any:
    """A shallow copy of ``entry``'s view, with its open child replaced by ``child``."""
    view = entry.view
    replace = child_key is not _UNSET
    if entry.is_list:
        copied = list(view)
        if replace and copied:
            copied[-1] = child
        return copied
    if entry.fields is None:
        copied_dict = dict(view)
        if replace:
            copied_dict[child_key] = child
        return copied_dict
    cls: type[BaseModel] = type(view)
    values = dict(entry.fields)
    extra = view.__pydantic_extra__
    if extra is not None:
        extra = dict(extra)
    if replace and entry.open_name is not None:
        if entry.open_name in values:
            values[entry.open_name] = child
        elif extra is not None:
            extra[entry.open_name] = child
    copied_model = cls.__new__(cls)
    _set_attr(copied_model, "__dict__", values)
    _set_attr(copied_model, "__pydantic_fields_set__", set(entry.fields_set))  # type: ignore[arg-type]
    _set_attr(copied_model, "__pydantic_extra__", extra)
    _set_attr(copied_model, "__pydantic_private__", None)
    return copied_model


_set_attr = object.__setattr__


Step = Callable[[Chunk, list[Any], Callable[[Any], None], Any], bool]


def _python_step(parser: Any) -> Step:
    """``step`` for a parser without its own (the pure-Python engine): what the Rust
    parser's ``_step`` does, in Python."""
    feed, changes = parser.feed, parser.changes

    def step(chunk: Chunk, pieces: list[Any], apply: Callable[[Any], None], lane: Any) -> bool:
        if isinstance(chunk, str) or type(chunk) is bytes:
            pieces.append(chunk)
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            pieces.append(bytes(chunk))
        feed(chunk)
        ops = changes()
        if not ops:
            return False
        taken = lane.run(ops) if lane is not None else 0
        if taken < len(ops):
            try:
                apply(ops[taken:])
            finally:
                if lane is not None:
                    lane.forget()
        return True

    return step


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


def _as_is(place: Place, value: Any) -> bool:
    """Whether a completed atom is what Pydantic gives back for it at ``place`` (checked):
    ``Schemas.validate``'s shortcut, without the call."""
    if value is None:
        return place.nullable
    if type(value) is not place.plain:
        return False
    if isinstance(value, str):
        # A lone surrogate is Pydantic's to judge (its JSON reader may refuse it).
        return value.isascii() or encodable(value)
    if isinstance(value, float):
        return value - value == 0.0  # finite
    return True


def _lane_place(place: Place) -> tuple[Optional[type], bool, bool]:
    """A place as the lane reads it: (plain type, checked, null given back)."""
    return place.plain, place.checked, place.nullable


def _follow(value: Any, rest: tuple[Any, ...]) -> Any:
    for part in rest:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return value
