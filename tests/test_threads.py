"""Threads: many parsers in many threads are independent; one parser shared by threads never
corrupts or crashes — a call that would overlap another gets a clear ``RuntimeError``."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import deltajson
from deltajson.bench import document, token_chunks


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
    assert all("in use by another call" in message for message in refused)
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
