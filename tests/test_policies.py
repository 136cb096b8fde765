"""Streaming policies (``StreamDone``, ``StreamNotNull``, ``StreamWithState`` and the
``x-deltajson-stream`` keyword), on a Pydantic model and on its own ``model_json_schema()``,
over documents drawn from that schema, in every chunking, on both engines:

- the final value is unchanged: Pydantic's ``model_validate_json`` of the text for the model,
  the document itself for the JSON Schema;
- a ``done`` value never shows before it is complete (wherever it shows, it is its final
  value); an object with a ``not_null`` field never shows while that field is null or
  absent, unless complete; a ``with_state`` field of an open object shows as its value and
  a state that only moves forward (pending, incomplete, complete), its value complete when
  the state says so;
- the model's partials and the JSON Schema's show the same at every chunk;
- without ``with_state``, JSON Schema partials still obey the parser's growth rules.
"""

from __future__ import annotations

import copy
import json
from typing import Annotated, Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import BaseModel, ConfigDict

import deltajson
from deltajson import (
    STREAM_KEYWORD,
    StreamDone,
    StreamNotNull,
    StreamState,
    StreamWithState,
    stream_model,
)
from helpers import check_snapshots, split
from strategies import cuts


class Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")  # the schema allows no other keys

    source: str
    rank: int


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")  # the schema allows no other keys

    id: Annotated[str, StreamNotNull()]
    url: Annotated[str, StreamDone()]
    note: Annotated[str, StreamWithState()]


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")  # the schema allows no other keys

    title: Annotated[str, StreamWithState()]
    links: list[Link]
    tags: list[Annotated[str, StreamDone()]]
    meta: Annotated[Optional[Meta], StreamDone()]
    status: Annotated[str, StreamDone(), StreamWithState()]


class Plain(BaseModel):
    """``Link`` and ``Page`` without ``with_state``: growth rules must hold."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StreamNotNull()]
    url: Annotated[str, StreamDone()]
    tags: list[Annotated[str, StreamDone()]]
    parts: list[Annotated[Meta, StreamDone()]]


PAGE_SCHEMA = Page.model_json_schema()
PLAIN_SCHEMA = Plain.model_json_schema()


def stripped(schema: Any) -> Any:
    """The schema without the policy keyword (for hypothesis-jsonschema), as a new copy."""
    if isinstance(schema, dict):
        return {k: stripped(v) for k, v in schema.items() if k != STREAM_KEYWORD}
    if isinstance(schema, list):
        return [stripped(v) for v in schema]
    return copy.deepcopy(schema)


PAGES = from_schema(stripped(PAGE_SCHEMA))
PLAINS = from_schema(stripped(PLAIN_SCHEMA))


def partials_of(contract: Any, chunks: list[str], backend: str, **options: Any) -> list[Any]:
    return list(stream_model(iter(chunks), contract, backend=backend, **options))


def shown(partial: Any) -> Any:
    """A partial model as the plain value a JSON Schema partial shows: the fields set
    (complete models: all of them), states as ``{"value", "state"}`` dicts."""
    if isinstance(partial, StreamState):
        return {"value": shown(partial.value), "state": partial.state}
    if isinstance(partial, BaseModel):
        if not hasattr(type(partial), "__deltajson_model__"):  # a complete model
            return {name: shown(getattr(partial, name)) for name in type(partial).model_fields}
        return {
            name: shown(value)
            for name, value in partial.__dict__.items()
            if name in partial.__pydantic_fields_set__ or isinstance(value, StreamState)
        }
    if isinstance(partial, list):
        return [shown(item) for item in partial]
    return partial


def check_page(partial: dict[str, Any], final: dict[str, Any], states: dict[Any, int]) -> None:
    """The policies' promises for one partial of a page (as plain values)."""
    order = {"pending": 0, "incomplete": 1, "complete": 2}
    for name in ("title", "status"):
        state = partial.get(name)
        assert isinstance(state, dict) and set(state) == {"value", "state"}, partial
        rank = order[state["state"]]
        assert rank >= states.get(name, 0), (name, partial)
        states[name] = rank
        if state["state"] == "pending":
            assert state["value"] is None
        elif state["state"] == "complete":
            assert state["value"] == final[name]
        elif name == "title":
            assert final[name].startswith(state["value"])
        else:  # done and with_state: incomplete shows no value
            assert state["value"] is None
    for i, link in enumerate(partial.get("links") or []):
        assert link.get("id") is not None  # not_null
        if "url" in link:
            assert link["url"] == final["links"][i]["url"]  # done
        note = link.get("note")
        if isinstance(note, dict):  # the open link's state; a complete one is plain
            assert note["state"] in order
    for i, tag in enumerate(partial.get("tags") or []):
        assert tag == final["tags"][i]
    if partial.get("meta") is not None:
        assert partial["meta"] == final["meta"]


@pytest.mark.parametrize("backend", deltajson.BACKENDS)
@settings(max_examples=40)
@given(doc=PAGES, at=cuts, whole=st.booleans())
def test_policies_on_the_model_and_its_json_schema(
    backend: str, doc: Any, at: list[int], whole: bool
) -> None:
    text = json.dumps(doc)
    chunks = list(text) if whole and len(text) < 400 else split(text, at)
    expected = Page.model_validate_json(text)
    models = partials_of(Page, chunks, backend)
    dicts = partials_of(PAGE_SCHEMA, chunks, backend)
    assert models[-1] == expected  # Pydantic's final value, policies or not
    assert repr(models[-1]) == repr(partials_of(Page, [text], backend)[-1])
    assert dicts[-1] == json.loads(text)
    assert [shown(p) for p in models[:-1]] == dicts[:-1]
    states: dict[Any, int] = {}
    for partial in dicts[:-1]:
        check_page(partial, json.loads(text), states)


@pytest.mark.parametrize("backend", deltajson.BACKENDS)
@settings(max_examples=40)
@given(doc=PLAINS, at=cuts)
def test_done_and_not_null_keep_the_growth_rules(backend: str, doc: Any, at: list[int]) -> None:
    text = json.dumps(doc)
    value = json.loads(text)
    for chunks in ([list(text)] if len(text) < 400 else []) + [split(text, at)]:
        dicts = partials_of(PLAIN_SCHEMA, chunks, backend)
        assert dicts[-1] == value
        check_snapshots(dicts[:-1], value)
        for partial in dicts[:-1]:
            assert partial.get("id") is not None or partial is None
            assert "url" not in partial or partial["url"] == value["url"]
        models = partials_of(Plain, chunks, backend, copy=False)
        assert models[-1] == Plain.model_validate_json(text)


def test_a_root_not_null_field_holds_back_every_partial(backend: str) -> None:
    chunks = [
        '{"url": "https://ex',
        'ample.com", "tags": ["a"], "parts": [',
        "], ",
        '"id": "x',
        '1"}',
    ]
    partials = partials_of(PLAIN_SCHEMA, chunks, backend)
    assert partials[0] == {"url": "https://example.com", "tags": ["a"], "parts": [], "id": "x"}
    models = partials_of(Plain, chunks, backend)
    assert [shown(p) for p in models[:-1]] == partials[:-1]


def test_readme_policies_example_shapes(backend: str) -> None:
    schema = {
        "type": "object",
        "properties": {
            "url": {"type": "string", STREAM_KEYWORD: "done"},
            "status": {"enum": ["draft", "final"], STREAM_KEYWORD: ["done", "with_state"]},
        },
    }
    chunks = ['{"url": "https://ex', 'ample.com/a", "status": "fi', 'nal"}']
    assert partials_of(schema, chunks, backend) == [
        {"status": {"value": None, "state": "pending"}},
        {"url": "https://example.com/a", "status": {"value": None, "state": "incomplete"}},
        {"url": "https://example.com/a", "status": "final"},
    ]


def test_markers() -> None:
    assert StreamDone() == StreamDone() and StreamDone() != StreamNotNull()
    assert repr(StreamWithState()) == "StreamWithState()"
    assert Link.model_json_schema()["properties"]["url"][STREAM_KEYWORD] == "done"
    assert PAGE_SCHEMA["properties"]["status"][STREAM_KEYWORD] == ["done", "with_state"]
