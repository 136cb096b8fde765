"""deltajson.sources and stream_tool_calls: the real openai and anthropic clients pointed at a
loopback server replaying provider SSE transcripts (tests/fixtures/), and raw SSE bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import openai
import pytest
from hypothesis import given

import deltajson
from deltajson import sources
from helpers import split
from loopback import Replay
from provider_sse import (
    WEATHER_LISBON,
    WEATHER_PORTO,
    fixture,
    fixtures,
    replay_of_fixtures,
    trip_plan,
)
from strategies import cuts
from trip_models import GetWeather, TripPlan

MESSAGES = [{"role": "user", "content": "Plan three days in Lisbon."}]


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    with replay_of_fixtures() as replay:
        # The SDK builds the pydantic models of its stream events on first use, and that is
        # not thread-safe (another thread saw a model half-built, on 3.13t): read a stream of
        # each API with the SDK alone first, before tests run in several threads at once.
        client = openai.OpenAI(base_url=replay.url + "/v1", api_key="test", max_retries=0)
        list(client.responses.create(model="openai_responses_trip", input="Plan", stream=True))
        list(chat(replay, "openai_chat_trip"))
        list(claude(replay, "anthropic_tool_use"))
        yield replay


def chat(server: Replay, model: str) -> Any:
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    return client.chat.completions.create(model=model, messages=MESSAGES, stream=True)


def claude(server: Replay, model: str) -> Any:
    client = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)
    return client.messages.create(model=model, max_tokens=1024, messages=MESSAGES, stream=True)


def by_index(deltas: Any) -> dict[int, tuple[Any, str]]:
    calls: dict[int, tuple[Any, str]] = {}
    for index, name, text in deltas:
        seen_name, seen = calls.get(index, (name, ""))
        assert seen_name == name  # every delta of a call carries its name
        calls[index] = (name, seen + text)
    return calls


# --- OpenAI ------------------------------------------------------------------------------


def test_openai_chat_yields_the_content(server: Replay) -> None:
    deltas = list(sources.openai_chat(chat(server, "openai_chat_trip")))
    assert len(deltas) > 100
    assert "".join(deltas) == trip_plan()


def test_openai_chat_async_with_the_async_client(server: Replay) -> None:
    async def run() -> str:
        client = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="t", max_retries=0)
        stream = await client.chat.completions.create(
            model="openai_chat_trip", messages=MESSAGES, stream=True
        )
        return "".join([d async for d in sources.openai_chat(stream)])

    assert asyncio.run(run()) == trip_plan()


def test_openai_refusal_raises_refusal_with_its_text(server: Replay) -> None:
    with pytest.raises(deltajson.Refusal) as caught:
        list(sources.openai_chat(chat(server, "openai_chat_refusal")))
    assert caught.value.message == "I'm sorry, I can't help with that request."


def test_openai_error_event_is_a_provider_error(server: Replay) -> None:
    seen: list[str] = []
    with pytest.raises(deltajson.ProviderError) as caught:
        for delta in sources.openai_chat(chat(server, "openai_chat_error")):
            seen.append(delta)
    assert "".join(seen) and trip_plan().startswith("".join(seen))  # what came before stays
    assert "server had an error" in str(caught.value)
    assert isinstance(caught.value.__cause__, openai.APIError)


def test_openai_cut_stream_gives_its_text_and_the_model_stream_says_incomplete(
    server: Replay,
) -> None:
    text = "".join(sources.openai_chat(chat(server, "openai_chat_cut")))
    assert text and trip_plan().startswith(text) and text != trip_plan()
    stream = deltajson.stream_model(sources.openai_chat(chat(server, "openai_chat_cut")), TripPlan)
    with pytest.raises(deltajson.IncompleteJSONError) as caught:
        for _ in stream:
            pass
    assert caught.value.raw == text  # nothing lost
    assert caught.value.partial.title == "Three days in Lisbon"


def test_openai_parallel_tool_calls_side_by_side(server: Replay) -> None:
    calls = by_index(sources.openai_tool_calls(chat(server, "openai_tools_parallel")))
    assert calls == {
        0: ("get_weather", WEATHER_LISBON),
        1: ("get_weather", WEATHER_PORTO),
        2: ("plan_trip", trip_plan()),
    }


def test_openai_responses_text_and_function_call(server: Replay) -> None:
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    stream = client.responses.create(model="openai_responses_trip", input="Plan", stream=True)
    parts = by_index(sources.openai_responses(stream))
    assert parts == {0: (None, trip_plan()), 1: ("get_weather", WEATHER_LISBON)}


# --- Anthropic ---------------------------------------------------------------------------


def test_anthropic_text_and_tool_use_blocks(server: Replay) -> None:
    blocks = by_index(sources.anthropic_messages(claude(server, "anthropic_tool_use")))
    assert blocks == {
        0: (None, "Here is the plan."),
        1: ("plan_trip", trip_plan()),
        2: ("get_weather", WEATHER_PORTO),
    }


def test_anthropic_message_stream_helper_is_a_source_too(server: Replay) -> None:
    client = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)
    with client.messages.stream(
        model="anthropic_tool_use", max_tokens=1024, messages=MESSAGES
    ) as stream:
        blocks = by_index(sources.anthropic_messages(stream))
    assert blocks[1] == ("plan_trip", trip_plan())


def test_anthropic_error_event_is_a_provider_error(server: Replay) -> None:
    with pytest.raises(deltajson.ProviderError) as caught:
        list(sources.anthropic_messages(claude(server, "anthropic_error")))
    assert "Overloaded" in str(caught.value)


# --- Raw SSE -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(fixtures()))
@given(at=cuts)
def test_sse_events_are_the_same_for_any_chunking(name: str, at: list[int]) -> None:
    body = fixture(name)
    whole = _payloads(body, [body])
    assert _payloads(body, split(body, at)) == whole


def _payloads(body: bytes, chunks: list[bytes]) -> Any:
    try:
        return list(sources.sse_events(chunks))
    except deltajson.ProviderError as e:
        return ("error", e.kind, str(e))


def test_raw_sse_through_the_sources_matches_the_sdk(server: Replay) -> None:
    raw = sources.sse_events(split(fixture("openai_chat_trip.sse"), range(7, 70_000, 97)))
    assert "".join(sources.openai_chat(raw)) == trip_plan()
    raw = sources.sse_events([fixture("anthropic_tool_use.sse")])
    assert by_index(sources.anthropic_messages(raw))[1] == ("plan_trip", trip_plan())
    with pytest.raises(deltajson.ProviderError) as caught:
        list(sources.anthropic_messages(sources.sse_events([fixture("anthropic_error.sse")])))
    assert caught.value.kind == "overloaded_error"


def test_raw_sse_error_object_in_data_is_a_provider_error() -> None:
    with pytest.raises(deltajson.ProviderError) as caught:
        list(sources.openai_chat(sources.sse_events([fixture("openai_chat_error.sse")])))
    assert caught.value.kind == "server_error"


def test_iter_sse_follows_the_event_stream_format() -> None:
    body = (
        b"\xef\xbb\xbf: a comment\r\n"
        b"event: first\r\ndata: one\r\ndata:two\r\nid: 7\r\nretry: 1500\r\n\r\n"
        b'data: {"a": 1}\r\r'
        b"event: ignored without data\n\n"
        b"data\n\n"
        b"data: unfinished"
    )
    expected = [
        sources.ServerSentEvent("first", "one\ntwo", "7", 1500),
        sources.ServerSentEvent("message", '{"a": 1}', "7", 1500),
        sources.ServerSentEvent("message", "", "7", 1500),
    ]
    for size in (1, 2, 3, 5, len(body)):
        chunks = [body[i : i + size] for i in range(0, len(body), size)]
        assert list(sources.iter_sse(chunks)) == expected


def test_sse_events_async_and_str_chunks() -> None:
    async def chunks() -> AsyncIterator[str]:
        for piece in ['data: {"x"', ": 1}\n", "\ndata: [DONE]\n\n", 'data: {"after": 1}\n\n']:
            yield piece

    async def run() -> list[Any]:
        return [event async for event in sources.sse_events(chunks())]

    assert asyncio.run(run()) == [{"x": 1}]


def test_a_sync_loop_over_an_async_source_is_a_clear_error() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b""

    with pytest.raises(TypeError, match="async for"):
        list(sources.sse_events(chunks()))


# --- stream_tool_calls -------------------------------------------------------------------


TOOLS = {"get_weather": GetWeather, "plan_trip": TripPlan}


def test_stream_tool_calls_partials_then_validated_models(server: Replay) -> None:
    updates = list(
        deltajson.stream_tool_calls(
            sources.openai_tool_calls(chat(server, "openai_tools_parallel")), TOOLS
        )
    )
    finals = [u for u in updates if u.final]
    assert [(u.index, u.name) for u in finals] == [
        (0, "get_weather"),
        (1, "get_weather"),
        (2, "plan_trip"),
    ]
    assert finals[0].model == GetWeather.model_validate_json(WEATHER_LISBON)
    assert finals[2].model == TripPlan.model_validate_json(trip_plan())
    plan_partials = [u.model for u in updates if u.index == 2 and not u.final]
    assert len(plan_partials) > 50
    assert any(p.title == "Three days in Lisbon" and not p.days for p in plan_partials)
    # Each final arrives as soon as its call is complete, before the next call's deltas.
    assert updates.index(finals[0]) < min(i for i, u in enumerate(updates) if u.index == 1)


def test_stream_tool_calls_async_over_anthropic(server: Replay) -> None:
    async def run() -> list[Any]:
        client = anthropic.AsyncAnthropic(base_url=server.url, api_key="t", max_retries=0)
        stream = await client.messages.create(
            model="anthropic_tool_use", max_tokens=1024, messages=MESSAGES, stream=True
        )
        source = sources.anthropic_messages(stream)
        return [u async for u in deltajson.stream_tool_calls(source, TOOLS) if u.final]

    finals = asyncio.run(run())
    assert [(u.index, u.name) for u in finals] == [(1, "plan_trip"), (2, "get_weather")]
    assert finals[1].model == GetWeather.model_validate_json(WEATHER_PORTO)


def test_stream_tool_calls_reports_bad_and_incomplete_arguments() -> None:
    bad = [sources.Delta(0, "get_weather", '{"city": "Lisbon", "unit": 3, "days": 2}')]
    with pytest.raises(deltajson.SchemaMismatch):
        list(deltajson.stream_tool_calls(bad, TOOLS))
    cut = [sources.Delta(0, "get_weather", '{"city": "Lis')]
    with pytest.raises(deltajson.StreamError, match="ended incomplete") as caught:
        list(deltajson.stream_tool_calls(cut, TOOLS))
    assert caught.value.partial.city == "Lis"
