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

This file holds the engine's state and what it does with each op; what it shows (its views,
``partial()``) is the mixin in ``_engine_views.py``, and the pieces that are not state (the
open levels, the parser's step, the places of a model) are in ``_engine_parts.py``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

from pydantic import BaseModel, TypeAdapter, ValidationError

from deltajson._api import Chunk, Parser, joined
from deltajson._engine_parts import (
    _ANY,
    _MISSING,
    _NOWHERE,
    _UNSET,
    OnInvalid,
    Path,
    Step,
    _as_is,
    _Child,
    _fits,
    _follow,
    _lane_place,
    _Open,
    _python_step,
    _schemas_of,
    _Undecided,
)
from deltajson._engine_views import EngineViews
from deltajson._errors import SchemaMismatch
from deltajson._partial import partial_maker, partial_model
from deltajson._schema import (
    ANY_SCHEMA,
    Place,
    Shape,
    describe,
    error_with_prefix,
    json_of,
)

Lane: Any
ListCopies: Any
ModelCopies: Any
try:
    from deltajson._deltajson import Lane, ListCopies, ModelCopies
except ImportError:  # pragma: no cover - only without the compiled extension
    Lane = ListCopies = ModelCopies = None

__all__ = ["ModelEngine", "OnInvalid", "Path"]


class ModelEngine(EngineViews):
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
