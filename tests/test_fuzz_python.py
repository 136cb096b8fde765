"""Fuzzing the Python layer: whatever arrives, only typed errors come out.

Random bytes and text, cut anywhere, go through the model streams, the compat shims, the SSE
and provider sources and the SSE helper. The rule: a result or one of the library's own
documented exception types — never an AttributeError, IndexError, KeyError, UnicodeError or
any other accident. The budget follows the Hypothesis profile (``HYPOTHESIS_PROFILE=thorough``
for a long run).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

import deltajson
from deltajson import compat, sources
from deltajson.compat import jiter as jiter_shim
from deltajson.compat import langchain as langchain_shim
from deltajson.compat import partial_json_parser as pjp_shim
from deltajson.compat import pydantic_core as pydantic_core_shim
from deltajson.sse import event_stream
from helpers import split
from strategies import cuts, json_texts

# Bytes that make JSON-ish noise: structure, literals' letters, escapes, UTF-8 pieces.
noise = st.binary(max_size=60) | st.lists(
    st.sampled_from(
        [
            b"{",
            b"}",
            b"[",
            b"]",
            b":",
            b",",
            b'"',
            b"\\",
            b"u",
            b"d8",
            b"00",
            b"1",
            b"-",
            b".",
            b"e",
            b"true",
            b"nul",
            b"NaN",
            b" ",
            b"\n",
            b"\xc3",
            b"\xa9",
            b"\xff",
            b"```",
            b"a",
        ]
    ),
    max_size=40,
).map(b"".join)
texts = noise.map(lambda b: b.decode("utf-8", "replace")) | st.text(max_size=40)


class Item(BaseModel):
    name: str
    n: int


class Doc(BaseModel):
    title: str
    items: list[Item]
    score: Optional[float] = None


@given(noise | json_texts().map(lambda d: d[1].encode()), cuts, st.booleans())
def test_model_streams_raise_only_typed_errors(data: bytes, at: list[int], lenient: bool) -> None:
    try:
        for _ in deltajson.stream_model(split(data, at), Doc, lenient=lenient):
            pass
    except (deltajson.JSONError, deltajson.SchemaMismatch):
        pass


@given(noise, cuts)
def test_items_and_fields_raise_only_typed_errors(data: bytes, at: list[int]) -> None:
    try:
        list(deltajson.stream_items(split(data, at), Item, path="$[*]"))
    except (deltajson.JSONError, deltajson.SchemaMismatch):
        pass
    try:
        list(deltajson.iter_items(split(data, at), "$.items[*]"))
    except deltajson.JSONError:
        pass


@given(st.lists(noise, max_size=8))
def test_jiter_shim_raises_what_jiter_raises(buffers: list[bytes]) -> None:
    compat.clear()
    jiter = pytest.importorskip("jiter")
    buffer = b""
    for piece in buffers:
        buffer += piece
        for mode in (False, True, "trailing-strings"):
            try:
                ours: Any = jiter_shim.from_json(buffer, partial_mode=mode)
            except ValueError as e:
                ours = ("error", type(e))
            try:
                theirs: Any = jiter.from_json(buffer, partial_mode=mode)
            except ValueError as e:
                theirs = ("error", type(e))
            assert repr(ours) == repr(theirs), (buffer, mode)


def outcome(call: Any, *args: Any, **kwargs: Any) -> str:
    """A call's value, or the type of what it raised (any type: the peers' own included)."""
    try:
        return repr(call(*args, **kwargs))
    except Exception as e:
        return f"raised {type(e).__name__}"


@given(st.lists(texts, max_size=8))
def test_text_shims_do_what_their_peers_do(pieces: list[str]) -> None:
    # Shims answer as their peer would, down to the peer's own accidents (partial-json-parser
    # raises IndexError on some inputs; the shim hands those to it and raises the same).
    pydantic_core = pytest.importorskip("pydantic_core")
    partial_json_parser = pytest.importorskip("partial_json_parser")
    langchain_json = pytest.importorskip("langchain_core.utils.json")
    compat.clear()
    buffer = ""
    for piece in pieces:
        buffer += piece
        assert outcome(pydantic_core_shim.from_json, buffer, allow_partial=True) == outcome(
            pydantic_core.from_json, buffer, allow_partial=True
        ), buffer
        assert outcome(pjp_shim.loads, buffer) == outcome(partial_json_parser.loads, buffer), buffer
        assert outcome(langchain_shim.parse_partial_json, buffer) == outcome(
            langchain_json.parse_partial_json, buffer
        ), buffer


@given(noise, cuts)
def test_sse_sources_raise_only_typed_errors(data: bytes, at: list[int]) -> None:
    framed = b"data: " + data.replace(b"\n\n", b"\n") + b"\n\n"
    try:
        for _ in sources.sse_events(split(framed, at)):
            pass
    except (deltajson.StreamError, ValueError):
        pass
    events: list[Any] = []
    for line in data.split(b"\n"):
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append({"type": line.decode("utf-8", "replace")})
    for source in (
        sources.openai_chat,
        sources.openai_tool_calls,
        sources.openai_responses,
        sources.anthropic_messages,
    ):
        try:
            list(source(events))
        except deltajson.StreamError:
            pass


@given(noise, cuts)
def test_the_sse_helper_turns_anything_into_events(data: bytes, at: list[int]) -> None:
    async def run() -> bytes:
        return b"".join([e async for e in event_stream(split(data, at), Doc, heartbeat=None)])

    body = asyncio.run(run())
    last = body.rstrip(b"\n").split(b"\n\n")[-1]
    assert last.startswith((b"event: done\n", b"event: error\n"))
    assert b'"type":"InternalError"' not in last  # every failure here is a typed one
