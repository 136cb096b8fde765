"""The SSE helper and ``deltajson serve`` under faults, on real servers over loopback:
slow readers (bounded memory), disconnects with sources that never idle (closed at once, on
uvicorn and hypercorn), sync sources, non-finite numbers, errors that must not leak, and
hostile request bodies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, Callable

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import deltajson
from deltajson.serve import MAX_BODY_BYTES, create_app
from deltajson.sse import event_stream, sse_response
from test_sse import Server as Uvicorn
from test_sse import parse_sse, replay


class Hypercorn:
    """A hypercorn server in a thread (its own event loop), on a free loopback port."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def _run(self) -> None:
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        config = Config()
        config.bind = [f"127.0.0.1:{self.port}"]
        config.loglevel = "ERROR"

        async def main() -> None:
            done = asyncio.Event()

            async def watch() -> None:
                while not self.stop.is_set():
                    await asyncio.sleep(0.02)
                done.set()

            watcher = asyncio.ensure_future(watch())
            await serve(self.app, config, shutdown_trigger=done.wait)  # type: ignore[arg-type]
            watcher.cancel()

        asyncio.run(main())

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.thread.join(5)


SERVERS = {"uvicorn": Uvicorn, "hypercorn": Hypercorn}


def app_of(make_source: Callable[[], Any], **options: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        response: Response = sse_response(make_source(), **options)
        return response

    return Starlette(routes=[Route("/s", endpoint)])


class Probe:
    """What a source did: chunks produced, and when (if ever) it was closed."""

    def __init__(self) -> None:
        self.produced = 0
        self.closed = threading.Event()
        self.closed_at = 0.0


def never_idle(probe: Probe, piece: str = "1, ") -> Callable[[], AsyncIterator[str]]:
    """A source that is always ready: it yields to the loop but never waits for anything."""

    async def source() -> AsyncIterator[str]:
        try:
            yield "["
            while True:
                probe.produced += 1
                yield piece
                await asyncio.sleep(0)
        finally:
            probe.closed_at = time.monotonic()
            probe.closed.set()

    return source


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_a_disconnect_closes_a_source_that_never_idles(server: str) -> None:
    pytest.importorskip(server)
    probe = Probe()
    with SERVERS[server](app_of(never_idle(probe))) as url:
        with httpx.stream("GET", url + "/s", timeout=10) as response:
            lines = response.iter_lines()
            assert next(lines) == "event: patch"
            for _ in range(20):
                next(lines)
            left = time.monotonic()
        assert probe.closed.wait(5), f"{server}: the source was not closed after the client left"
        assert probe.closed_at - left < 2.0
        count = probe.produced
        time.sleep(0.3)
        assert probe.produced == count  # nothing is read after the disconnect


def test_a_disconnect_stops_a_fast_finite_source_before_its_end() -> None:
    probe = Probe()
    total = 200_000

    async def finite() -> AsyncIterator[str]:
        try:
            yield "["
            for _ in range(total):
                probe.produced += 1
                yield "1, "
                await asyncio.sleep(0)
            yield "1]"
        finally:
            probe.closed.set()

    with Uvicorn(app_of(finite)) as url:
        with httpx.stream("GET", url + "/s", timeout=10) as response:
            next(response.iter_lines())
        assert probe.closed.wait(5)
        assert probe.produced < total  # not read to its end


def test_a_slow_reader_paces_an_endless_source() -> None:
    """A client that stops reading: the source is read only a bounded way ahead (the socket
    buffers plus ``buffer`` chunks), not on and on into the server's memory."""
    probe = Probe()
    big = '"' + "x" * 65_536 + '", '
    with Uvicorn(app_of(never_idle(probe, big), buffer=4)) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65_536)
            client.sendall(f"GET /s HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            client.recv(1024)  # the head of the response, then no more reading
            stalled, deadline = -1, time.monotonic() + 10
            while probe.produced != stalled and time.monotonic() < deadline:
                stalled = probe.produced  # until the buffers are full and reading stops
                time.sleep(0.5)
            time.sleep(0.5)
            assert probe.produced == stalled  # paced: nothing more while nobody reads
            assert stalled * len(big) < 64 * 2**20  # a bounded way ahead (socket buffers)
            client.recv(1 << 20)  # reading again lets the source go on
            deadline = time.monotonic() + 5
            while probe.produced == stalled and time.monotonic() < deadline:
                client.recv(1 << 20)
            assert probe.produced > stalled
        assert probe.closed.wait(5)


def test_held_ops_are_merged_and_bounded_under_min_interval() -> None:
    async def long_string() -> AsyncIterator[str]:
        yield '["'
        for _ in range(3000):
            yield "abc"
        yield '"]'

    async def run(**options: Any) -> list[tuple[str, Any]]:
        body = b"".join([e async for e in event_stream(long_string(), heartbeat=None, **options)])
        return parse_sse(body)

    merged = asyncio.run(run(min_interval=10_000))
    patches = [data for name, data in merged if name == "patch"]
    # The first patch goes out at once; all the rest waited, its 3000 appends as one op.
    assert len(patches) == 2 and len(patches[1]["ops"]) <= 3
    assert replay(merged)[0] == ["abc" * 3000]
    capped = asyncio.run(run(min_interval=10_000, max_held=3000))
    sizes = [
        sum(len(op.get("value", "")) for op in data["ops"] if op["op"] == "append")
        for name, data in capped
        if name == "patch"
    ]
    assert len(sizes) > 2 and max(sizes) <= 3000 + 3
    assert replay(capped)[0] == ["abc" * 3000]


def test_a_sync_source_is_closed_when_its_worker_comes_back() -> None:
    closed = threading.Event()
    release = threading.Event()

    def blocking() -> Iterator[str]:
        try:
            yield "["
            yield "1"
            release.wait(5)  # a sync SDK stream blocked on the network
            yield ", 2"
        finally:
            closed.set()

    with Uvicorn(app_of(blocking)) as url:
        with httpx.stream("GET", url + "/s", timeout=10) as response:
            next(response.iter_lines())
        time.sleep(0.2)
        release.set()  # the worker thread returns; the generator is then closed
        assert closed.wait(5)


def test_non_finite_numbers_travel_as_null_and_are_named() -> None:
    events = parse_sse(
        b"".join(asyncio.run(_collect(["[1e400, -1e400, ", '{"n": NaN}, 2]'], allow_nan=True)))
    )
    for _name, data in events:
        json.dumps(data, allow_nan=False)  # every data line was valid JSON
    done = events[-1][1]
    assert done["value"] == [None, None, {"n": None}, 2]
    assert done["nonfinite"] == {"/0": "Infinity", "/1": "-Infinity", "/2/n": "NaN"}
    patched = [data["nonfinite"] for name, data in events if name == "patch"]
    assert {k: v for found in patched for k, v in found.items()} == done["nonfinite"]


async def _collect(chunks: list[str], **options: Any) -> list[bytes]:
    async def source() -> AsyncIterator[str]:
        for chunk in chunks:
            yield chunk

    return [e async for e in event_stream(source(), heartbeat=None, **options)]


class Leaky(Exception):
    partial = None  # looks like a stream error, but is not deltajson's


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            deltajson.StreamInterrupted("postgres://admin:hunter2@db.internal failed"),
            {"type": "StreamInterrupted", "message": "the source failed"},
        ),
        (Leaky("secret"), {"type": "InternalError", "message": "the stream failed on the server"}),
        (
            deltajson.StreamTimeout("the stream exceeded its timeout of 5 s"),
            {"type": "StreamTimeout", "message": "the stream exceeded its timeout of 5 s"},
        ),
        (
            KeyError("token"),
            {"type": "InternalError", "message": "the stream failed on the server"},
        ),
    ],
)
def test_errors_from_the_source_do_not_leak(error: Exception, expected: dict[str, Any]) -> None:
    async def failing() -> AsyncIterator[str]:
        yield "[1"
        raise error

    async def run() -> list[bytes]:
        return [e async for e in event_stream(failing(), heartbeat=None)]

    events = parse_sse(b"".join(asyncio.run(run())))
    assert events[-1] == ("error", expected)
    assert "hunter2" not in json.dumps(events) and "secret" not in json.dumps(events)


def test_a_schema_mismatch_sends_types_and_locations_not_messages() -> None:
    from pydantic import BaseModel, field_validator

    class Secretive(BaseModel):
        n: int

        @field_validator("n")
        @classmethod
        def _check(cls, value: int) -> int:
            raise ValueError("internal threshold is 42")

    async def run() -> list[bytes]:
        async def source() -> AsyncIterator[str]:
            yield '{"n": 7}'

        return [e async for e in event_stream(source(), Secretive, heartbeat=None)]

    name, error = parse_sse(b"".join(asyncio.run(run())))[-1]
    assert name == "error"
    assert error == {
        "type": "SchemaMismatch",
        "message": "the value does not match the schema",
        # The value that failed, as when the document comes in pieces (the errors are then
        # those of the whole document, which completed in the same chunk).
        "path": "/n",
        "errors": [{"type": "value_error", "loc": ["n"]}],
    }


# ---- deltajson serve: hostile bodies ---------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with Uvicorn(create_app()) as url:
        yield url


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"\xff\xfe{}", 400),
        (b"[" * 5000 + b"]" * 5000, 400),
        (b'{"delay": ' + b"9" * 5000 + b"}", 400),
        (b'{"delay": ' + b"1" * 400 + b"}", 400),
        (b'{"delay": 1e400}', 400),
        (b'{"delay": "fast"}', 400),
        (b'{"delay": true}', 400),
        (b'{"delay": -1}', 400),
        (b'{"delay": [1]}', 400),
        (b"[1, 2]", 400),
        (b'{"delay": 5', 400),
        (b"x" * (MAX_BODY_BYTES + 1), 413),
    ],
)
def test_serve_answers_hostile_bodies_with_a_4xx(served: str, body: bytes, status: int) -> None:
    name = httpx.get(served + "/recordings").json()[0]
    response = httpx.post(f"{served}/stream/{name}", content=body, timeout=10)
    assert response.status_code == status
    assert set(response.json()) == {"error"}


def test_serve_refuses_a_huge_body_without_reading_it(served: str) -> None:
    name = httpx.get(served + "/recordings").json()[0]

    def body() -> Iterator[bytes]:
        for _ in range(200):  # 200 MB, if it were all read
            yield b" " * 2**20

    try:
        response = httpx.post(f"{served}/stream/{name}", content=body(), timeout=10)
    except httpx.HTTPError:
        return  # the server closed the connection on us: also a refusal
    assert response.status_code == 413


def test_closing_a_stream_leaves_no_task_behind() -> None:
    probe = Probe()

    async def run() -> set[Any]:
        stream = event_stream(never_idle(probe)(), heartbeat=0.05, min_interval=20)
        async for _ in stream:
            if probe.produced > 100:
                break
        await stream.aclose()
        await asyncio.sleep(0)
        return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}

    assert asyncio.run(run()) == set()
    assert probe.closed.is_set()


# The server runs in a subprocess: copies in other threads would test nothing more
# (pytest-run-parallel runs it once).
@pytest.mark.parallel_threads_limit(1)
def test_deltajson_serve_stops_on_sigint_with_streams_open() -> None:
    """Shutdown is not held up by streams still open (they get 2 s, then end)."""
    import signal
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "deltajson.cli", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                name = httpx.get(url + "/recordings", timeout=1).json()[0]
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.stream("GET", f"{url}/stream/{name}?delay=2000", timeout=10) as response:
            assert response.status_code == 200
            server.send_signal(signal.SIGINT)
            asked = time.monotonic()
            assert server.wait(10) is not None
            assert time.monotonic() - asked < 6
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


# It resizes the process-wide pool of threads for sync sources: not in several threads at once
# (pytest-run-parallel).
@pytest.mark.thread_unsafe(reason="resizes the process-wide pool of sync-source threads")
def test_a_sync_source_is_closed_even_if_its_read_never_started() -> None:
    """Every thread for sync sources is busy when a stream stops: its source's read never
    started, and the source is closed at once instead of waiting for a thread."""
    from deltajson.sse import DEFAULT_SYNC_SOURCE_THREADS, set_sync_source_threads

    closed = threading.Event()
    release = threading.Event()

    def busy() -> Iterator[str]:
        yield "["
        release.wait(10)  # holds the only thread
        yield "]"

    class Waiting:
        """A sync SDK stream: iterated, and closed with ``close()``."""

        def __iter__(self) -> Iterator[str]:
            return self

        def __next__(self) -> str:
            raise AssertionError("never read")

        def close(self) -> None:
            closed.set()

    async def run() -> None:
        first = event_stream(busy(), heartbeat=None)
        assert (await first.__anext__()).startswith(b"event: patch")  # it holds the thread
        second = event_stream(Waiting(), heartbeat=None)
        pending = asyncio.ensure_future(second.__anext__())
        for _ in range(5):
            await asyncio.sleep(0)  # the second stream starts and waits for a thread
        pending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pending
        assert closed.is_set()  # closed at once, not when a thread comes
        release.set()
        await first.aclose()

    set_sync_source_threads(1)
    try:
        asyncio.run(asyncio.wait_for(run(), 30))
    finally:
        release.set()
        set_sync_source_threads(DEFAULT_SYNC_SOURCE_THREADS)
