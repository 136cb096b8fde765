"""deltajson.sse and the demo app: patch/done/error events, throttling, heartbeats, headers,
disconnects; replaying the patches gives the document."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import given
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

import deltajson
from deltajson.patch import apply_patch
from deltajson.serve import create_app, recording, recordings
from deltajson.sse import event_stream, sse_response
from helpers import split
from strategies import cuts, json_texts
from workloads import token_chunks


def collect(chunks: Any, model: Any = None, **options: Any) -> list[tuple[str, Any]]:
    async def run() -> bytes:
        return b"".join([part async for part in event_stream(chunks, model, **options)])

    return parse_sse(asyncio.run(run()))


def parse_sse(body: bytes) -> list[tuple[str, Any]]:
    events = []
    for block in body.decode().split("\n\n"):
        if not block:
            continue
        if block.startswith(":"):
            events.append(("comment", block[1:].strip()))
            continue
        name, data = block.split("\n")
        events.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def replay(events: list[tuple[str, Any]]) -> tuple[Any, set[str]]:
    doc: Any = None
    completed: set[str] = set()
    for name, data in events:
        if name == "patch":
            doc = apply_patch(doc, data["ops"])
            completed.update(data["completed"])
    return doc, completed


@given(json_texts(), cuts)
def test_patches_rebuild_the_document_for_any_chunking(doc: Any, at: list[int]) -> None:
    value, text = doc
    events = collect(split(text, at))
    assert events[-1] == ("done", {"value": value})
    rebuilt, completed = replay(events)
    assert rebuilt == value
    if isinstance(value, (dict, list)):
        assert "" in completed


def test_lone_surrogates_cross_the_wire_as_escapes() -> None:
    # json.loads keeps a lone "\\ud800"; it has no UTF-8 form, so it travels escaped.
    text = '{"a": "caf\u00e9 \\ud800!"}'
    events = collect([text[:12], text[12:]])
    assert events[-1] == ("done", {"value": json.loads(text)})
    assert replay(events)[0] == json.loads(text)


def test_each_patch_is_what_the_parser_read_so_far() -> None:
    # One event per chunk (coalesce=False): each chunk that changed something sends one.
    text = recording("trip_plan")
    chunks = token_chunks(text)
    events = collect(chunks, coalesce=False)
    parser = deltajson.Parser()
    parser.changes()
    doc: Any = None
    patches = iter(e for e in events if e[0] == "patch")
    for chunk in chunks:
        parser.feed(chunk)
        if parser.changes():  # the chunks that changed something each sent one event
            doc = apply_patch(doc, next(patches)[1]["ops"])
        assert doc == parser.snapshot()
    assert next(patches, None) is None
    sizes = [len(json.dumps(data)) for name, data in events if name == "patch"]
    assert max(sizes) < 400  # O(delta) each, not the document


@pytest.mark.parametrize("buffer", [1, 4, 16])
def test_chunks_ready_together_make_one_event(buffer: int) -> None:
    # A source that never waits: every chunk is ready at once, and each batch the stream
    # takes (``buffer`` chunks at most) sends one event, which replays to the document.
    text = recording("trip_plan")
    chunks = token_chunks(text)

    async def ready() -> AsyncIterator[str]:
        for chunk in chunks:
            yield chunk

    events = collect(ready(), buffer=buffer, heartbeat=None)
    patches = [data for name, data in events if name == "patch"]
    assert len(patches) <= -(-len(chunks) // buffer) + 1
    if buffer > 1:
        assert len(patches) < len(chunks) / 2
    assert replay(events)[0] == json.loads(text) == events[-1][1]["value"]


def test_a_source_that_waits_between_chunks_sends_one_event_per_chunk() -> None:
    # The source yields its next chunk only once the previous one's event went out: nothing
    # is ready to coalesce, so every chunk that changes something has its own event.
    text = recording("support_ticket")
    chunks = token_chunks(text)
    parser = deltajson.Parser()
    parser.changes()
    changes = []
    for chunk in chunks:
        parser.feed(chunk)
        changes.append(bool(parser.changes()))

    async def run() -> list[tuple[str, Any]]:
        sent = asyncio.Event()

        async def paced() -> AsyncIterator[str]:
            for chunk, changed in zip(chunks, changes, strict=True):
                sent.clear()
                yield chunk
                if changed:  # (a chunk that changes nothing sends nothing)
                    await sent.wait()

        parts = []
        async for part in event_stream(paced(), heartbeat=None):
            parts.append(part)
            sent.set()
        return parse_sse(b"".join(parts))

    events = asyncio.run(asyncio.wait_for(run(), 60))
    assert len([e for e in events if e[0] == "patch"]) == sum(changes)
    assert replay(events)[0] == json.loads(text)


class Stop(BaseModel):
    name: str
    minutes: int


class Plan(BaseModel):
    title: str
    stops: list[Stop]


def test_model_validates_and_done_is_its_json() -> None:
    text = '{"title": "Lisbon", "stops": [{"name": "Belém", "minutes": 90}]}'
    events = collect(split(text, range(0, 80, 3)), Plan)
    assert events[-1] == ("done", {"value": Plan.model_validate_json(text).model_dump()})


def test_schema_mismatch_is_an_error_event_with_its_path() -> None:
    text = '{"title": "Lisbon", "stops": [{"name": "Belém", "minutes": "long"}]}'
    events = collect(split(text, range(0, 80, 3)), Plan)
    name, error = events[-1]
    assert name == "error"
    assert error["type"] == "SchemaMismatch"
    assert error["path"] == "/stops/0/minutes"
    assert replay(events)[0]["title"] == "Lisbon"  # what came before was sent


def test_invalid_json_sends_what_was_read_then_a_typed_error() -> None:
    text = recording("broken_reply")
    events = collect(token_chunks(text))
    name, error = events[-1]
    assert name == "error" and error["type"] == "JSONError"
    assert (error["line"], error["column"]) == (5, 80)
    assert text.encode()[error["offset"] : error["offset"] + 1] == b'"'
    assert replay(events)[0]["days"][1]["stops"] == ["Graham's Lodge", "Taylor's"]


def test_an_incomplete_stream_is_an_error_too() -> None:
    events = collect(['{"title": "Lis'])
    assert events[-1][0] == "error"
    assert events[-1][1]["type"] == "IncompleteJSONError"


def test_provider_errors_keep_their_kind() -> None:
    def chunks() -> Iterator[str]:
        yield '{"a": '
        raise deltajson.ProviderError("Overloaded", kind="overloaded_error")

    events = collect(chunks())
    assert events[-1] == (  # the provider's own text stays on the server
        "error",
        {
            "type": "ProviderError",
            "message": "the provider reported an error",
            "kind": "overloaded_error",
        },
    )


def test_unexpected_failures_are_not_described_to_the_client() -> None:
    def chunks() -> Iterator[str]:
        yield "["
        raise RuntimeError("database password is hunter2")

    assert collect(chunks())[-1] == (
        "error",
        {"type": "InternalError", "message": "the stream failed on the server"},
    )


def test_min_interval_batches_patches_without_losing_ops() -> None:
    # At most one patch per interval, whatever the machine's speed (the stream's own
    # duration bounds their number), and every op in them.
    async def slow() -> AsyncIterator[str]:
        for chunk in token_chunks(recording("support_ticket")):
            await asyncio.sleep(0.001)
            yield chunk

    every = collect(slow(), coalesce=False)
    started = time.monotonic()
    throttled = collect(slow(), min_interval=50)
    elapsed = time.monotonic() - started
    patches = [e for e in throttled if e[0] == "patch"]
    assert len(patches) <= elapsed / 0.05 + 2
    assert replay(throttled)[0] == replay(every)[0] == json.loads(recording("support_ticket"))
    assert throttled[-1] == every[-1]


def test_throttled_ops_are_sent_when_due_even_if_the_source_goes_quiet() -> None:
    # The source speaks again only once the held ops have been sent: were they held until
    # then, the stream would wait forever (the bound below makes that a failure).
    async def run() -> list[tuple[float, bytes]]:
        first, sent = asyncio.Event(), asyncio.Event()

        async def pausing() -> AsyncIterator[str]:
            yield '["ab'
            await first.wait()
            yield "cd"  # held back by min_interval...
            await sent.wait()  # ...and sent when due, though the source is silent
            yield '"]'

        start = time.monotonic()
        timed = []
        async for event in event_stream(pausing(), min_interval=100, heartbeat=None):
            timed.append((time.monotonic() - start, event))
            first.set()
            if b'"value":"cd"' in event:
                sent.set()
        return timed

    timed = asyncio.run(asyncio.wait_for(run(), 30))
    first = timed[0][0]
    second = next(t for t, event in timed if b'"value":"cd"' in event)
    assert second - first >= 0.09  # not before min_interval (time only ever adds to this)
    assert parse_sse(b"".join(e for _, e in timed))[-1] == ("done", {"value": ["abcd"]})


def test_a_source_cancelled_from_within_ends_the_stream_with_an_error_event() -> None:
    async def cancelled() -> AsyncIterator[str]:
        yield "[1, "
        raise asyncio.CancelledError

    async def run() -> list[bytes]:
        return [e async for e in event_stream(cancelled(), heartbeat=None)]

    async def bounded() -> list[bytes]:
        return await asyncio.wait_for(run(), 5)  # a hang would be a TimeoutError

    events = parse_sse(b"".join(asyncio.run(bounded())))
    assert events[-1] == (
        "error",
        {"type": "StreamInterrupted", "message": "the source was cancelled"},
    )
    assert replay(events)[0] == [1]  # what was read first was sent first


def test_heartbeats_while_the_source_is_silent() -> None:
    # The source stays silent until a heartbeat has been sent.
    async def run() -> bytes:
        beat = asyncio.Event()

        async def silent() -> AsyncIterator[str]:
            yield "[1"
            await beat.wait()
            yield "]"

        body = b""
        async for part in event_stream(silent(), heartbeat=0.1):
            body += part
            if part.startswith(b":"):
                beat.set()
        return body

    events = parse_sse(asyncio.run(asyncio.wait_for(run(), 30)))
    assert ("comment", "heartbeat") in events
    assert events[-1] == ("done", {"value": [1]})


def test_progress_with_a_total() -> None:
    text = recording("trip_plan")
    events = collect(token_chunks(text), total=len(text.encode()))
    progress = [data["progress"] for name, data in events if name == "patch"]
    assert progress == sorted(progress) and 0 < progress[0] < 0.1 and progress[-1] == 1.0


# --- over HTTP ---------------------------------------------------------------------------


class Server:
    """A uvicorn server in a thread, on a free loopback port."""

    def __init__(self, app: Any) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def test_response_headers_and_disconnect_stops_the_source() -> None:
    closed = threading.Event()
    produced = []

    async def endless() -> AsyncIterator[str]:
        try:
            yield "["
            while True:
                produced.append(1)
                yield "1, "
                await asyncio.sleep(0.01)
        finally:
            closed.set()

    async def endpoint(request: Request) -> Response:
        response: Response = sse_response(endless())
        return response

    with Server(Starlette(routes=[Route("/s", endpoint)])) as url:
        with httpx.stream("GET", url + "/s", timeout=5) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            assert response.headers["x-accel-buffering"] == "no"
            lines = response.iter_lines()
            assert next(lines) == "event: patch"
            for _ in range(10):
                next(lines)
        assert closed.wait(5), "the source was not closed after the client left"
        count = len(produced)
        time.sleep(0.2)
        assert len(produced) == count  # nothing produced after the disconnect


@pytest.fixture(scope="module")
def demo() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_demo_routes(demo: TestClient) -> None:
    assert (
        demo.get("/recordings").json()
        == recordings()
        == [
            "broken_reply",
            "support_ticket",
            "trip_plan",
        ]
    )
    page = demo.get("/")
    assert (
        page.status_code == 200 and 'import { streamJSON } from "/static/deltajson.js"' in page.text
    )
    script = demo.get("/static/deltajson.js")
    assert script.status_code == 200 and "export async function streamJSON" in script.text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_demo_streams_a_recording(demo: TestClient, method: str) -> None:
    if method == "GET":
        response = demo.get("/stream/support_ticket?delay=0")
    else:
        response = demo.post("/stream/support_ticket", json={"delay": 0})
    events = parse_sse(response.content)
    assert events[-1] == ("done", {"value": json.loads(recording("support_ticket"))})


def test_demo_rejects_bad_requests_with_a_clear_error(demo: TestClient) -> None:
    missing = demo.get("/stream/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    bad = demo.get("/stream/trip_plan?delay=soon")
    assert bad.status_code == 400 and "milliseconds" in bad.json()["error"]
    assert demo.post("/stream/trip_plan", content=b"[1]").status_code == 400
    assert demo.post("/stream/trip_plan", content=b"{").status_code == 400
