"""iter_items / aiter_items / select(): items as soon as they complete, bounded memory."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import deltajson
from deltajson import aiter_items, iter_items, parse_path


def test_each_item_arrives_on_the_feed_that_completes_it(backend: str) -> None:
    chunks = ['{"items": [{"id": 1', "}", ', {"id": 2, "tags": ["a"', "]}", "]}"]
    fed: list[int] = []

    def source() -> Iterator[str]:
        for i, chunk in enumerate(chunks):
            fed.append(i)
            yield chunk

    arrivals = []
    for item in iter_items(source(), ("items", "*"), backend=backend):
        arrivals.append((fed[-1], item))
    # Item 0 closes with chunk 1, item 1 with chunk 3 — not later.
    assert arrivals == [(1, {"id": 1}), (3, {"id": 2, "tags": ["a"]})]


def test_items_with_paths_and_without_dropping(backend: str) -> None:
    text = '{"a": [1, 2], "b": [3]}'
    got = list(iter_items([text], "$.*[*]", with_paths=True, drop=False, backend=backend))
    assert got == [(("a", 0), 1), (("a", 1), 2), (("b", 0), 3)]


def test_dropped_items_leave_the_tree_and_indexes_go_on(backend: str) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.select(("items", "*"), drop=True)
    p.feed('{"n": 3, "items": [10, 20, {"x": "y')
    assert p.pop_selected() == [(("items", 0), 10), (("items", 1), 20)]
    assert p.snapshot() == {"n": 3, "items": [{"x": "y"}]}
    assert p.path == ("items", 2, "x")
    assert p.completed(("items", 0)) and not p.completed(("items", 2))
    p.feed('"}]}')
    assert p.pop_selected() == [(("items", 2), {"x": "y"})]
    assert p.finish() == {"n": 3, "items": []}


def test_json_lines(backend: str) -> None:
    lines = "".join(json.dumps({"row": i, "text": "é" * i}) + "\n" for i in range(50))
    pieces = [lines[i : i + 7] for i in range(0, len(lines), 7)]
    rows = list(iter_items(pieces, "$[*]", multiple=True, backend=backend))
    assert rows == [{"row": i, "text": "é" * i} for i in range(50)]


# tracemalloc traces the whole process: not in several threads at once (pytest-run-parallel).
@pytest.mark.thread_unsafe(reason="tracemalloc measures the whole process")
@pytest.mark.parametrize("drop", [True, False])
def test_memory_stays_bounded_when_dropping(drop: bool) -> None:
    n = 60_000  # ~6 MB of JSON

    def big_array() -> Iterator[bytes]:
        yield b'{"items": ['
        for i in range(n):
            sep = b"," if i else b""
            yield sep + b'{"id": %d, "name": "item number %d", "score": %d.5}' % (i, i, i)
        yield b"]}"

    tracemalloc.start()
    count = 0
    for _ in iter_items(big_array(), ("items", "*"), drop=drop):
        count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    if drop:
        assert peak < 2_000_000, f"peak {peak:,} bytes while dropping"
    else:
        assert peak > 10_000_000, f"peak {peak:,} bytes: the items are kept"


def test_async_twin(backend: str) -> None:
    async def source() -> AsyncIterator[str]:
        for chunk in ['[{"a": 1}, ', '{"a"', ": 2}]"]:
            await asyncio.sleep(0)
            yield chunk

    async def collect() -> list[Any]:
        return [item async for item in aiter_items(source(), "$[*]", backend=backend)]

    assert asyncio.run(collect()) == [{"a": 1}, {"a": 2}]


def test_errors_come_after_the_items_before_them(backend: str) -> None:
    got = []
    with pytest.raises(deltajson.JSONError):
        for item in iter_items(['[1, 2, "x", ', "oops]"], "$[*]", backend=backend):
            got.append(item)
    assert got == [1, 2, "x"]
    with pytest.raises(deltajson.IncompleteJSONError):
        list(iter_items(['[1, 2, {"a": 1'], "$[*]", backend=backend))


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("$", ()),
        ("$.items[*]", ("items", "*")),
        ("$[*]", ("*",)),
        ("$.a.b[0].c", ("a", "b", 0, "c")),
        ("$['we.ird key'][2]", ("we.ird key", 2)),
        ('$["q\\"k"].*', ('q"k', "*")),
        (("x", 1, "*"), ("x", 1, "*")),
    ],
)
def test_paths(text: Any, path: tuple[Any, ...]) -> None:
    assert parse_path(text) == path


@pytest.mark.parametrize(
    "text", ["items[*]", "$..items", "$.items[1:3]", "$.items[?(@.a)]", "$.-x"]
)
def test_unsupported_paths_are_clear_errors(text: str) -> None:
    with pytest.raises(ValueError, match="JSONPath"):
        parse_path(text)


def test_bad_selection_paths(backend: str) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        p.select(("a", 1.5))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        p.select(("a", True))
