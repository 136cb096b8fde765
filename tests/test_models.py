"""The pydantic layer: Partial[Model], stream_model / astream_model, items, events, errors."""

from __future__ import annotations

import asyncio
import enum
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError, field_validator

import deltajson
from deltajson import (
    Partial,
    Refusal,
    SchemaMismatch,
    StreamInterrupted,
    StreamTimeout,
    astream_model,
    retry,
    stream_items,
    stream_model,
)
from helpers import split

# ---- realistic models --------------------------------------------------------------------


class Priority(enum.Enum):
    LOW = "low"
    HIGH = "high"


class Email(BaseModel):
    kind: Literal["email"]
    address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class Phone(BaseModel):
    kind: Literal["phone"]
    number: str = Field(min_length=6)


class Task(BaseModel):
    title: str = Field(max_length=40)
    priority: Priority = Priority.LOW
    estimate_hours: float = Field(ge=0)
    tags: list[str] = []

    @field_validator("title")
    @classmethod
    def no_todo(cls, value: str) -> str:
        if value.lower().startswith("todo"):
            raise ValueError("titles must not start with TODO")
        return value


class Project(BaseModel):
    name: str
    owner: Optional[str] = None
    contact: Annotated[Union[Email, Phone], Field(discriminator="kind")]
    tasks: list[Task]
    budget: dict[str, int] = {}
    done: bool = False


PROJECT = {
    "name": "Launch 🚀 site",
    "owner": "Ada",
    "contact": {"kind": "email", "address": "ada@example.com"},
    "tasks": [
        {"title": "Design the page", "priority": "high", "estimate_hours": 6.5, "tags": ["ux"]},
        {"title": "Write copy", "estimate_hours": 3, "tags": []},
        {"title": "Ship it", "priority": "low", "estimate_hours": 0.5},
    ],
    "budget": {"design": 1200, "hosting": 30},
    "done": False,
}
TEXT = json.dumps(PROJECT, ensure_ascii=False, indent=1)


class Node(BaseModel):
    name: str
    children: list[Node] = []


# ---- Partial[Model] ----------------------------------------------------------------------


def test_partial_makes_every_field_optional_recursively() -> None:
    P = Partial[Project]
    empty = P()
    assert empty.name is None and empty.tasks is None
    assert empty.budget == {} and empty.done is False  # defaults kept
    value = P.model_validate({"tasks": [{"title": "x"}], "contact": {"address": "a@"}})
    assert type(value.tasks[0]).__name__ == "PartialTask"
    assert value.tasks[0].title == "x" and value.tasks[0].estimate_hours is None
    # Constraints and validators belong to complete values: a partial accepts a prefix.
    assert P.model_validate({"tasks": [{"title": "TODO: later" + "x" * 50}]}).tasks[0].title


def test_partial_of_a_recursive_model() -> None:
    value = Partial[Node].model_validate({"name": "root", "children": [{"name": "a"}, {}]})
    assert isinstance(value.children[0], Node)  # a complete part is the model itself
    assert type(value.children[1]).__name__ == "PartialNode"
    assert Partial[Node] is Partial[Node]


def test_fast_construction_matches_model_construct() -> None:
    from deltajson._partial import construct

    P = Partial[Project]
    for values in ({}, {"name": "x", "tasks": [Task(title="t", estimate_hours=1)]}, {"done": True}):
        fast, slow = construct(P, dict(values)), P.model_construct(**values)
        assert fast == slow
        assert fast.model_fields_set == slow.model_fields_set
        assert list(fast.__dict__) == list(slow.__dict__)
    a, b = construct(P, {}), construct(P, {})
    assert a.budget == {} and a.budget is not b.budget  # mutable defaults are not shared


def test_partial_takes_only_models() -> None:
    with pytest.raises(TypeError):
        Partial[dict]  # type: ignore[misc]


# ---- stream_model ------------------------------------------------------------------------


@given(st.lists(st.integers(min_value=0), max_size=40), st.sampled_from(deltajson.BACKENDS))
def test_every_chunking_gives_valid_partials_and_the_strict_final(
    cut: list[int], backend: str
) -> None:
    stream = stream_model(split(TEXT, cut), Project, backend=backend)
    seen = list(stream)
    final = seen[-1]
    assert type(final) is Project
    assert final == Project.model_validate(PROJECT)
    assert stream.final == final and stream.status == "complete" and stream.progress == 100.0
    previous_tasks = 0
    for partial in seen[:-1]:
        assert type(partial).__name__ == "PartialProject"
        tasks = partial.tasks or []
        # Completed tasks are real, validated Task objects; only the last may be partial.
        assert all(type(t) is Task for t in tasks[:-1])
        assert len(tasks) >= previous_tasks
        previous_tasks = len(tasks)
        if partial.name is not None:
            assert PROJECT["name"].startswith(partial.name)  # type: ignore[union-attr]
        if partial.contact is not None:
            assert type(partial.contact).__name__ in ("Email", "PartialEmail")


def test_enum_and_literal_appear_only_when_complete() -> None:
    text = '{"title": "A", "priority": "hi' + 'gh", "estimate_hours": 1}'
    partials = list(stream_model([text[:25], text[25:30], text[30:]], Task))
    # The default stands until the value is complete; a prefix ("hi") is never shown.
    assert [p.priority for p in partials] == [Priority.LOW, Priority.LOW, Priority.HIGH]


def test_fail_fast_on_the_chunk_that_completes_the_bad_value() -> None:
    chunks = [
        '{"name": "p", "contact": {"kind": "email", "address": "x@y"}, ',
        '"tasks": [{"title": "ok", "estimate_hours": "soon',
        '"',
        ', "tags": []}]}',
    ]
    fed = []

    def source() -> Iterator[str]:
        for chunk in chunks:
            fed.append(chunk)
            yield chunk

    with pytest.raises(SchemaMismatch) as info:
        list(stream_model(source(), Project))
    e = info.value
    assert len(fed) == 3  # raised by the chunk with the closing quote, not later
    assert e.path == ("tasks", 0, "estimate_hours")
    assert isinstance(e.validation_error, ValidationError)
    assert e.partial.tasks[0].title == "ok" and e.raw == "".join(chunks[:3])


def test_a_failed_final_validation_keeps_what_was_read() -> None:
    # A required field never written is found when the root closes: the error still carries
    # the partial value read, nothing lost.
    doc = '{"title": "ship", "tags": ["a"]}'
    with pytest.raises(SchemaMismatch, match="estimate_hours") as info:
        list(stream_model([doc[:12], doc[12:]], Task))
    assert info.value.partial.title == "ship"
    assert info.value.partial.tags == ["a"]
    assert info.value.raw == doc


def test_custom_validators_and_constraints_run_on_complete_values_only() -> None:
    # A prefix longer than max_length is only checked when the title completes.
    long_title = '{"title": "' + "w" * 60
    stream = stream_model([long_title, '", "estimate_hours": 1}'], Task)
    it = iter(stream)
    assert next(it).title == "w" * 60
    with pytest.raises(SchemaMismatch, match="title"):
        next(it)
    with pytest.raises(SchemaMismatch, match="TODO"):
        list(stream_model(['{"title": "TODO x", "estimate_hours": 1}'], Task))


def test_skip_leaves_invalid_values_out() -> None:
    text = '{"tasks": [{"title": "a", "estimate_hours": -1}, {"title": "b", "estimate_hours": 2}]}'

    class Board(BaseModel):
        tasks: list[Task]

    partials = list(stream_model([text], Board, on_invalid="skip"))
    # The first task is invalid (estimate < 0) and skipped; the rest stands.
    assert partials[-1] == Board(tasks=[Task(title="b", estimate_hours=2)])


def test_discriminated_union_variant_by_tag() -> None:
    text = '{"name": "p", "contact": {"kind": "phone", "number": "555-12' + '34"}, "tasks": []}'
    partials = list(stream_model([text[:45], text[45:]], Project))
    assert type(partials[0].contact).__name__ == "PartialPhone"
    assert isinstance(partials[-1].contact, Phone)


def test_invalid_json_carries_partial_and_raw() -> None:
    with pytest.raises(deltajson.JSONError) as info:
        list(stream_model(['{"name": "p", ', '"tasks": [1 2]'], Project))
    assert info.value.partial.name == "p"  # type: ignore[attr-defined]
    assert info.value.raw == '{"name": "p", "tasks": [1 2]'  # type: ignore[attr-defined]


def test_incomplete_stream() -> None:
    with pytest.raises(deltajson.IncompleteJSONError) as info:
        list(stream_model(['{"name": "p", "tas'], Project))
    assert info.value.partial.name == "p"  # type: ignore[attr-defined]


def test_stream_reports_progress() -> None:
    stream = stream_model(split(TEXT, [30, 200, 400]), Project)
    it = iter(stream)
    next(it)
    assert stream.status == "streaming" and 0 <= stream.progress < 100
    list(it)
    assert stream.completed_fields == ["name", "owner", "contact", "tasks", "budget", "done"]
    assert stream.pending_fields == []
    assert stream.chunks == 4 and stream.bytes == len(TEXT.encode())
    assert stream.raw == TEXT and stream.elapsed >= 0


def test_field_events() -> None:
    events: list[tuple[Any, Any]] = []
    stream_model(
        [TEXT], Project, on_field=lambda path, value: events.append((path, value))
    ).get_final()
    paths = [path for path, _ in events]
    assert ("name",) in paths and ("tasks", 2) in paths and ("budget", "hosting") in paths
    assert dict(events)[("tasks", 1)] == Task(title="Write copy", estimate_hours=3)
    assert paths.index(("tasks", 0)) < paths.index(("tasks",))  # in completion order


def test_field_events_as_an_iterator_and_async() -> None:
    events = list(deltajson.stream_fields(split(TEXT, [50, 250]), Project))
    assert [p for p, _ in events][-1] == ()
    assert dict(events)[("contact",)] == Email(kind="email", address="ada@example.com")

    async def source() -> AsyncIterator[str]:
        for chunk in split(TEXT, [50, 250]):
            yield chunk

    async def collect() -> list[Any]:
        return [e async for e in deltajson.astream_fields(source(), Project)]

    assert asyncio.run(collect()) == events


def test_nothing_is_kept_for_events_nobody_reads() -> None:
    stream = stream_model(split(TEXT, [50, 250]), Project)
    list(stream)
    assert stream._core.engine.events == []


def test_min_interval_coalesces_but_keeps_the_last() -> None:
    chunks = split(TEXT, list(range(0, len(TEXT), 3)))
    every = list(stream_model(chunks, Project))
    throttled = list(stream_model(chunks, Project, min_interval=3_600_000))  # ms
    assert len(throttled) == 2 and len(every) > 20  # the first partial, then the final
    assert throttled[-1] == every[-1]


# ---- sources that fail, stall or refuse --------------------------------------------------


def slow_source(delays: list[float], chunks: list[str]) -> Iterator[str]:
    for delay, chunk in zip(delays, chunks, strict=True):
        time.sleep(delay)
        yield chunk


def test_idle_timeout() -> None:
    source = slow_source([0, 0, 0.5], ['{"name": "p', 'q", "tasks"', ": []}"])
    with pytest.raises(StreamTimeout) as info:
        list(stream_model(source, Project, idle_timeout=0.1))
    assert info.value.partial.name == "pq" and info.value.raw == '{"name": "pq", "tasks"'


def test_total_timeout() -> None:
    source = slow_source([0.04] * 10, ['{"name": "', *"abcdefgh", '"}'])
    with pytest.raises(StreamTimeout, match=r"timeout of 0\.15"):
        list(stream_model(source, Project, timeout=0.15, idle_timeout=5))


def test_async_timeouts() -> None:
    async def slow() -> AsyncIterator[str]:
        yield '{"name": "p'
        await asyncio.sleep(0.5)
        yield '"}'

    async def run() -> None:
        await astream_model(slow(), Project, idle_timeout=0.05).get_final()

    with pytest.raises(StreamTimeout) as info:
        asyncio.run(run())
    assert info.value.partial.name == "p"


def test_interruption_keeps_the_partial() -> None:
    def broken() -> Iterator[str]:
        yield '{"name": "p", "tasks": [{"title": "a", "estimate_hours": 1}, {"ti'
        raise ConnectionResetError("peer closed")

    with pytest.raises(StreamInterrupted) as info:
        list(stream_model(broken(), Project))
    e = info.value
    assert isinstance(e.__cause__, ConnectionResetError)
    assert e.partial.tasks[0] == Task(title="a", estimate_hours=1)
    assert e.raw.endswith('{"ti')


def test_refusal_from_the_source_passes_through() -> None:
    def refusing() -> Iterator[str]:
        yield '{"name": "'
        raise Refusal("I can't help with that")

    with pytest.raises(Refusal) as info:
        list(stream_model(refusing(), Project))
    assert info.value.message == "I can't help with that" and info.value.raw == '{"name": "'


def test_retry_restarts_with_a_fresh_stream() -> None:
    attempts: list[list[str]] = []

    def flaky() -> Iterator[str]:
        sent: list[str] = []
        attempts.append(sent)
        for chunk in split(TEXT, [20, 90, 300]):
            if len(attempts) == 1 and len(sent) == 2:
                raise TimeoutError("read timed out")
            sent.append(chunk)
            yield chunk

    results = list(retry(lambda: stream_model(flaky(), Project), backoff=0.01))
    assert len(attempts) == 2
    assert results[-1] == Project.model_validate(PROJECT)  # no text of attempt 1 mixed in


def test_retry_gives_up() -> None:
    def always_broken() -> Iterator[str]:
        yield "{"
        raise OSError("down")

    with pytest.raises(StreamInterrupted):
        list(retry(lambda: stream_model(always_broken(), Project), attempts=2, backoff=0.001))


def test_async_stream_and_get_final() -> None:
    async def source() -> AsyncIterator[bytes]:
        for chunk in split(TEXT.encode(), [10, 50, 51, 300]):
            await asyncio.sleep(0)
            yield chunk

    async def run() -> tuple[list[Any], Project]:
        stream = astream_model(source(), Project)
        seen = [p async for p in stream]
        return seen, await stream.get_final()

    seen, final = asyncio.run(run())
    assert final == seen[-1] == Project.model_validate(PROJECT)


# ---- stream_items ------------------------------------------------------------------------


def test_items_each_once_as_soon_as_complete() -> None:
    cuts = [200, 330, 450]  # all inside the text (split() takes them modulo its length)
    chunks = split(TEXT, cuts)
    fed = []

    def source() -> Iterator[str]:
        for i, chunk in enumerate(chunks):
            fed.append(i)
            yield chunk

    got = [(fed[-1], task) for task in stream_items(source(), Task, path="$.tasks[*]")]
    assert [t for _, t in got] == [Task.model_validate(t) for t in PROJECT["tasks"]]  # type: ignore[attr-defined]
    # With indent=1 each task (depth 2) closes with a "\n  }"; it must arrive with the chunk
    # holding that brace.
    closing, start = [], 0
    for _ in PROJECT["tasks"]:  # type: ignore[attr-defined]
        start = TEXT.index("\n  }", start) + 3
        closing.append(start)
    expected = [sum(1 for c in cuts if c <= brace) for brace in closing]
    assert [i for i, _ in got] == expected


def test_items_fail_fast_or_skip() -> None:
    text = '[{"title": "a", "estimate_hours": 1}, {"title": "b", "estimate_hours": "x"}]'
    with pytest.raises(SchemaMismatch) as info:
        list(stream_items([text], Task))
    assert info.value.path == (1,)
    assert [t.title for t in stream_items([text], Task, on_invalid="skip")] == ["a"]


@given(st.lists(st.integers(min_value=0), max_size=30))
def test_live_partials_show_what_copied_partials_show(cut: list[int]) -> None:
    doc = dict(PROJECT)
    doc["tasks"] = [*PROJECT["tasks"], {"title": "bad", "estimate_hours": -1}]  # type: ignore[misc]
    text = json.dumps(doc, ensure_ascii=False)
    copied = stream_model(split(text, cut), Project, on_invalid="skip")
    live = stream_model(split(text, cut), Project, on_invalid="skip", copy=False)
    view = None
    # In lockstep: the live view must show, at each step, what the copy shows.
    for c, v in zip(copied, live, strict=True):
        if type(c) is Project:
            assert c == v
            continue
        view = view if view is not None else v
        assert v is view  # one object, updated in place
        assert c.model_dump() == v.model_dump()
