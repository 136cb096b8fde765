"""Streams a test releases step by step, so that a state asserted mid-stream is reached
because the test let the stream go that far, never because the machine was fast enough.

The demo app takes a ``source`` (``deltajson.serve.create_app``); :meth:`Gates.source` serves a
request with ``gate=NAME`` from the gate of that name, and any other request as the demo does.
A gate lets chunks through up to an offset of the text (``through``), or all of them
(``open``); the server's source waits for it in a worker thread. Every gate is opened when the
test's server stops, so no source is left waiting.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Mapping
from typing import Any, Optional

from deltajson.serve import replay_source
from workloads import token_chunks


class Gate:
    """Lets a stream's chunks through as far as the test says."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._through = 0  # characters of the text the stream may have sent
        self._open = False
        #: Characters sent so far (read by tests that wait for the server).
        self.sent = 0

    def through(self, offset: int) -> None:
        """Lets every chunk that ends at or before ``offset`` (characters) through."""
        with self._changed:
            self._through = max(self._through, offset)
            self._changed.notify_all()

    def open(self) -> None:
        """Lets everything through, now and later."""
        with self._changed:
            self._open = True
            self._changed.notify_all()

    def _wait_for(self, end: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._open or end <= self._through)

    async def replay(self, text: str) -> AsyncIterator[str]:
        end = 0
        for chunk in token_chunks(text):
            end += len(chunk)
            await asyncio.to_thread(self._wait_for, end)
            self.sent = end
            yield chunk


class Gates:
    """The gates of one test server, by name (made on first use)."""

    def __init__(self) -> None:
        self._gates: dict[str, Gate] = {}
        self._armed: Optional[Gate] = None
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> Gate:
        with self._lock:
            return self._gates.setdefault(name, Gate())

    def arm(self) -> Gate:
        """A gate for the next stream that names none (a page's, which sends no ``gate``)."""
        gate = Gate()
        with self._lock:
            self._gates[f"armed-{id(gate)}"] = gate
            self._armed = gate
        return gate

    def source(self, text: str, options: Mapping[str, Any]) -> AsyncIterator[str]:
        """The demo app's ``source``: a gated replay for ``gate=NAME`` or an armed gate,
        else the demo's timed replay."""
        name: Optional[str] = options.get("gate")
        if name is not None:
            return self[str(name)].replay(text)
        with self._lock:
            gate, self._armed = self._armed, None
        return replay_source(text, options) if gate is None else gate.replay(text)

    def open_all(self) -> None:
        with self._lock:
            gates = list(self._gates.values())
        for gate in gates:
            gate.open()


def into_the_summary(text: str) -> int:
    """An offset inside the trip plan's summary string: the title is complete there, the summary
    partly written, the fields after it not begun."""
    return text.index('"summary"') + 30


class ConnectionDropped(Exception):
    """Raised inside the server to cut a response's connection (a test's network drop)."""


class Dropper:
    """ASGI middleware that cuts the connection of a resumable stream's events
    (``/streams/<id>/events``), as a network drop would: at its next write once the test
    asks (``cut()``, or ``cut(tag)`` for the requests made with ``?tag=T``). The test then
    lets the stream go on (a gate), so that a write comes; what the client had before is
    known to it, and it resumes from there."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._cut_any = False
        self._cut_tags: set[str] = set()
        self.drops = 0

    def cut(self, tag: Optional[str] = None) -> None:
        """The next write of an events response (of ``tag``'s, if given) cuts it."""
        with self._lock:
            if tag is None:
                self._cut_any = True
            else:
                self._cut_tags.add(tag)

    def _take_cut(self, tag: Optional[str]) -> bool:
        with self._lock:
            if tag is not None and tag in self._cut_tags:
                self._cut_tags.discard(tag)
                return True
            if self._cut_any:
                self._cut_any = False
                return True
            return False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        events = path.startswith("/streams/") and path.endswith("/events")
        if scope["type"] != "http" or not events:
            await self.app(scope, receive, send)
            return
        from urllib.parse import parse_qs

        tag = parse_qs(scope.get("query_string", b"").decode()).get("tag", [None])[0]

        async def cutting_send(message: Any) -> None:
            if message["type"] == "http.response.body" and self._take_cut(tag):
                self.drops += 1
                raise ConnectionDropped
            await send(message)

        # The exception escapes to the server, which closes the connection without ending
        # the body: the client sees it cut mid-stream.
        await self.app(scope, receive, cutting_send)
