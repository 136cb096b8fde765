"""What every source of ``deltajson.sources`` is made of: the ``Delta`` and ``ServerSentEvent``
records, ``Source`` (deltas out of a provider's events, iterable the way the events are),
the readers' base, the typing of providers' errors, and the decoder of raw SSE bytes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Generic, NamedTuple, Optional, TypeVar, Union

from deltajson._errors import ProviderError, Refusal, Truncated

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

    def failed(self, error: Exception) -> Exception:
        """The error to raise when the events fail (a reader may attach what it read)."""
        return error


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
            raise reader.failed(_typed(e)) from e
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
            raise reader.failed(_typed(e)) from e
        for delta in reader.end():
            yield delta

    def __aiter__(self) -> AsyncIterator[T]:
        return self._aiter()


def _typed(error: Exception) -> Exception:
    """An SDK's stream error as a ``ProviderError`` (ours pass through)."""
    if isinstance(error, (ProviderError, Refusal, Truncated)):
        return error
    module = type(error).__module__.split(".")[0]
    if module == "google" and type(error).__module__ == "google.genai.errors":
        body = getattr(error, "details", None)
        kind = getattr(error, "status", None) or type(error).__name__
        return ProviderError(str(error), kind=str(kind), body=body)
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
