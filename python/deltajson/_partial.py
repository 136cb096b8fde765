"""``Partial[Model]`` and the schema plan the streaming layer walks.

``Partial[Model]`` is ``Model`` with every field optional (defaults kept), recursively: nested
models, lists and dicts of models, unions (a discriminated union becomes a plain union of its
partial variants, since the discriminator may not have arrived yet). Constraints and custom
validators are left out of partial classes: they run on complete values only, through the
plan's adapters, which keep them. A place that expects a model accepts the model itself too,
so completed parts of a streamed value can be real, fully validated instances.

The plan (:class:`Node`) says, for every place in a document of a given model, what is
expected there, how to validate a complete value there, and whether a partial string may be
shown there.
"""

from __future__ import annotations

import copy
import enum
import types
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from pydantic.fields import FieldInfo

__all__ = ["Node", "Partial", "partial_model", "plan_for"]


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


def partial_model(model: type[BaseModel]) -> type[BaseModel]:
    """``Partial[model]``: every field optional, recursively; made once per model. A model
    that refers to itself (directly or not) gets a forward reference, resolved once built."""
    if model in _PARTIALS:
        return _PARTIALS[model]
    if model in _BUILDING:
        return typing.ForwardRef(_BUILDING[model])  # type: ignore[return-value]
    name = f"Partial{model.__name__}"
    _BUILDING[model] = name
    try:
        partial = _make_partial(model, name)
    finally:
        del _BUILDING[model]
    _PARTIALS[model] = partial
    partial.model_rebuild(_types_namespace={name: partial, model.__name__: model})
    return partial


def _make_partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if info.default_factory is not None:
            default = Field(default_factory=info.default_factory, alias=info.alias)
        else:
            kept = None if info.is_required() else info.default
            default = Field(default=kept, alias=info.alias)
        fields[field_name] = (Optional[partial_type(info.annotation)], default)
    partial = create_model(
        name,
        __config__=ConfigDict(populate_by_name=True, arbitrary_types_allowed=True),
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


def _constructor(cls: type[BaseModel]) -> Any:
    if cls.__pydantic_post_init__ or cls.__private_attributes__ or cls.__pydantic_root_model__:
        return lambda values: cls.model_construct(**values)
    # Every field in declaration order (as model_construct fills __dict__); a mutable
    # default is made anew for each instance that does not set the field.
    template: dict[str, Any] = {}
    fresh: list[tuple[str, Any]] = []
    for name, info in cls.model_fields.items():
        template[name] = None
        if info.default_factory is not None:
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


# ---- the plan ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    """What is expected at one place of a document."""

    kind: Literal["model", "list", "dict", "union", "scalar"]
    annotation: Any
    #: Validates a complete value here (constraints and validators included).
    adapter: TypeAdapter[Any]
    #: A partial string may be shown here (the type takes any string).
    partial_strings: bool = False
    model: Optional[type[BaseModel]] = None
    partial: Optional[type[BaseModel]] = None
    #: model: JSON key -> (field name, node); list/dict: the node of items.
    fields: dict[str, tuple[str, Node]] = field(default_factory=dict)
    item: Optional[Node] = None
    #: union: the variants, and the discriminating key if any.
    variants: list[Node] = field(default_factory=list)
    discriminator: Optional[str] = None

    def child(self, key: Any, value: Any = None) -> Optional[Node]:
        """The node of the child at ``key`` (for a union, of the variant ``value`` fits)."""
        if self.kind == "model":
            found = self.fields.get(key) if isinstance(key, str) else None
            return found[1] if found is not None else None
        if self.kind in ("list", "dict"):
            return self.item
        if self.kind == "union":
            variant = self.variant_for(value)
            return variant.child(key) if variant is not None else None
        return None

    def variant_for(self, value: Any) -> Optional[Node]:
        """The union member a (possibly partial) value belongs to: by the discriminator when
        it has arrived, else the first member of the value's shape."""
        if self.kind != "union":
            return self
        shaped = [v for v in self.variants if _fits_shape(v, value)]
        if self.discriminator and isinstance(value, dict) and self.discriminator in value:
            tag = value[self.discriminator]
            for variant in shaped:
                key_node = variant.fields.get(self.discriminator)
                if key_node is not None and _literal_accepts(key_node[1].annotation, tag):
                    return variant
        return shaped[0] if shaped else None


def _fits_shape(node: Node, value: Any) -> bool:
    if node.kind == "model" or node.kind == "dict":
        return isinstance(value, dict)
    if node.kind == "list":
        return isinstance(value, list)
    if node.kind == "union":
        return any(_fits_shape(v, value) for v in node.variants)
    return not isinstance(value, (dict, list))


def _literal_accepts(annotation: Any, value: Any) -> bool:
    tp = _strip_annotated(annotation)
    if typing.get_origin(tp) is Literal:
        return value in typing.get_args(tp)
    return True


def _takes_any_string(tp: Any) -> bool:
    tp = _strip_annotated(tp)
    if tp is str:
        return True
    members = _union_members(tp)
    return members is not None and any(_takes_any_string(m) for m in members)


_MODEL_NODES: dict[type[BaseModel], Node] = {}


def plan_for(model: type[BaseModel]) -> Node:
    """The plan of a document of ``model`` (made once per model)."""
    return _node(model, None)


def _node(tp: Any, info: Optional[FieldInfo]) -> Node:
    bare = _strip_annotated(tp)
    plain = info is None or (not info.metadata and info.discriminator is None)
    if _is_model(bare) and plain and bare is tp:
        # One node per model, registered before its fields are planned: recursive models
        # then refer to their own node.
        if bare not in _MODEL_NODES:
            node = Node("model", tp, TypeAdapter(bare), model=bare, partial=partial_model(bare))
            _MODEL_NODES[bare] = node
            _plan_fields(node, bare)
        return _MODEL_NODES[bare]
    # Typed Any: an Annotated built at run time is a value, not a type mypy can check.
    validated: Any = Annotated[tuple([tp, *info.metadata])] if info and info.metadata else tp
    if info is not None and info.discriminator is not None:
        validated = Annotated[validated, Field(discriminator=info.discriminator)]
    adapter: TypeAdapter[Any] = TypeAdapter(validated)
    if _is_model(bare):
        node = Node("model", tp, adapter, model=bare, partial=partial_model(bare))
        _plan_fields(node, bare)
        return node
    members = _union_members(bare)
    if members is not None:
        variants = [_node(m, None) for m in members if m is not type(None)]
        discriminator = info.discriminator if info and isinstance(info.discriminator, str) else None
        if len(variants) == 1 and discriminator is None:
            only = variants[0]
            return Node(
                only.kind,
                tp,
                adapter,
                only.partial_strings,
                only.model,
                only.partial,
                only.fields,
                only.item,
                only.variants,
                only.discriminator,
            )
        return Node(
            "union",
            tp,
            adapter,
            _takes_any_string(bare),
            variants=variants,
            discriminator=discriminator,
        )
    origin = typing.get_origin(bare)
    args = typing.get_args(bare)
    if origin in (list, set, frozenset) and args:
        return Node("list", tp, adapter, item=_node(args[0], None))
    if origin is tuple and args:
        item = args[0] if len(args) == 2 and args[1] is Ellipsis else Union[args]
        return Node("list", tp, adapter, item=_node(item, None))
    if origin is dict and len(args) == 2:
        return Node("dict", tp, adapter, item=_node(args[1], None))
    partial_strings = bare is str or (
        _takes_any_string(bare) and not (isinstance(bare, type) and issubclass(bare, enum.Enum))
    )
    return Node("scalar", tp, adapter, partial_strings)


def _plan_fields(node: Node, model: type[BaseModel]) -> None:
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        key = alias if isinstance(alias, str) else (info.alias or name)
        node.fields[key] = (name, _node(info.annotation, info))
