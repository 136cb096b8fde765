"""Threads: many parsers in many threads are independent; one parser shared by threads never
corrupts or crashes — a call that would overlap another gets a clear ``RuntimeError``.
tests/test_shared_state.py hammers everything else deltajson shares from 8 threads."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import deltajson
from workloads import document, token_chunks

# What a call overlapping another on the same parser raises (RuntimeError): the pure engine's
# guard, and PyO3's borrow check on the Rust engine (whose calls overlap, with a GIL, only
# while a big chunk is scanned with the GIL released; on a free-threaded build, any time).
REFUSALS = {
    "python": {
        "this Parser is in use by another call (another thread?): a Parser reads one stream; "
        "give each thread its own"
    },
    "rust": {"Already borrowed", "Already mutably borrowed"},
}


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Threads switch as often as CPython allows, so calls interleave if they can."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def test_many_parsers_in_many_threads(backend: str, fast_switching: None) -> None:
    texts = [document("list", "10KB"), document("string", "10KB")] * 4
    results: list[Any] = [None] * len(texts)

    def work(i: int) -> None:
        p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
        for chunk in token_chunks(texts[i], seed=i):
            p.feed(chunk)
            p.snapshot()
        results[i] = p.finish()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [json.loads(t) for t in texts]


def test_one_parser_shared_by_threads_fails_clearly_or_not_at_all(
    backend: str, fast_switching: None
) -> None:
    # Two threads feed the same array's items into one parser: each feed is whole items, so
    # whatever the interleaving, the document stays valid. A feed either runs alone or is
    # refused with a clear error; nothing else may happen.
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.feed("[")
    item = json.dumps({"text": "x" * 200, "n": list(range(20))}) + ","
    refused: list[str] = []
    other: list[BaseException] = []
    fed = [0, 0]

    def work(k: int) -> None:
        for _ in range(300):
            try:
                p.feed(item)
                fed[k] += 1
                p.snapshot()
            except RuntimeError as e:
                refused.append(str(e))
            except BaseException as e:  # pragma: no cover - the test fails on any
                other.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert other == []
    assert all(message in REFUSALS[backend] for message in refused)
    p.feed("0]")
    final = p.finish()
    assert len(final) == sum(fed) + 1  # every accepted feed is in the value, whole
    assert all(v == json.loads(item[:-1]) for v in final[:-1])


def test_the_pure_engine_refuses_a_call_overlapping_another() -> None:
    p = deltajson.Parser(backend="python")
    entered, release = threading.Event(), threading.Event()

    # A snapshot that waits in the middle of its call, so another call overlaps it.
    original = p._builder.snapshot  # type: ignore[attr-defined]

    def slow_snapshot(copy: bool) -> Any:
        entered.set()
        release.wait(5)
        return original(copy)

    p._builder.snapshot = slow_snapshot  # type: ignore[attr-defined]
    p.feed("[1, 2, ")
    worker = threading.Thread(target=p.snapshot)
    worker.start()
    assert entered.wait(5)
    with pytest.raises(RuntimeError, match="in use by another call"):
        p.feed("3]")
    release.set()
    worker.join()
    p.feed("3]")
    assert p.finish() == [1, 2, 3]


def test_the_pure_engine_refuses_a_read_overlapping_a_call() -> None:
    # A read (status, path, tail...) while a call is half-way raises as the call would, rather
    # than answer from a state being changed; reads alone never conflict.
    p = deltajson.Parser(backend="python")
    entered, release = threading.Event(), threading.Event()
    original = p._builder.snapshot  # type: ignore[attr-defined]

    def slow_snapshot(copy: bool) -> Any:
        entered.set()
        release.wait(5)
        return original(copy)

    p._builder.snapshot = slow_snapshot  # type: ignore[attr-defined]
    p.feed('{"a": [1, 2, ')
    worker = threading.Thread(target=p.snapshot)
    worker.start()
    assert entered.wait(5)
    for read in (lambda: p.path, lambda: p.status, lambda: p.tail, lambda: p.completed(("a",))):
        with pytest.raises(RuntimeError, match="in use by another call"):
            read()
    release.set()
    worker.join()
    assert (p.path, p.status, p.depth) == (("a",), "partial", 2)


@pytest.mark.skipif("rust" not in deltajson.BACKENDS, reason="the Rust engine")
def test_a_big_chunk_is_scanned_while_other_threads_run() -> None:
    # While a 30 MB chunk is scanned (with the GIL released, where there is one), another
    # thread runs Python and its calls on the same parser are refused; the feed itself is
    # unaffected. Whether the other thread is scheduled during one feed is up to the OS (a
    # busy machine may not), so feeds repeat, each on a new parser, until one overlapped it.
    # Without a GIL, a call of this thread may be the one refused (the other thread's call
    # came first): refused calls change nothing, and are made again.
    big = ('["' + "x" * 30_000_000 + '", 1]').encode()
    current = [deltajson.Parser()]
    started, done = threading.Event(), threading.Event()
    refused: list[str] = []

    def other() -> None:
        started.set()
        while not done.is_set():
            try:
                current[0].snapshot()
            except RuntimeError as e:
                refused.append(str(e))

    def until_accepted(call: Callable[[], Any]) -> Any:
        while True:
            try:
                return call()
            except RuntimeError as e:
                assert str(e) in REFUSALS["rust"]

    t = threading.Thread(target=other)
    t.start()
    assert started.wait(5)
    try:
        for _ in range(200):
            p = current[0] = deltajson.Parser()
            until_accepted(lambda p=p: p.feed(big))
            value = until_accepted(p.finish)
            assert len(value[0]) == 30_000_000 and value[1] == 1
            # A refusal can only happen while a call of this thread is in progress: proof
            # that the other thread ran meanwhile (the feed let go of the GIL, or there is
            # none).
            if refused:
                break
    finally:
        done.set()
        t.join()
    assert refused and set(refused) <= REFUSALS["rust"]
