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
- ``gemini``: ``Delta(index, name, text)`` for google-genai's ``generate_content_stream``:
  text (``name`` ``None``) and each function call's arguments as JSON text (``args`` whole,
  or Vertex AI's streamed ``partial_args`` folded into text as they come).
- ``pydantic_ai``: ``Delta(index, name, text)`` per response part of a pydantic-ai agent's
  events (``agent.run_stream_events``, ``agent.iter``, an ``event_stream_handler``): text parts
  (``name`` ``None``) and tool calls, the output tool (``final_result``) among them.
- ``openai_agents``: ``Delta(index, name, text)`` for the OpenAI Agents SDK's
  ``Runner.run_streamed(...).stream_events()`` (the Responses events it wraps).
- ``texts``: the text of one kind of part of a ``Delta`` source, as ``str`` deltas for
  ``stream_model``.
- ``sse_events``: decoded ``data:`` payloads out of raw SSE bytes from any HTTP client
  (``[DONE]`` ends it); ``iter_sse`` gives the raw events.

A refusal is raised as ``deltajson.Refusal`` (with the refusal text) once it is complete, an
Anthropic message cut at ``max_tokens`` as ``deltajson.Truncated``; a
provider's error event, and the SDKs' own stream errors, as ``deltajson.ProviderError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Optional

from deltajson._errors import ProviderError, Refusal, Truncated
from deltajson._partial_args import ArgsWriter
from deltajson._source_kit import (
    Delta,
    Events,
    ServerSentEvent,
    Source,
    _get,
    _PayloadReader,
    _provider_error,
    _RawReader,
    _Reader,
)

__all__ = [
    "Delta",
    "ServerSentEvent",
    "anthropic_messages",
    "gemini",
    "iter_sse",
    "openai_agents",
    "openai_chat",
    "openai_responses",
    "openai_tool_calls",
    "pydantic_ai",
    "sse_events",
    "texts",
]

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
            reason = _get(_get(event, "delta"), "stop_reason")
            if reason == "refusal":
                raise Refusal("the model declined to answer (stop_reason: refusal)")
            if reason == "max_tokens":
                raise Truncated(
                    "the answer was cut at max_tokens (stop_reason: max_tokens)",
                    stop_reason=reason,
                )
        elif kind == "error":
            raise _provider_error(event)
        return []


def anthropic_messages(stream: Events) -> Source[Delta]:
    """``Delta(index, name, text)`` per content block of a Messages stream: text
    (``name`` ``None``) and tool-use input JSON (``name`` the tool's).

    Fine-grained tool streaming (a tool's ``eager_input_streaming``, or the
    ``fine-grained-tool-streaming-2025-05-14`` beta) sends tool input unbuffered and
    unvalidated: it may be invalid JSON, and is cut short at ``max_tokens``. Parse it with
    ``repair=True`` (``stream_tool_calls(..., repair=True)``, ``stream_model(...,
    repair=True)``); a message stopped at ``max_tokens`` raises ``deltajson.Truncated``
    once its stop reason arrives, carrying the (repaired) partial value read so far."""
    return Source(stream, _AnthropicReader())


# --- Gemini (google-genai) ---------------------------------------------------------------

# Finish reasons by which Gemini declines to answer (the rest end a turn normally).
_GEMINI_DECLINED = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"}


def _either(obj: Any, snake: str, camel: str) -> Any:
    """A field of an SDK object (snake_case), or of the wire's decoded JSON (camelCase)."""
    value = _get(obj, snake)
    return _get(obj, camel) if value is None and isinstance(obj, dict) else value


class _Streamed:
    """A function call whose arguments Vertex AI streams as ``partial_args``."""

    __slots__ = ("index", "name", "writer")

    def __init__(self, index: int, name: Optional[str]) -> None:
        self.index = index
        self.name = name
        self.writer = ArgsWriter()


class _GeminiReader(_Reader[Delta]):
    """Candidate 0's parts: runs of text, and function calls, each its own index.

    The Gemini API sends a function call as one whole ``function_call`` part whose ``args``
    is a dict: it becomes one delta, its ``args`` as JSON text. Vertex AI with
    ``stream_function_call_arguments`` sends a call over several parts, its arguments as
    path-addressed ``partial_args`` (``deltajson._partial_args``): they become the JSON
    text's deltas, the call kept open while its parts say ``will_continue``.
    """

    def __init__(self) -> None:
        self.index = -1
        self.in_text = False
        self.streamed: Optional[_Streamed] = None  # the call whose parts are still coming

    def read(self, chunk: Any) -> list[Delta]:
        error = _get(chunk, "error")
        if error is not None:  # the wire's error object, read as dicts (the SDK raises it)
            kind = _get(error, "status") or _get(error, "code") or "error"
            message = _get(error, "message") or "the provider reported an error"
            raise ProviderError(str(message), kind=str(kind), body=chunk)
        feedback = _either(chunk, "prompt_feedback", "promptFeedback")
        blocked = _either(feedback, "block_reason", "blockReason") if feedback else None
        if blocked:
            raise Refusal(f"the prompt was blocked (block_reason: {_name(blocked)})")
        out: list[Delta] = []
        for candidate in _get(chunk, "candidates") or ():
            if (_get(candidate, "index") or 0) != 0:
                continue
            content = _get(candidate, "content")
            for part in (_get(content, "parts") if content is not None else None) or ():
                out.extend(self._part(part))
            reason = _either(candidate, "finish_reason", "finishReason")
            if reason is not None and _name(reason) in _GEMINI_DECLINED:
                raise Refusal(f"the model declined to answer (finish_reason: {_name(reason)})")
        return out

    def _part(self, part: Any) -> list[Delta]:
        if _get(part, "thought"):
            return []  # a thought summary, not the answer
        text = _get(part, "text")
        if text is not None:
            if not self.in_text:
                self.index += 1
                self.in_text = True
            return [Delta(self.index, None, text)] if text else []
        call = _either(part, "function_call", "functionCall")
        if call is None:
            return []
        pieces = _either(call, "partial_args", "partialArgs")
        more = bool(_either(call, "will_continue", "willContinue"))
        if self.streamed is None and (pieces or more):
            self.index += 1
            self.in_text = False
            self.streamed = _Streamed(self.index, _get(call, "name"))
        if self.streamed is not None:
            return self._streamed_part(self.streamed, call, pieces or (), more)
        self.index += 1
        self.in_text = False
        args = _get(call, "args")
        text = json.dumps(args if args is not None else {}, ensure_ascii=False)
        return [Delta(self.index, _get(call, "name"), text)]

    def _streamed_part(
        self, streamed: _Streamed, call: Any, pieces: Any, more: bool
    ) -> list[Delta]:
        """A part of a call whose arguments stream: its pieces as text, and the brackets
        that close the arguments once a part no longer says ``will_continue``."""
        streamed.name = streamed.name or _get(call, "name")
        writer = streamed.writer
        try:
            text = "".join(writer.piece(piece, _either) for piece in pieces)
        except ValueError as e:
            raise ProviderError(
                f"Vertex AI's partial arguments cannot be read: {e}", kind="invalid_partial_args"
            ) from None
        if not more:
            args = _get(call, "args")
            if not text and not writer.levels and args is not None:
                text = json.dumps(args, ensure_ascii=False)  # sent whole after all
                writer.closed = True
            else:
                text += writer.close()
            self.streamed = None
        return [Delta(streamed.index, streamed.name, text)] if text else []


def _name(value: Any) -> str:
    """An enum's name (the SDK's ``FinishReason.SAFETY``) or the wire's string."""
    return str(getattr(value, "value", value))


def gemini(stream: Events) -> Source[Delta]:
    """``Delta(index, name, text)`` for a google-genai ``generate_content_stream`` (or its
    ``:streamGenerateContent?alt=sse`` chunks as dicts), candidate 0: text (``name``
    ``None``), and each function call's arguments as JSON text (``name`` the function's):
    ``args`` as one delta, or, from Vertex AI with ``stream_function_call_arguments``, its
    ``partial_args`` folded into the text's deltas as they come (arrays and objects closed
    when the call ends; parallel calls each their own index). A blocked prompt or a safety
    stop raises ``Refusal``."""
    return Source(stream, _GeminiReader())


# --- pydantic-ai ---------------------------------------------------------------------------


_SKIPPED = "skipped"  # a part kind with no text to parse (thinking, files, native tools)


class _PydanticAIReader(_Reader[Delta]):
    """Text and tool-call parts of pydantic-ai's ``PartStartEvent``/``PartDeltaEvent``s.

    pydantic-ai numbers parts within one model response; an agent run makes several, so a
    text or tool-call part starting at an index seen before starts the next response, whose
    parts get the indices after the last one's (each part of the run keeps its own index);
    a native tool's part restarting at its index is that part's new state. Tool-call
    arguments given as a dict (not JSON text) are sent as one delta, their JSON, when the
    part ends.
    """

    def __init__(self) -> None:
        self.base = 0
        self.parts: dict[int, Optional[str]] = {}  # part index -> tool name (None: text)
        self.kinds: dict[int, Any] = {}  # part index -> part_kind
        self.whole: dict[int, bool] = {}  # tool calls whose arguments come as dicts

    def read(self, event: Any) -> list[Delta]:
        kind = _get(event, "event_kind")
        if kind == "part_start":
            return self._start(_get(event, "index", 0), _get(event, "part"))
        if kind == "part_delta":
            index = _get(event, "index", 0)
            if self.parts.get(index, _SKIPPED) == _SKIPPED:
                return []
            delta = _get(event, "delta")
            delta_kind = _get(delta, "part_delta_kind")
            if delta_kind == "text":
                text = _get(delta, "content_delta") or ""
            elif delta_kind == "tool_call":
                args = _get(delta, "args_delta")
                if not isinstance(args, str):
                    self.whole[index] = self.whole.get(index, False) or args is not None
                    return []
                text = args
            else:
                return []
            return [Delta(self.base + index, self.parts[index], text)] if text else []
        if kind == "part_end":
            index = _get(event, "index", 0)
            if self.whole.pop(index, False):
                args = _get(_get(event, "part"), "args")
                return [Delta(self.base + index, self.parts[index], json.dumps(args))]
        return []

    def _start(self, index: int, part: Any) -> list[Delta]:
        part_kind = _get(part, "part_kind")
        if index in self.parts:
            if self.kinds[index] == part_kind and part_kind not in ("text", "tool-call"):
                return []  # a native tool's part replaced by its next state
            self.base += max(self.parts) + 1  # the next model response of the run
            self.parts.clear()
            self.kinds.clear()
            self.whole.clear()
        self.kinds[index] = part_kind
        if part_kind == "text":
            self.parts[index] = None
            text = _get(part, "content") or ""
        elif part_kind == "tool-call":
            self.parts[index] = _get(part, "tool_name")
            args = _get(part, "args")
            if not isinstance(args, str):
                self.whole[index] = args is not None
                return []
            text = args
        else:
            self.parts[index] = _SKIPPED
            return []
        return [Delta(self.base + index, self.parts[index], text)] if text else []


def pydantic_ai(events: Events) -> Source[Delta]:
    """``Delta(index, name, text)`` per part of a pydantic-ai agent's streamed responses:
    the events of ``agent.run_stream_events(...)``, of ``agent.iter(...)``'s model-request
    nodes, of an ``event_stream_handler``, or of a model's ``StreamedResponse``. Text parts
    have ``name`` ``None``; tool calls their tool's name (structured output is the
    ``final_result`` tool's arguments, unless the agent uses native or prompted output).
    Parts keep distinct indices across the run's model responses."""
    return Source(events, _PydanticAIReader())


# --- OpenAI Agents SDK -------------------------------------------------------------------


class _AgentsReader(_Reader[Delta]):
    """The Responses events the Agents SDK wraps, read by the Responses reader; each model
    response's output indices follow the previous response's."""

    def __init__(self) -> None:
        self.responses = _ResponsesReader()
        self.base = 0
        self.top = -1

    def read(self, event: Any) -> list[Delta]:
        if _get(event, "type") == "raw_response_event":
            event = _get(event, "data")
        kind = _get(event, "type")
        if kind == "response.created" and self.top >= 0:
            self.base += self.top + 1
            self.top = -1
        index = _get(event, "output_index")
        if isinstance(index, int):
            self.top = max(self.top, index)
        return [Delta(self.base + d.index, d.name, d.text) for d in self.responses.read(event)]

    def end(self) -> list[Delta]:
        return self.responses.end()


def openai_agents(events: Events) -> Source[Delta]:
    """``Delta(index, name, text)`` for the OpenAI Agents SDK's streamed run
    (``Runner.run_streamed(...).stream_events()``): the Responses API events it wraps in
    ``RawResponsesStreamEvent``, as ``openai_responses`` reads them; the run's other events
    are skipped. Output items keep distinct indices across the run's model responses."""
    return Source(events, _AgentsReader())


# --- One kind of part, as text -----------------------------------------------------------


class _TextsReader(_Reader[str]):
    def __init__(self, name: Optional[str]) -> None:
        self.name = name
        self.index: Optional[int] = None

    def read(self, delta: Any) -> list[str]:
        index, name, text = delta
        if name != self.name or not text:
            return []
        if self.index is None:
            self.index = index
        return [text] if index == self.index else []


def texts(deltas: Events, name: Optional[str] = None) -> Source[str]:
    """The text of the first part named ``name`` of a ``Delta`` source (``None``: the first
    text part), as ``str`` deltas for ``stream_model``; other parts are skipped.

    ::

        deltajson.astream_model(sources.texts(sources.pydantic_ai(events), "final_result"), M)
    """
    return Source(deltas, _TextsReader(name))


def iter_sse(byte_chunks: Events) -> Source[ServerSentEvent]:
    """The events of a raw SSE byte stream (chunks split anywhere)."""
    return Source(byte_chunks, _RawReader())


def sse_events(byte_chunks: Events) -> Source[Any]:
    """The decoded JSON ``data`` of each event of a raw SSE byte stream, up to ``[DONE]``;
    an ``error`` event raises ``ProviderError``. Feed the result to ``openai_chat``,
    ``anthropic_messages``…"""
    return Source(byte_chunks, _PayloadReader())
