"""changes(), done() and JSON Patch: properties over random documents and chunkings."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltajson
from deltajson import JsonPatcher, apply_patch, json_pointer, to_json_patch
from helpers import split, strict_equal
from test_properties import cuts, json_texts


def replay(doc: Any, ops: list[Any]) -> Any:
    """Applies ops the way a client would (independently of deltajson.patch)."""
    for op, path, value in ops:
        if op == "done":
            continue
        if not path:
            doc = copy.deepcopy(value) if op == "add" else doc + value
            continue
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        if op == "add":
            if isinstance(parent, list):
                assert last == len(parent), "items are added at the end"
                parent.append(copy.deepcopy(value))
            else:
                parent[last] = copy.deepcopy(value)
        else:
            assert op == "append", op
            parent[last] += value
    return doc


def stream_ops(chunks: list[Any], backend: str, **options: Any) -> tuple[list[Any], list[Any]]:
    """Ops and snapshot after every feed, checking replay along the way."""
    p = deltajson.Parser(backend=backend, **options)  # type: ignore[arg-type]
    assert p.changes() == []
    doc: Any = None
    batches, snapshots = [], []
    for chunk in chunks:
        p.feed(chunk)
        ops = p.changes()
        batches.append(ops)
        doc = replay(doc, ops)
        snap = p.snapshot()
        assert strict_equal(doc, snap), (ops, doc, snap)
        snapshots.append(snap)
    final = p.finish()
    ops = p.changes()
    batches.append(ops)
    assert strict_equal(replay(doc, ops), final)
    return batches, snapshots


@given(json_texts(), cuts, st.booleans())
def test_replaying_ops_reproduces_every_snapshot(
    doc: tuple[Any, str], cut: list[int], partial_strings: bool
) -> None:
    _, text = doc
    results = [
        stream_ops(split(text.encode(), cut), b, partial_strings=partial_strings)
        for b in deltajson.BACKENDS
    ]
    for other in results[1:]:
        assert repr(other[0]) == repr(results[0][0]), "the engines emit the same ops"


@given(json_texts(), cuts, cuts)
def test_done_events_do_not_depend_on_chunking(
    doc: tuple[Any, str], a: list[int], b: list[int]
) -> None:
    _, text = doc
    data = text.encode()

    def done_events(chunks: list[bytes], backend: str) -> list[Any]:
        p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
        p.done()
        events: list[Any] = []
        for chunk in chunks:
            p.feed(chunk)
            events.extend(p.done())
        p.finish()
        return events + p.done()

    reference = done_events([data], deltajson.BACKENDS[0])
    assert reference[-1] == ((), json.loads(text)) or reference[-1][0] == ()
    for backend in deltajson.BACKENDS:
        assert repr(done_events(split(data, a), backend)) == repr(reference)
        assert repr(done_events(split(data, b), backend)) == repr(reference)


@given(json_texts(), cuts)
def test_strict_patches_apply_with_the_jsonpatch_library(
    doc: tuple[Any, str], cut: list[int]
) -> None:
    _, text = doc
    p = deltajson.Parser()
    p.changes()
    patcher = JsonPatcher(strict=True)
    # The jsonpatch library will not patch a None document, even at the root: start from {}
    # (the first op always adds the root).
    current: Any = {}
    started = False

    def apply(patch: list[dict[str, Any]]) -> None:
        nonlocal current, started
        assert all(operation["op"] in ("add", "replace") for operation in patch)
        if patch:
            current = jsonpatch.JsonPatch(patch).apply(current, in_place=False)
            started = True

    for chunk in split(text.encode(), cut):
        p.feed(chunk)
        apply(patcher.patch(p.changes()))
        assert (current if started else None) == p.snapshot()
    final = p.finish()
    apply(patcher.patch(p.changes()))
    assert current == final == json.loads(text)


@given(json_texts(), cuts)
def test_append_patches_apply_with_apply_patch(doc: tuple[Any, str], cut: list[int]) -> None:
    _, text = doc
    p = deltajson.Parser()
    p.changes()
    current: Any = None
    for chunk in split(text, cut):
        p.feed(chunk)
        current = apply_patch(current, to_json_patch(p.changes()))
        assert strict_equal(current, p.snapshot())


def test_ops_by_example(backend: str) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.changes()
    p.feed('{"items": [{"t": "ab')
    assert p.changes() == [
        ("add", (), {}),
        ("add", ("items",), []),
        ("add", ("items", 0), {}),
        ("add", ("items", 0, "t"), ""),
        ("append", ("items", 0, "t"), "ab"),
    ]
    p.feed('c", "n": 1')
    p.feed("2}, tr")
    assert p.changes() == [
        ("append", ("items", 0, "t"), "c"),
        ("done", ("items", 0, "t"), "abc"),
        ("add", ("items", 0, "n"), 12),
        ("done", ("items", 0, "n"), 12),
        ("done", ("items", 0), {"t": "abc", "n": 12}),
    ]
    p.feed("ue]}")
    assert p.changes() == [
        ("add", ("items", 1), True),
        ("done", ("items", 1), True),
        ("done", ("items",), [{"t": "abc", "n": 12}, True]),
        ("done", (), {"items": [{"t": "abc", "n": 12}, True]}),
    ]
    assert p.changes() == []


@pytest.mark.parametrize(
    "text, value",
    [
        ('["a\\nb"]', "a\nb"),
        ('["\\ud83d\\ude00 caf\\u00e9"]', "\U0001f600 café"),
        ('["x\\ud800"]', "x\ud800"),  # a lone surrogate, kept as json.loads keeps it
        ('["\\"\\\\/"]', '"\\/'),
    ],
)
def test_a_string_with_escapes_inside_one_chunk_arrives_whole(
    backend: str, text: str, value: str
) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.changes()
    p.feed(text)
    assert json.loads(text) == [value]
    assert p.changes() == [
        ("add", (), []),
        ("add", (0,), value),
        ("done", (0,), value),
        ("done", (), [value]),
    ]


def test_a_string_with_escapes_cut_by_the_chunk_grows_by_appends(backend: str) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.changes()
    p.feed('["a\\nb')
    assert p.changes() == [("add", (), []), ("add", (0,), ""), ("append", (0,), "a\nb")]
    p.feed('c"]')
    assert p.changes() == [
        ("append", (0,), "c"),
        ("done", (0,), "a\nbc"),
        ("done", (), ["a\nbc"]),
    ]


def test_first_call_starts_with_the_current_value(backend: str) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.feed('{"a": [1, 2], "s": "he')
    assert p.changes() == [("add", (), {"a": [1, 2], "s": "he"})]
    p.feed('llo"}')
    assert p.changes() == [
        ("append", ("s",), "llo"),
        ("done", ("s",), "hello"),
        ("done", (), {"a": [1, 2], "s": "hello"}),
    ]


def test_values_in_ops_are_never_mutated_later(backend: str) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.changes()
    kept = []
    for chunk in ['{"a": {"b": [1', ', 2], "c"', ': "x"}, "d": [', "3]}"]:
        p.feed(chunk)
        ops = p.changes()
        kept.append((ops, copy.deepcopy(ops)))
    p.finish()
    for ops, copied in kept:
        assert ops == copied


def test_multiple_values_ops(backend: str) -> None:
    p = deltajson.Parser(multiple=True, backend=backend)  # type: ignore[arg-type]
    p.changes()
    p.feed('{"a": 1}\n2 ')
    assert p.changes() == [
        ("add", (), []),
        ("add", (0,), {}),
        ("add", (0, "a"), 1),
        ("done", (0, "a"), 1),
        ("done", (0,), {"a": 1}),
        ("add", (1,), 2),
        ("done", (1,), 2),
    ]


def test_done_lists_completed_values(backend: str) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    assert p.done() == []
    p.feed('{"a": [1, "x"], "b": nu')
    assert p.done() == [(("a", 0), 1), (("a", 1), "x"), (("a",), [1, "x"])]
    p.feed("ll}")
    assert p.done() == [(("b",), None), ((), {"a": [1, "x"], "b": None})]


def test_completed(backend: str) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.feed('{"a": [1, {"b": "x", "c": 2')
    cases = {
        (): False,
        ("a",): False,
        ("a", 0): True,
        ("a", 1): False,
        ("a", 1, "b"): True,
        ("a", 1, "c"): False,  # 2 may go on: 20, 2.5...
        ("a", 2): False,
        ("z",): False,
        ("a", "x"): False,
    }
    assert {path: p.completed(path) for path in cases} == cases
    p.feed("}]}")
    assert all(p.completed(path) for path in [(), ("a",), ("a", 1), ("a", 1, "c")])


@pytest.mark.parametrize(
    ("path", "pointer"),
    [((), ""), (("a",), "/a"), (("a/b", 0), "/a~1b/0"), (("~x", "", 3), "/~0x//3")],
)
def test_json_pointer_escapes_and_addresses_the_path(path: tuple[Any, ...], pointer: str) -> None:
    assert json_pointer(path) == pointer
    doc = {"a/b": [0], "~x": {"": [1, 2, 3, 4]}, "a": 1}
    patched = apply_patch(copy.deepcopy(doc), [{"op": "replace", "path": pointer, "value": "new"}])
    if not path:
        assert patched == "new"
        return
    target = patched
    for part in path[:-1]:
        target = target[part]
    assert target[path[-1]] == "new"
    # The library agrees on what the pointer addresses.
    assert (
        jsonpatch.JsonPatch([{"op": "replace", "path": pointer, "value": "new"}]).apply(doc)
        == patched
    )
