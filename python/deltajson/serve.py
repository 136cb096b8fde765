"""``deltajson serve``: a demo app streaming bundled recordings of LLM replies over SSE.

Routes:

- ``/``: the page (``static/index.html``), which streams a recording with
  ``static/deltajson.js`` and renders its fields as they fill in;
- ``/static/...``: the page's files;
- ``/recordings``: the names of the bundled recordings (JSON);
- ``/stream/{name}`` (GET and POST): the recording as a deltajson SSE stream
  (``deltajson.sse``), in token-sized chunks every ``delay`` milliseconds (query parameter,
  or ``{"delay": ...}`` in a POST body; default 20).

Needs ``starlette`` (and ``uvicorn`` to serve): ``pip install 'deltajson[serve]'``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from deltajson.bench import token_chunks
from deltajson.sse import sse_response

__all__ = ["create_app", "recording", "recordings"]

DEFAULT_DELAY_MS = 20.0
MAX_DELAY_MS = 5_000.0


def recordings() -> list[str]:
    """The names of the bundled recordings."""
    folder = resources.files("deltajson").joinpath("data/recordings")
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def recording(name: str) -> str:
    """The text of one recording (``KeyError`` if there is none of that name)."""
    if name not in recordings():
        raise KeyError(name)
    folder = resources.files("deltajson").joinpath("data/recordings")
    return folder.joinpath(f"{name}.json").read_text("utf-8")


async def replay(text: str, delay_ms: float) -> AsyncIterator[str]:
    """The text in token-sized chunks, ``delay_ms`` apart, like a model streaming it."""
    for chunk in token_chunks(text):
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000.0)
        yield chunk


def _delay(value: Any) -> float:
    try:
        delay = float(value)
    except (TypeError, ValueError):
        raise ValueError("delay must be a number of milliseconds") from None
    if not 0 <= delay <= MAX_DELAY_MS:
        raise ValueError(f"delay must be between 0 and {MAX_DELAY_MS:g} ms")
    return delay


def create_app() -> Any:
    """The Starlette app."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, JSONResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    static = resources.files("deltajson").joinpath("static")

    async def page(request: Request) -> Response:
        return FileResponse(str(static.joinpath("index.html")))

    async def list_recordings(request: Request) -> Response:
        return JSONResponse(recordings())

    async def stream(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            text = recording(name)
        except KeyError:
            return JSONResponse({"error": f"no recording named {name!r}"}, status_code=404)
        options: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            try:
                body = json.loads(await request.body() or b"{}")
            except json.JSONDecodeError:
                return JSONResponse({"error": "the body is not JSON"}, status_code=400)
            if not isinstance(body, dict):
                return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
            options.update(body)
        try:
            delay = _delay(options.get("delay", DEFAULT_DELAY_MS))
        except ValueError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        response: Response = sse_response(replay(text, delay), total=len(text.encode()))
        return response

    return Starlette(
        routes=[
            Route("/", page),
            Route("/recordings", list_recordings),
            Route("/stream/{name}", stream, methods=["GET", "POST"]),
            Mount("/static", app=StaticFiles(directory=str(static)), name="static"),
        ]
    )


def run(host: str, port: int) -> None:
    """Serves the app with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
