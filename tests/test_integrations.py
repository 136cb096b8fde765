"""deltajson.integrations: the real SDKs, pointed at a loopback server replaying provider SSE,
give identical events and parsed snapshots with and without acceleration."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import instructor
import jiter
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.output_parsers import JsonOutputParser

from deltajson import compat
from deltajson.integrations import anthropic as dj_anthropic
from deltajson.integrations import instructor as dj_instructor
from deltajson.integrations import langchain as dj_langchain
from deltajson.integrations import openai as dj_openai
from helpers import split
from loopback import Replay, replay_server
from provider_sse import fixture, token_chunks, trip_plan
from strategies import cuts, documents
from trip_models import GetWeather, TripPlan

MESSAGES = [{"role": "user", "content": "Plan three days in Lisbon."}]

# For the threaded stress run (pytest-run-parallel): these switch an SDK's parse step for the
# whole process and check it is switched back, or count the shims' calls, so copies of them in
# other threads would see each other's switches. tests/test_free_threading.py runs the
# integrations from 8 threads at once instead.
PROCESS_WIDE = pytest.mark.thread_unsafe(
    reason="switches an SDK's parse step process-wide and checks or counts it"
)


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    with replay_server() as replay:
        for name in (
            "openai_chat_trip",
            "openai_chat_refusal",
            "openai_chat_error",
            "openai_chat_cut",
            "openai_tools_parallel",
            "anthropic_tool_use",
            "anthropic_error",
        ):
            replay.add(name, fixture(f"{name}.sse"))
        yield replay


def both_ways(integration: Any, run: Callable[[], Any]) -> tuple[Any, Any, int]:
    """``run()`` without, then with acceleration: both outcomes, and how many calls the
    accelerated run made to the compat shims."""
    assert not integration.is_accelerated()
    plain = _outcome(run)
    compat.clear()
    with integration.accelerated():
        assert integration.is_accelerated()
        fast = _outcome(run)
    assert not integration.is_accelerated()
    calls = sum(info["hits"] + info["misses"] for info in compat.cache_info().values())
    return plain, fast, calls


def _outcome(run: Callable[[], Any]) -> Any:
    seen: list[Any] = []
    try:
        run_result = run()
        for item in run_result:
            seen.append(item)
    except Exception as e:  # the same failure is part of the same outcome
        seen.append(("raised", type(e).__name__))
    return seen


# --- OpenAI ------------------------------------------------------------------------------


def _openai(server: Replay) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)


def _chat_events(server: Replay, model: str, **options: Any) -> Callable[[], Iterator[Any]]:
    def run() -> Iterator[Any]:
        with _openai(server).chat.completions.stream(
            model=model, messages=MESSAGES, **options
        ) as stream:
            for event in stream:
                yield repr(event)
            yield repr(stream.get_final_completion())

    return run


@PROCESS_WIDE
def test_openai_response_format_events_and_snapshots_are_identical(server: Replay) -> None:
    plain, fast, calls = both_ways(
        dj_openai, _chat_events(server, "openai_chat_trip", response_format=TripPlan)
    )
    assert fast == plain
    assert calls > 100  # one parse per content delta went through deltajson
    partial = [e for e in plain if e.startswith("ContentDeltaEvent") and "parsed={'title'" in e]
    assert len(partial) > 50
    assert "Three days in Lisbon" in plain[-1]


@PROCESS_WIDE
def test_openai_strict_tools_in_parallel_are_identical(server: Replay) -> None:
    tools = [openai.pydantic_function_tool(GetWeather, name="get_weather")]
    tools.append(openai.pydantic_function_tool(TripPlan, name="plan_trip"))
    plain, fast, calls = both_ways(
        dj_openai, _chat_events(server, "openai_tools_parallel", tools=tools)
    )
    assert fast == plain
    assert calls > 100
    deltas = [e for e in plain if e.startswith("FunctionToolCallArgumentsDeltaEvent")]
    assert {"index=0" in e for e in deltas} == {True, False}  # several calls
    assert any("parsed_arguments={'city': 'Porto'" in e for e in deltas)


@PROCESS_WIDE
@pytest.mark.parametrize("model", ["openai_chat_refusal", "openai_chat_error", "openai_chat_cut"])
def test_openai_refusals_errors_and_cuts_are_identical(server: Replay, model: str) -> None:
    plain, fast, _ = both_ways(dj_openai, _chat_events(server, model, response_format=TripPlan))
    assert fast == plain
    if model == "openai_chat_error":
        assert plain[-1] == ("raised", "APIError")


# --- Anthropic ---------------------------------------------------------------------------


def _anthropic_events(server: Replay, model: str) -> Callable[[], Iterator[Any]]:
    def run() -> Iterator[Any]:
        client = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)
        with client.messages.stream(model=model, max_tokens=1024, messages=MESSAGES) as stream:
            for event in stream:
                yield repr(event)
                yield repr(stream.current_message_snapshot)
            yield repr(stream.get_final_message())

    return run


@PROCESS_WIDE
def test_anthropic_tool_use_input_is_identical(server: Replay) -> None:
    plain, fast, calls = both_ways(dj_anthropic, _anthropic_events(server, "anthropic_tool_use"))
    assert fast == plain
    assert calls > 100
    assert any("input={'title': 'Three days" in e for e in plain[:-1])
    assert "'city': 'Porto'" in plain[-1]


@PROCESS_WIDE
def test_anthropic_error_event_is_identical(server: Replay) -> None:
    plain, fast, _ = both_ways(dj_anthropic, _anthropic_events(server, "anthropic_error"))
    assert fast == plain
    assert plain[-1][0] == "raised"


@PROCESS_WIDE
def test_anthropic_router_leaves_non_partial_calls_to_jiter() -> None:
    original = jiter.from_json
    with dj_anthropic.accelerated():
        assert jiter.from_json is not original
        assert jiter.from_json(b'{"a": [1, 2]}') == {"a": [1, 2]}
        with pytest.raises(ValueError):
            jiter.from_json(b'{"a": [1, 2')
        assert jiter.from_json(b'{"a": [1, 2', partial_mode=True) == {"a": [1, 2]}
    assert jiter.from_json is original


# --- Instructor --------------------------------------------------------------------------


@PROCESS_WIDE
@pytest.mark.parametrize(
    ("mode", "model"),
    [(instructor.Mode.JSON, "openai_chat_trip"), (instructor.Mode.TOOLS, "instructor_tool")],
)
def test_instructor_partial_streaming_is_identical(server: Replay, mode: Any, model: str) -> None:
    from provider_sse import openai_tool_calls

    server.add("instructor_tool", openai_tool_calls([("TripPlan", trip_plan())]))

    def run() -> Iterator[Any]:
        client = instructor.from_openai(_openai(server), mode=mode)
        for partial in client.create_partial(
            model=model, response_model=TripPlan, messages=MESSAGES
        ):
            yield repr(partial)

    plain, fast, calls = both_ways(dj_instructor, run)
    assert fast == plain
    assert calls > 100
    assert "title='Three days in Lisbon'" in plain[-1]
    assert any("days=None" in p and "title='Three" in p for p in plain)


# --- LangChain ---------------------------------------------------------------------------


def _transform(parser: Any, chunks: list[str]) -> list[Any]:
    try:
        return list(parser.transform(iter(chunks)))
    except Exception as e:
        return [("raised", type(e).__name__)]


@pytest.mark.parametrize("diff", [False, True])
@pytest.mark.parametrize("wrap", ["{}", "```json\n{}\n```", "Sure! Here it is:\n```json\n{}"])
def test_langchain_parser_outputs_are_identical(diff: bool, wrap: str) -> None:
    chunks = token_chunks(wrap.replace("{}", trip_plan()))
    expected = _transform(JsonOutputParser(diff=diff), chunks)
    assert _transform(dj_langchain.DeltaJsonOutputParser(diff=diff), chunks) == expected
    assert len(expected) > 50


@given(documents, st.sampled_from(["{}", "```json\n{}\n```", "Reply:\n```{}"]), cuts)
def test_langchain_parser_matches_on_random_documents(value: Any, wrap: str, at: list[int]) -> None:
    text = wrap.replace("{}", json.dumps(value, ensure_ascii=False))
    chunks = [chunk for chunk in split(text, at) if chunk]
    for diff in (False, True):
        expected = _transform(JsonOutputParser(diff=diff), chunks)
        assert _transform(dj_langchain.DeltaJsonOutputParser(diff=diff), chunks) == expected


@PROCESS_WIDE
def test_langchain_accelerate_swaps_json_output_parser_and_restores() -> None:
    import langchain_core.output_parsers.json as module

    original_parse, original_reader = JsonOutputParser.parse_result, module.parse_json_markdown
    chunks = token_chunks(trip_plan())
    expected = _transform(JsonOutputParser(diff=True), chunks)
    compat.clear()
    with dj_langchain.accelerated():
        assert JsonOutputParser.parse_result is original_parse  # LangChain's own method runs
        assert module.parse_json_markdown is not original_reader  # only its parse step moves
        assert _transform(JsonOutputParser(diff=True), chunks) == expected
    assert compat.cache_info()["langchain"]["hits"] > 100
    assert module.parse_json_markdown is original_reader
    assert "_diff" in JsonOutputParser.__dict__  # LangChain's own, put back


def _refusal_generation() -> Any:
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration

    message = AIMessage(content=[{"type": "refusal", "refusal": "I can't help with that."}])
    return ChatGeneration(message=message)


@pytest.mark.parametrize("partial", [False, True])
def test_langchain_refusals_still_raise_model_refusal_error(partial: bool) -> None:
    """LangChain's own parse_result runs, so its refusal check (added upstream after the
    method was first accelerated) is kept, accelerated or not."""
    from langchain_core.exceptions import ModelRefusalError

    generation = _refusal_generation()
    with pytest.raises(ModelRefusalError):
        JsonOutputParser().parse_result([generation], partial=partial)
    with pytest.raises(ModelRefusalError):
        dj_langchain.DeltaJsonOutputParser().parse_result([generation], partial=partial)
    with dj_langchain.accelerated(), pytest.raises(ModelRefusalError):
        JsonOutputParser().parse_result([generation], partial=partial)


def test_langchain_parse_result_is_langchains_own_code() -> None:
    assert dj_langchain.parse_result.__code__ is JsonOutputParser.parse_result.__code__
    assert dj_langchain.parse_result.__wrapped__ is JsonOutputParser.parse_result


@given(documents, cuts)
def test_shared_diff_is_jsonpatch_make_patch(value: Any, at: list[int]) -> None:
    import jsonpatch

    from deltajson.compat.langchain import parse_partial_json

    text = json.dumps(value)
    previous: Any = None
    for cut in sorted({c % (len(text) + 1) for c in at}):
        try:
            current = parse_partial_json(text[:cut])
        except json.JSONDecodeError:
            continue
        assert (
            dj_langchain.shared_diff(previous, current)
            == jsonpatch.make_patch(previous, current).patch
        )
        previous = current


# --- Switching on and off ----------------------------------------------------------------


@PROCESS_WIDE
@pytest.mark.parametrize("integration", [dj_openai, dj_anthropic, dj_instructor, dj_langchain])
def test_accelerate_is_idempotent_and_restore_puts_everything_back(integration: Any) -> None:
    before = integration._acceleration._plan()
    originals = [owner.__dict__.get(name) for owner, name, _ in before]
    integration.accelerate()
    integration.accelerate()
    assert integration.is_accelerated()
    integration.restore()
    integration.restore()
    assert not integration.is_accelerated()
    assert [owner.__dict__.get(name) for owner, name, _ in before] == originals


@PROCESS_WIDE
def test_openai_accelerate_names_the_call_site() -> None:
    from openai.lib.streaming.chat import _completions

    with dj_openai.accelerated():
        assert _completions.from_json is compat.jiter.from_json
    assert _completions.from_json is jiter.from_json
