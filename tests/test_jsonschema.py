"""JSON Schema contracts against the validator itself (python-jsonschema), over documents
hypothesis-jsonschema draws from each schema of the zoo (``tests/schema_zoo.py``), valid ones
and ones mutated into near misses, in every chunking, on both engines:

- a document the validator accepts streams without any exception; every partial is a
  snapshot the final value grows from (DESIGN §3) and the final value is the document;
- a document it rejects raises :class:`SchemaMismatch` whose cause is one of the errors the
  validator reports for the whole document (same path, message and keyword) — the very
  error it ranks first where the document arrives in one chunk — and nothing else.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from typing import Any, Optional

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import deltajson
from deltajson import JSONSchema, SchemaMismatch, stream_fields, stream_items, stream_model
from helpers import check_snapshots, split, strict_equal
from schema_zoo import CASES, TASKS, Case
from strategies import cuts, documents

CONTRACTS = {
    case.name: JSONSchema(
        case.schema, format_checker=jsonschema.FormatChecker() if case.formats else None
    )
    for case in CASES
}
#: How many documents of each kind the differential tests saw (a test asserts both kinds
#: came up, so that the property is not vacuous).
SEEN: dict[str, set[bool]] = {}


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(paths_of(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(paths_of(child, (*prefix, index)))
    return found


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy: Any = list(value) if isinstance(value, list) else dict(value)
    copy[head] = replaced(value[head], tuple(rest), new)
    return copy


def removed(value: Any, path: tuple[Any, ...]) -> Any:
    if len(path) == 1:
        copy: Any = list(value) if isinstance(value, list) else dict(value)
        del copy[path[0]]
        return copy
    head, *rest = path
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[head] = removed(value[head], tuple(rest))
    return copy


_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {}


def drawn_from(case: Case) -> st.SearchStrategy[Any]:
    """hypothesis-jsonschema's documents of the case (from a copy: it rewrites the schema
    it is given in place)."""
    found = _STRATEGIES.get(case.name)
    if found is None:
        schema = case.gen if case.gen is not None else case.schema
        found = _STRATEGIES[case.name] = from_schema(copy.deepcopy(schema))
    return found


@st.composite
def documents_for(draw: st.DrawFn, case: Case) -> Any:
    """A document drawn from the schema, or that document with one value replaced, one
    removed or one key added: near misses the validator rejects (or not)."""
    doc = draw(drawn_from(case))
    how = draw(st.sampled_from(["as drawn", "replace", "remove", "add"]))
    paths = paths_of(doc)
    if how == "replace":
        doc = replaced(doc, draw(st.sampled_from(paths)), draw(documents))
    elif how == "remove" and len(paths) > 1:
        doc = removed(doc, draw(st.sampled_from(paths[1:])))
    elif how == "add":
        objects = [p for p in paths if isinstance(_at(doc, p), dict)]
        if objects:
            where = draw(st.sampled_from(objects))
            key = draw(st.sampled_from(["extra", "x-note", "kind", "title", "7"]))
            target = dict(_at(doc, where))
            target[key] = draw(documents)
            doc = replaced(doc, where, target)
    return doc


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def text_of(doc: Any, indent: Optional[int]) -> str:
    has_surrogate = any(0xD800 <= ord(c) < 0xE000 for c in json.dumps(doc, ensure_ascii=False))
    return json.dumps(doc, ensure_ascii=has_surrogate, indent=indent)


def run(contract: Any, chunks: list[str], backend: str, **options: Any) -> Any:
    stream = stream_model(iter(chunks), contract, backend=backend, **options)
    partials: list[Any] = []
    error: Optional[BaseException] = None
    try:
        for partial in stream:
            partials.append(partial)
    except Exception as e:
        error = e
    return partials, error, stream


def key_of(error: Any) -> tuple[Any, ...]:
    return (tuple(error.absolute_path), error.message, error.validator)


def every_error(errors: list[Any]) -> set[tuple[Any, ...]]:
    """The validator's errors and, below ``anyOf``/``oneOf``, their context's (where
    ``best_match`` may pick one)."""
    found = set()
    stack = list(errors)
    while stack:
        error = stack.pop()
        found.add(key_of(error))
        stack.extend(error.context or ())
    return found


@pytest.mark.parametrize("backend", deltajson.BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=str)
@settings(max_examples=40)
@given(data=st.data())
def test_matches_the_validator(case: Case, backend: str, data: st.DataObject) -> None:
    doc = data.draw(documents_for(case))
    text = text_of(doc, data.draw(st.sampled_from([None, 1])))
    check_against_the_validator(case, backend, text, split(text, data.draw(cuts)))


#: Values tried, in order, for a document each schema rejects (the first it rejects is used).
_NOT_DOCUMENTS: list[Any] = [42, "text", None, [], [1, "a"], {}, {"n": []}, {"version": 2}]


def rejected_document(case: Case) -> Any:
    """A document the case's schema rejects, the same on every run: the near misses the
    property draws can all be valid for a permissive schema (no required field, formats only
    annotated), and the property must see both verdicts."""
    validator = CONTRACTS[case.name].validator
    for value in _NOT_DOCUMENTS:
        if not validator.is_valid(value):
            return value
    raise AssertionError(f"{case.name}: none of _NOT_DOCUMENTS is rejected; add one")


@pytest.mark.parametrize("backend", deltajson.BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_the_validator_on_a_rejected_document(case: Case, backend: str) -> None:
    text = text_of(rejected_document(case), 1)
    for chunks in ([text], list(text), split(text, [len(text) // 2])):
        check_against_the_validator(case, backend, text, chunks)


def check_against_the_validator(case: Case, backend: str, text: str, chunks: list[str]) -> None:
    """One document of ``case`` in ``chunks``: accepted with exactly its value where the
    validator accepts it, else refused with one of the validator's own errors."""
    value = json.loads(text)
    contract = CONTRACTS[case.name]
    expected = list(contract.validator.iter_errors(value))
    partials, error, stream = run(contract, chunks, backend)
    SEEN.setdefault(case.name, set()).add(not expected)
    if not expected:
        assert error is None, f"{chunks!r}: {error!r}"
        assert strict_equal(partials[-1], value)
        assert strict_equal(stream.final, value)
        check_snapshots(partials[:-1], value)
        assert stream.status == "complete"
    else:
        assert isinstance(error, SchemaMismatch), f"{chunks!r}: {error!r}"
        cause = error.__cause__
        assert isinstance(cause, jsonschema.ValidationError)
        assert error.validation_error is cause
        assert stream.final is None and stream.status == "error"
        assert key_of(cause) in every_error(expected), (chunks, key_of(cause))
        assert error.path == tuple(cause.absolute_path)
        if len([c for c in chunks if c]) <= 1:
            assert key_of(cause) == key_of(jsonschema.exceptions.best_match(expected))
        for partial in partials:  # what was shown before the failure grows into the text
            check_snapshots([partial], value)


def test_the_differential_tests_saw_both_verdicts() -> None:
    """Runs after the tests above (same module, in order): each schema's documents were
    accepted and rejected at least once, so neither branch of the check is vacuous."""
    if not SEEN:
        pytest.skip("run with the differential test")
    for case in CASES:
        assert SEEN.get(case.name) == {True, False}, case.name


# ---- fail fast, on the chunk that completes the value -------------------------------------


def test_a_rejected_item_fails_on_the_chunk_that_completes_it(backend: str) -> None:
    chunks = [
        '{"goal": "Ship", "tasks": [{"title": "a", "hours": 1}, {"title": "b", "ho',
        'urs": -2}',
        ', {"title": "c", "hours": 3}]}',
    ]
    stream = stream_model(chunks, TASKS, backend=backend)
    seen = []
    with pytest.raises(SchemaMismatch) as caught:
        for partial in stream:
            seen.append(partial)
    assert stream.chunks == 2  # the chunk that completes the item, not the end
    assert caught.value.path == ("tasks", 1, "hours")
    assert str(caught.value) == "tasks/1/hours: -2 is less than the minimum of 0"
    assert caught.value.__cause__.validator == "minimum"
    assert caught.value.partial == {
        "goal": "Ship",
        "tasks": [{"title": "a", "hours": 1}, {"title": "b", "hours": -2}],
    }


def test_siblings_decide_when_the_object_completes(backend: str) -> None:
    # additionalProperties and required need the whole object: it fails when it closes.
    chunks = ['{"goal": "x", "tasks": [{"title": "a", "hours": 1, "extra": 2', "}", "]}"]
    stream = stream_model(chunks, TASKS, backend=backend)
    with pytest.raises(SchemaMismatch) as caught:
        list(stream)
    assert stream.chunks == 2
    assert caught.value.path == ("tasks", 0)
    assert caught.value.__cause__.validator == "additionalProperties"


def test_a_key_repeated_across_chunks_fails_on_the_first_value(backend: str) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    # Across chunks: the first value failed before its replacement came.
    with pytest.raises(SchemaMismatch):
        list(stream_model(['{"n": "x", ', '"n": 1}'], schema, backend=backend))
    # Within one chunk the last value wins, as the validator sees the document.
    assert list(stream_model(['{"n": "x", "n": 1}'], schema, backend=backend)) == [{"n": 1}]


def test_nothing_is_validated_early_under_anyof_or_a_dynamic_ref(backend: str) -> None:
    schema = {
        "anyOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}},
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]},
        ]
    }
    stream = stream_model(['{"a": "s"', ', "c": 1', "}"], schema, backend=backend)
    with pytest.raises(SchemaMismatch):
        list(stream)
    assert stream.chunks == 3  # the root decides
    dynamic = CONTRACTS["dynamic_ref"]
    stream = stream_model(
        ['{"name": "a", "kids": [{"name": 1}', "]", "}"], dynamic, backend=backend
    )
    with pytest.raises(SchemaMismatch):
        list(stream)
    assert stream.chunks == 3


def test_skip_leaves_out_rejected_values(backend: str) -> None:
    text = (
        '{"goal": "x", "tasks": [{"title": "a", "hours": 1}, {"title": "b", "hours": -1},'
        ' {"title": "c", "hours": 2}]}'
    )
    partials = list(stream_model(list(text), TASKS, backend=backend, on_invalid="skip"))
    final = {"goal": "x", "tasks": [{"title": "a", "hours": 1}, {"title": "c", "hours": 2}]}
    assert partials[-1] == final
    assert not any(t.get("hours") == -1 for p in partials for t in p.get("tasks", []))


def test_formats_as_the_validator_treats_them(backend: str) -> None:
    doc = '{"email": "not an email"}'
    assert list(stream_model([doc], CONTRACTS["formats_annotated"], backend=backend))
    with pytest.raises(SchemaMismatch, match="is not a 'email'"):
        list(stream_model([doc], CONTRACTS["formats_asserted"], backend=backend))


def test_a_schema_that_is_not_valid_is_an_error_at_once() -> None:
    with pytest.raises(jsonschema.SchemaError):
        stream_model([], {"type": "objekt"})
    with pytest.raises(ValueError, match="unknown policy 'later'"):
        stream_model([], {"properties": {"a": {"x-deltajson-stream": "later"}}})


# ---- the other streams take a JSON Schema too ---------------------------------------------


def test_fields_items_and_async(backend: str) -> None:
    text = '{"goal": "x", "tasks": [{"title": "a", "hours": 1}, {"title": "b", "hours": 2}]}'
    events = list(stream_fields(list(text), TASKS, backend=backend))
    assert events[-1] == ((), json.loads(text))
    assert (("tasks", 0), {"title": "a", "hours": 1}) in events
    task = TASKS["$defs"]["Task"]
    items = list(stream_items(list(text), task, path="$.tasks[*]", backend=backend))
    assert items == [{"title": "a", "hours": 1}, {"title": "b", "hours": 2}]
    with pytest.raises(SchemaMismatch) as caught:
        list(stream_items(['[{"title": "a"}]'], task, backend=backend))
    assert caught.value.path == (0,)

    async def chunks() -> AsyncIterator[str]:
        for piece in text:
            yield piece

    async def final() -> Any:
        stream = deltajson.astream_model(chunks(), TASKS, backend=backend)
        return await stream.get_final(), stream.pending_fields, stream.progress

    assert asyncio.run(final()) == (json.loads(text), ["status"], 100.0)


def test_sse_done_event_is_the_document_and_errors_name_the_keyword() -> None:
    from deltajson.sse import event_stream

    async def events(chunks: list[str]) -> list[bytes]:
        return [e async for e in event_stream(_aiter(chunks), TASKS, heartbeat=None)]

    text = '{"goal": "x", "tasks": [{"title": "a", "hours": 1}]}'
    body = b"".join(asyncio.run(events(list(text))))
    done = json.loads(body.split(b"event: done\ndata: ")[1])
    assert done == {"value": json.loads(text)}
    bad = b"".join(asyncio.run(events(['{"goal": "x", "tasks": [{"title": "a"}', "]}"])))
    error = json.loads(bad.split(b"event: error\ndata: ")[1])
    assert error["type"] == "SchemaMismatch" and error["path"] == "/tasks/0"
    assert error["errors"] == [{"type": "required", "loc": ["tasks", 0]}]


async def _aiter(chunks: list[str]) -> AsyncIterator[str]:
    for chunk in chunks:
        yield chunk
