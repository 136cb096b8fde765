"""Anthropic's fine-grained tool streaming (a tool's ``eager_input_streaming``, or the
``fine-grained-tool-streaming-2025-05-14`` beta) through the real anthropic client on the
loopback replay: tool input sent unbuffered may be invalid JSON, read with ``repair=True``;
a message stopped at ``max_tokens`` ends with the repaired partial and ``Truncated``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from pydantic import BaseModel

import deltajson
from deltajson import Truncated, sources
from loopback import Replay
from provider_sse import POEM, POEM_BROKEN, replay_of_fixtures

MESSAGES = [{"role": "user", "content": "Write a poem to poem.txt."}]
MAKE_FILE = {
    "name": "make_file",
    "description": "Write text to a file",
    "eager_input_streaming": True,
    "input_schema": {
        "type": "object",
        "properties": {
            "filename": {"type": "string"},
            "lines_of_text": {"type": "array", "items": {"type": "string"}},
            "overwrite": {"type": "boolean"},
        },
        "required": ["filename", "lines_of_text"],
    },
}


class MakeFile(BaseModel):
    filename: str
    lines_of_text: list[str]
    overwrite: bool = False


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    with replay_of_fixtures() as replay:
        yield replay


def eager(server: Replay, model: str) -> Any:
    client = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)
    return client.messages.create(
        model=model, max_tokens=64, messages=MESSAGES, tools=[MAKE_FILE], stream=True
    )


def test_the_fixture_is_invalid_json_that_means_the_poem() -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(POEM_BROKEN)
    assert deltajson.loads(POEM_BROKEN, repair=True) == POEM


@pytest.mark.parametrize("contract", [MakeFile, MAKE_FILE["input_schema"]], ids=["model", "schema"])
def test_eager_tool_input_is_read_with_repair(server: Replay, contract: Any, backend: str) -> None:
    calls = deltajson.stream_tool_calls(
        sources.anthropic_messages(eager(server, "anthropic_eager_broken")),
        {"make_file": contract},
        repair=True,
        backend=backend,
    )
    updates = list(calls)
    assert server.requests[-1]["body"]["tools"][0]["eager_input_streaming"] is True
    final = updates[-1]
    assert final.final and (final.index, final.name) == (1, "make_file")
    value = final.model.model_dump() if isinstance(final.model, BaseModel) else final.model
    assert value == POEM
    assert len(updates) > 2 and not any(u.final for u in updates[:-1])
    # Without repair the raw line break is the error it is.
    with pytest.raises(deltajson.JSONError):
        list(
            deltajson.stream_tool_calls(
                sources.anthropic_messages(eager(server, "anthropic_eager_broken")),
                {"make_file": contract},
            )
        )


def test_the_beta_header_client_reads_alike(server: Replay) -> None:
    client = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)
    tool = {k: v for k, v in MAKE_FILE.items() if k != "eager_input_streaming"}
    stream = client.beta.messages.create(
        model="anthropic_eager_broken",
        max_tokens=64,
        messages=MESSAGES,
        tools=[tool],  # type: ignore[list-item]
        betas=["fine-grained-tool-streaming-2025-05-14"],
        stream=True,
    )
    text = sources.texts(sources.anthropic_messages(stream), "make_file")
    assert deltajson.stream_model(text, MakeFile, repair=True).get_final() == MakeFile(**POEM)


@pytest.mark.parametrize("repair", [True, False])
def test_a_stream_cut_at_max_tokens_ends_with_the_partial_and_truncated(
    server: Replay, repair: bool, backend: str
) -> None:
    seen = []
    with pytest.raises(Truncated) as caught:
        for update in deltajson.stream_tool_calls(
            sources.anthropic_messages(eager(server, "anthropic_eager_cut")),
            {"make_file": MakeFile},
            repair=repair,
            backend=backend,
        ):
            seen.append(update)
    error = caught.value
    assert error.stop_reason == "max_tokens" and "max_tokens" in str(error)
    assert (error.index, error.name) == (0, "make_file")  # type: ignore[attr-defined]
    assert error.partial.filename == "poem.txt"
    assert error.partial.lines_of_text == ["Roses are red,", "Violets are blue,", "Sugar is sw"]
    assert error.raw.endswith('"Sugar is sw')
    assert seen and not any(u.final for u in seen)


def test_a_model_stream_cut_at_max_tokens_async(server: Replay, backend: str) -> None:
    async def run() -> Any:
        client = anthropic.AsyncAnthropic(base_url=server.url, api_key="t", max_retries=0)
        stream = await client.messages.create(
            model="anthropic_eager_cut",
            max_tokens=64,
            messages=MESSAGES,
            tools=[MAKE_FILE],  # type: ignore[list-item]
            stream=True,
        )
        text = sources.texts(sources.anthropic_messages(stream), "make_file")
        model = deltajson.astream_model(
            text, MAKE_FILE["input_schema"], repair=True, backend=backend
        )
        async for _ in model:
            pass

    with pytest.raises(Truncated) as caught:
        asyncio.run(run())
    assert caught.value.partial == {
        "filename": "poem.txt",
        "lines_of_text": ["Roses are red,", "Violets are blue,", "Sugar is sw"],
    }


def test_sse_error_event_for_a_truncated_stream(server: Replay) -> None:
    from deltajson.sse import error_payload

    payload = error_payload(Truncated("the answer was cut", stop_reason="max_tokens"))
    assert payload == {"type": "Truncated", "message": "the answer was cut"}
