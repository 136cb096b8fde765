"""Per-field streaming policies: what partials show of a field while it streams.

Three policies, after BAML's ``@stream.done``, ``@stream.not_null`` and
``@stream.with_state``:

* ``done`` (:class:`StreamDone`): the value is absent from partials until it is complete
  (a URL, an id, an enum-like string is never shown half-written; a list item or an object
  appears whole);
* ``not_null`` (:class:`StreamNotNull`): the *enclosing object* is absent from partials until
  this field shows a value other than ``null`` (or the object is complete);
* ``with_state`` (:class:`StreamWithState`): the field shows as its value and its state,
  ``"pending"`` (not begun), ``"incomplete"`` or ``"complete"``: a :class:`StreamState` in a
  partial model, ``{"value": ..., "state": ...}`` in a JSON Schema partial.

On a Pydantic type the markers go in ``Annotated`` (``Annotated[str, StreamDone()]``); they
tag the core schema Pydantic builds (its ``metadata``), where the typed layer reads places
from, and ``Model.model_json_schema()`` carries them as the JSON Schema extension keyword
:data:`KEYWORD` (``"x-deltajson-stream": "done"`` or a list of names), which a JSON Schema
contract reads in turn.

Policies change only what partials show, never the final value, which is validated as it
would be without them. They act on the open spine only — everything off it is complete, and
a complete value is shown as it is — so applying them costs O(depth + width of the open
containers) per partial: :func:`apply` copies the levels it changes, never the input.
A completed object is shown as its final value (for a model: the validated instance), so
``with_state`` wraps the fields of open objects only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

__all__ = [
    "KEYWORD",
    "POLICIES",
    "StreamDone",
    "StreamNotNull",
    "StreamPolicy",
    "StreamState",
    "StreamWithState",
    "policy_names",
]

#: The JSON Schema extension keyword naming a subschema's policies: a name or a list of
#: names among :data:`POLICIES`. Validators ignore it (an unknown keyword is an annotation).
KEYWORD = "x-deltajson-stream"
#: The policies' names.
POLICIES = ("done", "not_null", "with_state")
#: Where a marker records itself in a Pydantic core schema's ``metadata``.
METADATA_KEY = "deltajson_stream"


def policy_names(value: Any, where: str = "") -> frozenset[str]:
    """The policies named by a :data:`KEYWORD` value (a name or a list of names).

    Raises:
        ValueError: a name that is not a policy.
    """
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{KEYWORD}{where} takes a policy name or a list of them, not {value!r}")
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise ValueError(
            f"{KEYWORD}{where}: unknown policy {unknown[0]!r} (one of {', '.join(POLICIES)})"
        )
    return frozenset(names)


class StreamPolicy:
    """A policy marker for ``Annotated`` (see the module docs)."""

    name: str = ""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        # A shallow copy: the schema handed back may be shared (a definition reference).
        schema = dict(handler(source))
        metadata = dict(schema.get("metadata") or {})
        metadata[METADATA_KEY] = (*metadata.get(METADATA_KEY, ()), self.name)
        schema["metadata"] = metadata
        return schema

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        schema = dict(handler(core_schema))
        found = schema.get(KEYWORD)
        names = [found] if isinstance(found, str) else list(found or [])
        if self.name not in names:
            names.append(self.name)
        schema[KEYWORD] = names[0] if len(names) == 1 else names
        return schema

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


class StreamDone(StreamPolicy):
    """The field is absent from partials until its value is complete."""

    name = "done"


class StreamNotNull(StreamPolicy):
    """The enclosing object is absent from partials until this field has a value (other
    than ``null``), or until the object is complete."""

    name = "not_null"


class StreamWithState(StreamPolicy):
    """The field shows in partials as :class:`StreamState`: its value and its state."""

    name = "with_state"


class StreamState(NamedTuple):
    """A ``StreamWithState`` field of a partial model: its value so far and its state.
    (Not generic: a generic NamedTuple needs Python 3.11.)"""

    value: Any
    #: ``"pending"`` (not begun), ``"incomplete"`` (streaming) or ``"complete"``.
    state: str


# ---- applying policies to a partial -------------------------------------------------------

#: No open child shown at a level.
NONE: Any = object()


class Level(NamedTuple):
    """One open container of the spine, root first, as the policy layer sees it.

    ``kind`` is ``"list"``, ``"dict"`` or ``"model"``; ``child`` is how its open child is
    reached in the partial (a list's last item: ``-1``; a dict key; a model's attribute),
    :data:`NONE` where no open child is shown; ``child_policies`` that child's policies;
    ``fields`` the object's fields that carry ``not_null`` or ``with_state``:
    ``(attribute, policies)``."""

    kind: str
    child: Any
    child_policies: frozenset[str]
    fields: Sequence[tuple[str, frozenset[str]]]


_NO_POLICIES: frozenset[str] = frozenset()


def apply(partial: Any, levels: Sequence[Level], *, as_dict: bool, fresh: bool = False) -> Any:
    """``partial`` as the policies show it (``None`` where the root is hidden). Levels it
    changes are shallow copies, ``partial`` itself never changed — unless ``fresh``: its
    open spine is a copy made for this call, changed in place. ``as_dict``: states are
    shown as ``{"value": ..., "state": ...}`` (JSON Schema partials), else as
    :class:`StreamState`."""
    if not levels:
        return partial
    copied = _same if fresh else _copied
    # The open containers as shown (a level whose open child is not shown ends the chain).
    shown = [partial]
    for level in levels[:-1]:
        if level.child is NONE:
            break
        found = _get(shown[-1], level)
        if found is NONE or found is None:
            break
        shown.append(found)
    result: Any = NONE  # the deeper level's result, once computed
    hidden = False
    for depth in range(len(shown) - 1, -1, -1):
        level, view = levels[depth], shown[depth]
        copy: Any = None
        if level.child is not NONE:
            if hidden or "done" in level.child_policies:
                copy = _remove(copied(view, level.kind), level)
            elif result is not NONE and result is not _get(view, level):
                copy = _put(copied(view, level.kind), level, result)
        if level.fields:
            base = view if copy is None else copy
            copy, hidden = _fields(base, level, copy is not None or fresh, as_dict)
        else:
            hidden = False
        result = view if copy is None else copy
    return None if hidden else result


def _get(view: Any, level: Level) -> Any:
    if level.kind == "list":
        return view[-1] if view else NONE
    if level.kind == "dict":
        return view.get(level.child, NONE)
    found = view.__dict__.get(level.child, NONE)
    if found is NONE and view.__pydantic_extra__:
        found = view.__pydantic_extra__.get(level.child, NONE)
    return found


def _copied(view: Any, kind: str) -> Any:
    if kind == "list":
        return list(view)
    if kind == "dict":
        return dict(view)
    copied = object.__new__(type(view))
    object.__setattr__(copied, "__dict__", dict(view.__dict__))
    object.__setattr__(copied, "__pydantic_fields_set__", set(view.__pydantic_fields_set__))
    extra = view.__pydantic_extra__
    object.__setattr__(copied, "__pydantic_extra__", dict(extra) if extra is not None else None)
    object.__setattr__(copied, "__pydantic_private__", None)
    return copied


def _same(view: Any, kind: str) -> Any:
    return view


def _remove(copy: Any, level: Level) -> Any:
    if level.kind == "list":
        if copy:
            copy.pop()
    elif level.kind == "dict":
        copy.pop(level.child, None)
    else:
        _unset(copy, level.child)
    return copy


def _unset(model: Any, name: str) -> None:
    """Shows a model field (or extra key) as absent: its partial default."""
    fields = type(model).model_fields
    if name in fields:
        model.__dict__[name] = fields[name].get_default(call_default_factory=True)
        model.__pydantic_fields_set__.discard(name)
    elif model.__pydantic_extra__ is not None:
        model.__pydantic_extra__.pop(name, None)


def _put(copy: Any, level: Level, value: Any) -> Any:
    if level.kind == "list":
        copy[-1] = value
    elif level.kind == "dict":
        copy[level.child] = value
    elif level.child in copy.__dict__:
        copy.__dict__[level.child] = value
    else:
        copy.__pydantic_extra__[level.child] = value
    return copy


def _fields(view: Any, level: Level, owned: bool, as_dict: bool) -> tuple[Any, bool]:
    """Wraps the ``with_state`` fields of an open object and says whether a ``not_null``
    field leaves it hidden; ``owned``: ``view`` is already a copy of ours."""
    is_model = level.kind == "model"
    copy = view
    hidden = False
    for name, policies in level.fields:
        if is_model:
            present = name in view.__pydantic_fields_set__
            value = view.__dict__.get(name) if present else None
        else:
            present = name in view
            value = view[name] if present else None
        if "not_null" in policies and value is None:
            hidden = True
        if "with_state" in policies:
            if not present:
                state = "incomplete" if name == level.child else "pending"
            else:
                state = "incomplete" if name == level.child else "complete"
            wrapped: Any = (
                {"value": value, "state": state} if as_dict else StreamState(value, state)
            )
            if not owned:
                copy = _copied(view, level.kind)
                owned = True
            if is_model:
                copy.__dict__[name] = wrapped
            else:
                copy[name] = wrapped
    return copy, hidden


def merge(policies: Iterable[frozenset[str]]) -> frozenset[str]:
    """The union of several places' policies."""
    found: frozenset[str] = _NO_POLICIES
    for names in policies:
        if names:
            found = found | names
    return found


def core_policies(schema: Any) -> frozenset[str]:
    """The policies a Pydantic core schema's markers name, through the wrappers that pass
    their input on (defaults, nullables, validators)."""
    found: list[str] = []
    while isinstance(schema, dict):
        metadata = schema.get("metadata")
        if isinstance(metadata, dict):
            found.extend(metadata.get(METADATA_KEY, ()))
        if schema.get("type") in (
            "default",
            "nullable",
            "function-after",
            "function-before",
            "function-wrap",
            "custom-error",
        ):
            schema = schema.get("schema")
        else:
            break
    return frozenset(found) if found else _NO_POLICIES
