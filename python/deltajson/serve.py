"""``deltajson serve``: a demo app streaming bundled recordings of LLM replies over SSE.

Routes:

- ``/``: the page (``static/index.html``), which streams a recording with
  ``static/deltajson.js`` and renders its fields as they fill in;
- ``/static/...``: the page's files;
- ``/react``: the same demo in React (``static/react.html``, the ``static/react.js`` hook), with
  React's browser builds served from this machine's install under ``/vendor/react/`` and
  ``/vendor/react-dom/`` (``react_builds``: Debian's node-react and node-react-dom; no CDN, and
  none bundled with deltajson); a 503 saying what to install when there is none;
- ``/recordings``: the names of the bundled recordings (JSON);
- ``/stream/{name}`` (GET and POST): the recording as a deltajson SSE stream
  (``deltajson.sse``), in token-sized chunks every ``delay`` milliseconds (query parameter,
  or ``{"delay": ...}`` in a POST body; default 20);
- ``POST /streams?recording=NAME&delay=MS``: starts a detached, resumable replay
  (``deltajson.resume``) and answers ``201`` with ``{"id": ..., "events":
  "/streams/<id>/events"}``;
- ``GET /streams/{id}/events``: that stream's SSE, resumed after ``Last-Event-ID`` (header) or
  ``lastEventId`` (query); an unknown or expired id answers 404.

Needs ``starlette`` (and ``uvicorn`` to serve): ``pip install 'deltajson[serve]'``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Optional, Union

from deltajson._api import loads
from deltajson._chunks import token_chunks
from deltajson._errors import JSONError
from deltajson._stores import MemoryStore, RedisStore, Store
from deltajson.resume import ResumableStreams
from deltajson.sse import sse_response

__all__ = [
    "Source",
    "create_app",
    "react_builds",
    "recording",
    "recordings",
    "replay",
    "replay_source",
]

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


#: The largest request body read (the demo's bodies are a few bytes).
MAX_BODY_BYTES = 16 * 1024


class BadRequest(ValueError):
    """A request the demo refuses: answered with ``status`` and ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _delay(value: Any) -> float:
    if isinstance(value, bool):
        raise BadRequest("delay must be a number of milliseconds")
    try:
        delay = float(value)
    except (TypeError, ValueError, OverflowError):
        raise BadRequest("delay must be a number of milliseconds") from None
    if not 0 <= delay <= MAX_DELAY_MS:  # NaN fails this too
        raise BadRequest(f"delay must be between 0 and {MAX_DELAY_MS:g} ms")
    return delay


async def _body_options(request: Any) -> dict[str, Any]:
    """The JSON object a POST body holds, read as hostile: at most ``MAX_BODY_BYTES``
    (413 past it, without reading the rest), UTF-8, shallow, numbers of sane size."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise BadRequest(f"the body must be at most {MAX_BODY_BYTES} bytes", 413)
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > MAX_BODY_BYTES:
            raise BadRequest(f"the body must be at most {MAX_BODY_BYTES} bytes", 413)
    if not body.strip():
        return {}
    try:
        # deltajson reads it: invalid UTF-8, deep nesting and huge numbers are JSONErrors.
        value = loads(bytes(body), partial=False, max_depth=8)
    except (JSONError, ValueError) as e:
        raise BadRequest(f"the body is not JSON: {e}") from None
    if not isinstance(value, dict):
        raise BadRequest("the body must be a JSON object")
    return value


#: Where ``/react`` looks for React by default: Debian's packages (``apt-get install node-react
#: node-react-dom``). ``$DELTAJSON_NODE_MODULES`` or ``create_app(node_modules=...)`` point
#: elsewhere, e.g. an npm ``node_modules`` folder.
NODE_MODULES = "/usr/share/nodejs"

#: The browser (UMD) builds the React page loads, by package. React 18 has them; React 19
#: ships none.
REACT_BUILDS = {
    "react": "umd/react.production.min.js",
    "react-dom": "umd/react-dom.production.min.js",
}


def _node_modules(node_modules: Union[str, os.PathLike[str], None]) -> Path:
    return Path(node_modules or os.environ.get("DELTAJSON_NODE_MODULES") or NODE_MODULES)


def react_builds(node_modules: Union[str, os.PathLike[str], None] = None) -> Optional[Path]:
    """The folder holding React's browser builds (``REACT_BUILDS``), or ``None`` if one is
    missing: ``node_modules``, else ``$DELTAJSON_NODE_MODULES``, else ``NODE_MODULES``."""
    root = _node_modules(node_modules)
    if all((root / package / build).is_file() for package, build in REACT_BUILDS.items()):
        return root
    return None


REACT_MISSING = """The React demo needs React 18's browser builds, and {root} holds none.
On Debian or Ubuntu: apt-get install node-react node-react-dom
Or point DELTAJSON_NODE_MODULES at a node_modules folder holding react@18 and react-dom@18.
"""


#: Where a recording's chunks come from: called with the recording's text and the request's
#: options (query parameters, then the POST body's keys; ``"delay"`` already checked, in ms).
Source = Callable[[str, Mapping[str, Any]], AsyncIterator[str]]


def replay_source(text: str, options: Mapping[str, Any]) -> AsyncIterator[str]:
    """The default :data:`Source`: the text in token-sized chunks, ``delay`` ms apart."""
    return replay(text, options["delay"])


def create_app(
    *,
    node_modules: Union[str, os.PathLike[str], None] = None,
    source: Source = replay_source,
    streams: Optional[ResumableStreams] = None,
) -> Any:
    """The Starlette app.

    Args:
        node_modules: Where ``/react`` finds React (``react_builds``).
        source: Where a streamed recording's chunks come from (default: a timed replay).
            Tests pass one they release step by step, so that what they assert mid-stream
            never depends on how fast the machine is.
        streams: The resumable streams of ``/streams`` (default: in memory, this process).
    """
    resumable = streams if streams is not None else ResumableStreams()
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    static = resources.files("deltajson").joinpath("static")

    async def page(request: Request) -> Response:
        return FileResponse(str(static.joinpath("index.html")))

    react = react_builds(node_modules)

    async def react_page(request: Request) -> Response:
        if react is None:
            missing = REACT_MISSING.format(root=_node_modules(node_modules))
            return PlainTextResponse(missing, status_code=503)
        return FileResponse(str(static.joinpath("react.html")))

    # Only the folders of the two builds are served, never the rest of node_modules.
    vendor = (
        [
            Mount(f"/vendor/{package}", app=StaticFiles(directory=str(react / package / "umd")))
            for package in REACT_BUILDS
        ]
        if react is not None
        else []
    )

    async def list_recordings(request: Request) -> Response:
        return JSONResponse(recordings())

    async def stream(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            text = recording(name)
        except KeyError:
            return JSONResponse({"error": f"no recording named {name!r}"}, status_code=404)
        options: dict[str, Any] = dict(request.query_params)
        try:
            if request.method == "POST":
                options.update(await _body_options(request))
            options["delay"] = _delay(options.get("delay", DEFAULT_DELAY_MS))
        except BadRequest as e:
            return JSONResponse({"error": str(e)}, status_code=e.status)
        response: Response = sse_response(source(text, options), total=len(text.encode()))
        return response

    async def start_stream(request: Request) -> Response:
        options: dict[str, Any] = dict(request.query_params)
        name = str(options.get("recording", ""))
        try:
            text = recording(name)
        except KeyError:
            return JSONResponse({"error": f"no recording named {name!r}"}, status_code=404)
        try:
            options.update(await _body_options(request))
            options["delay"] = _delay(options.get("delay", DEFAULT_DELAY_MS))
        except BadRequest as e:
            return JSONResponse({"error": str(e)}, status_code=e.status)
        stream_id = await resumable.start(source(text, options), total=len(text.encode()))
        events = f"/streams/{stream_id}/events"
        return JSONResponse({"id": stream_id, "events": events}, status_code=201)

    async def stream_events(request: Request) -> Response:
        response: Response = await resumable.response(request, request.path_params["id"])
        return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        await resumable.close()  # the detached producers stop with the app

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route("/", page),
            Route("/react", react_page),
            Route("/recordings", list_recordings),
            Route("/stream/{name}", stream, methods=["GET", "POST"]),
            Route("/streams", start_stream, methods=["POST"]),
            Route("/streams/{id}/events", stream_events),
            Mount("/static", app=StaticFiles(directory=str(static)), name="static"),
            *vendor,
        ],
    )


def store_from(spec: str) -> Store:
    """The store a ``--store`` value names: ``memory``, or ``redis://HOST:PORT/DB``."""
    if spec == "memory":
        return MemoryStore()
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(spec)
    raise ValueError(f"--store is 'memory' or a redis:// URL, not {spec!r}")


def run(host: str, port: int, store: str = "memory") -> None:
    """Serves the app with uvicorn until interrupted."""
    import uvicorn

    app = create_app(streams=ResumableStreams(store_from(store)))
    # Streams end when their clients go; on shutdown those still open get 2 s to finish.
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
