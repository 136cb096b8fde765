"""Regressions of the typed layer found by independent testing on real-world schemas (issue 24,
items 1-5), each on both engines, in one chunk, one character at a time and random
chunkings, compared with Pydantic itself."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

import deltajson
from deltajson import SchemaMismatch, iter_items, stream_fields, stream_items, stream_model
from test_pydantic_zoo import comparable, pydantic_result, same
from zoo import Brainstorm, Directory, Idea, Recipe, SearchTool, SqlOutput, Step


def chunkings(text: str) -> list[list[str]]:
    """One chunk, and one character at a time."""
    return [[text], list(text)]


def split_at(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c for c in cuts if 0 < c < len(text)})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


cut_lists = st.lists(st.integers(1, 200), max_size=12)


# ---- 1. a default_factory that takes the validated data -------------------------------------

RECIPE = '{"title": "Soup", "servings": 3, "steps": [{"name": "Chop Leeks"}, {"name": "Boil"}]}'


def check_recipe_stream(chunks: list[str], backend: str, copy: bool) -> None:
    expected = Recipe.model_validate_json("".join(chunks))
    partials = list(stream_model(iter(chunks), Recipe, backend=backend, copy=copy))
    assert same(partials[-1], expected)
    for partial in partials[:-1]:
        # The object is open: no data to call the factory with, so the field is missing.
        assert partial.portions is None
        for step in partial.steps or []:
            # A completed step is Pydantic's own (its factory applied); an open one waits.
            if isinstance(step, Step):
                assert step == Step.model_validate_json(json.dumps({"name": step.name}))
            else:
                assert step.slug is None


@pytest.mark.parametrize("copy", [True, False])
def test_a_factory_taking_data_waits_for_its_object(backend: str, copy: bool) -> None:
    for chunks in chunkings(RECIPE):
        check_recipe_stream(chunks, backend, copy)


@given(cut_lists)
def test_a_factory_taking_data_in_any_chunking(cuts: list[int]) -> None:
    for backend in deltajson.BACKENDS:
        check_recipe_stream(split_at(RECIPE, cuts), backend, True)


def test_a_factory_taking_data_in_every_entry_point(backend: str) -> None:
    expected = Recipe.model_validate_json(RECIPE)
    assert deltajson.Partial[Recipe]().portions is None  # no crash, nothing made up
    events = list(stream_fields(iter(list(RECIPE)), Recipe, backend=backend))
    assert same(events[-1][1], expected)
    steps = [value for path, value in events if path[:1] == ("steps",) and len(path) == 2]
    assert steps == expected.steps

    async def chunks() -> AsyncIterator[str]:
        for c in RECIPE:
            yield c

    async def final() -> Any:
        return await deltajson.astream_model(chunks(), Recipe, backend=backend).get_final()

    assert same(asyncio.run(final()), expected)


# ---- 2. stream_items yields every valid item before the failing one -------------------------

BAD_IDEAS = '{"topic": "t", "ideas": [{"title": "a", "score": 1}, {"score": 12}, {"title": "c"}]}'


def items_then_error(chunks: list[str], backend: str) -> tuple[list[Any], Optional[Exception]]:
    got: list[Any] = []
    try:
        for item in stream_items(iter(chunks), Idea, path="$.ideas[*]", backend=backend):
            got.append(item)
    except Exception as e:
        return got, e
    return got, None


def valid_prefix(text: str) -> list[Idea]:
    """The items Pydantic accepts before the first it rejects."""
    valid = []
    for item in json.loads(text)["ideas"]:
        try:
            valid.append(Idea.model_validate_json(json.dumps(item)))
        except ValidationError:
            break
    return valid


def test_items_before_a_failing_item_are_yielded(backend: str) -> None:
    assert pydantic_result(Brainstorm, BAD_IDEAS)[1] is not None
    for chunks in chunkings(BAD_IDEAS):
        got, error = items_then_error(chunks, backend)
        assert got == valid_prefix(BAD_IDEAS)
        assert isinstance(error, SchemaMismatch)
        assert error.path == ("ideas", 1)
        # Located in the whole document, as Pydantic locates it there.
        assert error.validation_error.errors()[0]["loc"][:2] == ("ideas", 1)


@given(cut_lists)
def test_items_before_a_failing_item_in_any_chunking(cuts: list[int]) -> None:
    chunks = split_at(BAD_IDEAS, cuts)
    for backend in deltajson.BACKENDS:
        got, error = items_then_error(chunks, backend)
        assert got == valid_prefix(BAD_IDEAS)
        assert isinstance(error, SchemaMismatch)


def test_items_before_invalid_json_in_the_same_chunk_are_yielded(backend: str) -> None:
    text = '[{"title": "a", "score": 1}, {"title": "b", "score": 2}, x'
    for chunks in chunkings(text):
        got: list[Any] = []
        with pytest.raises(deltajson.JSONError):
            for item in stream_items(iter(chunks), Idea, backend=backend):
                got.append(item)
        assert [i.title for i in got] == ["a", "b"]
        raw: list[Any] = []
        with pytest.raises(deltajson.JSONError):
            for value in iter_items(iter(chunks), "$[*]", backend=backend):
                raw.append(value)
        assert raw == json.loads(text[: text.rindex(",")] + "]")


# ---- 3. on_invalid="skip" and extra="forbid" ------------------------------------------------

STRAY = '{"query": "q", "lang": "en", "limit": 3}'
WITHOUT_STRAY = '{"query": "q", "limit": 3}'


class Calls(BaseModel):
    calls: list[SearchTool]


CALLS = '{"calls": [{"query": "a", "oops": {"x": [1]}}, {"query": "b", "limit": 1}]}'
CALLS_WITHOUT = '{"calls": [{"query": "a"}, {"query": "b", "limit": 1}]}'


@pytest.mark.parametrize(
    ("model", "text", "without"),
    [(SearchTool, STRAY, WITHOUT_STRAY), (Calls, CALLS, CALLS_WITHOUT)],
)
def test_skip_leaves_out_a_forbidden_key_and_keeps_its_object(
    model: type[BaseModel], text: str, without: str, backend: str
) -> None:
    assert pydantic_result(model, text)[1] is not None  # Pydantic refuses the stray key...
    expected = model.model_validate_json(without)  # ...and this is the document without it
    for chunks in chunkings(text):
        for copy in (True, False):
            stream = stream_model(
                iter(chunks), model, on_invalid="skip", backend=backend, copy=copy
            )
            partials = list(stream)
            assert same(stream.final, expected)
            assert same(partials[-1], expected)
        with pytest.raises(SchemaMismatch):
            list(stream_model(iter(chunks), model, backend=backend))  # "raise" still raises


@given(cut_lists)
def test_skip_forbidden_keys_in_any_chunking(cuts: list[int]) -> None:
    chunks = split_at(CALLS, cuts)
    expected = Calls.model_validate_json(CALLS_WITHOUT)
    for backend in deltajson.BACKENDS:
        assert same(
            stream_model(iter(chunks), Calls, on_invalid="skip", backend=backend).get_final(),
            expected,
        )


def test_skip_still_fails_where_the_skipped_key_leaves_the_object_invalid(backend: str) -> None:
    # The stray key is left out, but a required field is still missing: Pydantic's verdict on
    # the document without it.
    text = '{"lang": "en"}'
    assert pydantic_result(SearchTool, "{}")[1] is not None
    with pytest.raises(SchemaMismatch):
        list(stream_model(iter([text]), SearchTool, on_invalid="skip", backend=backend))


# ---- 4. errors keep their location whatever made them --------------------------------------

LOCATED = [
    '{"team": "core", "contacts": [{"name": "Ana", "email": "not-an-email"}], "owner": null}',
    '{"team": "core", "contacts": [{"name": "spam bot", "email": "s@example.com"}], "x": 1}',
    '{"team": "core", "contacts": [], "owner": {"name": "Bo", "email": "bo@@x"}, "y": 2}',
]


@pytest.mark.parametrize("text", LOCATED)
def test_fail_fast_errors_are_located_as_pydantic_locates_them(text: str, backend: str) -> None:
    _, expected = pydantic_result(Directory, text)
    assert expected is not None
    for chunks in chunkings(text):
        stream = stream_model(iter(chunks), Directory, backend=backend)
        with pytest.raises(SchemaMismatch) as caught:
            list(stream)
        if len(chunks) > 1:
            assert stream.chunks < len(chunks)  # failed fast, before the document ended
        ours = caught.value.validation_error
        assert comparable(ours) == comparable(expected)
        assert str(ours) == str(expected)
        loc = expected.errors()[0]["loc"]
        assert str(caught.value).startswith("/".join(map(str, loc)) + ": ")
        assert caught.value.path == loc


# ---- 5. progress of a union of models at the root -------------------------------------------


def test_pending_fields_of_a_union_at_the_root(backend: str) -> None:
    text = '{"sql_query": "SELECT 1", "explanation": "one"}'
    stream = stream_model(iter(list(text)), SqlOutput, backend=backend)
    seen: list[tuple[list[str], list[str], float]] = []
    for _ in stream:
        seen.append((stream.completed_fields, stream.pending_fields, stream.progress))
    assert seen[0][1] == ["sql_query", "explanation"]
    assert any(c == ["sql_query"] and p == ["explanation"] and 0 < pr < 100 for c, p, pr in seen)
    assert stream.pending_fields == [] and stream.progress == 100.0
    assert same(stream.final, TypeAdapter(SqlOutput).validate_json(text))
    # Shown as the member whose fields arrive: the other member's stream says so too.
    other = stream_model(iter(['{"error_message": "no', ' table"}']), SqlOutput, backend=backend)
    next(iter(other))
    assert other.completed_fields == []
    assert other.get_final() == TypeAdapter(SqlOutput).validate_json(
        '{"error_message": "no table"}'
    )


def test_pending_fields_of_a_list_at_the_root_is_empty(backend: str) -> None:
    stream = stream_model(iter(["[1, 2", "]"]), list[int], backend=backend)
    next(iter(stream))
    assert stream.pending_fields == [] and stream.completed_fields == []
    assert stream.get_final() == [1, 2] and stream.progress == 100.0
