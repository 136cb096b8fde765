"""Which engine reads a stream for a typed contract: the dispatch point of the typed layer.

* a JSON Schema (a dict, or :class:`deltajson.JSONSchema`):
  :class:`deltajson._jsonschema.SchemaEngine`;
* a Pydantic type whose schema carries streaming policies (``Annotated[..., StreamDone()]``):
  :class:`PolicyModelEngine`, the model engine with the policies applied to its partials;
* any other Pydantic type: :class:`deltajson._engine.ModelEngine` itself.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from deltajson._engine import ModelEngine
from deltajson._jsonschema import SchemaEngine, is_json_schema
from deltajson._policies import NONE, Level, apply, core_policies
from deltajson._schema import Place, Shape

__all__ = ["PolicyModelEngine", "engine_for"]


def engine_for(contract: Any, **options: Any) -> Union[ModelEngine, SchemaEngine]:
    """The engine of a stream of ``contract`` (``options`` as ``ModelEngine`` takes them)."""
    if is_json_schema(contract):
        return SchemaEngine(contract, **options)
    engine = ModelEngine(contract, **options)
    if _has_policies(engine.schemas.root.shape_schema):
        engine.__class__ = PolicyModelEngine
    return engine


def _has_policies(schema: Any) -> bool:
    """Whether a core schema holds a policy marker anywhere (no recursion)."""
    stack = [schema]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
        elif isinstance(node, dict) and id(node) not in seen:
            seen.add(id(node))
            if core_policies(node):
                return True
            stack.extend(v for k, v in node.items() if k not in ("cls", "metadata", "default"))
    return False


class PolicyModelEngine(ModelEngine):
    """The model engine, its partials shown under the fields' streaming policies. With
    ``copy=False`` the levels the policies change are copied (the engine's own live views are
    never changed); otherwise the engine's partial is a new copy of the open spine, changed
    in place."""

    def partial(self) -> Any:
        shown = super().partial()
        if self.done or shown is None:
            return shown
        return apply(shown, self._levels(), as_dict=False, fresh=not self.live)

    def shown_root(self) -> Any:
        return self.partial()

    def _levels(self) -> list[Level]:
        levels: list[Level] = []
        for shape, is_model, is_list, child, place in self.open_spine():
            kind = "list" if is_list else "model" if is_model else "dict"
            if child is not None and is_list:
                child = -1
            policies = self._policies_of(place) if child is not None else _NONE
            levels.append(
                Level(kind, NONE if child is None else child, policies, self._fields_of(shape))
            )
        return levels

    def _fields_of(self, shape: Shape) -> tuple[tuple[str, frozenset[str]], ...]:
        tables: dict[int, tuple[tuple[str, frozenset[str]], ...]] = self.__dict__.setdefault(
            "_field_tables", {}
        )
        found = tables.get(id(shape))
        if found is None:
            names: dict[str, frozenset[str]] = {}
            if shape.kind == "fields":
                for entries in shape.keys.values():
                    for entry in entries:
                        policies = self._policies_of(entry.place) & _FIELD_POLICIES
                        if policies:
                            names[entry.name] = names.get(entry.name, _NONE) | policies
            found = tables[id(shape)] = tuple(names.items())
        return found

    def _policies_of(self, place: Optional[Place]) -> frozenset[str]:
        """A place's policies, read once per stream (its places live as long as it)."""
        if place is None:
            return _NONE
        known: dict[int, frozenset[str]] = self.__dict__.setdefault("_place_policies", {})
        found = known.get(id(place))
        if found is None:
            found = known[id(place)] = core_policies(place.shape_schema)
        return found


_NONE: frozenset[str] = frozenset()
_FIELD_POLICIES = frozenset(("not_null", "with_state"))
