"""Framework sources: pydantic-ai (its FunctionModel streaming), the OpenAI Agents SDK,
LiteLLM (through the OpenAI sources) and google-genai, each the real library, pointed at a
loopback replay of provider SSE (tests/loopback.py) where it talks HTTP."""

from __future__ import annotations

import os

# LiteLLM fetches its model cost map from the internet at import unless told not to.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import asyncio
import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic_ai import Agent
from pydantic_ai.messages import (
    ModelMessage,
    ModelResponse,
    NativeToolCallPart,
    PartDeltaEvent,
    PartEndEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ToolCallPart,
)
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel

import deltajson
from deltajson import sources
from loopback import Replay
from provider_sse import (
    WEATHER_LISBON,
    WEATHER_PORTO,
    fixture,
    replay_of_fixtures,
    token_chunks,
    trip_plan,
)
from test_sources import by_index
from trip_models import GetWeather, TripPlan

PLAN = TripPlan.model_validate_json(trip_plan())
MESSAGES = [{"role": "user", "content": "Plan three days in Lisbon."}]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Fails a test that resolves or connects to anything but the loopback interface."""
    attempts: list[Any] = []
    resolve, connect = socket.getaddrinfo, socket.socket.connect

    def guarded_resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1", None):
            attempts.append(host)
            raise OSError(f"test tried to resolve {host!r}")
        return resolve(host, *args, **kwargs)

    def guarded_connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            if not ipaddress.ip_address(address[0]).is_loopback:
                attempts.append(address)
                raise OSError(f"test tried to connect to {address!r}")
        return connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_resolve)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield attempts
    assert not attempts, f"network I/O beyond loopback: {attempts}"


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    with replay_of_fixtures() as replay:
        yield replay


# --- pydantic-ai -------------------------------------------------------------------------


async def output_tool(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[Any]:
    """A model streaming the trip plan as the arguments of the agent's output tool."""
    yield {0: DeltaToolCall(name=info.output_tools[0].name)}
    for piece in token_chunks(trip_plan()):
        yield {0: DeltaToolCall(json_args=piece)}


async def weather_then_output(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[Any]:
    """First response: two parallel get_weather calls, their deltas interleaved; once the
    tools have answered, the output tool's arguments."""
    if len(messages) == 1:
        queues = [token_chunks(WEATHER_LISBON, 11), token_chunks(WEATHER_PORTO, 12)]
        yield {0: DeltaToolCall(name="get_weather"), 1: DeltaToolCall(name="get_weather")}
        while any(queues):
            yield {i: DeltaToolCall(json_args=q.pop(0)) for i, q in enumerate(queues) if q}
        return
    async for delta in output_tool(messages, info):
        yield delta


async def text_output(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str]:
    for piece in token_chunks(trip_plan()):
        yield piece


def weather_agent() -> Agent[None, TripPlan]:
    agent = Agent(FunctionModel(stream_function=weather_then_output), output_type=TripPlan)

    @agent.tool_plain
    def get_weather(city: str, unit: str, days: int) -> str:
        return f"sunny in {city}"

    return agent


async def run_events(agent: Agent[None, Any]) -> tuple[list[Any], Any]:
    async with agent.run_stream_events("Plan three days in Lisbon.") as events:
        seen = [event async for event in events]
    return seen, seen[-1].result.output  # the AgentRunResultEvent


def test_pydantic_ai_output_tool_gives_the_agents_own_output() -> None:
    async def run() -> tuple[list[Any], Any, Any]:
        agent = Agent(FunctionModel(stream_function=output_tool), output_type=TripPlan)
        async with agent.run_stream_events("Plan three days in Lisbon.") as events:
            deltas = sources.texts(sources.pydantic_ai(events), "final_result")
            plans = [plan async for plan in deltajson.astream_model(deltas, TripPlan)]
        async with agent.run_stream("Plan three days in Lisbon.") as result:
            theirs = [output async for output in result.stream_output(debounce_by=None)]
        return plans, plans[-1], theirs[-1]

    plans, final, theirs = asyncio.run(run())
    assert final == theirs == PLAN  # the same model pydantic-ai validates
    assert len(plans) > 100
    assert any(p.title == "Three days in Lisbon" and not p.days for p in plans)


def test_pydantic_ai_parts_keep_their_own_indices_across_responses() -> None:
    events, output = asyncio.run(run_events(weather_agent()))
    parts = by_index(sources.pydantic_ai(events))  # a sync loop over the recorded events
    assert parts == {
        0: ("get_weather", WEATHER_LISBON),
        1: ("get_weather", WEATHER_PORTO),
        2: ("final_result", trip_plan()),  # the second response's part 0
    }
    assert output == PLAN
    # The parts pydantic-ai itself assembled, response after response, are the same.
    theirs = [
        (part.tool_name, part.args)  # the arguments as the model streamed them
        for message in events[-1].result.all_messages()
        if isinstance(message, ModelResponse)
        for part in message.parts
    ]
    assert [parts[i] for i in sorted(parts)] == theirs


def test_pydantic_ai_stream_tool_calls_types_every_call() -> None:
    async def run() -> list[Any]:
        async with weather_agent().run_stream_events("Plan three days.") as events:
            tools = {"get_weather": GetWeather, "final_result": TripPlan}
            calls = deltajson.stream_tool_calls(sources.pydantic_ai(events), tools)
            return [u async for u in calls if u.final]

    finals = asyncio.run(run())
    assert [(u.index, u.name) for u in finals] == [
        (0, "get_weather"),
        (1, "get_weather"),
        (2, "final_result"),
    ]
    assert finals[1].model == GetWeather.model_validate_json(WEATHER_PORTO)
    assert finals[2].model == PLAN


def test_pydantic_ai_text_output_is_a_text_part() -> None:
    agent = Agent(FunctionModel(stream_function=text_output))
    events, output = asyncio.run(run_events(agent))
    assert by_index(sources.pydantic_ai(events)) == {0: (None, trip_plan())}
    assert deltajson.stream_model(sources.texts(sources.pydantic_ai(events)), TripPlan).get_final()
    assert output == trip_plan()


def test_pydantic_ai_a_native_tool_part_replaced_is_not_a_new_response() -> None:
    native = NativeToolCallPart("web_search", {"query": "Lisbon"}, "n1")
    events = [
        PartStartEvent(index=0, part=TextPart("Looking")),
        PartStartEvent(index=1, part=native),
        PartStartEvent(index=1, part=native),  # its next state, same index
        PartDeltaEvent(index=0, delta=TextPartDelta(" it up")),
        PartStartEvent(index=0, part=TextPart("Next")),  # the next response's part 0
    ]
    assert list(sources.pydantic_ai(events)) == [
        sources.Delta(0, None, "Looking"),
        sources.Delta(0, None, " it up"),
        sources.Delta(2, None, "Next"),
    ]


def test_pydantic_ai_dict_arguments_come_whole_when_the_part_ends() -> None:
    part = ToolCallPart("get_weather", {"city": "Porto", "unit": "celsius", "days": 2}, "c1")
    events = [PartStartEvent(index=0, part=part), PartEndEvent(index=0, part=part)]
    [delta] = sources.pydantic_ai(events)
    assert delta.name == "get_weather" and json.loads(delta.text) == part.args


# --- OpenAI Agents SDK -------------------------------------------------------------------


def openai_agent(server: Replay, model: str, **options: Any) -> Any:
    import agents
    import openai

    agents.set_tracing_disabled(True)
    client = openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    return agents.Agent(
        name="planner",
        instructions="Plan trips.",
        model=agents.OpenAIResponsesModel(model, client),
        **options,
    )


def test_openai_agents_partial_structured_output(server: Replay) -> None:
    import agents

    async def run() -> tuple[list[Any], Any]:
        agent = openai_agent(server, "openai_responses_plan", output_type=TripPlan)
        result = agents.Runner.run_streamed(agent, "Plan three days in Lisbon.")
        text = sources.texts(sources.openai_agents(result.stream_events()))
        plans = [plan async for plan in deltajson.astream_model(text, TripPlan)]
        return plans, result.final_output

    plans, final_output = asyncio.run(run())
    assert plans[-1] == final_output == PLAN  # the SDK's own final output
    assert len(plans) > 100
    assert any(p.title == "Three days in Lisbon" and not p.days for p in plans)


def test_openai_agents_turns_keep_their_own_indices(server: Replay) -> None:
    """Turn one: the plan as text and a get_weather call, which the SDK runs; turn two: the
    plan alone, the final output."""
    import agents

    @agents.function_tool
    def get_weather(city: str, unit: str, days: int) -> str:
        """The weather forecast."""
        return f"sunny in {city}"

    model = server.add_turns(
        "agents_two_turns",
        [fixture("openai_responses_trip.sse"), fixture("openai_responses_plan.sse")],
    )

    async def run() -> tuple[list[Any], Any]:
        agent = openai_agent(server, model, output_type=TripPlan, tools=[get_weather])
        result = agents.Runner.run_streamed(agent, "Plan three days in Lisbon.")
        deltas = [d async for d in sources.openai_agents(result.stream_events())]
        return deltas, result.final_output

    deltas, final_output = asyncio.run(run())
    assert by_index(deltas) == {
        0: (None, trip_plan()),
        1: ("get_weather", WEATHER_LISBON),
        2: (None, trip_plan()),  # the second response's output 0
    }
    assert final_output == PLAN


def test_openai_agents_reads_plain_responses_events_too(server: Replay) -> None:
    import openai

    client = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    stream = client.responses.create(model="openai_responses_trip", input="Plan", stream=True)
    assert by_index(sources.openai_agents(stream)) == {
        0: (None, trip_plan()),
        1: ("get_weather", WEATHER_LISBON),
    }


# --- LiteLLM: its chunks pass through the OpenAI sources -------------------------------------


def litellm_request(server: Replay, model: str) -> dict[str, Any]:
    """The arguments of a streamed LiteLLM call to the replay server's `model`."""
    return {
        "model": f"openai/{model}",
        "api_base": server.url + "/v1",
        "api_key": "test",
        "messages": MESSAGES,
        "stream": True,
        "max_retries": 0,
    }


def litellm_stream(server: Replay, model: str) -> Any:
    import litellm

    return litellm.completion(**litellm_request(server, model))


def test_litellm_completion_text_through_openai_chat(server: Replay) -> None:
    stream = litellm_stream(server, "openai_chat_trip")
    plans = list(deltajson.stream_model(sources.openai_chat(stream), TripPlan))
    assert plans[-1] == PLAN and len(plans) > 100
    assert server.requests[-1]["body"]["model"] == "openai_chat_trip"


def test_litellm_completion_parallel_tool_calls(server: Replay) -> None:
    import litellm

    chunks = list(litellm_stream(server, "openai_tools_parallel"))
    calls = by_index(sources.openai_tool_calls(chunks))
    assert calls == {
        0: ("get_weather", WEATHER_LISBON),
        1: ("get_weather", WEATHER_PORTO),
        2: ("plan_trip", trip_plan()),
    }
    # What LiteLLM itself assembles from the same chunks.
    message = litellm.stream_chunk_builder(chunks).choices[0].message
    theirs = {i: (c.function.name, c.function.arguments) for i, c in enumerate(message.tool_calls)}
    assert calls == theirs


def test_litellm_acompletion_text_and_tool_calls(server: Replay) -> None:
    import litellm

    async def run(model: str, source: Any) -> list[Any]:
        stream = await litellm.acompletion(**litellm_request(server, model))
        return [delta async for delta in source(stream)]

    text = asyncio.run(run("openai_chat_trip", sources.openai_chat))
    assert "".join(text) == trip_plan()
    calls = asyncio.run(run("openai_tools_parallel", sources.openai_tool_calls))
    assert by_index(calls)[2] == ("plan_trip", trip_plan())


# --- google-genai ------------------------------------------------------------------------


def gemini_client(server: Replay) -> Any:
    from google import genai
    from google.genai import types

    return genai.Client(api_key="test", http_options=types.HttpOptions(base_url=server.url))


def test_gemini_text_stream(server: Replay) -> None:
    client = gemini_client(server)
    stream = client.models.generate_content_stream(model="gemini_trip", contents="Plan")
    plans = list(deltajson.stream_model(sources.texts(sources.gemini(stream)), TripPlan))
    assert plans[-1] == PLAN and len(plans) > 100
    assert server.requests[-1]["path"].endswith("/models/gemini_trip:streamGenerateContent?alt=sse")


def test_gemini_function_calls_are_whole_json_deltas(server: Replay) -> None:
    client = gemini_client(server)
    stream = client.models.generate_content_stream(model="gemini_tools", contents="Plan")
    deltas = list(sources.gemini(stream))
    calls = [d for d in deltas if d.name is not None]
    assert [(d.index, d.name) for d in calls] == [(1, "plan_trip"), (2, "get_weather")]
    assert json.loads(calls[0].text) == json.loads(trip_plan())  # one delta per call
    assert by_index(deltas)[0] == (None, "Here is the plan.")
    updates = deltajson.stream_tool_calls(
        sources.gemini(sources.sse_events([fixture("gemini_tools.sse")])),  # the raw wire too
        {"plan_trip": TripPlan, "get_weather": GetWeather},
    )
    assert [u.model for u in updates] == [PLAN, GetWeather.model_validate_json(WEATHER_PORTO)]


def test_gemini_async_client(server: Replay) -> None:
    async def run() -> list[Any]:
        client = gemini_client(server)
        stream = await client.aio.models.generate_content_stream(
            model="gemini_tools", contents="Plan"
        )
        tools = {"plan_trip": TripPlan, "get_weather": GetWeather}
        return [u async for u in deltajson.stream_tool_calls(sources.gemini(stream), tools)]

    assert [u.name for u in asyncio.run(run())] == ["plan_trip", "get_weather"]


def test_gemini_error_and_safety_stop(server: Replay) -> None:
    from google.genai import errors

    client = gemini_client(server)
    seen: list[str] = []
    with pytest.raises(deltajson.ProviderError) as caught:
        for delta in sources.gemini(
            client.models.generate_content_stream(model="gemini_error", contents="Plan")
        ):
            seen.append(delta.text)
    assert caught.value.kind == "UNAVAILABLE" and "overloaded" in str(caught.value)
    assert isinstance(caught.value.__cause__, errors.ServerError)
    assert seen and trip_plan().startswith("".join(seen))
    with pytest.raises(deltajson.ProviderError) as caught:
        list(sources.gemini(sources.sse_events([fixture("gemini_error.sse")])))
    assert caught.value.kind == "UNAVAILABLE"
    with pytest.raises(deltajson.Refusal, match="SAFETY"):
        list(
            sources.gemini(
                client.models.generate_content_stream(model="gemini_safety", contents="x")
            )
        )


def test_the_loopback_guard_bites(loopback_only: list[Any]) -> None:
    with socket.socket() as sock, pytest.raises(OSError, match="tried to connect"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1
    with pytest.raises(OSError, match="tried to resolve"):
        socket.getaddrinfo("raw.githubusercontent.com", 443)
    assert len(loopback_only) == 2
    loopback_only.clear()
