"""The typed layer against Pydantic itself, over the schema zoo (``tests/zoo.py``).

For every model and document, in every chunking (one chunk, one character at a time, random
splits), on both engines, with ``copy=True`` and ``copy=False``:

- a document Pydantic accepts streams without any exception, and the last partial,
  ``stream.final``, ``stream_fields``' root event and ``stream_items``' items equal what
  ``model_validate_json`` gives (values and types);
- a document Pydantic rejects raises :class:`SchemaMismatch` whose cause is a Pydantic
  ``ValidationError`` — with Pydantic's very ``errors()`` when the root's completion decides —
  and nothing else, on the chunk that completes the value that decides, never earlier;
- every partial is a partial (or final) model, never an exception.
"""

from __future__ import annotations

import json
import random
import typing
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

import deltajson
from deltajson import SchemaMismatch, stream_fields, stream_items, stream_model
from zoo import ZOO

ENTRIES = [(model, text, True) for model, good, _ in ZOO for text in good] + [
    (model, text, False) for model, _, bad in ZOO for text in bad
]


def name_of(model: Any) -> str:
    return getattr(model, "__name__", None) or repr(model).replace("typing.", "")


def _id(entry: tuple[Any, str, bool]) -> str:
    model, text, accepted = entry
    return f"{name_of(model)}:{'ok' if accepted else 'bad'}:{text[:40]}"


def pydantic_result(model: Any, text: str) -> tuple[Any, Optional[ValidationError]]:
    """What Pydantic gives for the document: a model's ``model_validate_json``, a type
    expression's ``TypeAdapter.validate_json``."""
    try:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate_json(text), None
        return TypeAdapter(model).validate_json(text), None
    except ValidationError as e:
        return None, e


def models_of(model: Any) -> list[type[BaseModel]]:
    """The model classes a value of ``model`` may be (a union's members)."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [model]
    return [m for m in typing.get_args(model) if isinstance(m, type) and issubclass(m, BaseModel)]


def shown_classes(model: Any) -> tuple[type, ...]:
    """What a partial of ``model`` may be: a partial or final model of it (or of a member)."""
    found: list[type] = []
    for member in models_of(model):
        found.append(member)
        if "root" not in member.model_fields:
            found.append(deltajson.Partial[member])
    return tuple(found)


def comparable(error: ValidationError) -> list[dict[str, Any]]:
    """``errors()`` with exceptions in ``ctx`` as text (two raises are never equal)."""
    found = []
    for item in error.errors():
        ctx = item.get("ctx")
        if ctx is not None:
            item = {**item, "ctx": {k: repr(v) for k, v in ctx.items()}}
        found.append(item)
    return found


def chunkings(text: str, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(1, 8))))
    random_split = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return [[text], list(text), random_split]


def overrides_a_failure(model: type[BaseModel], text: str) -> bool:
    """Whether a later duplicate key replaces a value that fails on its own: a failure
    raised on the chunk that completes that value cannot be taken back (README)."""
    return name_of(model) == "Leaf" and text.startswith(('{"n": "bad"', '{"n": {"x"'))


def has_duplicate_keys(text: str) -> bool:
    found = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found
        found = found or len({k for k, _ in items}) < len(items)
        return dict(items)

    json.loads(text, object_pairs_hook=pairs)
    return found


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types, all the way down (model_dump keeps the types)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, BaseModel):
        return a == b and repr(a) == repr(b)
    return bool(a == b) and repr(a) == repr(b)


def run(
    model: type[BaseModel], chunks: list[str], backend: str, copy: bool
) -> tuple[list[Any], Optional[BaseException], int, Any]:
    """Partials, the exception (if any), the index of the chunk it came on, the final."""
    stream = stream_model(iter(chunks), model, backend=backend, copy=copy)
    partials: list[Any] = []
    error: Optional[BaseException] = None
    try:
        for partial in stream:
            partials.append(partial)
    except Exception as e:
        error = e
    return partials, error, stream.chunks - 1, stream.final


@pytest.mark.parametrize("entry", ENTRIES, ids=[_id(e) for e in ENTRIES])
@pytest.mark.parametrize("copy", [True, False], ids=["copy", "live"])
def test_zoo_matches_pydantic(
    entry: tuple[type[BaseModel], str, bool], copy: bool, backend: str
) -> None:
    model, text, accepted = entry
    expected, expected_error = pydantic_result(model, text)
    assert (expected_error is None) == accepted, "the zoo lists this document on the wrong side"
    for index, chunks in enumerate(chunkings(text, seed=len(text))):
        if accepted and index > 0 and overrides_a_failure(model, text):
            continue
        partials, error, at, final = run(model, chunks, backend, copy)
        where = f"chunks={chunks!r}"
        classes = tuple(c for c in shown_classes(model) if "root" not in c.model_fields)
        for partial in partials[:-1]:
            if classes:
                assert isinstance(partial, classes), where
        if accepted:
            assert error is None, f"{where}: {error!r}"
            assert same(partials[-1], expected), where
            assert same(final, expected), where
        else:
            assert isinstance(error, SchemaMismatch), f"{where}: {error!r}"
            assert isinstance(error.__cause__, ValidationError), where
            assert error.validation_error is error.__cause__
            assert final is None
            assert at <= len(chunks) - 1
            if at == len(chunks) - 1 and len(chunks) == 1:
                # The root completed in this chunk: Pydantic's own errors.
                assert comparable(error.__cause__) == comparable(expected_error), where
            # Whatever the chunk it came on, each error is one Pydantic reports for the whole
            # document: same location, type, message, input, context and URL (but where a
            # key comes twice, a failure raised before its replacement arrived stays: README).
            theirs = comparable(expected_error)
            for item in comparable(error.__cause__) if not has_duplicate_keys(text) else []:
                assert item in theirs, f"{where}: {item} not in {theirs}"
            first = error.validation_error.errors()[0]
            assert str(error).startswith("/".join(map(str, first["loc"])) or "(root)"), where


@pytest.mark.parametrize("entry", ENTRIES, ids=[_id(e) for e in ENTRIES])
def test_zoo_live_and_copied_partials_agree(entry: tuple[type[BaseModel], str, bool]) -> None:
    model, text, _accepted = entry
    for chunks in chunkings(text, seed=7):
        copied, error_copied, _at, _ = run(model, chunks, "rust", True)
        live_reprs: list[str] = []
        stream = stream_model(iter(chunks), model, copy=False)
        error_live: Optional[BaseException] = None
        try:
            for partial in stream:
                live_reprs.append(repr(partial))
        except Exception as e:
            error_live = e
        assert [repr(p) for p in copied] == live_reprs
        assert type(error_copied) is type(error_live)


@pytest.mark.parametrize("entry", ENTRIES, ids=[_id(e) for e in ENTRIES])
def test_zoo_field_events_end_with_pydantic_root(entry: tuple[type[BaseModel], str, bool]) -> None:
    model, text, accepted = entry
    if not accepted or overrides_a_failure(model, text):
        return
    expected, _ = pydantic_result(model, text)
    events = list(stream_fields(iter(list(text)), model))
    assert events[-1][0] == ()
    assert same(events[-1][1], expected)


@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if e[2]], ids=[_id(e) for e in ENTRIES if e[2]]
)
def test_zoo_items_are_pydantic_items(
    entry: tuple[type[BaseModel], str, bool], backend: str
) -> None:
    model, text, _ = entry
    if overrides_a_failure(model, text):
        return
    document = "[" + ", ".join([text, text]) + "]"
    expected = TypeAdapter(list[model]).validate_json(document)  # type: ignore[valid-type]
    got = list(stream_items(iter(list(document)), model, backend=backend))
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert same(a, b)


# ---- fail fast, precisely --------------------------------------------------------------------


def chunk_of_failure(model: type[BaseModel], chunks: list[str]) -> int:
    stream = stream_model(iter(chunks), model)
    try:
        list(stream)
    except SchemaMismatch:
        return stream.chunks - 1
    raise AssertionError("no SchemaMismatch")


@pytest.mark.parametrize(
    ("model_name", "chunks", "at"),
    [
        # Own type decides: the chunk that completes the value.
        ("Constrained", ['{"count": 101', ", ", '"mode": "fast"}'], 1),
        ("Constrained", ['{"mode": "medium"', ', "count": 1}'], 0),
        ("Constrained", ['{"color": "blue"', "}"], 0),
        ("ListDiscriminated", ['{"pets": [{"kind": "bird"', ', "x": 1}]}'], 0),
        ("FieldValidators", ['{"after": 2000', ', "before": 1}'], 1),
        ("Aliases", ['{"years": "old"', ', "Name": "n"}'], 0),
        ("Leaf", ['{"n": "x"', ', "label": "a"}'], 0),
        ("Nested", ['{"title": "t", "leaf": {"n": 1}, "leaves": [{"n": "x"}', "]}"], 0),
        # Siblings decide: the chunk that completes the enclosing object.
        ("InfoData", ['{"password": "a", "confirm": "b"', ', "parts": []', "}"], 2),
        ("ModelAfter", ['{"low": 3, "high": 2', ', "calls": 0', "}"], 2),
        ("Extras", ['{"forbid": {"a": 1, "b": 2', "}", ', "allow": {}}'], 1),
        ("Nested", ['{"title": "t", "leaf": {"label": "x"', "}", ', "leaves": []}'], 1),
    ],
)
def test_fail_fast_on_the_deciding_chunk(model_name: str, chunks: list[str], at: int) -> None:
    import zoo

    model = getattr(zoo, model_name)
    assert pydantic_result(model, "".join(chunks))[1] is not None
    assert chunk_of_failure(model, chunks) == at


def test_validators_see_raw_input_and_run_once() -> None:
    import zoo

    text = '{"before": {"titled": {"title": "  hi  "}}, "after": [{"low": 1, "high": 1}]}'
    final = stream_model(iter(list(text)), zoo.Validators).get_final()
    assert final == zoo.Validators.model_validate_json(text)
    assert final.after[0].calls == 1
    leaf = stream_model(iter(['{"n": 1}']), zoo.Leaf).get_final()
    assert leaf.n == 2


def test_a_dog_is_shown_as_a_dog_once_its_tag_arrived() -> None:
    import zoo

    shown = [
        p
        for p in stream_model(
            iter(list('{"pets": [{"kind": "dog", "bark": "b"}]}')), zoo.ListDiscriminated
        )
        if p.pets and p.pets[0].kind == "dog"
    ]
    assert shown and all(type(p.pets[0]).__name__ in ("PartialDog", "Dog") for p in shown)


def test_an_open_any_place_shows_the_raw_partial_value() -> None:
    import zoo

    chunks = ['{"name": "f", "arguments": {"q": {', '"x": 1}}}']
    partials = list(stream_model(iter(chunks), zoo.Anything))
    assert partials[0].arguments == {"q": {}}
    assert partials[-1] == zoo.Anything.model_validate_json("".join(chunks))


# ---- differential property test ------------------------------------------------------------

_JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=6),
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*here, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*here, index)))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copied = list(value)
    copied[head] = _replace(copied[head], rest, new)
    return copied


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[type[BaseModel], str, list[int]]:
    model, good, bad = draw(st.sampled_from(ZOO))
    base = json.loads(draw(st.sampled_from(good + bad)))
    if draw(st.booleans()):
        path = draw(st.sampled_from(_paths(base)))
        base = _replace(base, path, draw(_JSON))
    text = json.dumps(base, ensure_ascii=draw(st.booleans()))
    cuts = draw(st.lists(st.integers(1, max(1, len(text) - 1)), max_size=12))
    return model, text, sorted(set(cuts))


@given(mutated_documents(), st.sampled_from(deltajson.BACKENDS), st.booleans())
def test_differential_against_pydantic(
    case: tuple[type[BaseModel], str, list[int]], backend: str, copy: bool
) -> None:
    model, text, cuts = case
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if text[a:b]]
    try:
        expected, expected_error = pydantic_result(model, text)
    except Exception as e:  # a validator of the zoo raised something else: so must the stream
        other = type(e)
        _partials, error, _at, _final = run(model, chunks, backend, copy)
        assert isinstance(error, (other, SchemaMismatch)), repr(error)
        return
    partials, error, _at, final = run(model, chunks, backend, copy)
    if expected_error is None:
        assert error is None, repr(error)
        assert same(final, expected)
        assert same(partials[-1], expected)
    else:
        assert isinstance(error, SchemaMismatch), repr(error)
        assert isinstance(error.__cause__, ValidationError)
        if len(chunks) == 1:
            assert comparable(error.__cause__) == comparable(expected_error)


_PLAIN_SCHEMAS = [
    {"type": "str"},
    {"type": "str", "strict": True},
    {"type": "int"},
    {"type": "int", "strict": True},
    {"type": "float"},
    {"type": "bool"},
]


@given(
    st.sampled_from(_PLAIN_SCHEMAS),
    st.sampled_from([None, {"strict": True}, {"str_strip_whitespace": True}]),
    st.one_of(
        st.text(),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.none(),
        st.just("\ud800x"),
        st.just(" padded "),
    ),
)
def test_the_plain_atom_shortcut_gives_what_pydantic_gives(
    schema: dict[str, Any], config: Optional[dict[str, Any]], value: Any
) -> None:
    """``Schemas.validate`` skips the JSON round trip for bare atom schemas: that must be
    exactly what validating the value's JSON gives (same value and type, same failure)."""
    from pydantic_core import SchemaValidator

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
    assert got == expected or (got != got and expected != expected)


@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if e[2]], ids=[_id(e) for e in ENTRIES if e[2]]
)
def test_zoo_tool_calls_finish_as_pydantic_models(entry: tuple[type[BaseModel], str, bool]) -> None:
    """Two parallel tool calls whose arguments stream interleaved, a few characters at a
    time: each finished model is ``model_validate_json`` of its arguments."""
    model, text, _ = entry
    if overrides_a_failure(model, text):
        return
    pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
    deltas = [(index, "tool", piece) for piece in pieces for index in (0, 1)]
    updates = list(deltajson.stream_tool_calls(iter(deltas), {"tool": model}))
    finals = [u for u in updates if u.final]
    expected, _ = pydantic_result(model, text)
    assert [u.index for u in finals] == [0, 1]
    assert all(same(u.model, expected) for u in finals)


@given(
    st.sampled_from([e for e in ENTRIES if e[2] and not overrides_a_failure(e[0], e[1])]),
    st.data(),
    st.booleans(),
    st.sampled_from(deltajson.BACKENDS),
)
def test_prefixes_of_accepted_documents_never_raise(
    entry: tuple[type[BaseModel], str, bool], data: st.DataObject, copy: bool, backend: str
) -> None:
    """Any prefix of a document Pydantic accepts, in any chunking: partials only, never an
    exception, each a partial (or the final) model."""
    from deltajson._engine import ModelEngine

    model, text, _ = entry
    end = data.draw(st.integers(0, len(text)))
    cuts = sorted(set(data.draw(st.lists(st.integers(1, max(1, end)), max_size=10))))
    prefix = text[:end]
    chunks = [prefix[a:b] for a, b in zip([0, *cuts], [*cuts, end], strict=True) if prefix[a:b]]
    engine = ModelEngine(model, live=not copy, parser_options={"backend": backend})
    shown = (*shown_classes(model), list, type(None))
    for chunk in chunks:
        engine.feed(chunk)
        assert isinstance(engine.partial(), shown)
