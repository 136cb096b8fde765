"""Provider SSE transcripts, built to the wire format OpenAI, Anthropic and Gemini document.

We have no network here, so the transcripts in ``tests/fixtures/`` are not captures of real
provider traffic: they are built by this module, event by event, in the documented format
(OpenAI: ``data: {chat.completion.chunk}`` lines ending with ``data: [DONE]``, Responses API
typed events; Anthropic: ``event:``/``data:`` pairs from ``message_start`` to
``message_stop``, with ``ping``; Gemini: ``streamGenerateContent?alt=sse``'s
``data: {GenerateContentResponse}`` events, camelCase, CRLF-separated, function calls whole
``functionCall`` parts). Content is split into token-sized pieces (1 to 8
characters, seeded), as models stream it.

``python tests/provider_sse.py`` rewrites the fixtures; tests and benchmarks may also build
larger transcripts on the fly with the same functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from deltajson.cli import token_chunks as split_like_tokens

FIXTURES = Path(__file__).with_name("fixtures")
ROOT = Path(__file__).resolve().parents[1]
CREATED = 1_763_700_000


def token_chunks(text: str, seed: int = 7) -> list[str]:
    """Splits text into pieces of 1 to 8 characters, like a model's tokens."""
    return split_like_tokens(text, seed)


def _data(payload: Any) -> bytes:
    return (
        b"data: "
        + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        + b"\n\n"
    )


def _event(name: str, payload: Any) -> bytes:
    return f"event: {name}\n".encode() + _data(payload)


# --- OpenAI Chat Completions -------------------------------------------------------------


def _chat_chunk(delta: dict[str, Any], finish: Any = None, index: int = 0) -> dict[str, Any]:
    return {
        "id": "chatcmpl-dj0001",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_deltajson",
        "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def openai_chat(
    content: str, *, refusal: bool = False, done: bool = True, cut_at: int | None = None
) -> bytes:
    """A chat completion streaming ``content`` (or a refusal of it), then ``[DONE]``;
    ``cut_at`` stops after that many deltas (a dropped connection)."""
    field = "refusal" if refusal else "content"
    out = [
        _data(
            _chat_chunk({"role": "assistant", "content": None if refusal else "", "refusal": None})
        )
    ]
    pieces = token_chunks(content)
    for n, piece in enumerate(pieces):
        if cut_at is not None and n == cut_at:
            return b"".join(out)
        out.append(_data(_chat_chunk({field: piece})))
    out.append(_data(_chat_chunk({}, "stop")))
    if done:
        out.append(b"data: [DONE]\n\n")
    return b"".join(out)


def openai_tool_calls(calls: Sequence[tuple[str, str]], *, interleave: bool = False) -> bytes:
    """A chat completion calling tools ``(name, arguments)`` in parallel; with
    ``interleave`` their argument deltas alternate, as parallel calls may arrive."""
    out = [_data(_chat_chunk({"role": "assistant", "content": None, "refusal": None}))]
    queues = [token_chunks(arguments, seed=11 + i) for i, (_, arguments) in enumerate(calls)]
    for i, (name, _) in enumerate(calls):
        head = {"index": i, "id": f"call_dj{i:04d}", "type": "function"}
        out.append(
            _data(
                _chat_chunk({"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]})
            )
        )
        if not interleave:
            out.extend(_tool_delta(i, piece) for piece in queues[i])
            queues[i] = []
    while any(queues):
        for i, queue in enumerate(queues):
            if queue:
                out.append(_tool_delta(i, queue.pop(0)))
    out.append(_data(_chat_chunk({}, "tool_calls")))
    out.append(b"data: [DONE]\n\n")
    return b"".join(out)


def _tool_delta(index: int, piece: str) -> bytes:
    return _data(_chat_chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))


def openai_error(content: str, after: int = 5) -> bytes:
    """A chat completion that streams a few deltas, then an error object."""
    head = openai_chat(content, done=False, cut_at=after)
    error = {
        "error": {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
    return head + _data(error)


# --- OpenAI Responses API ----------------------------------------------------------------


def _response(status: str, output: list[Any]) -> dict[str, Any]:
    return {
        "id": "resp_dj0001",
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "model": "gpt-4o-2024-08-06",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "metadata": {},
        "temperature": 1.0,
        "top_p": 1.0,
    }


def openai_responses(text: str, call: tuple[str, str] | None = None) -> bytes:
    """A Responses API stream: an output text message, then optionally a function call."""
    seq = iter(range(1_000_000))
    out = [
        _event(
            "response.created",
            {
                "type": "response.created",
                "sequence_number": next(seq),
                "response": _response("in_progress", []),
            },
        )
    ]
    message = {
        "id": "msg_dj0001",
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    out.append(
        _event(
            "response.output_item.added",
            {
                "type": "response.output_item.added",
                "sequence_number": next(seq),
                "output_index": 0,
                "item": message,
            },
        )
    )
    part = {"type": "output_text", "text": "", "annotations": []}
    out.append(
        _event(
            "response.content_part.added",
            {
                "type": "response.content_part.added",
                "sequence_number": next(seq),
                "item_id": "msg_dj0001",
                "output_index": 0,
                "content_index": 0,
                "part": part,
            },
        )
    )
    for piece in token_chunks(text):
        out.append(
            _event(
                "response.output_text.delta",
                {
                    "type": "response.output_text.delta",
                    "sequence_number": next(seq),
                    "item_id": "msg_dj0001",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": piece,
                    "logprobs": [],
                },
            )
        )
    out.append(
        _event(
            "response.output_text.done",
            {
                "type": "response.output_text.done",
                "sequence_number": next(seq),
                "item_id": "msg_dj0001",
                "output_index": 0,
                "content_index": 0,
                "text": text,
                "logprobs": [],
            },
        )
    )
    done_message = {**message, "status": "completed", "content": [{**part, "text": text}]}
    out.append(
        _event(
            "response.output_item.done",
            {
                "type": "response.output_item.done",
                "sequence_number": next(seq),
                "output_index": 0,
                "item": done_message,
            },
        )
    )
    output = [done_message]
    if call is not None:
        name, arguments = call
        item = {
            "id": "fc_dj0001",
            "type": "function_call",
            "status": "in_progress",
            "call_id": "call_dj0001",
            "name": name,
            "arguments": "",
        }
        out.append(
            _event(
                "response.output_item.added",
                {
                    "type": "response.output_item.added",
                    "sequence_number": next(seq),
                    "output_index": 1,
                    "item": item,
                },
            )
        )
        for piece in token_chunks(arguments, seed=13):
            out.append(
                _event(
                    "response.function_call_arguments.delta",
                    {
                        "type": "response.function_call_arguments.delta",
                        "sequence_number": next(seq),
                        "item_id": "fc_dj0001",
                        "output_index": 1,
                        "delta": piece,
                    },
                )
            )
        out.append(
            _event(
                "response.function_call_arguments.done",
                {
                    "type": "response.function_call_arguments.done",
                    "sequence_number": next(seq),
                    "item_id": "fc_dj0001",
                    "output_index": 1,
                    "arguments": arguments,
                },
            )
        )
        done_item = {**item, "status": "completed", "arguments": arguments}
        out.append(
            _event(
                "response.output_item.done",
                {
                    "type": "response.output_item.done",
                    "sequence_number": next(seq),
                    "output_index": 1,
                    "item": done_item,
                },
            )
        )
        output.append(done_item)
    out.append(
        _event(
            "response.completed",
            {
                "type": "response.completed",
                "sequence_number": next(seq),
                "response": _response("completed", output),
            },
        )
    )
    return b"".join(out)


# --- Gemini (streamGenerateContent?alt=sse) ------------------------------------------------


def _gemini_chunk(parts: list[Any], finish: str | None = None, n: int = 1) -> bytes:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish is not None:
        candidate["finishReason"] = finish
    payload = {
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": 9,
            "candidatesTokenCount": n,
            "totalTokenCount": 9 + n,
        },
        "modelVersion": "gemini-2.5-flash",
        "responseId": "dj0001gemini",
    }
    # The Gemini API ends each event with CRLF pairs.
    return _data(payload).replace(b"\n\n", b"\r\n\r\n")


def gemini(
    blocks: Iterable[tuple[str, str, str]], *, finish: str = "STOP", error_after: int | None = None
) -> bytes:
    """A ``streamGenerateContent?alt=sse`` stream of blocks ``(kind, name, text)``: ``kind``
    ``"text"`` streams ``text`` in pieces, ``"call"`` sends function call ``name`` whole,
    its ``args`` the JSON ``text`` as an object (Gemini does not stream arguments); calls in
    a row share one chunk, as Gemini sends parallel calls. The last chunk says ``finish``;
    ``error_after`` replaces the rest, after that many chunks, by an error object."""
    chunks: list[list[Any]] = []
    calls: list[Any] = []
    for kind, name, text in blocks:
        if kind == "call":
            calls.append({"functionCall": {"name": name, "args": json.loads(text)}})
            continue
        if calls:
            chunks.append(calls)
            calls = []
        chunks.extend([{"text": piece}] for piece in token_chunks(text, seed=19))
    if calls:
        chunks.append(calls)
    out = []
    for n, parts in enumerate(chunks):
        if error_after is not None and n == error_after:
            error = {
                "code": 503,
                "message": "The model is overloaded. Please try again later.",
                "status": "UNAVAILABLE",
            }
            return b"".join(out) + _data({"error": error}).replace(b"\n\n", b"\r\n\r\n")
        last = n == len(chunks) - 1
        out.append(_gemini_chunk(parts, finish if last else None, n + 1))
    return b"".join(out)


def _leaves(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """The scalar leaves of a JSON value in document order, with their JSON Paths."""
    if isinstance(value, dict):
        for key, child in value.items():
            name = f".{key}" if key.isidentifier() else "[" + json.dumps(key) + "]"
            yield from _leaves(child, path + name)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, f"{path}[{index}]")
    else:
        yield path, value


def _partial_arg(path: str, value: Any, more: bool = False) -> dict[str, Any]:
    arg: dict[str, Any] = {"jsonPath": path}
    if isinstance(value, str):
        arg["stringValue"] = value
    elif isinstance(value, bool):
        arg["boolValue"] = value
    elif value is None:
        arg["nullValue"] = "NULL_VALUE"
    else:
        arg["numberValue"] = value
    if more:
        arg["willContinue"] = True
    return arg


def vertex_partial_args(
    blocks: Iterable[tuple[str, str, Any]], *, cut_after: int | None = None
) -> bytes:
    """A Vertex AI ``streamGenerateContent?alt=sse`` stream with
    ``stream_function_call_arguments``: blocks ``(kind, name, value)``, ``"text"`` streamed
    in pieces, ``"call"`` a function call over several chunks — its name first
    (``willContinue``), then its arguments' scalar leaves as ``partialArgs`` addressed by
    JSON Path, one to three per chunk, strings in token pieces (``willContinue`` on all but
    the last), then a last part without ``willContinue`` (proto3 JSON omits the false
    value). Parallel calls follow each other. ``cut_after`` ends the stream after that many
    chunks (a dropped connection)."""
    import random

    rng = random.Random(23)
    chunks: list[list[Any]] = []
    for kind, name, value in blocks:
        if kind == "text":
            chunks.extend([{"text": piece}] for piece in token_chunks(value, seed=29))
            continue
        chunks.append([{"functionCall": {"name": name, "willContinue": True}}])
        args: list[dict[str, Any]] = []
        for path, leaf in _leaves(value):
            if isinstance(leaf, str):
                pieces = token_chunks(leaf, seed=31) if leaf else [""]
                for i, piece in enumerate(pieces):
                    args.append(_partial_arg(path, piece, more=i < len(pieces) - 1))
            else:
                args.append(_partial_arg(path, leaf))
        while args:
            take = rng.randint(1, 3)
            group, args = args[:take], args[take:]
            chunks.append([{"functionCall": {"partialArgs": group, "willContinue": True}}])
        chunks.append([{"functionCall": {}}])
    out = []
    for n, parts in enumerate(chunks):
        if cut_after is not None and n == cut_after:
            break
        last = n == len(chunks) - 1
        out.append(_gemini_chunk(parts, "STOP" if last else None, n + 1))
    return b"".join(out).replace(b'"gemini-2.5-flash"', b'"gemini-3-pro-preview"')


#: A call's arguments with nested objects and arrays, every scalar kind, and text that
#: needs escaping.
VERTEX_ROUTE = {
    "origin": {"city": "Lisbon", "country": "PT"},
    "stops": [
        {"city": "Porto", "nights": 2, "sights": ["Ribeira", 'Livraria "Lello"']},
        {"city": "Coimbra", "nights": 1.5, "sights": ["Universidade"]},
    ],
    "by_train": True,
    "budget": None,
    "legs": [[1, 2], [3]],
    "note": "Book\nearly — cafés fill up",
}
VERTEX_WEATHER = {"city": "Porto", "unit": "celsius", "days": 2}


# --- Anthropic Messages ------------------------------------------------------------------


def anthropic_messages(
    blocks: Iterable[tuple[str, str, str]],
    *,
    error_after: int | None = None,
    stop_reason: str | None = None,
    eager: bool = False,
) -> bytes:
    """A Messages stream of content blocks ``(kind, name, text)``: ``kind`` is ``"text"``
    (streamed as ``text_delta``) or ``"tool_use"`` (``input_json_delta`` of tool ``name``).
    ``error_after`` replaces the rest, after that many deltas, by an ``error`` event;
    ``stop_reason`` overrides the message's (``"max_tokens"``: the text given is all the
    model wrote); ``eager``: tool input in the longer, unbuffered pieces of fine-grained
    tool streaming (8 to 40 characters)."""
    message = {
        "id": "msg_dj0001",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-6",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 42, "output_tokens": 1},
    }
    out = [
        _event("message_start", {"type": "message_start", "message": message}),
        _event("ping", {"type": "ping"}),
    ]
    deltas = 0
    default_reason = "end_turn"
    for index, (kind, name, text) in enumerate(blocks):
        if kind == "text":
            block: dict[str, Any] = {"type": "text", "text": ""}
        else:
            block = {"type": "tool_use", "id": f"toolu_dj{index:04d}", "name": name, "input": {}}
            default_reason = "tool_use"
        out.append(
            _event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        pieces = (
            _eager_pieces(text, seed=17 + index)
            if eager and kind != "text"
            else token_chunks(text, seed=17 + index)
        )
        for piece in pieces:
            if error_after is not None and deltas == error_after:
                error = {
                    "type": "error",
                    "error": {"type": "overloaded_error", "message": "Overloaded"},
                }
                return b"".join(out) + _event("error", error)
            delta = (
                {"type": "text_delta", "text": piece}
                if kind == "text"
                else {"type": "input_json_delta", "partial_json": piece}
            )
            out.append(
                _event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
            deltas += 1
        out.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
    final_reason = stop_reason if stop_reason is not None else default_reason
    out.append(
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": final_reason, "stop_sequence": None},
                "usage": {"output_tokens": 480},
            },
        )
    )
    out.append(_event("message_stop", {"type": "message_stop"}))
    return b"".join(out)


def _eager_pieces(text: str, seed: int) -> list[str]:
    """Fine-grained tool streaming's pieces: longer than tokens, cut anywhere."""
    import random

    rng = random.Random(seed)
    pieces, start = [], 0
    while start < len(text):
        size = rng.randint(8, 40)
        pieces.append(text[start : start + size])
        start += size
    return pieces


#: A tool input written eagerly (fine-grained tool streaming) as models may: a raw line
#: break inside a string and a trailing comma, invalid JSON that repair=True reads.
POEM_BROKEN = (
    '{"filename": "poem.txt", "lines_of_text": ["Roses are red,\n", "Violets are blue,\n", '
    '"Sugar is sweet,", "And so are you.",], "overwrite": true}'
)
#: The input the model meant.
POEM = {
    "filename": "poem.txt",
    "lines_of_text": [
        "Roses are red,\n",
        "Violets are blue,\n",
        "Sugar is sweet,",
        "And so are you.",
    ],
    "overwrite": True,
}
#: A tool input cut at max_tokens, in the middle of a string of an array.
POEM_CUT = (
    '{"filename": "poem.txt", "lines_of_text": ["Roses are red,", "Violets are blue,", "Sugar is sw'
)


# --- The fixtures ------------------------------------------------------------------------


def trip_plan() -> str:
    """The structured reply the transcripts carry (deltajson's demo document, compacted)."""
    text = (ROOT / "python" / "deltajson" / "data" / "recordings" / "trip_plan.json").read_text(
        "utf-8"
    )
    return json.dumps(json.loads(text), ensure_ascii=False)


WEATHER_LISBON = json.dumps({"city": "Lisbon", "unit": "celsius", "days": 3})
WEATHER_PORTO = json.dumps({"city": "Porto", "unit": "celsius", "days": 2})


def fixtures() -> dict[str, bytes]:
    """Every transcript in ``tests/fixtures/``, by file name."""
    plan = trip_plan()
    return {
        "openai_chat_trip.sse": openai_chat(plan),
        "openai_chat_refusal.sse": openai_chat(
            "I'm sorry, I can't help with that request.", refusal=True
        ),
        "openai_chat_cut.sse": openai_chat(plan, done=False, cut_at=60),
        "openai_chat_error.sse": openai_error(plan),
        # Chat Completions sends parallel calls one after the other (the SDK's helper takes
        # a new index as the end of the previous call).
        "openai_tools_parallel.sse": openai_tool_calls(
            [("get_weather", WEATHER_LISBON), ("get_weather", WEATHER_PORTO), ("plan_trip", plan)],
            interleave=False,
        ),
        "openai_responses_trip.sse": openai_responses(plan, ("get_weather", WEATHER_LISBON)),
        "anthropic_tool_use.sse": anthropic_messages(
            [
                ("text", "", "Here is the plan."),
                ("tool_use", "plan_trip", plan),
                ("tool_use", "get_weather", WEATHER_PORTO),
            ]
        ),
        "anthropic_error.sse": anthropic_messages(
            [("tool_use", "plan_trip", plan)], error_after=40
        ),
        # Fine-grained tool streaming: invalid JSON, and an input cut at max_tokens.
        "anthropic_eager_broken.sse": anthropic_messages(
            [("text", "", "Writing the poem."), ("tool_use", "make_file", POEM_BROKEN)], eager=True
        ),
        "anthropic_eager_cut.sse": anthropic_messages(
            [("tool_use", "make_file", POEM_CUT)], eager=True, stop_reason="max_tokens"
        ),
        # A structured output alone (an agent's final turn).
        "openai_responses_plan.sse": openai_responses(plan),
        "gemini_trip.sse": gemini([("text", "", plan)]),
        "gemini_tools.sse": gemini(
            [
                ("text", "", "Here is the plan."),
                ("call", "plan_trip", plan),
                ("call", "get_weather", WEATHER_PORTO),
            ]
        ),
        "gemini_safety.sse": gemini([("text", "", plan[:200])], finish="SAFETY"),
        "gemini_error.sse": gemini([("text", "", plan)], error_after=30),
        # Vertex AI's streamed function-call arguments (partialArgs), two calls in a row.
        "vertex_partial_args.sse": vertex_partial_args(
            [
                ("text", "", "Planning the route."),
                ("call", "plan_route", VERTEX_ROUTE),
                ("call", "get_weather", VERTEX_WEATHER),
            ]
        ),
        "vertex_partial_args_cut.sse": vertex_partial_args(
            [("call", "plan_route", VERTEX_ROUTE)], cut_after=12
        ),
    }


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


if __name__ == "__main__":
    FIXTURES.mkdir(exist_ok=True)
    for name, body in fixtures().items():
        (FIXTURES / name).write_bytes(body)
        print(f"{name}: {len(body)} bytes")


@contextmanager
def replay_of_fixtures() -> Iterator[Any]:
    """A loopback replay server holding every recorded fixture under its name (the provider
    tests' shared server)."""
    from loopback import replay_server

    with replay_server() as replay:
        for name in fixtures():
            replay.add(name.removesuffix(".sse"), fixture(name))
        yield replay
