"""Awaitable fields: ``await stream.when(path)`` and ``async for item in stream.each(path)``
on async typed streams, for a Pydantic model and for its JSON Schema, both engines, every
chunking. The source is the test's own: it counts the chunks it handed out, so "resolved on
the chunk that completes the value" is checked exactly, never by timing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Optional, Union

import pytest
from hypothesis import given, settings
from pydantic import BaseModel, Field

import deltajson
from deltajson import SchemaMismatch, astream_model
from helpers import split
from strategies import cuts


class Task(BaseModel):
    title: str
    hours: float = Field(ge=0)


class Plan(BaseModel):
    goal: str
    tasks: list[Task]
    note: Optional[str] = None
    extra: Union[int, list[int]] = 0  # a smart union: validated with the whole document
    status: str


PLAN_SCHEMA = Plan.model_json_schema()
TEXT = json.dumps(
    {
        "goal": "Ship v1",
        "tasks": [{"title": "Write tests", "hours": 3}, {"title": "Release", "hours": 1}],
        "extra": [1, 2],
        "status": "final",
    }
)


class Source:
    """Hands out chunks one by one, counting them."""

    def __init__(self, chunks: list[str]) -> None:
        self.chunks = chunks
        self.given = 0

    async def __aiter__(self) -> AsyncIterator[str]:
        for chunk in self.chunks:
            self.given += 1
            yield chunk


def completed_at(chunks: list[str], path: tuple[Any, ...]) -> int:
    """How many chunks it takes for the value at ``path`` to complete."""
    parser = deltajson.Parser()
    for n, chunk in enumerate(chunks, 1):
        parser.feed(chunk)
        if parser.completed(path):
            return n
    parser.finish()
    return len(chunks)


def plain(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else value


@pytest.mark.parametrize("backend", deltajson.BACKENDS)
@pytest.mark.parametrize("contract", [Plan, PLAN_SCHEMA], ids=["model", "json_schema"])
@settings(max_examples=40)
@given(at=cuts)
def test_when_and_each_resolve_on_the_chunk_that_completes(
    contract: Any, backend: str, at: list[int]
) -> None:
    chunks = [c for c in split(TEXT, at) if c]
    source = Source(chunks)
    seen: list[tuple[str, Any, int]] = []

    async def run() -> Any:
        stream = astream_model(source, contract, backend=backend)
        seen.append(("goal", await stream.when("$.goal"), source.given))
        async for task in stream.each("$.tasks"):
            seen.append(("task", plain(task), source.given))
        seen.append(("tasks done", None, source.given))
        seen.append(("title", await stream.when(("tasks", 1, "title")), source.given))
        inside = stream.when("$.extra[1]")  # registered now
        seen.append(("extra", await stream.when("$.extra"), source.given))
        seen.append(("inside", await inside, source.given))
        return await stream.get_final()

    final = asyncio.run(run())
    expected = json.loads(TEXT)
    assert plain(final) == plain(Plan.model_validate_json(TEXT)) or final == expected
    tasks = [{"title": "Write tests", "hours": 3}, {"title": "Release", "hours": 1}]
    asked = completed_at(chunks, ("tasks",))
    # Complete before it was asked for: taken from what the stream shows.
    extra_at = max(asked, completed_at(chunks, ("extra",)))
    # Inside a smart-mode union (anyOf): validated with the whole document.
    inside_at = asked if completed_at(chunks, ("extra", 1)) <= asked else len(chunks)
    assert seen == [
        ("goal", "Ship v1", completed_at(chunks, ("goal",))),
        ("task", tasks[0], completed_at(chunks, ("tasks", 0))),
        ("task", tasks[1], completed_at(chunks, ("tasks", 1))),
        ("tasks done", None, completed_at(chunks, ("tasks",))),
        # Already complete: taken from what the stream shows, reading nothing more.
        ("title", "Release", completed_at(chunks, ("tasks",))),
        ("extra", [1, 2], extra_at),
        ("inside", 2, inside_at),
    ]


@pytest.mark.parametrize("contract", [Plan, PLAN_SCHEMA], ids=["model", "json_schema"])
def test_readers_take_turns_with_an_async_for(contract: Any, backend: str) -> None:
    chunks = list(TEXT)

    async def run() -> Any:
        stream = astream_model(Source(chunks), contract, backend=backend)

        async def partials() -> list[Any]:
            return [p async for p in stream]

        async def titles() -> list[str]:
            return [plain(t)["title"] async for t in stream.each("$.tasks")]

        return await asyncio.gather(partials(), titles(), stream.when("$.status"))

    partials, titles, status = asyncio.run(run())
    assert plain(partials[-1]) == plain(Plan.model_validate_json(TEXT)) or partials[-1] == (
        json.loads(TEXT)
    )
    assert 0 < len(partials) <= len(chunks) + 1
    assert titles == ["Write tests", "Release"] and status == "final"


def test_an_iteration_begun_before_reads_for_them(backend: str) -> None:
    async def run() -> Any:
        stream = astream_model(Source(list(TEXT)), Plan, backend=backend)
        iterator = stream.__aiter__()
        first = await iterator.__anext__()  # the stream's own iterator is out

        async def rest() -> int:
            return 1 + len([p async for p in iterator])

        return first, await asyncio.gather(rest(), stream.when("$.tasks[0].hours"))

    first, (count, hours) = asyncio.run(run())
    assert hours == 3.0 and count > 1 and first.goal is None


def test_errors_reach_every_waiter(backend: str) -> None:
    bad = '{"goal": "x", "tasks": [{"title": "a", "hours": 1}, {"title": "b", "hours": -1}]}'

    async def run() -> Any:
        stream = astream_model(Source(list(bad)), Plan, backend=backend)
        items = []
        with pytest.raises(SchemaMismatch) as each_error:
            async for task in stream.each("$.tasks"):
                items.append(task.title)
        with pytest.raises(SchemaMismatch) as when_error:
            await stream.when("$.status")
        return items, each_error.value, when_error.value

    items, each_error, when_error = asyncio.run(run())
    assert items == ["a"]  # the item before the failing one came first
    assert each_error is when_error and each_error.path == ("tasks", 1, "hours")


def test_a_value_the_document_never_has_is_a_lookup_error(backend: str) -> None:
    async def run() -> Any:
        stream = astream_model(Source([TEXT]), Plan, backend=backend)
        return await stream.when("$.note")  # null: the value is None

    assert asyncio.run(run()) is None

    async def missing() -> Any:
        stream = astream_model(Source([TEXT]), PLAN_SCHEMA, backend=backend)
        return await stream.when("$.note")

    with pytest.raises(LookupError, match="without a value"):
        asyncio.run(missing())


def test_waiting_costs_nothing_per_chunk_that_completes_nothing_at_their_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many waiters on paths that never complete: chunks completing nothing do no matching
    at all, and each completed value walks only the waiting paths' trie, whatever the
    number of waiters."""
    from deltajson import _awaitable

    steps = 0
    original = _awaitable.Reads._match

    def counted(self: Any, node: Any, path: Any, depth: int, value: Any) -> None:
        nonlocal steps
        steps += 1
        original(self, node, path, depth, value)

    monkeypatch.setattr(_awaitable.Reads, "_match", counted)
    long = json.dumps({"goal": "x" * 5000, "tasks": [], "status": "s"})

    async def run(waiters: int) -> int:
        stream = astream_model(Source(list(long)), Plan)
        pending = [stream.when(("tasks", i, "title")) for i in range(waiters)]  # registered
        await stream.get_final()
        await asyncio.gather(*pending, return_exceptions=True)
        return steps

    few = asyncio.run(run(1))
    steps = 0
    many = asyncio.run(run(1000))
    # Values completed: goal, tasks, status, the root; each walks at most 3 trie levels.
    assert few == many <= 4 * 4
