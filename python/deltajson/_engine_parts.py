"""The pieces of the model engine (``_engine.py``) that are not its state: the open levels it
keeps (``_Open``) and their copies, how it steps the parser, how a model's places are found
(made once per model), and the small predicates its shortcuts rest on."""

from __future__ import annotations

import types
from typing import Any, Callable, Literal, NamedTuple, Optional, Union

from pydantic import BaseModel

from deltajson._api import Chunk
from deltajson._schema import (
    Place,
    Schemas,
    Shape,
)
from deltajson._schema import _encodable as encodable

ListCopies: Any
copy_spine: Any
try:
    from deltajson._deltajson import ListCopies, copy_spine
except ImportError:  # pragma: no cover - only without the compiled extension
    ListCopies = copy_spine = None


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
