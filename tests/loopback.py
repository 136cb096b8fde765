"""A provider stand-in on 127.0.0.1 that replays SSE transcripts to the real SDK clients.

``replay_server()`` starts a threaded HTTP server on a free loopback port. Every POST (the
SDKs' ``/chat/completions``, ``/responses``, ``/messages``) is answered with the transcript
registered under the request's ``model`` name (Gemini's, which names the model in the path,
``.../models/<model>:streamGenerateContent``, by that name), written in small pieces so
the client reads a stream, not one buffer; a model given several turns (``add_turns``) answers
each request with the next one, as an agent's successive model calls. Requests are recorded
for tests that check what the SDK sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Replay:
    """The transcripts to serve, by model name, and the requests received."""

    transcripts: dict[str, bytes] = field(default_factory=dict)
    turns: dict[str, list[bytes]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    write_size: int = 512
    url: str = ""

    def add(self, model: str, body: bytes) -> str:
        self.transcripts[model] = body
        return model

    def add_turns(self, model: str, bodies: list[bytes]) -> str:
        """``model`` answers its first request with ``bodies[0]``, its next with the next."""
        self.turns[model] = list(bodies)
        return model

    def body_for(self, model: str) -> bytes | None:
        turns = self.turns.get(model)
        if turns:
            return turns.pop(0)
        return self.transcripts.get(model)


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the body ends when the connection closes

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            request = json.loads(self.rfile.read(length) or b"{}")
            replay.requests.append({"path": self.path, "body": request})
            model = str(request.get("model") or _model_in_path(self.path))
            body = replay.body_for(model)
            if body is None:
                self.send_error(404, f"no transcript for model {model!r}")
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.end_headers()
            try:
                for start in range(0, len(body), replay.write_size):
                    self.wfile.write(body[start : start + replay.write_size])
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: what a stream consumer may do

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet tests

    return Handler


def _model_in_path(path: str) -> str:
    """The model of a Gemini request path: ``.../models/<model>:streamGenerateContent?...``."""
    _, _, rest = path.partition("/models/")
    return rest.split(":", 1)[0]


@contextmanager
def replay_server(replay: Replay | None = None) -> Iterator[Replay]:
    """Serves ``replay`` on ``http://127.0.0.1:<free port>`` for the ``with`` block."""
    replay = replay or Replay()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    server.daemon_threads = True
    replay.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        server.shutdown()
        server.server_close()
