"""JSON Schema dicts as typed contracts: partial plain values, validated by ``jsonschema``.

The schema an app sends as OpenAI's ``response_format``, an Anthropic tool's
``input_schema`` or an MCP tool's schema is a dict; ``stream_model(chunks, schema)`` takes it
as it takes a Pydantic type. The validator is python-jsonschema's (``pip install
deltajson[jsonschema]``), for the schema's own dialect (``$schema``; draft 2020-12 when it
names none): what it accepts and rejects, and how (``$ref``, ``anyOf``/``oneOf``, formats
only where a ``format_checker`` is given, ...), is the contract.

* Partials are the parser's own snapshots: plain dicts and lists under its growth rules.
* A completed value is validated, on the chunk that completes it, against the subschemas
  that *surely* apply at its place: the root, then down ``properties``,
  ``additionalProperties`` (where no ``patternProperties`` may claim the key),
  ``prefixItems``/``items`` (``items``/``additionalItems`` before 2020-12), through ``$ref``
  and ``allOf``. Nothing is validated early below ``anyOf``, ``oneOf``, ``not``, ``if`` or
  ``dependentSchemas`` (another branch may decide), nor anywhere in a schema using
  ``$dynamicRef``/``$recursiveRef`` (its dynamic scope is the whole document's). So a
  failure raised early is one the whole document has; its validator error is the cause.
* A place's subschemas are validated by the validator itself (``descend``, with the
  resolver of the place, as it does for the whole document), so ``$ref`` inside them
  resolves as in a whole validation.
* The final value is the document's value, once the validator accepts the whole of it.

Policies (:mod:`deltajson._policies`) are read off the extension keyword
``x-deltajson-stream``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Callable, Optional, Union

from deltajson._api import Chunk, Parser, joined
from deltajson._errors import SchemaMismatch
from deltajson._policies import KEYWORD, NONE, Level, apply, merge, policy_names
from deltajson.select import PathLike

__all__ = ["JSONSchema", "SchemaEngine", "SchemaItems", "is_json_schema"]

Path = tuple[Union[str, int], ...]
Schema = Union[Mapping[str, Any], bool]
_MISSING: Any = object()
_NO_POLICIES: frozenset[str] = frozenset()
_FIELD_POLICIES = frozenset(("not_null", "with_state"))


def _jsonschema() -> Any:
    try:
        import jsonschema
    except ImportError as e:  # pragma: no cover - the extra is not installed
        raise ImportError(
            "JSON Schema contracts need python-jsonschema: pip install deltajson[jsonschema]"
        ) from e
    return jsonschema


def is_json_schema(contract: Any) -> bool:
    """Whether a typed-layer contract is a JSON Schema (a dict or a :class:`JSONSchema`)
    rather than a Pydantic type."""
    return isinstance(contract, (Mapping, JSONSchema))


class JSONSchema:
    """A JSON Schema as a typed contract: the schema, its validator, its places.

    ``stream_model(chunks, schema_dict)`` wraps the dict with the defaults; make one to
    choose: ``JSONSchema(schema, format_checker=jsonschema.FormatChecker())`` asserts
    formats (the validator only annotates them otherwise), ``registry=`` resolves ``$ref``
    to other documents (a ``referencing.Registry``), ``validator_class=`` overrides the
    dialect the schema's ``$schema`` names. Made once per schema, it can serve any number of
    streams.

    Raises:
        jsonschema.SchemaError: the schema is not valid under its dialect's meta-schema.
        ValueError: an ``x-deltajson-stream`` value that names no policy.
    """

    def __init__(
        self,
        schema: Schema,
        /,
        *,
        format_checker: Any = None,
        registry: Any = None,
        validator_class: Any = None,
    ) -> None:
        if not isinstance(schema, (Mapping, bool)):
            raise TypeError(f"a JSON Schema is a dict (or a bool), not {type(schema).__name__}")
        jsonschema = _jsonschema()
        import referencing.jsonschema
        from jsonschema_specifications import REGISTRY as SPECIFICATIONS

        validators = jsonschema.validators
        cls = validator_class or validators.validator_for(
            schema, default=jsonschema.Draft202012Validator
        )
        cls.check_schema(schema)
        options: dict[str, Any] = {}
        if format_checker is not None:
            options["format_checker"] = format_checker
        if registry is not None:
            options["registry"] = registry
        self.schema = schema
        #: The validator of the whole document (python-jsonschema's, for the dialect).
        self.validator = cls(schema, **options)
        self._best_match = jsonschema.exceptions.best_match
        #: Before 2019-09 a ``$ref`` makes its siblings ignored.
        self._legacy_ref = cls in (
            validators.Draft3Validator,
            validators.Draft4Validator,
            validators.Draft6Validator,
            validators.Draft7Validator,
        )
        #: Before 2020-12 positional items are ``items: [...]`` and ``additionalItems``.
        self._prefix_items = "prefixItems" in cls.VALIDATORS
        dialect = cls.ID_OF(cls.META_SCHEMA) or ""
        self._specification = referencing.jsonschema.specification_with(
            dialect, default=referencing.jsonschema.DRAFT202012
        )
        # The resolver the validator makes for the root (same registry, same resource), for
        # reading places: each place keeps the resolver the validator would have there.
        known = SPECIFICATIONS if registry is None else SPECIFICATIONS.combine(registry)
        resolver = known.resolver_with_root(self._specification.create_resource(schema))
        self._unresolvable = referencing.exceptions.Unresolvable
        self._places: dict[tuple[int, ...], SchemaPlace] = {}
        self._keep: list[Any] = []  # schemas keyed by id() stay alive
        scan = _scan(schema)
        #: Early validation is sound only without dynamic references.
        self.early = not scan.dynamic
        #: Some subschema names a policy (partials need the spine's levels).
        self.has_policies = scan.policies
        self.empty = SchemaPlace(self, ())
        self.root = self.place(((schema, resolver),)) if self.early else self.empty
        if not self.early and scan.policies:
            # Policies are read without validating early.
            self.root = SchemaPlace(self, ((schema, resolver),), validate=False)

    def __repr__(self) -> str:
        return f"JSONSchema({self.schema!r})"

    # ---- places --------------------------------------------------------------------------

    def place(self, checks: tuple[tuple[Any, Any], ...]) -> SchemaPlace:
        """The place whose complete values must satisfy each ``(subschema, resolver)``
        (made once per set of subschemas)."""
        if not checks:
            return self.empty
        key = tuple(id(schema) for schema, _ in checks)
        found = self._places.get(key)
        if found is None:
            found = self._places[key] = SchemaPlace(self, checks)
            self._keep.append(checks)
        return found

    def subresource(self, schema: Any, resolver: Any) -> Any:
        """The resolver in force inside ``schema`` (entering its ``$id``, if any), as the
        validator's ``descend`` makes it."""
        if isinstance(schema, Mapping):
            return resolver.in_subresource(self._specification.create_resource(schema))
        return resolver

    def expand(self, schema: Any, resolver: Any) -> list[tuple[Any, Any]]:
        """``schema`` and every subschema that applies in place wherever it applies: the
        targets of ``$ref``, the branches of ``allOf`` (recursively, each once)."""
        out: list[tuple[Any, Any]] = []
        stack = [(schema, resolver)]
        seen: set[int] = set()
        while stack:
            node, where = stack.pop()
            if not isinstance(node, Mapping) or id(node) in seen:
                continue
            seen.add(id(node))
            out.append((node, where))
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    resolved = where.lookup(ref)
                except self._unresolvable:
                    pass  # the whole document's validation reports it
                else:
                    stack.append((resolved.contents, resolved.resolver))
                if self._legacy_ref:
                    continue
            branches = node.get("allOf")
            if isinstance(branches, list):
                for branch in reversed(branches):
                    stack.append((branch, self.subresource(branch, where)))
        return out

    # ---- validation ----------------------------------------------------------------------

    def errors(self, value: Any, checks: tuple[tuple[Any, Any], ...]) -> list[Any]:
        """The validator's errors for a complete ``value`` against subschemas at its place."""
        found: list[Any] = []
        descend = self.validator.descend
        for schema, resolver in checks:
            found.extend(descend(value, schema, resolver=resolver))
        return found

    def best(self, errors: list[Any]) -> Any:
        """The error the validator itself ranks first (``jsonschema.exceptions.best_match``)."""
        return self._best_match(errors)

    def validate(self, value: Any) -> Any:
        """The whole document's best error, or None where the validator accepts it."""
        errors = list(self.validator.iter_errors(value))
        return self._best_match(errors) if errors else None

    def field_names(self) -> list[str]:
        """The root's ``properties``, in order (the top-level fields)."""
        names: list[str] = []
        for schema, _ in self.root.conjuncts:
            properties = schema.get("properties")
            if isinstance(properties, Mapping):
                names.extend(k for k in properties if k not in names)
        return names


class _Scan:
    __slots__ = ("dynamic", "policies")

    def __init__(self) -> None:
        self.dynamic = False
        self.policies = False


def _scan(schema: Any) -> _Scan:
    """Whether the schema uses dynamic references, and checks every policy keyword (no
    recursion: schemas may be deep)."""
    scan = _Scan()
    stack: list[tuple[Any, str]] = [(schema, "#")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, Mapping):
            if "$dynamicRef" in node or "$recursiveRef" in node:
                scan.dynamic = True
            if KEYWORD in node:
                policy_names(node[KEYWORD], f" at {where}")
                scan.policies = True
            for key, value in node.items():
                if key not in ("enum", "const", "default", "examples", KEYWORD):
                    stack.append((value, f"{where}/{key}"))
        elif isinstance(node, list):
            stack.extend((item, f"{where}/{i}") for i, item in enumerate(node))
    return scan


class SchemaPlace:
    """A position in documents of one schema: the subschemas that surely apply to a
    complete value there, its policies, and its children's places."""

    __slots__ = (
        "_additional",
        "_fields",
        "_items",
        "_keys",
        "_named",
        "_prefix",
        "checks",
        "conjuncts",
        "contract",
        "policies",
    )

    def __init__(
        self,
        contract: JSONSchema,
        checks: tuple[tuple[Any, Any], ...],
        *,
        validate: bool = True,
    ) -> None:
        self.contract = contract
        conjuncts: list[tuple[Any, Any]] = []
        for schema, resolver in checks:
            conjuncts.extend(contract.expand(schema, resolver))
        #: What a complete value here is validated with (empty: nothing known early).
        self.checks = checks if validate else ()
        #: Every subschema that applies here in place (``$ref`` targets, ``allOf``).
        self.conjuncts = conjuncts
        self.policies = merge(policy_names(s[KEYWORD]) for s, _ in conjuncts if KEYWORD in s)
        self._keys: dict[str, SchemaPlace] = {}
        self._named: set[str] = set()
        for schema, _ in conjuncts:
            properties = schema.get("properties")
            if isinstance(properties, Mapping):
                self._named.update(k for k in properties if isinstance(k, str))
        self._additional: Optional[SchemaPlace] = None
        self._prefix: dict[int, SchemaPlace] = {}
        self._items: Optional[SchemaPlace] = None
        self._fields: Optional[tuple[tuple[str, frozenset[str]], ...]] = None

    @property
    def fields(self) -> tuple[tuple[str, frozenset[str]], ...]:
        """Properties carrying ``not_null``/``with_state``: ``(key, policies)`` (read on
        first use: a recursive schema's places are made as the document reaches them)."""
        if self._fields is None:
            found = []
            for name in sorted(self._named):
                policies = self.child(name).policies & _FIELD_POLICIES
                if policies:
                    found.append((name, policies))
            self._fields = tuple(found)
        return self._fields

    def child(self, key: Union[str, int]) -> SchemaPlace:
        """The place of the child at ``key`` (an object's key, an array's index)."""
        if isinstance(key, str):
            found = self._keys.get(key)
            if found is None:
                if key in self._named:
                    found = self._keys[key] = self._made(lambda s: _property(s, key))
                else:
                    if self._additional is None:
                        self._additional = self._made(lambda s: _property(s, None))
                    found = self._additional
            return found
        found = self._prefix.get(key)
        if found is not None:
            return found
        legacy = not self.contract._prefix_items
        if self._positional(key, legacy):
            found = self._prefix[key] = self._made(lambda s: _item(s, key, legacy))
            return found
        if self._items is None:
            # Every index past the positional ones has the same subschemas.
            self._items = self._made(lambda s: _item(s, key, legacy))
        return self._items

    def _positional(self, index: int, legacy: bool) -> bool:
        for schema, _ in self.conjuncts:
            prefix = schema.get("items") if legacy else schema.get("prefixItems")
            if isinstance(prefix, list) and index < len(prefix):
                return True
        return False

    def _made(self, pick: Callable[[Mapping[str, Any]], Any]) -> SchemaPlace:
        contract = self.contract
        found: list[tuple[Any, Any]] = []
        for schema, resolver in self.conjuncts:
            sub = pick(schema)
            if sub is not _MISSING:
                found.append((sub, contract.subresource(sub, resolver)))
        if not self.checks and found:
            # Read for policies only (no early validation in this schema).
            return SchemaPlace(contract, tuple(found), validate=False)
        return contract.place(tuple(found))


def _property(schema: Mapping[str, Any], key: Optional[str]) -> Any:
    """The subschema that surely applies to the value of ``key`` (``None``: a key named by
    no ``properties``) in an object ``schema`` describes, or _MISSING."""
    properties = schema.get("properties")
    if key is not None and isinstance(properties, Mapping) and key in properties:
        return properties[key]
    if "patternProperties" in schema:
        return _MISSING  # a pattern may claim the key (in the validator's regex dialect)
    return _rest(schema.get("additionalProperties", _MISSING))


def _rest(schema: Any) -> Any:
    """A subschema for the keys or items past the named ones: ``false`` there is the
    object's (array's) own failure ("Additional properties are not allowed"), decided when
    it completes, not its child's."""
    return _MISSING if schema is False else schema


def _item(schema: Mapping[str, Any], index: int, legacy: bool) -> Any:
    """The subschema that surely applies to item ``index`` of an array ``schema``
    describes, or _MISSING."""
    items = schema.get("items", _MISSING)
    if legacy:
        if isinstance(items, list):
            if index < len(items):
                return items[index]
            return _rest(schema.get("additionalItems", _MISSING))
        return items
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list) and index < len(prefix):
        return prefix[index]
    return _rest(items)


# ---- the engine ----------------------------------------------------------------------------


class SchemaEngine:
    """Feeds a parser and keeps the typed view of a document of a JSON Schema; the same
    interface as :class:`deltajson._engine.ModelEngine` for the streams built on it."""

    def __init__(
        self,
        contract: Union[JSONSchema, Mapping[str, Any]],
        *,
        on_invalid: str = "raise",
        on_field: Optional[Callable[[Path, Any], None]] = None,
        live: bool = False,
        parser_options: Optional[dict[str, Any]] = None,
    ) -> None:
        if on_invalid not in ("raise", "skip"):
            raise ValueError(f"on_invalid must be 'raise' or 'skip', not {on_invalid!r}")
        self.contract = contract if isinstance(contract, JSONSchema) else JSONSchema(contract)
        self.model = self.contract
        self.parser = Parser(**dict(parser_options or {}))
        self.parser.changes()  # start recording
        self.on_invalid = on_invalid
        self.on_field = on_field
        self.live = live  # snapshots are never changed afterwards: both modes are alike
        self.final: Any = _MISSING
        self.completed_fields: list[str] = []
        self.record_events = False
        self.events: list[tuple[Path, Any]] = []
        self.record_ops = False
        self.ops: list[tuple[str, Path, Any]] = []
        self.changed = False
        #: Whether partials are throttled (set by the stream; every chunk is applied here).
        self.throttled = False
        self._pieces: list[Union[str, bytes]] = []
        self._nbytes = 0
        #: Completed values left out (on_invalid="skip"), in completion order.
        self._skipped: list[Path] = []
        self._failures: list[tuple[Path, Any]] = []

    # ---- input ---------------------------------------------------------------------------

    def feed(self, chunk: Chunk) -> None:
        if isinstance(chunk, str):
            self._pieces.append(chunk)
            ascii_ = chunk.isascii()
            self._nbytes += len(chunk) if ascii_ else len(chunk.encode("utf-8", "surrogatepass"))
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            piece = bytes(chunk)
            self._pieces.append(piece)
            self._nbytes += len(piece)
        self.parser.feed(chunk)
        self._apply(self.parser.changes())

    def nbytes(self) -> int:
        """Bytes fed, ``str`` chunks counted in UTF-8."""
        return self._nbytes

    def finish(self) -> Any:
        self.parser.finish()
        self._apply(self.parser.changes())
        return self.final

    def take_ops(self) -> list[tuple[str, Path, Any]]:
        ops, self.ops = self.ops, []
        return ops

    def take_events(self) -> list[tuple[Path, Any]]:
        events, self.events = self.events, []
        return events

    @property
    def raw(self) -> str:
        pieces = self._pieces
        if len(pieces) != 1:
            self._pieces = pieces = [joined(pieces)] if pieces else [""]
        text = pieces[0]
        return text if isinstance(text, str) else text.decode("utf-8", "replace")

    @property
    def done(self) -> bool:
        return self.final is not _MISSING

    def _apply(self, ops: list[tuple[str, Path, Any]]) -> None:
        if ops:
            self.changed = True
            if self.record_ops:
                self.ops.extend(ops)
        for op, path, value in ops:
            if op == "done":
                self._completed(path, value)
        if self._failures:
            path, error = self._failures[0]
            raise self._mismatch(error, path)

    def _completed(self, path: Path, value: Any) -> None:
        if self._skipped and isinstance(value, (dict, list)):
            value = _without(
                value, [p[len(path) :] for p in self._skipped if p[: len(path)] == path]
            )
        if not path:
            self._finished(value)
            return
        place = self.place_at(path)
        if place.checks:
            try:
                errors = self.contract.errors(value, place.checks)
            except Exception:
                errors = []  # e.g. a $ref to a document not at hand: the whole decides
            if errors:
                if self.on_invalid == "skip":
                    depth = len(path)
                    self._skipped = [p for p in self._skipped if p[:depth] != path]
                    self._skipped.append(path)
                    return
                self._failures.append((path, self.contract.best(errors)))
                return
            if self._failures:
                depth = len(path)
                self._failures = [f for f in self._failures if f[0][:depth] != path]
            self._report(path, value)
        if len(path) == 1 and isinstance(path[0], str) and path[0] not in self.completed_fields:
            self.completed_fields.append(path[0])

    def place_at(self, path: Path) -> SchemaPlace:
        """The place of the value at ``path``."""
        place = self.contract.root
        for key in path:
            place = place.child(key)
        return place

    def _finished(self, value: Any) -> None:
        """The root completed: the final value, once the validator accepts it whole."""
        error = self.contract.validate(value)
        if error is not None:
            raise self._mismatch(error, tuple(error.absolute_path), located=True)
        self.final = value
        self._report((), value)

    def _mismatch(self, error: Any, path: Path, *, located: bool = False) -> SchemaMismatch:
        if not located:
            # The error is the place's: its path is below the value's (the document's path).
            error.path.extendleft(reversed(path))
            path = tuple(error.absolute_path)
        where = "/".join(map(str, path)) or "(root)"
        mismatch = SchemaMismatch(
            f"{where}: {error.message}",
            path=path,
            validation_error=error,
            partial=self.partial(),
            raw=self.raw,
        )
        mismatch.__cause__ = error
        return mismatch

    def _report(self, path: Path, value: Any) -> None:
        if self.record_events:
            self.events.append((path, value))
        if self.on_field is not None:
            self.on_field(path, value)

    # ---- output --------------------------------------------------------------------------

    def partial(self) -> Any:
        """The current value: the parser's snapshot (values left out by
        ``on_invalid="skip"`` removed, policies applied)."""
        if self.final is not _MISSING:
            return self.final
        raw = self.parser.snapshot()
        shown = _without(raw, self._skipped) if self._skipped else raw
        if self.contract.has_policies and shown is not None:
            shown = apply(shown, self._levels(raw), as_dict=True)
        return shown

    def shown_root(self) -> Any:
        return self.partial()

    def top_fields(self) -> list[str]:
        """The root object's properties, in order (``pending_fields``, ``progress``)."""
        return self.contract.field_names()

    def _levels(self, raw: Any) -> list[Level]:
        """The open containers of ``raw`` (the parser's snapshot), root first."""
        parser = self.parser
        depth = parser.depth if self.final is _MISSING else 0
        path = parser.path
        levels: list[Level] = []
        place = self.contract.root
        view = raw
        for k in range(depth):
            is_list = isinstance(view, list)
            kind = "list" if is_list else "dict"
            fields = () if is_list else place.fields
            key = path[k] if k < len(path) else None
            if is_list:
                shown = isinstance(key, int) and len(view) > key
            else:
                shown = isinstance(view, dict) and key in view
            if key is None or not shown:
                levels.append(Level(kind, NONE, _NO_POLICIES, fields))
                break
            child = place.child(key)
            levels.append(Level(kind, -1 if is_list else key, child.policies, fields))
            view = view[key]
            place = child
        return levels


def _without(value: Any, paths: list[Path]) -> Any:
    """``value`` without the values at ``paths`` (complete values, none below another; the
    later completed first, so removing a list item never shifts one still to remove)."""
    if not paths:
        return value
    if () in paths:
        return value
    copies: dict[int, Any] = {}

    def owned(node: Any) -> Any:
        found = copies.get(id(node))
        if found is None:
            found = copies[id(node)] = list(node) if isinstance(node, list) else dict(node)
            copies[id(found)] = found
        return found

    root = owned(value)
    for path in reversed(paths):
        node = root
        try:
            for key in path[:-1]:
                child = owned(node[key])
                node[key] = child
                node = child
            del node[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
    return root


class SchemaItems:
    """``stream_items`` with a JSON Schema for the items: each item at ``path`` as soon
    as it completes, once the validator accepts it (the item schema as its own document)."""

    def __init__(
        self,
        item: Union[JSONSchema, Mapping[str, Any]],
        path: PathLike,
        on_invalid: str,
        options: dict[str, Any],
    ) -> None:
        from deltajson.select import _Selection

        if on_invalid not in ("raise", "skip"):
            raise ValueError(f"on_invalid must be 'raise' or 'skip', not {on_invalid!r}")
        self.contract = item if isinstance(item, JSONSchema) else JSONSchema(item)
        self.selection = _Selection(path, True, True, options)
        self.on_invalid = on_invalid
        self.pieces: list[Union[str, bytes]] = []

    def feed(self, chunk: Chunk) -> Iterator[Any]:
        self.pieces.append(chunk if isinstance(chunk, str) else bytes(chunk))
        return self._validated(self.selection.feed(chunk))

    def finish(self) -> Iterator[Any]:
        return self._validated(self.selection.finish())

    def raw(self) -> str:
        text = joined(self.pieces)
        return text if isinstance(text, str) else text.decode("utf-8", "replace")

    def _validated(self, taken: Iterator[tuple[Path, Any]]) -> Iterator[Any]:
        for path, value in taken:
            error = self.contract.validate(value)
            if error is None:
                yield value
            elif self.on_invalid == "raise":
                error.path.extendleft(reversed(path))
                where = "/".join(map(str, error.absolute_path)) or "(root)"
                raise SchemaMismatch(
                    f"{where}: {error.message}",
                    path=tuple(error.absolute_path),
                    validation_error=error,
                    partial=value,
                    raw=self.raw(),
                ) from error
