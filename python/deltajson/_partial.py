"""``Partial[Model]``: the classes partial values are shown as.

``Partial[Model]`` is ``Model`` with every field optional (defaults kept), recursively: nested
models, lists and dicts of models, unions (a discriminated union becomes a plain union of its
partial variants, since the discriminator may not have arrived yet). Constraints and custom
validators are left out of partial classes: they run on complete values only, with Pydantic's
own schema (:mod:`deltajson._schema`). A place that expects a model accepts the model itself
too, so completed parts of a streamed value can be real, fully validated instances.
"""

from __future__ import annotations

import copy
import enum
import threading
import types
import typing
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

__all__ = ["Partial", "construct", "partial_maker", "partial_model"]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _union_members(tp: Any) -> Optional[tuple[Any, ...]]:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return typing.get_args(tp)
    return None


def _strip_annotated(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def partial_type(tp: Any) -> Any:
    """The type a partial value may have where ``tp`` is expected."""
    tp = _strip_annotated(tp)
    if _is_model(tp):
        return Union[tp, partial_model(tp)]
    members = _union_members(tp)
    if members is not None:
        return Union[tuple(partial_type(m) for m in members)]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, typing.List, set, frozenset) and args:
        return list[partial_type(args[0])]  # type: ignore[misc]
    if origin is tuple and args:
        item = args[0] if len(args) == 2 and args[1] is Ellipsis else Union[args]
        return list[partial_type(item)]  # type: ignore[misc]
    if origin in (dict, typing.Dict) and len(args) == 2:
        return dict[args[0], partial_type(args[1])]  # type: ignore[misc,valid-type]
    return tp


_PARTIALS: dict[type[BaseModel], type[BaseModel]] = {}
_BUILDING: dict[type[BaseModel], str] = {}
# The partial classes whose forward references are resolved: what other threads may read
# without the lock (_PARTIALS has a class as soon as it is made, for references back to it).
_READY: dict[type[BaseModel], type[BaseModel]] = {}
# Partial classes are made by one thread at a time: another thread must neither take a model
# being built for a recursive reference (and get a ForwardRef back) nor make a second class for
# it (two partial classes of one model would not be the same type). Reentrant: building a
# model builds the models it refers to.
_BUILD_LOCK = threading.RLock()


def partial_model(model: type[BaseModel]) -> type[BaseModel]:
    """``Partial[model]``: every field optional, recursively; made once per model. A model
    that refers to itself (directly or not) gets a forward reference, resolved once built."""
    found = _READY.get(model)
    if found is not None:
        return found
    with _BUILD_LOCK:
        if model in _PARTIALS:
            return _PARTIALS[model]
        if model in _BUILDING:  # only this thread builds: a reference back to `model`
            return typing.ForwardRef(_BUILDING[model])  # type: ignore[return-value]
        name = f"Partial{model.__name__}"
        _BUILDING[model] = name
        try:
            partial = _make_partial(model, name)
        finally:
            del _BUILDING[model]
        _PARTIALS[model] = partial
        partial.model_rebuild(_types_namespace={name: partial, model.__name__: model})
        _READY[model] = partial
        return partial


def takes_data(info: Any) -> bool:
    """Whether a field's ``default_factory`` takes the validated data (Pydantic 2.10+)."""
    return bool(getattr(info, "default_factory_takes_validated_data", False))


def _make_partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if takes_data(info):
            # Pydantic calls it with the data validated so far, which a partial does not have:
            # the field shows as missing until its object completes (then Pydantic's value).
            default = Field(default=None, alias=info.alias)
        elif info.default_factory is not None:
            default = Field(default_factory=info.default_factory, alias=info.alias)
        else:
            kept = None if info.is_required() else info.default
            default = Field(default=kept, alias=info.alias)
        fields[field_name] = (Optional[partial_type(info.annotation)], default)
    # Extra keys are shown where the model keeps them (extra="allow").
    extra: Literal["allow", "ignore"] = (
        "allow" if model.model_config.get("extra") == "allow" else "ignore"
    )
    partial = create_model(
        name,
        __config__=ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, extra=extra),
        __doc__=f"{model.__name__} with every field optional, as it streams in.",
        __module__=model.__module__,
        **fields,
    )
    partial.__deltajson_model__ = model
    return partial  # type: ignore[no-any-return]


_IMMUTABLE = (type(None), bool, int, float, str, bytes, tuple, frozenset, enum.Enum)
_CONSTRUCTORS: dict[type[BaseModel], Any] = {}


def construct(cls: type[BaseModel], values: dict[str, Any]) -> BaseModel:
    """``cls.model_construct(**values)`` for a partial class, several times faster: defaults
    are sorted out once per class (immutable ones shared, others made per instance). Used on
    every chunk, for each open model of the spine. Falls back to ``model_construct`` for a
    class with post-init hooks or private attributes (partial classes have neither)."""
    make = _CONSTRUCTORS.get(cls)
    if make is None:
        make = _CONSTRUCTORS[cls] = _constructor(cls)
    return make(values)  # type: ignore[no-any-return]


def partial_maker(cls: type[BaseModel]) -> Any:
    """A function making ``construct(cls, {})``: an empty partial model."""
    make = _CONSTRUCTORS.get(cls)
    if make is None:
        make = _CONSTRUCTORS[cls] = _constructor(cls)
    empty: dict[str, Any] = {}
    return lambda: make(empty)


def _constructor(cls: type[BaseModel]) -> Any:
    if cls.__pydantic_post_init__ or cls.__private_attributes__ or cls.__pydantic_root_model__:
        return lambda values: cls.model_construct(**values)
    # Every field in declaration order (as model_construct fills __dict__); a mutable
    # default is made anew for each instance that does not set the field.
    template: dict[str, Any] = {}
    fresh: list[tuple[str, Any]] = []
    for name, info in cls.model_fields.items():
        template[name] = None
        if takes_data(info):
            pass  # missing (None) until the object completes, as in the partial class
        elif info.default_factory is not None:
            fresh.append((name, info.default_factory))
        elif isinstance(info.default, _IMMUTABLE):
            template[name] = info.default
        else:
            default = info.default
            fresh.append((name, lambda default=default: copy.deepcopy(default)))
    setattr_ = object.__setattr__

    def make(values: dict[str, Any]) -> BaseModel:
        data = dict(template)
        for name, factory in fresh:
            if name not in values:
                data[name] = factory()
        data.update(values)
        model = cls.__new__(cls)
        setattr_(model, "__dict__", data)
        setattr_(model, "__pydantic_fields_set__", set(values))
        setattr_(model, "__pydantic_extra__", None)
        setattr_(model, "__pydantic_private__", None)
        return model

    return make


class Partial:
    """``Partial[Model]``: ``Model`` with every field optional, recursively (see module docs)."""

    def __class_getitem__(cls, model: type[BaseModel]) -> type[BaseModel]:
        if not _is_model(model):
            raise TypeError(f"Partial[...] takes a pydantic model class, not {model!r}")
        return partial_model(model)
