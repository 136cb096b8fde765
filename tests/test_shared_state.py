"""Everything deltajson shares between threads, hammered from 8 threads at once and compared
with what one thread gets: the compat shims' kept streams, the SDK integrations' switches, the
typed layer's partial classes and schema memos, the Rust engine's per-thread key cache, and one
parser shared by every thread (a call that overlaps another raises ``RuntimeError``, nothing
else happens). On a free-threaded interpreter the threads run truly at once; with the GIL they
interleave. The threads start together at a barrier: nothing here waits on the clock.

Each test runs its own threads and some set process-wide state (the shims' bounds, the
integrations' switches), so the threaded stress run (pytest-run-parallel) runs them once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any, Optional

import anthropic
import openai
import pytest
from pydantic import BaseModel

import deltajson
from deltajson import compat
from deltajson.compat import jiter as jiter_shim
from deltajson.compat import langchain as langchain_shim
from deltajson.compat import partial_json_parser as pjp_shim
from deltajson.compat import pydantic_core as pydantic_core_shim
from deltajson.integrations import anthropic as dj_anthropic
from deltajson.integrations import langchain as dj_langchain
from deltajson.integrations import openai as dj_openai
from helpers import strict_equal
from loopback import Replay, replay_server
from provider_sse import fixture
from trip_models import TripPlan
from workloads import document, token_chunks

pytestmark = pytest.mark.thread_unsafe(reason="runs 8 threads of its own, sets shared state")

THREADS = 8
ROUNDS = 3

# The same REFUSALS as tests/test_threads.py: what an overlapping call raises.
REFUSALS = {
    "this Parser is in use by another call (another thread?): a Parser reads one stream; "
    "give each thread its own",
    "Already borrowed",
    "Already mutably borrowed",
}


def in_threads(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """``work(i)`` in each of `threads` threads, started together; their results in order. An
    exception in a thread fails the test (it is re-raised here)."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as e:  # pragma: no cover - the test fails on any
            errors.append(e)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return results


def outcome(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A call's value, or the type and message of what it raised."""
    try:
        return call(*args, **kwargs)
    except Exception as e:
        return ("raised", type(e).__name__, str(e))


def same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and a[:1] == ("raised",):
        return a == b
    return strict_equal(a, b)


# ---- the compat shims: one process-wide cache each --------------------------------------

DOCS = [
    json.dumps({"doc": n, "items": [{"id": i, "name": f"item {n}-{i}"} for i in range(12)]})
    for n in range(4)
]
SHIM_CALLS: dict[str, Callable[[str], Any]] = {
    "jiter": lambda buf: jiter_shim.from_json(buf.encode(), partial_mode="trailing-strings"),
    "pydantic_core": lambda buf: pydantic_core_shim.from_json(buf, allow_partial=True),
    "partial_json_parser": pjp_shim.loads,
    "langchain": langchain_shim.parse_partial_json,
}


def buffers_of(text: str, seed: int) -> list[str]:
    """The accumulated buffers of a token stream of `text`, as a streaming library passes them."""
    out, buffer = [], ""
    for piece in token_chunks(text, seed=seed):
        buffer += piece
        out.append(buffer)
    return out


@pytest.mark.parametrize("max_streams", [16, 3])
@pytest.mark.parametrize("shim", sorted(SHIM_CALLS))
def test_shims_from_8_threads_answer_as_from_one(shim: str, max_streams: int) -> None:
    # Threads i and i + 4 stream the same document (so two threads often hold buffers that
    # extend the same kept stream); with 3 streams kept, they also evict each other's.
    call = SHIM_CALLS[shim]
    streams = [buffers_of(DOCS[i % 4], seed=i) for i in range(THREADS)]
    compat.configure(max_streams=max_streams)
    try:
        expected = [[outcome(call, b) for b in buffers] for buffers in streams]
        for _ in range(ROUNDS):
            compat.clear()
            got = in_threads(lambda i: [outcome(call, b) for b in streams[i]])
            for mine, theirs in zip(got, expected, strict=True):
                assert len(mine) == len(theirs)
                assert all(same(a, b) for a, b in zip(mine, theirs, strict=True))
        info = compat.cache_info()[shim]
        assert info["streams"] <= max_streams
        assert info["hits"] + info["misses"] == sum(map(len, streams))
    finally:
        compat.configure()


# ---- the integrations: switches of the whole process ------------------------------------

MESSAGES = [{"role": "user", "content": "Plan three days in Lisbon."}]


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    with replay_server() as replay:
        replay.add("openai_chat_trip", fixture("openai_chat_trip.sse"))
        replay.add("anthropic_tool_use", fixture("anthropic_tool_use.sse"))
        yield replay


def openai_events(server: Replay) -> list[str]:
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    with client.chat.completions.stream(
        model="openai_chat_trip", messages=MESSAGES, response_format=TripPlan
    ) as stream:
        events = [repr(event) for event in stream]
        events.append(repr(stream.get_final_completion()))
    return events


def anthropic_events(server: Replay) -> list[str]:
    client = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)
    with client.messages.stream(
        model="anthropic_tool_use", max_tokens=1024, messages=MESSAGES
    ) as stream:
        events = []
        for event in stream:
            events.append(repr(event))
            events.append(repr(stream.current_message_snapshot))
        events.append(repr(stream.get_final_message()))
    return events


def langchain_outputs() -> list[Any]:
    from langchain_core.output_parsers import JsonOutputParser

    chunks = token_chunks("Here it is:\n```json\n" + DOCS[0] + "\n```", seed=5)
    return list(JsonOutputParser(diff=True).transform(iter(chunks)))


def test_integrations_from_8_threads_give_what_one_gives(server: Replay) -> None:
    # Plain runs, one thread: the reference. Then 8 threads, each in and out of the
    # integrations' `accelerated()` blocks (a block's swaps stay until the last open block in
    # any thread closes), while thread 0 also switches them on and off outright: every run
    # either goes through the shims or through the library's own parser, and both give the
    # same events. At the end nothing is left swapped.
    runs: list[tuple[Any, Callable[[], Any]]] = [
        (dj_openai, lambda: openai_events(server)),
        (dj_anthropic, lambda: anthropic_events(server)),
        (dj_langchain, langchain_outputs),
    ]
    assert not any(integration.is_accelerated() for integration, _ in runs)
    expected = [run() for _, run in runs]

    def work(i: int) -> list[tuple[int, Any]]:
        got = []
        for round_ in range(ROUNDS):
            which = (i + round_) % len(runs)
            integration, run = runs[which]
            if i == 0:
                integration.accelerate()
                got.append((which, run()))
                integration.restore()
            else:
                with integration.accelerated():
                    got.append((which, run()))
        return got

    for results in in_threads(work):
        for which, events in results:
            assert events == expected[which]
    assert not any(integration.is_accelerated() for integration, _ in runs)


def test_accelerated_blocks_in_threads_restore_when_the_last_closes() -> None:
    # Block A opens, block B (another thread) opens, A closes: B's run is still accelerated;
    # B closes last, and the library gets its own parser back.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def a() -> None:
        with dj_openai.accelerated():
            a_in.set()
            b_in.wait()
        a_out.set()

    def b() -> None:
        a_in.wait()
        with dj_openai.accelerated():
            b_in.set()
            a_out.wait()
            seen.append(dj_openai.is_accelerated())

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [True]
    assert not dj_openai.is_accelerated()


# ---- the typed layer: partial classes and schema memos, made on first use ----------------


def fresh_models() -> tuple[type[BaseModel], type[BaseModel]]:
    """New model classes (recursive, nested): nothing is made for them yet in any cache."""

    class Leaf(BaseModel):
        name: str
        tags: list[str]

    class Node(BaseModel):
        title: str
        leaves: list[Leaf]
        children: list[Node]
        parent: Optional[Node] = None

    Node.model_rebuild()
    return Node, Leaf


def test_partial_classes_made_in_8_threads_at_once_are_one_class() -> None:
    for _ in range(ROUNDS):
        node, leaf = fresh_models()
        models = [node if i % 2 else leaf for i in range(THREADS)]
        made = in_threads(lambda i, models=models: deltajson.Partial[models[i]])
        assert all(isinstance(cls, type) for cls in made)  # never a ForwardRef
        assert len({id(cls) for cls in made[1::2]}) == 1
        assert len({id(cls) for cls in made[0::2]}) == 1
        # The partial of a recursive model refers to itself.
        partial_node = made[1]
        assert partial_node.model_validate({"children": [{"title": "a"}]}).children


def typed_stream(model: type[BaseModel], chunks: list[str]) -> list[Any]:
    return [m.model_dump() for m in deltajson.stream_model(iter(chunks), model)]


def test_typed_streams_of_a_new_model_in_8_threads_match_one() -> None:
    value = {
        "title": "root",
        "leaves": [{"name": f"leaf {i}", "tags": ["a", "b"]} for i in range(5)],
        "children": [{"title": f"child {i}", "leaves": [], "children": []} for i in range(3)],
    }
    chunks = token_chunks(json.dumps(value), seed=9)
    for _ in range(ROUNDS):
        node, _ = fresh_models()
        # Threads first, so that the schema memos are made by 8 threads at once.
        got = in_threads(lambda i, node=node: typed_stream(node, chunks))
        expected = typed_stream(node, chunks)
        assert all(result == expected for result in got)
        assert expected[-1] == node.model_validate(value).model_dump()


# ---- the engines: per-thread key caches, one parser shared -------------------------------


@pytest.mark.parametrize("backend", deltajson.BACKENDS)
def test_parsers_of_8_threads_share_nothing(backend: str) -> None:
    # The same keys in every thread (the Rust engine caches them per thread), token streams
    # with a snapshot per chunk and one-shot documents.
    texts = [document("list", "10KB"), document("string", "10KB")]

    def work(i: int) -> list[Any]:
        out = []
        for text in texts:
            p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
            snapshots = []
            for chunk in token_chunks(text, seed=i):
                p.feed(chunk)
                snapshots.append(p.snapshot())
            out.append((p.finish(), snapshots[len(snapshots) // 2]))
            out.append(deltajson.loads(text, backend=backend))  # type: ignore[arg-type]
        return out

    expected = [json.loads(t) for t in texts]
    for results in in_threads(work):
        assert strict_equal(results[0][0], expected[0]) and strict_equal(results[1], expected[0])
        assert strict_equal(results[2][0], expected[1]) and strict_equal(results[3], expected[1])
        assert isinstance(results[0][1], list) and isinstance(results[2][1], dict)


@pytest.mark.parametrize("backend", deltajson.BACKENDS)
def test_one_parser_shared_by_8_threads_is_never_corrupted(backend: str) -> None:
    # Every thread feeds whole items into the same array and reads the parser's state; each
    # call either runs alone or is refused with RuntimeError. Every accepted item is in the
    # final value, whole.
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.feed("[")
    item = json.dumps({"text": "x" * 100, "n": list(range(10))}) + ","
    refused: list[str] = []
    other: list[BaseException] = []
    fed = [0] * THREADS

    def feeder(i: int) -> None:
        for _ in range(200):
            try:
                p.feed(item)
            except RuntimeError as e:
                refused.append(str(e))
                continue
            fed[i] += 1
            for read in (p.snapshot, lambda: p.path, lambda: p.status, lambda: p.tail):
                try:
                    read()
                except RuntimeError as e:
                    refused.append(str(e))

    in_threads(feeder)
    assert other == []
    assert set(refused) <= REFUSALS
    p.feed("0]")
    final = p.finish()
    assert len(final) == sum(fed) + 1
    assert all(v == json.loads(item[:-1]) for v in final[:-1])
