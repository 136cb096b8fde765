"""The serving path's faults (issue 25), each driven by the test, never by a race with the
clock: deep documents, failures while the last events are written, many blocking sources at
once, sources that will not close, idle and total timeouts, HEAD requests; and the events'
text written by the parser, byte for byte what the Python encoder writes, on both engines."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, field_serializer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

import deltajson
from deltajson._pure import wire as pure_wire
from deltajson.serve import recording
from deltajson.sse import event_stream, sse_response
from helpers import split
from strategies import cuts, json_texts
from test_sse import parse_sse, replay
from workloads import token_chunks

rust_wire: Any = None
if "rust" in deltajson.BACKENDS:
    from deltajson import _deltajson as rust_wire


def run_stream(chunks: Any, model: Any = None, **options: Any) -> list[tuple[str, Any]]:
    async def run() -> bytes:
        return b"".join([part async for part in event_stream(chunks, model, **options)])

    return parse_sse(asyncio.run(asyncio.wait_for(run(), 60)))


# ---- the events' text ---------------------------------------------------------------------


@given(json_texts(), cuts, st.sampled_from(deltajson.BACKENDS), st.booleans())
def test_patch_events_are_what_the_python_encoder_writes(
    doc: Any, at: list[int], backend: str, with_progress: bool
) -> None:
    """``Parser.patch_event`` (each engine's own) and the module functions (both) write the
    same bytes for the same ops, and the events replay to the document."""
    value, text = doc
    progress = 0.25 if with_progress else None
    direct = deltajson.Parser(backend=backend)
    listed = deltajson.Parser(backend=backend)
    direct.changes()
    listed.changes()
    events = []
    for chunk in split(text, at):
        direct.feed(chunk)
        listed.feed(chunk)
        event = direct.patch_event(progress=progress)
        ops = listed.changes()
        assert event == pure_wire.patch_event(ops, progress)
        if rust_wire is not None:
            assert event == rust_wire.patch_event(ops, progress)
        if event is not None:
            events.append(event)
    direct.finish()
    listed.finish()
    tail = direct.patch_event(progress=progress)
    assert tail == pure_wire.patch_event(listed.changes(), progress)
    events += [tail] if tail is not None else []
    assert replay(parse_sse(b"".join(events)))[0] == value


values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(),
        st.just("\ud800 lone"),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=4), inner, max_size=4),
    ),
    max_leaves=12,
)


@given(values)
def test_value_events_match_json_dumps(value: Any) -> None:
    pure = pure_wire.value_event("done", value)
    if rust_wire is not None:
        assert rust_wire.value_event("done", value) == pure
    data = json.loads(pure.decode().split("data: ", 1)[1])
    nonfinite = data.pop("nonfinite", {})
    finite = all(
        not isinstance(v, float) or math.isfinite(v) for v in _leaves(value)
    ) and "\ud800 lone" not in _leaves(value)
    if finite:
        expected = json.dumps(
            {"value": value}, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
        assert pure == f"event: done\ndata: {expected}\n\n".encode()
    else:
        assert all(v in ("NaN", "Infinity", "-Infinity") for v in nonfinite.values())


def _leaves(value: Any) -> list[Any]:
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            found.append(item)
    return found


# ---- deep documents, failures at the end ----------------------------------------------------


@pytest.mark.parametrize("backend", deltajson.BACKENDS)
@pytest.mark.parametrize("depth", [990, 1024])
def test_a_document_as_deep_as_max_depth_ends_with_done(backend: str, depth: int) -> None:
    text = "[" * depth + "1" + "]" * depth

    async def run() -> list[bytes]:
        chunks = [text[:700], text[700:]]
        return [part async for part in event_stream(chunks, backend=backend, heartbeat=None)]

    last = asyncio.run(asyncio.wait_for(run(), 60))[-1].decode()
    # (json.loads would recurse as deep: deltajson reads it)
    name, data = last.removesuffix("\n\n").split("\n")
    assert name == "event: done"
    value = deltajson.loads(data.removeprefix("data: "), partial=False, max_depth=depth + 1)[
        "value"
    ]
    for _ in range(depth):
        (value,) = value
    assert value == 1


class Exploding(BaseModel):
    n: int

    @field_serializer("n")
    def _boom(self, n: int) -> int:
        raise RuntimeError("secret detail")


def test_a_failure_while_writing_the_last_events_is_an_error_event() -> None:
    events = run_stream(['{"n":', " 1}"], Exploding, heartbeat=None)
    assert events[-1] == (
        "error",
        {"type": "InternalError", "message": "the stream failed on the server"},
    )
    assert replay(events)[0] == {"n": 1}  # what was read was sent before the error


# ---- blocking sources -----------------------------------------------------------------------


def test_many_blocking_sources_advance_at_once() -> None:
    """24 sync streams whose sources each wait for all the others to be read at the same
    time: with the loop's default executor (6 threads here) they could not."""
    streams = 24
    barrier = threading.Barrier(streams, timeout=20)

    def blocking() -> Iterator[str]:
        yield "["
        barrier.wait()  # every stream's source is being read at once, or this breaks
        yield "1]"

    async def one() -> list[tuple[str, Any]]:
        body = b"".join([part async for part in event_stream(blocking(), heartbeat=None)])
        return parse_sse(body)

    async def run() -> list[list[tuple[str, Any]]]:
        return await asyncio.gather(*(one() for _ in range(streams)))

    for events in asyncio.run(asyncio.wait_for(run(), 60)):
        assert events[-1] == ("done", {"value": [1]})


# ---- closing, timeouts ----------------------------------------------------------------------


def test_a_source_that_will_not_close_is_abandoned_after_its_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stuck = asyncio.Event()

    async def stubborn() -> AsyncIterator[str]:
        try:
            yield "[1"
            await asyncio.Event().wait()
        finally:
            stuck.set()
            await asyncio.Event().wait()  # its cleanup never returns

    async def run() -> None:
        stream = event_stream(stubborn(), heartbeat=None, close_timeout=0.2)
        assert (await stream.__anext__()).startswith(b"event: patch")
        await stream.aclose()  # returns: the source is abandoned, not awaited forever
        assert stuck.is_set()

    with caplog.at_level(logging.WARNING, logger="deltajson.sse"):
        asyncio.run(asyncio.wait_for(run(), 30))
    assert any("did not close within 0.2 s" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("idle_timeout", "the stream exceeded its idle timeout of 0.2 s"),
        ("timeout", "the stream exceeded its timeout of 0.2 s"),
    ],
)
def test_a_silent_source_times_out_with_an_error_event(option: str, message: str) -> None:
    closed = asyncio.Event()

    async def silent() -> AsyncIterator[str]:
        try:
            yield '{"a": "b'
            await asyncio.Event().wait()
        finally:
            closed.set()

    events = run_stream(silent(), heartbeat=None, **{option: 0.2})
    assert events[-1] == ("error", {"type": "StreamTimeout", "message": message})
    assert replay(events)[0] == {"a": "b"}
    assert closed.is_set()  # the silent source was closed


def test_a_source_that_keeps_talking_does_not_time_out_when_idle() -> None:
    async def steady() -> AsyncIterator[str]:
        for chunk in token_chunks(recording("trip_plan")):
            await asyncio.sleep(0)
            yield chunk

    events = run_stream(steady(), heartbeat=None, idle_timeout=30)
    assert events[-1][0] == "done"


# ---- HEAD ---------------------------------------------------------------------------------


def test_head_answers_the_headers_without_reading_the_source() -> None:
    started = threading.Event()
    closed = threading.Event()

    class Source:
        def __aiter__(self) -> Source:
            return self

        async def __anext__(self) -> str:
            started.set()
            raise StopAsyncIteration

        async def aclose(self) -> None:
            closed.set()

    async def endpoint(request: Request) -> Response:
        response: Response = sse_response(Source())
        return response

    app = Starlette(routes=[Route("/s", endpoint)])
    with TestClient(app) as client:
        head = client.head("/s")
        assert head.status_code == 200
        assert head.headers["content-type"].startswith("text/event-stream")
        assert head.content == b""
        assert not started.is_set() and closed.is_set()
        get = client.get("/s")  # a GET reads it
        assert started.is_set() and get.status_code == 200


def test_the_demo_answers_head_without_replaying() -> None:
    from deltajson.serve import create_app

    replayed: list[str] = []

    async def source(text: str, options: Any) -> AsyncIterator[str]:
        replayed.append(text)
        yield text

    with TestClient(create_app(source=source)) as client:
        head = client.head("/stream/trip_plan?delay=2000")
        assert head.status_code == 200 and head.content == b""
        assert replayed == []


# ---- the direct reader and the response's heartbeats -----------------------------------------


def test_the_response_sends_heartbeats_while_the_source_is_silent() -> None:
    """``sse_response`` reads the source in the stream's own task and sends heartbeats
    beside it: the source here stays silent until the client has seen one."""
    import httpx

    from test_sse import Server

    release = threading.Event()

    async def silent() -> AsyncIterator[str]:
        yield "[1"
        await asyncio.to_thread(release.wait, 20)
        yield "]"

    async def endpoint(request: Request) -> Response:
        response: Response = sse_response(silent(), heartbeat=0.05)
        return response

    lines = []
    with Server(Starlette(routes=[Route("/s", endpoint)])) as url:
        with httpx.stream("GET", url + "/s", timeout=30) as response:
            for line in response.iter_lines():
                lines.append(line)
                if line == ": heartbeat":
                    release.set()
    release.set()
    assert ": heartbeat" in lines
    assert lines.index(": heartbeat") < lines.index("event: done")
    assert lines[lines.index("event: done") + 1] == 'data: {"value":[1]}'


def test_a_cancelled_direct_read_is_unwound_within_the_close_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The stream's task is cancelled while it waits for the source (the client left): the
    wait is not forwarded into a source whose cleanup never returns; the stream closes within
    ``close_timeout`` and the source is abandoned."""
    cleanup_started = asyncio.Event()

    async def stubborn() -> AsyncIterator[str]:
        try:
            yield "[1"
            await asyncio.Event().wait()
        finally:
            cleanup_started.set()
            await asyncio.Event().wait()

    async def run() -> None:
        stream = event_stream(stubborn(), heartbeat=None, close_timeout=0.2)
        assert (await stream.__anext__()).startswith(b"event: patch")
        waiting = asyncio.ensure_future(stream.__anext__())
        for _ in range(3):
            await asyncio.sleep(0)  # it now waits inside the source
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await stream.aclose()  # returns: unwound in a task of its own, then abandoned
        assert cleanup_started.is_set()

    with caplog.at_level(logging.WARNING, logger="deltajson.sse"):
        asyncio.run(asyncio.wait_for(run(), 30))
    assert any("did not close within 0.2 s" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("heartbeat", [None, 15.0])
def test_both_readers_give_the_same_events(heartbeat: Any) -> None:
    """The direct reader (no heartbeat) and the inbox give the same events for a source
    whose chunks come one by one, each after a pass of the loop."""
    text = recording("trip_plan")

    async def source() -> AsyncIterator[str]:
        for chunk in token_chunks(text):
            await asyncio.sleep(0)
            yield chunk

    events = run_stream(source(), heartbeat=heartbeat)
    assert replay(events)[0] == json.loads(text) == events[-1][1]["value"]
