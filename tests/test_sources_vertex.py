"""Vertex AI's streamed function-call arguments (``partialArgs``: path-addressed typed
pieces) through ``sources.gemini``: the real google-genai client (Vertex AI express mode)
on the loopback replay of recorded Vertex-shaped events (``tests/provider_sse.py``), the
raw wire's dicts, and the folding itself over generated documents and splits."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from google import genai
from google.genai import types
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

import deltajson
from deltajson import sources
from deltajson._partial_args import ArgsWriter, parse_json_path
from deltajson.sources import _either
from helpers import check_snapshots
from loopback import Replay
from provider_sse import (
    VERTEX_ROUTE,
    VERTEX_WEATHER,
    _leaves,
    _partial_arg,
    fixture,
    replay_of_fixtures,
)
from strategies import finite_scalars, plain_text

CONFIG = types.GenerateContentConfig(
    automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    tool_config=types.ToolConfig(
        function_calling_config=types.FunctionCallingConfig(stream_function_call_arguments=True)
    ),
)


class Stop(BaseModel):
    city: str
    nights: float
    sights: list[str]


class Route(BaseModel):
    origin: dict[str, str]
    stops: list[Stop]
    by_train: bool
    budget: Optional[int]
    legs: list[list[int]]
    note: str


class GetWeather(BaseModel):
    city: str
    unit: str
    days: int


@pytest.fixture(scope="module")
def server() -> Iterator[Replay]:
    with replay_of_fixtures() as replay:
        yield replay


def vertex(server: Replay) -> genai.Client:
    return genai.Client(
        vertexai=True, api_key="test", http_options=types.HttpOptions(base_url=server.url)
    )


def calls_of(deltas: Any) -> dict[tuple[int, Optional[str]], list[str]]:
    found: dict[tuple[int, Optional[str]], list[str]] = {}
    for index, name, text in deltas:
        found.setdefault((index, name), []).append(text)
    return found


def test_partial_args_fold_into_each_calls_json(server: Replay) -> None:
    client = vertex(server)  # kept: the client closes its connection when collected
    stream = client.models.generate_content_stream(
        model="vertex_partial_args", contents="Plan", config=CONFIG
    )
    calls = calls_of(sources.gemini(stream))
    assert (
        "/publishers/google/models/vertex_partial_args:streamGenerateContent"
        in (server.requests[-1]["path"])
    )
    assert list(calls) == [(0, None), (1, "plan_route"), (2, "get_weather")]
    assert "".join(calls[(0, None)]) == "Planning the route."
    assert json.loads("".join(calls[(1, "plan_route")])) == VERTEX_ROUTE
    assert json.loads("".join(calls[(2, "get_weather")])) == VERTEX_WEATHER
    assert len(calls[(1, "plan_route")]) > 5  # streamed, not sent whole
    # The raw wire's decoded events give the very same deltas.
    raw = calls_of(sources.gemini(sources.sse_events([fixture("vertex_partial_args.sse")])))
    assert raw == calls


def test_same_ops_and_done_events_as_a_text_stream(server: Replay, backend: str) -> None:
    client = vertex(server)  # kept: the client closes its connection when collected
    stream = client.models.generate_content_stream(
        model="vertex_partial_args", contents="Plan", config=CONFIG
    )
    pieces = calls_of(sources.gemini(stream))[(1, "plan_route")]
    text = "".join(pieces)
    folded = deltajson.Parser(backend=backend)
    folded.done()
    snapshots, ops, done = [], [], []
    folded.changes()
    for piece in pieces:
        folded.feed(piece)
        snapshots.append(folded.snapshot())
        ops.extend(folded.changes())
        done.extend(folded.done())
    final = folded.finish()
    whole = deltajson.Parser(backend=backend)
    whole.done()
    whole.feed(text)
    assert final == whole.finish() == VERTEX_ROUTE
    assert done == whole.done()  # every array and object finalised, in the same order
    assert [p for p, _ in done][-1] == ()
    check_snapshots(snapshots, final)
    replayed = deltajson.apply_patch(None, deltajson.to_json_patch(ops))
    assert replayed == final


@pytest.mark.parametrize("typed", ["model", "json_schema"])
def test_typed_partials_and_parallel_calls(server: Replay, typed: str, backend: str) -> None:
    tools: dict[str, Any] = {"plan_route": Route, "get_weather": GetWeather}
    if typed == "json_schema":
        tools = {name: model.model_json_schema() for name, model in tools.items()}
    client = vertex(server)  # kept: the client closes its connection when collected
    stream = client.models.generate_content_stream(
        model="vertex_partial_args", contents="Plan", config=CONFIG
    )
    updates = list(deltajson.stream_tool_calls(sources.gemini(stream), tools, backend=backend))
    finals = [u for u in updates if u.final]
    assert [(u.index, u.name) for u in finals] == [(1, "plan_route"), (2, "get_weather")]
    expected = [Route.model_validate(VERTEX_ROUTE), GetWeather.model_validate(VERTEX_WEATHER)]
    if typed == "json_schema":
        expected = [VERTEX_ROUTE, VERTEX_WEATHER]
    assert [u.model for u in finals] == expected
    partial_routes = [u.model for u in updates if u.index == 1 and not u.final]
    assert len(partial_routes) > 5
    # The first call is final before the second begins (kept apart).
    assert updates.index(finals[0]) < min(i for i, u in enumerate(updates) if u.index == 2)


def test_the_async_client(server: Replay) -> None:
    async def run() -> Any:
        client = vertex(server)
        stream = await client.aio.models.generate_content_stream(
            model="vertex_partial_args", contents="Plan", config=CONFIG
        )
        text = sources.texts(sources.gemini(stream), "get_weather")
        return await deltajson.astream_model(text, GetWeather).get_final()

    assert asyncio.run(run()) == GetWeather.model_validate(VERTEX_WEATHER)


def test_a_cut_stream_leaves_the_call_open(server: Replay) -> None:
    client = vertex(server)  # kept: the client closes its connection when collected
    stream = client.models.generate_content_stream(
        model="vertex_partial_args_cut", contents="Plan", config=CONFIG
    )
    with pytest.raises(deltajson.StreamError, match="ended incomplete") as caught:
        list(deltajson.stream_tool_calls(sources.gemini(stream), {"plan_route": Route}))
    assert caught.value.partial.origin == {"city": "Lisbon", "country": "PT"}
    assert not caught.value.raw.endswith("}")  # never closed into a complete-looking value


# ---- the folding itself -------------------------------------------------------------------

# Objects and arrays without empty containers (a piece addresses a scalar: an empty array or
# object has no path to arrive by).
leaf_values = finite_scalars
trees = st.recursive(
    leaf_values,
    lambda children: (
        st.lists(children, min_size=1, max_size=4)
        | st.dictionaries(plain_text, children, min_size=1, max_size=4)
    ),
    max_leaves=25,
)
documents = st.dictionaries(plain_text, trees, min_size=1, max_size=5)


def _pieces(doc: Any, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    args = []
    for path, leaf in _leaves(doc):
        if isinstance(leaf, str) and len(leaf) > 1:
            cut = rng.randint(1, len(leaf) - 1)
            args += [_partial_arg(path, leaf[:cut], more=True), _partial_arg(path, leaf[cut:])]
        else:
            args.append(_partial_arg(path, leaf))
    return args


@given(doc=documents, seed=st.integers(0, 1000))
def test_folding_gives_back_any_document(doc: Any, seed: int) -> None:
    writer = ArgsWriter()
    text = "".join(writer.piece(arg, _either) for arg in _pieces(doc, seed)) + writer.close()
    value = json.loads(text)
    expected = json.loads(json.dumps(doc))
    # Numbers are doubles on the wire: an integer arrives as itself, a float as a float.
    assert value == expected


def test_json_paths_and_bad_pieces() -> None:
    assert parse_json_path("$.foo.bar[0].data") == ("foo", "bar", 0, "data")
    assert parse_json_path('$[\'a b\'][12]["c\\"d"].café') == ("a b", 12, 'c"d', "café")
    for bad in ("foo", "$.a[*]", "$..a", "$.a[-1]"):
        with pytest.raises(ValueError):
            parse_json_path(bad)
    writer = ArgsWriter()
    writer.piece({"jsonPath": "$.a[0]", "numberValue": 1}, _either)
    with pytest.raises(ValueError, match="item 2 of an array of 1"):
        writer.piece({"jsonPath": "$.a[2]", "numberValue": 1}, _either)
    chunk = {
        "candidates": [
            {
                "content": {
                    "parts": [
                        {"functionCall": {"name": "f", "willContinue": True}},
                        {"functionCall": {"partialArgs": [{"jsonPath": "$[0]"}]}},
                    ]
                }
            }
        ]
    }
    with pytest.raises(deltajson.ProviderError, match="partial arguments cannot be read"):
        list(sources.gemini([chunk]))
