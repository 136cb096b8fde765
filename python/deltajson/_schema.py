"""Where a streamed value sits in a Pydantic schema, read off Pydantic's own core schema.

The typed layer's contract is Pydantic itself, so this module does not re-derive a schema from
type annotations: it walks ``Model.__pydantic_core_schema__``, the very schema Pydantic
validates with, which already says everything that matters — aliases (``AliasChoices``,
``AliasPath``, ``populate_by_name``), strictness (config, ``Field(strict=True)``, ``Strict()``),
discriminators, defaults, extra handling, and every validator in its place.

A :class:`Place` is one position of a document: the schema a complete value there is validated
with, in JSON mode, and whether doing so early is *sound* — a failure there means the whole
document fails. It is not sound below anything that may change its input before the inner
schema sees it (a before, wrap or plain validator, a model with its own ``__init__``), nor
inside a smart-mode union (another member may accept it), nor inside a tagged union before
its tag is known. Validators that read ``info`` (``info.data`` above all) need the enclosing
object, so a place validates without them (its after-validators of that kind are peeled
off) and they run when the enclosing object completes, validated whole.

:class:`Shape` says what a container at a place holds: which JSON key is which field, the
places of its children, the class a partial of it is shown as.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from pydantic_core import PydanticCustomError, SchemaValidator, ValidationError

_json_text: Any
try:
    from deltajson._deltajson import json_text as _json_text
except ImportError:  # pragma: no cover - only without the compiled extension
    _json_text = None

__all__ = [
    "ANY_SCHEMA",
    "Field",
    "Place",
    "Schemas",
    "Shape",
    "describe",
    "dumps",
    "error_with_prefix",
    "json_of",
]

Key = Union[str, int]
Schema = dict[str, Any]

#: Core schema types that wrap one inner schema and pass their input on unchanged.
_PASS_THROUGH = ("default", "nullable", "custom-error")
#: Wrappers after which the inner schema may see another input than the raw value.
_TRANSFORMING = ("function-before", "function-wrap")
#: The schema of a place that takes anything (one object: places are cached by its id).
ANY_SCHEMA: Schema = {"type": "any"}
#: Schema types whose children live in a data context of their own (``info.data``).
_CONTEXT_BOUNDARY = ("model", "dataclass", "typed-dict")


def dumps(value: Any) -> str:
    """JSON text of a parsed value, for Pydantic's JSON mode. Exact for what the parser
    builds: ints stay exact, floats round-trip (Pydantic reads JSON decimals as floats too),
    NaN and infinities are written as Pydantic's JSON reader accepts them, escapes as sent."""
    return json.dumps(value, default=float)


def json_of(value: Any) -> Union[str, bytes]:
    """``dumps(value)`` for Pydantic's JSON reader, written in Rust where the extension is
    there (``json_text``: the same JSON without ``ensure_ascii``'s escapes and spaces, so
    Pydantic reads the very same values); anything that is not JSON data (a ``Decimal`` of
    ``float_mode="decimal"``) still goes through ``dumps``."""
    if _json_text is not None:
        text: Optional[bytes] = _json_text(value)
        if text is not None:
            return text
    return dumps(value)


@dataclass(eq=False)
class Place:
    """A position in a document of one schema."""

    #: The core schema a complete value here is validated with (None: nothing to check
    #: here on its own; the enclosing value's validation decides).
    schema: Optional[Schema]
    #: The nearest enclosing core config (strictness and the like come from it).
    config: Optional[dict[str, Any]]
    #: A failure here means the document fails: early validation may raise.
    sound: bool
    #: The schema the shape of a value here is read from (may differ from ``schema`` where
    #: info-validators were peeled off, or be known where ``schema`` is not checkable).
    shape_schema: Optional[Schema]
    #: A completed value here is validated early (a schema, and sound).
    checked: bool = field(init=False)
    #: The JSON atom type (``str``, ``int``, ``float``, ``bool``) whose values the schema
    #: gives back unchanged, else None; whether it gives back ``None`` (null) unchanged; and
    #: for a list of such atoms, their type and whether null items are given back too (see
    #: ``_plain_kinds``: what ``Schemas.validate``'s shortcut takes, without Pydantic).
    plain: Optional[type] = field(init=False)
    nullable: bool = field(init=False)
    plain_items: Optional[type] = field(init=False)
    items_nullable: bool = field(init=False)
    #: The place's SchemaValidator, once made (``Schemas.validator``).
    compiled: Any = field(init=False, default=None)
    #: ``Schemas.items_model``'s answer, once asked (``False``: not yet).
    items: Any = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.checked = self.schema is not None and self.sound
        self.plain, self.nullable, self.plain_items, self.items_nullable = _plain_kinds(self)


@dataclass(eq=False)
class Field:
    """One model (or dataclass, TypedDict) field a JSON key may fill."""

    name: str
    #: Lower is preferred: the first alias choice present wins, then the field's own name.
    priority: int
    #: The rest of an ``AliasPath`` below the key (empty for a plain key).
    rest: tuple[Key, ...]
    place: Place


@dataclass(eq=False)
class Shape:
    """What a container at a place holds, and how a partial of it is shown."""

    kind: str  # "fields" | "list" | "tuple" | "dict" | "tagged" | "union" | "any" | "atom"
    #: Model class (``fields`` from a BaseModel): partials are shown as its partial class.
    model: Optional[type] = None
    #: ``fields``: JSON key -> the fields it may fill (several with ``AliasChoices``).
    keys: dict[str, list[Field]] = field(default_factory=dict)
    #: ``fields``: every field's alias paths that go deeper than one key.
    deep: dict[str, list[Field]] = field(default_factory=dict)
    #: ``fields`` with extra="allow": the place of an extra key's value (else None).
    extra: Optional[Place] = None
    #: ``fields`` with extra="forbid": a key that fills no field fails the object.
    forbid: bool = False
    #: ``list``/``dict``: the place of every item (value).
    item: Optional[Place] = None
    #: ``tuple``: positional places, and the index of the variadic one (or None).
    items: list[Place] = field(default_factory=list)
    variadic: Optional[int] = None
    #: ``tagged``: the discriminating JSON key, and each tag's variant place.
    tag_key: Optional[str] = None
    choices: dict[Any, Place] = field(default_factory=dict)
    #: ``tagged`` with a callable discriminator: it is called on complete values only.
    tag_function: Optional[Callable[[Any], Any]] = None
    #: ``union``: the members, for showing a partial by its shape.
    members: list[Place] = field(default_factory=list)
    #: An unfinished string may be shown here (any string is accepted).
    partial_strings: bool = False
    #: The typed layer's cache of where children go (filled for known keys only, so that
    #: its size is bounded by the schema's, whatever the documents).
    children: dict[Any, Any] = field(default_factory=dict)
    #: Where every child goes (``list``, ``dict``), once the typed layer asked.
    child: Any = None
    #: What the typed layer's native lane takes here (see ``deltajson._engine``), once made.
    lane: Any = None
    #: Makes a new, empty partial model of ``model`` (the typed layer's view), once made.
    new_view: Any = None


class Schemas:
    """The places and shapes of one root schema (a model's, or a TypeAdapter's).

    Shared by every stream of the model, in any thread: each memo is filled with
    ``setdefault``, so threads that make the same entry at once all use the first one stored
    (an entry, once there, never changes; entries keyed by ``id()`` keep their object alive).
    """

    def __init__(self, schema: Schema, config: Optional[dict[str, Any]] = None) -> None:
        self.definitions: dict[str, Schema] = {}
        self._definition_list: list[Schema] = []
        self._collect(schema)
        self.root = Place(schema, config, True, schema)
        self._validators: dict[tuple[int, int], Any] = {}
        self._shapes: dict[int, Shape] = {}
        self._places: dict[tuple[int, int, bool], Place] = {}
        self._context: dict[int, bool] = {}
        self._keep: list[Any] = []  # schemas and configs keyed by id() stay alive
        #: The typed layer's cache: (place, is_list) -> the shape a container there shows.
        self.shown: dict[tuple[Place, bool], Shape] = {}

    # ---- validation --------------------------------------------------------------------

    def validator(self, place: Place) -> Any:
        """The SchemaValidator of a place (made once)."""
        found = place.compiled
        if found is not None:
            return found
        assert place.schema is not None
        key = (id(place.schema), id(place.config))
        found = self._validators.get(key)
        if found is None:
            schema = place.schema
            if self._definition_list and schema.get("type") != "definitions":
                schema = {
                    "type": "definitions",
                    "schema": schema,
                    "definitions": self._definition_list,
                }
            self._keep.append((place.schema, place.config))
            # setdefault: threads that made one at once all use the first one kept.
            made = SchemaValidator(schema, place.config)  # type: ignore[arg-type]
            found = self._validators.setdefault(key, made)
        place.compiled = found
        return found

    def validate(self, place: Place, raw: Any) -> Any:
        """Validates a complete raw value at ``place`` as Pydantic's JSON mode would.

        Raises:
            ValidationError: Pydantic's own error.
        """
        if raw is None:
            if place.nullable:
                return raw  # what Pydantic gives back for it, without the round trip
        elif place.plain is not None:
            if _is_plain(place.plain, raw):
                return raw
        elif place.plain_items is not None and type(raw) is list:
            kind, nullable = place.plain_items, place.items_nullable
            if all((item is None and nullable) or _is_plain(kind, item) for item in raw):
                return list(raw)  # a new list of the same items, as Pydantic makes
        return self.validator(place).validate_json(json_of(raw))

    def items_model(self, place: Place) -> Optional[tuple[Place, type]]:
        """For a checked place whose schema is a bare list of one model (no constraint, no
        validator; ``default`` and ``nullable`` looked through), the place of its items and
        the model class; else None. Such a list gives back a new list of what its items'
        place gives back for each item: where every item was validated there already, the
        list's own validation would only repeat it (the typed layer's shortcut)."""
        found = place.items
        if found is False:
            found = place.items = self._items_model(place)
        return found  # type: ignore[no-any-return]

    def _items_model(self, place: Place) -> Optional[tuple[Place, type]]:
        schema = place.schema
        if schema is None or not place.checked:
            return None
        schema = _without_default(schema)
        if schema.get("type") == "nullable" and _PLAIN_WRAPPER_KEYS.issuperset(schema):
            inner = schema.get("schema")
            if not isinstance(inner, dict):
                return None
            schema = _without_default(inner)
        if schema.get("type") != "list" or not _PLAIN_WRAPPER_KEYS.issuperset(schema):
            return None
        items = schema.get("items_schema")
        if not isinstance(items, dict):
            return None
        item = self.place(items, place.config, place.sound)
        if not item.checked:
            return None
        shape = self.shape(item)
        if shape.kind != "fields" or shape.model is None:
            return None
        return item, shape.model

    # ---- places ----------------------------------------------------------------------------

    def place(self, schema: Schema, config: Optional[dict[str, Any]], sound: bool) -> Place:
        """The place of a value validated by ``schema`` (made once per schema and config)."""
        key = (id(schema), id(config), sound)
        found = self._places.get(key)
        if found is None:
            checked: Optional[Schema] = schema
            # Validators reading ``info`` need the enclosing object: after-validators of that
            # kind are peeled off (they only act on a value that passed the inner schema);
            # any other use of the context makes the place not checkable on its own.
            while checked is not None and self._needs_context(checked):
                if checked.get("type") == "function-after" and _takes_info(checked):
                    checked = checked["schema"]
                else:
                    checked = None
            self._keep.append((schema, config))
            found = self._places.setdefault(key, Place(checked, config, sound, schema))
        return found

    def shape(self, place: Place) -> Shape:
        """What a container at ``place`` holds (made once per place)."""
        found = self._shapes.get(id(place))
        if found is None:
            self._keep.append(place)
            found = self._shapes.setdefault(id(place), self._make_shape(place))
        return found

    def _make_shape(self, place: Place) -> Shape:
        schema = place.shape_schema
        config = place.config
        sound = place.sound
        model: Optional[type] = None
        while schema is not None:
            kind = schema.get("type")
            if kind == "definition-ref":
                schema = self.definitions.get(schema["schema_ref"])
            elif kind == "definitions":
                schema = schema["schema"]
            elif kind == "function-after":
                schema = schema["schema"]
            elif kind in _TRANSFORMING:
                sound = False
                schema = schema["schema"]
            elif kind == "model":
                config = schema.get("config") or config
                if schema.get("custom_init"):
                    sound = False
                if not schema.get("root_model"):
                    model = schema.get("cls")
                schema = schema["schema"]
            elif kind == "dataclass":
                config = schema.get("config") or config
                schema = schema["schema"]
            elif kind in _PASS_THROUGH:
                schema = schema["schema"]
            elif kind == "json-or-python":
                schema = schema["json_schema"]
            elif kind == "lax-or-strict":
                strict = schema.get("strict", (config or {}).get("strict", False))
                schema = schema["strict_schema" if strict else "lax_schema"]
            elif kind == "chain":
                schema = schema["steps"][0]  # later steps see what the first one made
            else:
                break
        if schema is None:
            return Shape("any", partial_strings=True)
        return self._structure(schema, config, sound, model)

    def _structure(
        self, schema: Schema, config: Optional[dict[str, Any]], sound: bool, model: Optional[type]
    ) -> Shape:
        kind = schema.get("type")
        if kind in ("model-fields", "typed-dict", "dataclass-args"):
            return self._fields_shape(schema, config, sound, model)
        if kind in ("list", "set", "frozenset", "generator"):
            return Shape("list", item=self._item_place(schema.get("items_schema"), config, sound))
        if kind == "tuple":
            items = [self.place(s, config, sound) for s in schema.get("items_schema", [])]
            return Shape("tuple", items=items, variadic=schema.get("variadic_item_index"))
        if kind == "dict":
            return Shape("dict", item=self._item_place(schema.get("values_schema"), config, sound))
        if kind == "tagged-union":
            return self._tagged_shape(schema, config, sound)
        if kind == "union":
            members = []
            for choice in schema.get("choices", []):
                member = choice[0] if isinstance(choice, tuple) else choice
                members.append(self.place(member, config, False))
            strings = any(self.shape(m).partial_strings for m in members)
            return Shape("union", members=members, partial_strings=strings)
        if kind == "any":
            return Shape("any", partial_strings=True)
        if kind == "str":
            return Shape("atom", partial_strings=True)
        return Shape("atom")

    def _item_place(self, schema: Optional[Schema], config: Any, sound: bool) -> Optional[Place]:
        return self.place(schema, config, sound) if schema is not None else None

    def _fields_shape(
        self, schema: Schema, config: Optional[dict[str, Any]], sound: bool, model: Optional[type]
    ) -> Shape:
        config = schema.get("config") or config
        conf = config or {}
        by_alias = conf.get("validate_by_alias", True)
        by_name = conf.get("validate_by_name", conf.get("populate_by_name", False))
        raw_fields = schema.get("fields", {})
        named = (
            raw_fields.items()
            if isinstance(raw_fields, dict)
            else [(f["name"], f) for f in raw_fields]
        )
        shape = Shape("fields", model=model)
        for name, info in named:
            place = self.place(info["schema"], config, sound)
            paths: list[list[Key]] = []
            alias = info.get("validation_alias")
            if alias is not None and by_alias:
                if isinstance(alias, str):
                    paths.append([alias])
                elif alias and all(isinstance(p, list) for p in alias):
                    paths.extend(alias)
                else:
                    paths.append(alias)
            if alias is None or not by_alias or by_name:
                if [name] not in paths:
                    paths.append([name])
            for priority, path in enumerate(paths):
                head = path[0]
                if not isinstance(head, str):
                    continue
                entry = Field(name, priority, tuple(path[1:]), place)
                target = shape.keys if len(path) == 1 else shape.deep
                target.setdefault(head, []).append(entry)
        extra = schema.get("extra_behavior") or conf.get("extra_fields_behavior")
        shape.forbid = extra == "forbid"
        if extra == "allow" and schema.get("type") == "model-fields":
            extras = schema.get("extras_schema")
            shape.extra = self.place(extras if extras is not None else ANY_SCHEMA, config, sound)
        return shape

    def _tagged_shape(self, schema: Schema, config: Any, sound: bool) -> Shape:
        discriminator = schema.get("discriminator")
        choices = {
            tag: self.place(variant, config, sound)
            for tag, variant in schema.get("choices", {}).items()
        }
        if isinstance(discriminator, str):
            return Shape("tagged", tag_key=discriminator, choices=choices)
        if (
            isinstance(discriminator, list)
            and len(discriminator) == 1
            and isinstance(discriminator[0], list)
            and len(discriminator[0]) == 1
            and isinstance(discriminator[0][0], str)
        ):
            return Shape("tagged", tag_key=discriminator[0][0], choices=choices)
        if (
            isinstance(discriminator, list)
            and len(discriminator) == 1
            and isinstance(discriminator[0], str)
        ):
            return Shape("tagged", tag_key=discriminator[0], choices=choices)
        if callable(discriminator):
            return Shape("tagged", choices=choices, tag_function=discriminator)
        return Shape("tagged", choices=choices)

    # ---- helpers ---------------------------------------------------------------------------

    def _collect(self, schema: Any) -> None:
        if isinstance(schema, dict) and schema.get("type") == "definitions":
            for definition in schema.get("definitions", []):
                self.definitions[definition["ref"]] = definition
                self._definition_list.append(definition)

    def _needs_context(self, schema: Schema) -> bool:
        """Whether validating ``schema`` alone would run a validator that reads ``info``
        outside a model of its own (whose ``info.data`` would then be missing)."""
        key = id(schema)
        found = self._context.get(key)
        if found is None:
            found = self._context.setdefault(key, _scan_context(schema))
        return found


#: Schema keys that do not change what a plain schema gives back for its own JSON type.
_PLAIN_KEYS = frozenset(("type", "strict", "ref", "metadata", "serialization"))
_PLAIN_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}


#: Schema keys of a list (or nullable) schema that do not change what it gives back.
_PLAIN_WRAPPER_KEYS = frozenset(("type", "schema", "items_schema", *_PLAIN_KEYS))


def _plain_kinds(place: Place) -> tuple[Optional[type], bool, Optional[type], bool]:
    """What ``place``'s schema gives back unchanged, under a config that leaves strings as
    they are: the atom type (``str``, ``int``, ``float``, ``bool``) of a bare schema of that
    type (no constraint, no validator), whether ``None`` (a nullable schema), and for a bare
    list schema, the same two of its items. A ``default`` wrapper is looked through (it acts
    only where the value is missing). Anything else: ``(None, False, None, False)``."""
    schema = place.schema
    config = place.config or {}
    if schema is None or any(key.startswith("str_") for key in config):
        return None, False, None, False
    schema = _without_default(schema)
    plain, nullable = _atom(schema)
    if plain is not None or nullable:
        return plain, nullable, None, False
    if schema.get("type") == "list" and _PLAIN_WRAPPER_KEYS.issuperset(schema):
        items = schema.get("items_schema")
        if isinstance(items, dict):
            items_plain, items_nullable = _atom(items)
            if items_plain is not None:
                return None, False, items_plain, items_nullable
    return None, False, None, False


def _without_default(schema: Schema) -> Schema:
    while schema.get("type") == "default" and isinstance(schema.get("schema"), dict):
        schema = schema["schema"]
    return schema


def _atom(schema: Schema) -> tuple[Optional[type], bool]:
    """The plain atom type of a bare atom schema (possibly nullable), and whether null is
    given back (``(None, True)``: a nullable schema of anything else)."""
    nullable = False
    if schema.get("type") == "nullable" and _PLAIN_WRAPPER_KEYS.issuperset(schema):
        inner = schema.get("schema")
        if not isinstance(inner, dict):
            return None, False
        nullable, schema = True, _without_default(inner)
    kind = schema.get("type")
    if kind in _PLAIN_TYPES and _PLAIN_KEYS.issuperset(schema):
        return _PLAIN_TYPES[kind], nullable
    return None, nullable


def _is_plain(kind: type, value: Any) -> bool:
    """Whether ``value`` is a JSON value of the plain type ``kind`` that the plain schema
    returns as is."""
    if type(value) is not kind:
        return False
    if isinstance(value, str):
        # A lone surrogate is Pydantic's to judge (its JSON reader may refuse it).
        return value.isascii() or _encodable(value)
    if isinstance(value, float):
        return value - value == 0.0  # finite
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _takes_info(schema: Schema) -> bool:
    function = schema.get("function")
    return isinstance(function, dict) and function.get("type") == "with-info"


def _scan_context(schema: Any) -> bool:
    """Finds a with-info validator in ``schema`` outside nested models, without recursion."""
    stack = [schema]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        kind = node.get("type")
        if kind in _CONTEXT_BOUNDARY or kind == "definition-ref":
            continue
        if kind in ("function-after", "function-before", "function-wrap", "function-plain"):
            inner = node.get("schema")
            wrapped = _unwrap_functions(inner)
            if _takes_info(node) and not (
                isinstance(wrapped, dict) and wrapped.get("type") in _CONTEXT_BOUNDARY
            ):
                return True
        for name, value in node.items():
            if name in ("metadata", "serialization", "ref", "cls", "config", "default"):
                continue
            if isinstance(value, (dict, list, tuple)):
                stack.append(value)
    return False


def _unwrap_functions(schema: Any) -> Any:
    while isinstance(schema, dict) and str(schema.get("type", "")).startswith("function-"):
        schema = schema.get("schema")
    return schema


def error_with_prefix(
    error: ValidationError, prefix: tuple[Key, ...], title: str
) -> ValidationError:
    """``error`` with every location under ``prefix``: what Pydantic reports for the same
    failure when it validates the whole document (types, messages, contexts and inputs kept).

    Each line error is rebuilt as Pydantic's own type where that gives back the very same
    message; otherwise (a custom type such as ``EmailStr``'s, a ``PydanticCustomError`` from a
    validator, a known type raised with its own message) as a custom error of the same type,
    message and context, so no location is ever lost.
    """
    if not prefix:
        return error
    line_errors: list[Any] = []
    for item in error.errors(include_url=False):
        loc = (*prefix, *item["loc"])
        line_errors.append(_rebuilt(item, loc, title))
    # In JSON mode, as the place was validated: Pydantic words some messages per input type.
    return ValidationError.from_exception_data(title, line_errors, input_type="json")


def _rebuilt(item: Any, loc: tuple[Key, ...], title: str) -> dict[str, Any]:
    """One line error at ``loc``: Pydantic's type where it renders ``item``'s message."""
    known: dict[str, Any] = {"type": item["type"], "loc": loc, "input": item["input"]}
    if "ctx" in item:
        known["ctx"] = item["ctx"]
    try:
        probe = ValidationError.from_exception_data(
            title,
            [known],  # type: ignore[list-item]
            input_type="json",
        )
        if probe.errors(include_url=False)[0]["msg"] == item["msg"]:
            return known
    except Exception:  # not a known type, or a context it does not take
        pass
    # The message is already rendered; a context whose placeholder it still shows (a value
    # that itself reads ``{name}``) would be substituted again, so it is left out there.
    message, ctx = item["msg"], item.get("ctx")
    if ctx and any("{" + str(name) + "}" in message for name in ctx):
        ctx = None
    custom = PydanticCustomError(item["type"], message, ctx)
    return {"type": custom, "loc": loc, "input": item["input"]}


def describe(error: ValidationError, path: tuple[Key, ...]) -> str:
    """A mismatch's message: where (the first error's location) and what."""
    errors = error.errors(include_url=False)
    loc = errors[0]["loc"] if errors else path
    where = "/".join(map(str, loc)) or "(root)"
    return f"{where}: {errors[0]['msg'] if errors else error}"
