"""A client of resumable streams for the tests: reads a stream's SSE over a raw socket, may
cut the connection after any number of bytes (between events or inside one), and rebuilds
the value from what it got, checking that event ids follow each other with no op applied
twice or missed."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from deltajson.patch import apply_patch


def parse_events(body: bytes) -> list[tuple[int, str, Any]]:
    """The complete events of an SSE body, as ``(id, name, data)`` (heartbeats and a cut
    event at the end are left out, as a browser leaves them)."""
    found = []
    blocks = body.split(b"\n\n")
    for block in blocks[:-1]:  # the last piece is unfinished (or empty)
        if not block or block.startswith(b":"):
            continue
        fields = dict(line.split(b": ", 1) for line in block.split(b"\n"))
        found.append((int(fields[b"id"]), fields[b"event"].decode(), json.loads(fields[b"data"])))
    return found


@dataclass
class Rebuilt:
    """The value a client rebuilds across connections."""

    value: Any = None
    last_id: Optional[int] = None
    final: Any = None
    error: Optional[dict[str, Any]] = None
    completed: set[str] = field(default_factory=set)
    #: Event ids in the order applied (a snapshot counts as the id it stands for).
    applied: list[int] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.final is not None or self.error is not None

    def apply(self, events: list[tuple[int, str, Any]]) -> None:
        for event_id, name, data in events:
            if name == "error" and self.error is None:
                self.error = data
                continue
            if self.last_id is not None:
                if name == "snapshot":
                    # A snapshot stands for every event up to its id: never one already had.
                    assert event_id >= self.last_id, (event_id, self.last_id)
                else:
                    assert event_id == self.last_id + 1, f"event {event_id} after {self.last_id}"
            elif name != "snapshot":
                assert event_id == 1, f"first event {event_id}"
            self.last_id = event_id
            self.applied.append(event_id)
            if name == "snapshot":
                self.value = data["value"]
                self.completed = set(data["completed"])
            elif name == "patch":
                self.value = apply_patch(self.value, data["ops"])
                self.completed.update(data["completed"])
            elif name == "done":
                self.final = data["value"]


async def read_stream(
    port: int, path: str, last_id: Optional[int], cut_after: Optional[int] = None
) -> tuple[int, bytes]:
    """GETs ``path`` (with ``Last-Event-ID``); reads the body to its end, or ``cut_after``
    bytes of it and closes the connection. Returns the HTTP status and the body read."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
    head = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n"
    if last_id is not None:
        head += f"Last-Event-ID: {last_id}\r\n"
    writer.write((head + "\r\n").encode())
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    body = b""
    try:
        while cut_after is None or len(body) < cut_after:
            want = 65536 if cut_after is None else max(1, cut_after - len(body))
            piece = await reader.read(want)
            if not piece:
                break
            body += piece
    finally:
        writer.close()
    return status, body


async def post(port: int, path: str) -> tuple[int, Any]:
    """POSTs ``path`` with no body; the status and the JSON answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)
