"""The typed layer's fast paths give exactly what its general paths give (issue 28).

``ModelEngine.fast = False`` runs every op through the engine's general methods, in Python,
with a fresh copy of every open view per partial and ``stream_model``'s Python loop: the
reference. With it on (the default), the native lane (``Lane``) applies the common ops, the
native loop (``Steps``) drives the stream, ``copy_spine`` copies the open views and reuses
copies nobody holds any more (``ListCopies``, ``ModelCopies``), completed values are written
for Pydantic in Rust (``json_text``), and ``Schemas.validate`` takes more shortcuts. Here:

- differential: for zoo documents (and mutations of them) in any chunking, on both engines,
  ``copy=True`` and ``copy=False``, every partial (its repr when it was yielded), the final
  value, the error and its Pydantic errors, the field events and progress are the same;
- a ``copy=True`` partial never changes after it is yielded, whether the consumer keeps
  every partial, drops each, or keeps some; and its lists are real lists, its completed
  items real models;
- ``json_text`` writes what ``json.dumps`` writes; the atom, null and list shortcuts give
  what Pydantic gives; ``ListCopies`` and ``ModelCopies`` reuse only what nobody holds.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, model_validator
from pydantic_core import SchemaValidator

import deltajson
import workloads as bench
from deltajson import SchemaMismatch, stream_fields, stream_model
from deltajson._engine import ModelEngine
from zoo import ZOO

native = pytest.importorskip("deltajson._deltajson")

DOCUMENTS = [(model, text) for model, good, bad in ZOO for text in good + bad]


class Doc(BaseModel):
    title: str
    tags: list[str]


@contextmanager
def general_paths() -> Iterator[None]:
    """Every op through the engine's general methods (the reference)."""
    ModelEngine.fast = False
    try:
        yield
    finally:
        ModelEngine.fast = True


def shown(value: Any) -> str:
    """A partial as it stands: its repr, with the types of its lists and models."""
    return f"{type(value).__name__}:{value!r}"


def run(
    model: Any, chunks: list[str], backend: str, copy: bool, keep: Optional[list[bool]] = None
) -> dict[str, Any]:
    """Everything a consumer can see of one stream: each partial as yielded, the partials
    it kept (``keep[i]``: partial i is kept to the end; default: none), the error."""
    stream = stream_model(iter(chunks), model, backend=backend, copy=copy)
    seen: list[str] = []
    kept: list[tuple[int, Any]] = []
    error: Optional[BaseException] = None
    try:
        for index, partial in enumerate(stream):
            seen.append(shown(partial))
            if keep is not None and keep[index % len(keep)]:
                kept.append((index, partial))
            del partial
    except Exception as e:
        error = e
    return {
        "seen": seen,
        "kept": kept,
        "error": describe_error(error),
        "final": shown(stream.final),
        "status": stream.status,
        "chunks": stream.chunks,
        "bytes": stream.bytes,
        "completed": stream.completed_fields,
        "pending": stream.pending_fields,
        "progress": stream.progress,
    }


def describe_error(error: Optional[BaseException]) -> Any:
    if error is None:
        return None
    found: dict[str, Any] = {"type": type(error).__name__, "str": str(error)}
    if isinstance(error, SchemaMismatch):
        found["path"] = error.path
        found["errors"] = error.validation_error.errors(include_url=False, include_context=False)
        found["partial"] = shown(error.partial)
    if isinstance(error.__cause__, ValidationError):
        found["cause"] = error.__cause__.errors(include_url=False, include_context=False)
    return found


def chunked(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c for c in cuts if 0 < c < len(text)})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


@st.composite
def documents(draw: st.DrawFn) -> tuple[Any, str, list[str]]:
    """A zoo document, perhaps with one value replaced, in a drawn chunking."""
    model, text = draw(st.sampled_from(DOCUMENTS))
    value = json.loads(text)
    if draw(st.booleans()) and isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value)))
        value[key] = draw(
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(-5, 5),
                st.text(max_size=4),
                st.lists(st.text(max_size=3), max_size=3),
                st.just({}),
            )
        )
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    cuts = draw(st.lists(st.integers(1, max(1, len(text) - 1)), max_size=20))
    if draw(st.booleans()):
        return model, text, list(text)  # a character at a time
    return model, text, chunked(text, cuts)


# ---- fast paths against the general ones -------------------------------------------------


@given(documents(), st.sampled_from(deltajson.BACKENDS), st.booleans())
def test_fast_paths_give_what_the_general_paths_give(
    case: tuple[Any, str, list[str]], backend: str, copy: bool
) -> None:
    model, _text, chunks = case
    fast = run(model, chunks, backend, copy)
    with general_paths():
        general = run(model, chunks, backend, copy)
    assert fast == general


@pytest.mark.parametrize(("model", "text"), DOCUMENTS, ids=[f"{i}" for i in range(len(DOCUMENTS))])
def test_every_zoo_document_a_character_at_a_time_both_ways(model: Any, text: str) -> None:
    for copy in (True, False):
        fast = run(model, list(text), "rust", copy)
        with general_paths():
            general = run(model, list(text), "rust", copy)
        assert fast == general


@given(documents())
def test_field_events_and_items_are_the_same_both_ways(case: tuple[Any, str, list[str]]) -> None:
    model, _text, chunks = case

    def events() -> Any:
        try:
            return [(p, shown(v)) for p, v in stream_fields(iter(chunks), model)]
        except Exception as e:
            return describe_error(e)

    fast = events()
    with general_paths():
        assert events() == fast


@given(documents(), st.booleans())
def test_the_async_stream_gives_what_the_sync_stream_gives(
    case: tuple[Any, str, list[str]], copy: bool
) -> None:
    """The sync stream runs the native loop, the async one ``take``: the same partials."""
    model, _text, chunks = case

    async def collect() -> dict[str, Any]:
        async def source() -> AsyncIterator[str]:
            for chunk in chunks:
                yield chunk

        stream = deltajson.astream_model(source(), model, copy=copy)
        seen, error = [], None
        try:
            async for partial in stream:
                seen.append(shown(partial))
        except Exception as e:
            error = e
        return {"seen": seen, "error": describe_error(error), "chunks": stream.chunks}

    sync = run(model, chunks, "rust", copy)
    got = asyncio.run(collect())
    assert got == {"seen": sync["seen"], "error": sync["error"], "chunks": sync["chunks"]}


# ---- copy=True partials never change ----------------------------------------------------


def walk_lists(value: Any) -> Iterator[Any]:
    """Every list inside a partial (through models, lists and dicts)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, BaseModel):
            stack.extend(item.__dict__.values())
            stack.extend((item.__pydantic_extra__ or {}).values())
        elif isinstance(item, list):
            yield item
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


@given(
    documents(),
    st.sampled_from(deltajson.BACKENDS),
    st.lists(st.booleans(), min_size=1, max_size=8),
)
def test_a_copied_partial_never_changes_after_it_is_yielded(
    case: tuple[Any, str, list[str]], backend: str, keep: list[bool]
) -> None:
    """Whatever the consumer keeps or drops (so that copies are reused or not), each kept
    partial still shows at the end what it showed when it was yielded, and every partial
    equals the one the general paths give (which copy everything afresh)."""
    model, _text, chunks = case
    got = run(model, chunks, backend, True, keep=keep)
    for index, partial in got["kept"]:
        assert shown(partial) == got["seen"][index]
        assert all(type(found) is list for found in walk_lists(partial))
        dumped = partial.model_dump(warnings=False) if isinstance(partial, BaseModel) else partial
        json.dumps(dumped, default=str)  # whole, not cut short by a reused copy
    with general_paths():
        general = run(model, chunks, backend, True)
    assert got["seen"] == general["seen"]


def test_a_long_list_of_records_keeps_every_partial_intact() -> None:
    """Lists of completed models, as the benchmark streams them: kept partials, dropped
    partials and held inner lists all stay what they were."""
    from pydantic import BaseModel as Model

    class Item(Model):
        id: int
        title: str
        tags: list[str]
        owner: Optional[str]

    class Doc(Model):
        items: list[Item]

    items = [
        {"id": i, "title": f"t{i} é", "tags": ["a", "b"][: i % 3], "owner": None} for i in range(40)
    ]
    text = json.dumps({"items": items})
    chunks = bench.token_chunks(text, 5)
    rng = random.Random(1)
    kept: list[tuple[Any, str, Any, str]] = []
    count = 0
    for partial in stream_model(iter(chunks), Doc):
        count += 1
        if rng.random() < 0.1:
            inner = partial.items
            kept.append((partial, shown(partial), inner, repr(inner)))
    assert count > 100
    for partial, was, inner, inner_was in kept:
        assert shown(partial) == was
        assert repr(inner) == inner_was
        assert type(inner) in (list, type(None))
    final = kept[-1][0]
    assert all(type(item) is Item for item in (final.items or [])[:-1])


def test_a_weakly_referenced_partial_is_not_reused() -> None:
    class Item(BaseModel):
        name: str

    class Doc(BaseModel):
        items: list[Item]
        title: str

    text = json.dumps({"title": "x" * 5, "items": [{"name": f"n{i}"} for i in range(10)]})
    refs: list[tuple[Any, str]] = []
    for partial in stream_model(iter(list(text)), Doc):
        refs.append((weakref.ref(partial), shown(partial)))
        del partial
    # Partials nobody holds were reused or freed; a weak reference never sees one change.
    for ref, was in refs:
        alive = ref()
        assert alive is None or shown(alive) == was


def test_the_lane_and_its_engine_are_collected() -> None:
    """The engine holds its lane and the lane its engine: the cycle is collected."""
    engine = ModelEngine(Doc, parser_options={})
    engine.feed('{"title": "b", "tags": ["x')
    assert engine.lane is not None
    probe = weakref.ref(engine)
    del engine
    gc.collect()
    assert probe() is None


def test_an_abandoned_native_stream_is_collected() -> None:
    stream = stream_model(iter(['{"title": "ab', 'cd"}']), Doc)
    iterator = iter(stream)
    next(iterator)
    probe = weakref.ref(stream._core.engine)
    del stream, iterator
    gc.collect()
    assert probe() is None


# ---- the native loop --------------------------------------------------------------------


def failing_source(chunks: list[str], error: BaseException) -> Iterator[str]:
    yield from chunks
    raise error


@pytest.mark.parametrize("copy", [True, False])
def test_the_native_loop_fails_as_the_python_loop_fails(copy: bool) -> None:
    cases = [
        lambda: failing_source(['{"title": "a', 'b"'], OSError("gone")),
        lambda: iter(['{"title": 1}']),
        lambda: iter(['{"title": "a", ', '"tags": [}']),
        lambda: iter(['{"title": "a"']),
        lambda: iter(['{"title": "a", "tags": []}']),
        lambda: iter([b'{"title": "\\u00e9", ', bytearray(b'"tags": ["x"]}')]),
        lambda: iter(['{"title": "a"', 42]),  # not a chunk
    ]
    for make in cases:

        def outcome() -> dict[str, Any]:
            stream = stream_model(make(), Doc, copy=copy)  # noqa: B023
            seen, error = [], None
            try:
                for partial in stream:
                    seen.append(shown(partial))
            except Exception as e:
                error = e
            return {
                "seen": seen,
                "error": describe_error(error),
                "partial": shown(getattr(error, "partial", None)),
                "raw": getattr(error, "raw", None),
                "chunks": stream.chunks,
                "bytes": stream.bytes,
                "status": stream.status,
            }

        fast = outcome()
        with general_paths():
            assert outcome() == fast


def test_a_source_that_cannot_be_iterated_is_an_interruption() -> None:
    class Broken:
        def __iter__(self) -> Iterator[str]:
            raise RuntimeError("no")

    for fast in (True, False):
        ModelEngine.fast = fast
        try:
            with pytest.raises(deltajson.StreamInterrupted) as info:
                list(stream_model(Broken(), Doc))  # type: ignore[arg-type]
            assert isinstance(info.value.__cause__, RuntimeError)
        finally:
            ModelEngine.fast = True


# ---- json_text -----------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**80), 2**80),
    st.floats(),
    st.text(),
    st.sampled_from(["\ud800", "a\udfffb", "\x00\x1f\x7f", '"\\/', "é東😀"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


def has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list):
        return any(has_lone_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    return False


@given(_VALUES)
def test_json_text_writes_what_json_dumps_writes(value: Any) -> None:
    from deltajson._schema import dumps

    text = native.json_text(value)
    assert text is not None
    if not has_lone_surrogate(value):
        expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        assert text == expected.encode()
    # What Pydantic reads from it, the same as from ``dumps`` (what the layer used before).
    reader = SchemaValidator({"type": "any"})
    try:
        theirs: Any = reader.validate_json(dumps(value))
    except ValidationError as e:
        theirs = type(e)
    try:
        ours: Any = reader.validate_json(text)
    except ValidationError as e:
        ours = type(e)
    assert json.dumps(ours, default=repr) == json.dumps(theirs, default=repr)


def test_json_text_refuses_what_is_not_json_data() -> None:
    assert native.json_text({"a": [1, Decimal("1.5")]}) is None
    assert native.json_text({1: "a"}) is None
    assert native.json_text(object()) is None
    assert (
        native.json_text([float("nan"), float("inf"), -float("inf")]) == b"[NaN,Infinity,-Infinity]"
    )


# ---- the shortcuts of Schemas.validate ------------------------------------------------------

_ATOMS = [{"type": t} for t in ("str", "int", "float", "bool")] + [
    {"type": "str", "strict": True},
    {"type": "int", "strict": True},
    {"type": "str", "max_length": 2},
]
_SCHEMAS = (
    _ATOMS
    + [{"type": "nullable", "schema": a} for a in _ATOMS]
    + [
        {"type": "default", "schema": {"type": "nullable", "schema": a}, "default": None}
        for a in _ATOMS
    ]
    + [{"type": "list", "items_schema": a} for a in _ATOMS]
    + [{"type": "list", "items_schema": {"type": "nullable", "schema": a}} for a in _ATOMS]
    + [{"type": "list", "items_schema": a, "max_length": 1} for a in _ATOMS]
    + [{"type": "nullable", "schema": {"type": "list", "items_schema": {"type": "str"}}}]
    + [{"type": "nullable", "schema": {"type": "typed-dict", "fields": {}}}]
)
_INPUTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=4),
    st.just("\ud800x"),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=3), st.floats()), max_size=3),
)


@given(
    st.sampled_from(_SCHEMAS),
    st.sampled_from([None, {"strict": True}, {"str_strip_whitespace": True}]),
    _INPUTS,
)
def test_the_shortcuts_give_what_pydantic_gives(
    schema: dict[str, Any], config: Optional[dict[str, Any]], value: Any
) -> None:
    from deltajson._schema import Schemas, dumps

    schemas = Schemas(schema, config)  # type: ignore[arg-type]
    place = schemas.place(schema, config, True)  # type: ignore[arg-type]
    slow = SchemaValidator(schema, config)  # type: ignore[arg-type]
    try:
        expected: Any = slow.validate_json(dumps(value))
    except ValidationError as e:
        expected = type(e)
    try:
        got: Any = schemas.validate(place, value)
    except ValidationError as e:
        got = type(e)
    assert type(got) is type(expected)
    assert repr(got) == repr(expected)
    if isinstance(got, list):
        assert got is not value  # a new list, as Pydantic makes


def test_the_shortcuts_apply_to_optional_and_list_fields() -> None:
    from deltajson._schema import Schemas

    class Record(BaseModel):
        owner: Optional[str]
        tags: list[str]
        maybe: Optional[int] = None
        capped: list[str] = []

    schemas = Schemas(Record.__pydantic_core_schema__)
    fields = schemas.shape(schemas.root).keys
    owner, tags, maybe = fields["owner"][0].place, fields["tags"][0].place, fields["maybe"][0].place
    assert (owner.plain, owner.nullable) == (str, True)
    assert (tags.plain_items, tags.items_nullable) == (str, False)
    assert (maybe.plain, maybe.nullable) == (int, True)


class Item(BaseModel):
    n: int


class CountedItem(BaseModel):
    n: int

    @model_validator(mode="after")
    def _counted(self) -> CountedItem:
        return self


class Box(BaseModel):
    items: list[Item] = []
    maybe: Optional[list[Item]] = None
    capped: Annotated[list[Item], Field(max_length=1)] = []
    counted: list[CountedItem] = []
    nested: list[list[Item]] = []


def test_a_bare_list_of_models_is_not_validated_again_where_each_item_was() -> None:
    """``Schemas.items_model``: a bare list of one model (nullable or not) is given back as
    its validated items; a constrained list is validated as a whole. On both engines, the
    stream shows the same partials, final value and errors, an item failing or not."""
    from deltajson._schema import Schemas

    schemas = Schemas(Box.__pydantic_core_schema__)
    fields = schemas.shape(schemas.root).keys
    for name, model in (("items", Item), ("maybe", Item), ("counted", CountedItem)):
        found = schemas.items_model(fields[name][0].place)
        assert found is not None and found[1] is model
    assert schemas.items_model(fields["capped"][0].place) is None
    assert schemas.items_model(fields["nested"][0].place) is None
    texts = [
        '{"items": [{"n": 1}, {"n": 2}], "maybe": [{"n": 3}], "counted": [{"n": 4}]}',
        '{"items": [], "maybe": null, "nested": [[{"n": 1}], []]}',
        '{"capped": [{"n": 1}], "items": [{"n": 1}]}',
        '{"capped": [{"n": 1}, {"n": 2}], "items": [{"n": 1}]}',
        '{"items": [{"n": 1}, {"n": "x"}], "maybe": []}',
        '{"maybe": [{"n": 1}, {"m": 2}]}',
    ]
    for text in texts:
        for chunks in (list(text), [text], chunked(text, [9, 17, 30])):
            for copy in (True, False):
                fast = run(Box, chunks, "rust", copy)
                with general_paths():
                    general = run(Box, chunks, "rust", copy)
                assert fast == general, text


# ---- ListCopies and ModelCopies ------------------------------------------------------------


@given(st.lists(st.tuples(st.sampled_from(["append", "last", "pop"]), st.booleans()), max_size=60))
def test_list_copies_are_reused_only_when_nobody_holds_them(
    steps: list[tuple[str, bool]],
) -> None:
    """A live list changed as the engine changes its views (append, replace or remove the
    last item), a copy after each change, some kept: each copy holds the live items of its
    time, and kept ones never change."""
    copies = native.ListCopies()
    live: list[Any] = []
    kept: list[tuple[list[Any], list[Any]]] = []
    counter = 0
    for action, keep in steps:
        counter += 1
        if action == "append" or not live:
            live.append(counter)
        elif action == "last":
            live[-1] = counter
        else:
            live.pop()
        child = object() if keep else None
        copy = copies.copy(live, child)
        expected = list(live)
        if child is not None and expected:
            expected[-1] = child
        assert copy == expected and type(copy) is list
        if keep:
            kept.append((copy, list(copy)))
        del copy
    for copy, was in kept:
        assert copy == was


def test_list_copies_changed_by_their_consumer_are_not_reused() -> None:
    copies = native.ListCopies()
    live = [1, 2]
    first = copies.copy(live, None)
    first.append("mine")
    del first
    copies.copy(live, None)
    live.append(3)
    third = copies.copy(live, None)
    assert third == [1, 2, 3]


def test_model_copies_refresh_only_what_nobody_holds() -> None:
    class Item(BaseModel):
        a: Optional[int] = None
        b: Optional[str] = None

    copies = native.ModelCopies()
    view = Item.model_construct(a=1)
    fields, fields_set = view.__dict__, view.__pydantic_fields_set__

    def copy() -> Any:
        return copies.copy(view, fields, fields_set)

    first = copy()
    second = copy()
    assert (first.a, first.b, first.model_fields_set) == (1, None, {"a"})
    assert first is not second
    first_id = id(first)
    del first
    fields["b"] = "x"
    fields_set.add("b")
    third = copy()  # the first copy, nobody's any more: refreshed in place
    assert id(third) == first_id
    assert (third.a, third.b, third.model_fields_set) == (1, "x", {"a", "b"})
    assert (second.a, second.b, second.model_fields_set) == (1, None, {"a"})
    second_id = id(second)
    probe = weakref.ref(second)
    del second
    fourth = copy()  # the second copy is weakly referenced, the third held: a new one
    assert id(fourth) not in (second_id, first_id)
    del probe
    held_dict = third.__dict__
    del third
    fifth = copy()  # the third copy again, its dict held here: it gets a new one
    assert id(fifth) == first_id
    assert fifth.__dict__ is not held_dict and held_dict == {"a": 1, "b": "x"}
    assert fifth == Item.model_construct(a=1, b="x") and fourth == fifth


@settings(max_examples=25)
@given(st.integers(0, 2**32))
def test_a_benchmark_shaped_stream_reuses_copies_and_matches(seed: int) -> None:
    """The shape the benchmarks stream (``{"items": [records]}``), in token chunks: the
    partials of the fast paths, with copies reused, are those of the general paths."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benches"))
    from models import Records  # benches/models.py

    rng = random.Random(seed)
    text = bench.document("list", "1KB")
    text = '{"items": ' + text + "}"
    chunks = bench.token_chunks(text, rng.randrange(1000))
    fast = run(Records, chunks, "rust", True)
    with general_paths():
        general = run(Records, chunks, "rust", True)
    assert fast == general
    assert TypeAdapter(Records).validate_json(text) is not None


def test_a_string_failing_in_the_chunk_it_grew_in_shows_what_was_shown_before() -> None:
    """The lane shows the open string as it grows, the engine when a partial is asked for:
    a string that opens (or grows) and fails in one chunk must show what the engine showed
    (regression: the lane took the string's opening and left the failing rest to the
    engine, which then showed text no partial had shown)."""
    import zoo

    cases = [
        ['{"team": "core", "contacts": [{', '"name": "spam bot", "email": "s@example.com"}]}'],
        ['{"team": "core", "contacts": [{"name": "sp', 'am bot", "email": "s@example.com"}]}'],
    ]
    for chunks in cases:
        for copy in (True, False):
            fast = run(zoo.Directory, chunks, "rust", copy)
            with general_paths():
                general = run(zoo.Directory, chunks, "rust", copy)
            assert fast == general
            assert fast["error"]["type"] == "SchemaMismatch"


@given(documents(), st.lists(st.booleans(), min_size=1, max_size=6), st.booleans())
def test_partials_asked_for_now_and_then_are_the_same_both_ways(
    case: tuple[Any, str, list[str]], asks: list[bool], copy: bool
) -> None:
    """Where partials are throttled (``min_interval``) the engine is fed chunks without a
    partial asked for after each: what it shows then, and in an error, is the same both
    ways (``stream_model`` marks such an engine ``throttled``, and it runs no lane)."""
    model, _text, chunks = case

    def outcome() -> list[str]:
        engine = ModelEngine(model, live=not copy)
        engine.throttled = True
        seen = []
        try:
            for index, chunk in enumerate(chunks):
                engine.feed(chunk)
                if asks[index % len(asks)]:
                    seen.append(shown(engine.partial()))
            engine.finish()
        except Exception as e:
            seen.append(shown(getattr(e, "partial", None)))
            seen.append(type(e).__name__)
        seen.append(shown(engine.partial()))
        return seen

    fast = outcome()
    with general_paths():
        assert outcome() == fast
