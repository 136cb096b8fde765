"""Text deltas out of LLM provider streams, ready to feed a parser.

Each source takes what a provider SDK streams — the SDK's stream object, or any iterable or
async iterable of its events, as SDK objects or as decoded JSON dicts (e.g. from
``sse_events``) — and is itself iterable *and* async iterable: iterate it the way its input
iterates.

::

    for text in deltajson.sources.openai_chat(client.chat.completions.create(..., stream=True)):
        parser.feed(text)

- ``openai_chat``: the message content deltas (``str``).
- ``openai_tool_calls``: ``Delta(index, name, text)`` per function-call arguments delta, so
  parallel tool calls can be parsed side by side.
- ``openai_responses``: ``Delta(output_index, name, text)`` for Responses API events:
  ``response.output_text.delta`` (``name`` is ``None``) and
  ``response.function_call_arguments.delta`` (``name`` is the function's).
- ``anthropic_messages``: ``Delta(index, name, text)`` per content block: ``text_delta``
  (``name`` is ``None``) and ``input_json_delta`` (``name`` is the tool's).
- ``sse_events``: decoded ``data:`` payloads out of raw SSE bytes from any HTTP client
  (``[DONE]`` ends it); ``iter_sse`` gives the raw events.

A refusal is raised as ``deltajson.Refusal`` (with the refusal text) once it is complete; a
provider's error event, and the SDKs' own stream errors, as ``deltajson.ProviderError``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Generic, NamedTuple, Optional, TypeVar, Union

from deltajson._errors import ProviderError, Refusal

__all__ = [
    "Delta",
    "ServerSentEvent",
    "anthropic_messages",
    "iter_sse",
    "openai_chat",
    "openai_responses",
    "openai_tool_calls",
    "sse_events",
]

T = TypeVar("T")
Events = Union[Iterable[Any], AsyncIterable[Any]]


class Delta(NamedTuple):
    """A piece of text for one part of a response: a tool call or a content block."""

    index: int  # type: ignore[assignment]  # shadows tuple.index, as the field it is
    name: Optional[str]
    text: str


class ServerSentEvent(NamedTuple):
    """One event of an SSE stream, as the HTML standard's parser dispatches it."""

    event: str
    data: str
    id: Optional[str]
    retry: Optional[int]


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of an SDK event: an attribute of an SDK object, or a key of a decoded dict."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


class _Reader(Generic[T]):
    """Turns one provider's events into deltas; keeps what it needs between events."""

    def read(self, event: Any) -> list[T]:
        raise NotImplementedError

    def end(self) -> list[T]:
        return []


class Source(Generic[T]):
    """Deltas out of a stream of events, iterable the way the events are (sync or async)."""

    def __init__(self, events: Events, reader: _Reader[T]) -> None:
        self._events = events
        self._reader = reader

    def __iter__(self) -> Iterator[T]:
        if not isinstance(self._events, Iterable):
            raise TypeError("this source reads an async iterable: use `async for`")
        reader = self._reader
        try:
            for event in self._events:
                yield from reader.read(event)
        except Exception as e:
            raise _typed(e) from e
        yield from reader.end()

    async def _aiter(self) -> AsyncIterator[T]:
        events = self._events
        reader = self._reader
        try:
            if isinstance(events, AsyncIterable):
                async for event in events:
                    for delta in reader.read(event):
                        yield delta
            else:
                for event in events:
                    for delta in reader.read(event):
                        yield delta
        except Exception as e:
            raise _typed(e) from e
        for delta in reader.end():
            yield delta

    def __aiter__(self) -> AsyncIterator[T]:
        return self._aiter()


def _typed(error: Exception) -> Exception:
    """An SDK's stream error as a ``ProviderError`` (ours pass through)."""
    if isinstance(error, (ProviderError, Refusal)):
        return error
    module = type(error).__module__.split(".")[0]
    if module in ("openai", "anthropic") and type(error).__name__.endswith("Error"):
        body = getattr(error, "body", None)
        detail = body.get("error", body) if isinstance(body, dict) else None
        kind = _get(detail, "type") if isinstance(detail, dict) else None
        return ProviderError(str(error), kind=kind or type(error).__name__, body=body)
    return error


def _provider_error(payload: Any) -> ProviderError:
    detail = _get(payload, "error", payload)
    message = _get(detail, "message") or "the provider reported an error"
    kind = _get(detail, "type") or _get(detail, "code") or "error"
    body = payload if isinstance(payload, dict) else None
    return ProviderError(str(message), kind=str(kind), body=body)


# --- OpenAI Chat Completions -------------------------------------------------------------


class _ChatReader(_Reader[Any]):
    """Content deltas, or tool-call argument deltas, of choice 0."""

    def __init__(self, tools: bool) -> None:
        self.tools = tools
        self.refusal: list[str] = []
        self.names: dict[int, Optional[str]] = {}

    def read(self, chunk: Any) -> list[Any]:
        if _get(chunk, "error") is not None:
            raise _provider_error(chunk)
        out: list[Any] = []
        for choice in _get(chunk, "choices") or ():
            if _get(choice, "index", 0) != 0:
                continue
            delta = _get(choice, "delta")
            if delta is None:
                continue
            refusal = _get(delta, "refusal")
            if refusal:
                self.refusal.append(refusal)
            if self.tools:
                out.extend(self._tool_deltas(delta))
            else:
                content = _get(delta, "content")
                if content:
                    out.append(content)
        return out

    def _tool_deltas(self, delta: Any) -> Iterator[Delta]:
        for call in _get(delta, "tool_calls") or ():
            index = _get(call, "index", 0)
            function = _get(call, "function")
            name = _get(function, "name") if function is not None else None
            if name:
                self.names[index] = name
            arguments = _get(function, "arguments") if function is not None else None
            if arguments:
                yield Delta(index, self.names.get(index), arguments)

    def end(self) -> list[Any]:
        if self.refusal:
            raise Refusal("".join(self.refusal))
        return []


def openai_chat(stream: Events) -> Source[str]:
    """The message content deltas of a Chat Completions stream (choice 0)."""
    return Source(stream, _ChatReader(tools=False))


def openai_tool_calls(stream: Events) -> Source[Delta]:
    """``Delta(index, name, arguments_delta)`` for every tool call of a Chat Completions
    stream (choice 0); ``name`` is known from the call's first delta on."""
    return Source(stream, _ChatReader(tools=True))


# --- OpenAI Responses API ----------------------------------------------------------------


class _ResponsesReader(_Reader[Delta]):
    def __init__(self) -> None:
        self.names: dict[int, Optional[str]] = {}
        self.refusal: list[str] = []

    def read(self, event: Any) -> list[Delta]:
        kind = _get(event, "type")
        if kind == "response.output_text.delta":
            return [Delta(_get(event, "output_index", 0), None, _get(event, "delta") or "")]
        if kind == "response.function_call_arguments.delta":
            index = _get(event, "output_index", 0)
            return [Delta(index, self.names.get(index), _get(event, "delta") or "")]
        if kind == "response.output_item.added":
            item = _get(event, "item")
            if _get(item, "type") == "function_call":
                self.names[_get(event, "output_index", 0)] = _get(item, "name")
        elif kind == "response.refusal.delta":
            self.refusal.append(_get(event, "delta") or "")
        elif kind in ("error", "response.failed"):
            response = _get(event, "response")
            raise _provider_error(_get(response, "error") if response is not None else event)
        return []

    def end(self) -> list[Delta]:
        if self.refusal:
            raise Refusal("".join(self.refusal))
        return []


def openai_responses(stream: Events) -> Source[Delta]:
    """``Delta(output_index, name, delta)`` for a Responses API stream: output text
    (``name`` ``None``) and function-call arguments (``name`` the function's)."""
    return Source(stream, _ResponsesReader())


# --- Anthropic Messages ------------------------------------------------------------------


class _AnthropicReader(_Reader[Delta]):
    def __init__(self) -> None:
        self.names: dict[int, Optional[str]] = {}

    def read(self, event: Any) -> list[Delta]:
        kind = _get(event, "type")
        if kind == "content_block_delta":
            delta = _get(event, "delta")
            index = _get(event, "index", 0)
            delta_type = _get(delta, "type")
            if delta_type == "text_delta":
                return [Delta(index, None, _get(delta, "text") or "")]
            if delta_type == "input_json_delta":
                return [Delta(index, self.names.get(index), _get(delta, "partial_json") or "")]
        elif kind == "content_block_start":
            block = _get(event, "content_block")
            if _get(block, "type") in ("tool_use", "server_tool_use"):
                self.names[_get(event, "index", 0)] = _get(block, "name")
        elif kind == "message_delta":
            if _get(_get(event, "delta"), "stop_reason") == "refusal":
                raise Refusal("the model declined to answer (stop_reason: refusal)")
        elif kind == "error":
            raise _provider_error(event)
        return []


def anthropic_messages(stream: Events) -> Source[Delta]:
    """``Delta(index, name, text)`` per content block of a Messages stream: text
    (``name`` ``None``) and tool-use input JSON (``name`` the tool's)."""
    return Source(stream, _AnthropicReader())


# --- Raw SSE -----------------------------------------------------------------------------


class _SSEParser:
    """The HTML standard's event-stream parser, fed bytes in arbitrary pieces."""

    def __init__(self) -> None:
        self.pending = b""
        self.event = ""
        self.data: list[str] = []
        self.id: Optional[str] = None
        self.retry: Optional[int] = None
        self.started = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        buffer = self.pending + chunk
        if not self.started and buffer:
            if len(buffer) < 3 and b"\xef\xbb\xbf".startswith(buffer):
                self.pending = buffer
                return []
            self.started = True
            if buffer.startswith(b"\xef\xbb\xbf"):
                buffer = buffer[3:]
        lines = buffer.splitlines(keepends=True)
        self.pending = b""
        if lines and not lines[-1].endswith((b"\n", b"\r")):
            self.pending = lines.pop()
        elif lines and lines[-1].endswith(b"\r"):
            self.pending = lines.pop()  # a \r may be the first half of \r\n
        out: list[ServerSentEvent] = []
        for raw in lines:
            event = self._line(raw.rstrip(b"\r\n").decode("utf-8", "replace"))
            if event is not None:
                out.append(event)
        return out

    def end(self) -> list[ServerSentEvent]:
        out = []
        if self.pending:
            event = self._line(self.pending.rstrip(b"\r\n").decode("utf-8", "replace"))
            self.pending = b""
            if event is not None:
                out.append(event)
        # A last event without its blank line is not dispatched, as the standard says.
        return out

    def _line(self, line: str) -> Optional[ServerSentEvent]:
        if not line:
            if not self.data:
                self.event = ""
                return None
            event = ServerSentEvent(
                self.event or "message", "\n".join(self.data), self.id, self.retry
            )
            self.event, self.data = "", []
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self.data.append(value)
        elif name == "event":
            self.event = value
        elif name == "id" and "\0" not in value:
            self.id = value
        elif name == "retry" and value.isdigit():
            self.retry = int(value)
        return None


class _RawReader(_Reader[ServerSentEvent]):
    def __init__(self) -> None:
        self.parser = _SSEParser()

    def read(self, chunk: Any) -> list[ServerSentEvent]:
        if isinstance(chunk, str):
            chunk = chunk.encode()
        return self.parser.feed(bytes(chunk))

    def end(self) -> list[ServerSentEvent]:
        return self.parser.end()


class _PayloadReader(_Reader[Any]):
    def __init__(self) -> None:
        self.raw = _RawReader()
        self.done = False

    def read(self, chunk: Any) -> list[Any]:
        return self._payloads(self.raw.read(chunk))

    def end(self) -> list[Any]:
        return self._payloads(self.raw.end())

    def _payloads(self, events: list[ServerSentEvent]) -> list[Any]:
        out = []
        for event in events:
            if self.done or event.data == "[DONE]":
                self.done = True
                continue
            try:
                payload = json.loads(event.data)
            except json.JSONDecodeError as e:
                raise ProviderError(
                    f"an SSE event's data is not JSON: {e}", kind="invalid_event", body=None
                ) from None
            if event.event == "error":
                raise _provider_error(payload)
            out.append(payload)
        return out


def iter_sse(byte_chunks: Events) -> Source[ServerSentEvent]:
    """The events of a raw SSE byte stream (chunks split anywhere)."""
    return Source(byte_chunks, _RawReader())


def sse_events(byte_chunks: Events) -> Source[Any]:
    """The decoded JSON ``data`` of each event of a raw SSE byte stream, up to ``[DONE]``;
    an ``error`` event raises ``ProviderError``. Feed the result to ``openai_chat``,
    ``anthropic_messages``…"""
    return Source(byte_chunks, _PayloadReader())
