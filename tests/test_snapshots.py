"""``snapshot()`` is safe to keep, whether or not the caller keeps it.

The Rust engine updates its last copied snapshot in place when nothing but the parser can
reach it (the caller dropped it), and copies afresh when the caller still holds it or any part
of it. These tests drop most snapshots and keep random ones — whole, or an inner container, or
an open string — and check that every snapshot is right when taken (against the pure twin,
which always copies) and that nothing kept ever changes afterwards.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import deltajson
from helpers import split, strict_equal
from strategies import cuts, json_texts


def parts_of(value: Any) -> list[Any]:
    """The value and every container and string inside it (what a caller might hold on to)."""
    parts, stack = [], [value]
    while stack:
        node = stack.pop()
        parts.append(node)
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return [p for p in parts if isinstance(p, (dict, list, str))]


@given(json_texts(), cuts, st.lists(st.integers(min_value=0), max_size=8), st.booleans())
def test_dropped_or_kept_snapshots_are_right_and_never_change(
    doc: tuple[Any, str], cut: list[int], keep_at: list[int], as_bytes: bool
) -> None:
    value, text = doc
    data: Any = text.encode() if as_bytes else text
    rust = deltajson.Parser(backend="rust")
    twin = deltajson.Parser(backend="python")
    chunks = split(data, cut)
    keep = {k % (len(chunks) + 1) for k in keep_at}
    kept: list[tuple[Any, Any]] = []  # (object held, a deep copy of it at the time)
    for i, chunk in enumerate(chunks):
        rust.feed(chunk)
        twin.feed(chunk)
        snapshot = rust.snapshot()
        assert strict_equal(snapshot, twin.snapshot())
        if i in keep:
            # Keep one part of it: the whole snapshot, an inner container, or a string.
            parts = parts_of(snapshot)
            if parts:
                held = parts[(i * 7919) % len(parts)]
                kept.append((held, copy.deepcopy(held)))
        del snapshot  # the usual pattern: use it, drop it
    assert strict_equal(rust.finish(), twin.finish())
    assert strict_equal(rust.finish(), value)
    for held, frozen in kept:
        assert strict_equal(held, frozen), "a kept part of a snapshot changed"


def test_a_kept_inner_list_is_not_extended() -> None:
    p = deltajson.Parser()
    p.feed('{"items": [1, 2, ')
    items = p.snapshot()["items"]  # the root is dropped, an inner list kept
    p.feed("3, 4, ")
    later = p.snapshot()
    assert items == [1, 2]
    assert later == {"items": [1, 2, 3, 4]}


def test_a_kept_open_string_does_not_grow() -> None:
    p = deltajson.Parser()
    p.feed('{"body": "Hel')
    body = p.snapshot()["body"]
    before = body.encode()  # its characters, not the object
    p.feed("lo world")
    assert p.snapshot() == {"body": "Hello world"}
    assert body.encode() == before == b"Hel"


def test_kept_snapshots_stay_as_they_were() -> None:
    p = deltajson.Parser()
    p.feed("[1, 2, ")
    first = p.snapshot()
    assert p.snapshot() is first  # unchanged: the same object
    p.feed("3, ")
    second = p.snapshot()
    assert second is not first and first == [1, 2] and second == [1, 2, 3]
    del first, second
    p.feed("4, ")
    assert p.snapshot() == [1, 2, 3, 4]  # the dropped copies may be reused: never visible


def test_long_streams_stay_right_when_every_snapshot_is_dropped() -> None:
    items = [{"id": i, "tags": ["a", "b"][: i % 3], "text": "é" * (i % 5)} for i in range(500)]
    text = json.dumps({"items": items, "body": "x" * 3000})
    p, twin = deltajson.Parser(), deltajson.Parser(backend="python")
    for i in range(0, len(text), 7):
        p.feed(text[i : i + 7])
        twin.feed(text[i : i + 7])
        snapshot = p.snapshot()
        if i % 1001 == 0:
            assert strict_equal(snapshot, twin.snapshot())
    assert p.finish() == json.loads(text)


def test_a_dropped_snapshot_whose_list_was_resized_is_not_reused() -> None:
    # Snapshots are read-only by contract; a list the caller lengthened or shortened and let
    # go of must still not show up in the next snapshot.
    p = deltajson.Parser()
    p.feed('{"items": [1, 2, 3, [4')
    edited = p.snapshot()
    edited["items"].append("mine")
    del edited
    p.feed(", 5], 6, ")
    assert p.snapshot() == {"items": [1, 2, 3, [4, 5], 6]}
    edited = p.snapshot()
    edited["items"].pop(0)
    del edited
    p.feed("7, ")
    assert p.snapshot() == {"items": [1, 2, 3, [4, 5], 6, 7]}
