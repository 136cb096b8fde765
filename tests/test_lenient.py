"""lenient=True: JSON wrapped the way LLMs wrap it, every repair reported."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltajson
from helpers import split

REPLIES = {
    "fenced with language": (
        'Sure! Here is the JSON you asked for:\n\n```json\n{"name": "Ada", "tags": ["math"]}\n```\n'
        "Let me know if you need anything else.",
        {"name": "Ada", "tags": ["math"]},
    ),
    "bare fence": ("```\n[1, 2, 3]\n```", [1, 2, 3]),
    "prose only": ('The answer is {"ok": true} as requested.', {"ok": True}),
    "trailing commas": ('{"a": [1, 2,], "b": {"c": 3,},}', {"a": [1, 2], "b": {"c": 3}}),
    "clean": ('  {"x": 1}\n', {"x": 1}),
    "unicode prose": ('Voilà 😀 :\n```json\n{"é": "ü"}\n```', {"é": "ü"}),
}


def offset_of(text: str, needle: str, start: int = 0) -> int:
    return len(text[: text.index(needle, start)].encode())


@pytest.mark.parametrize("name", list(REPLIES))
def test_llm_replies(name: str, backend: str) -> None:
    text, expected = REPLIES[name]
    p = deltajson.Parser(lenient=True, backend=backend)  # type: ignore[arg-type]
    for chunk in split(text, [3, 11, 25, 40]):
        p.feed(chunk)
    assert p.finish() == expected
    # Strict mode (the default) rejects the same text unless it is plain JSON.
    if name != "clean":
        with pytest.raises(deltajson.JSONError):
            deltajson.loads(text, partial=False, backend=backend)  # type: ignore[arg-type]


def test_every_repair_is_reported(backend: str) -> None:
    text, _ = REPLIES["fenced with language"]
    p = deltajson.Parser(lenient=True, backend=backend)  # type: ignore[arg-type]
    p.feed(text)
    p.finish()
    start = offset_of(text, "{")
    after = offset_of(text, "```", start)
    assert p.repairs == [
        ("skipped_prefix", 0, start),
        ("ignored_suffix", after, len(text.encode()) - after),
    ]
    text = REPLIES["trailing commas"][0]
    assert deltajson.Parser(lenient=True, backend=backend).repairs == []  # type: ignore[arg-type]
    q = deltajson.Parser(lenient=True, backend=backend)  # type: ignore[arg-type]
    q.feed(text)
    assert q.repairs == [
        ("trailing_comma", offset_of(text, ",]"), 1),
        ("trailing_comma", offset_of(text, ",}"), 1),
        ("trailing_comma", offset_of(text, ",}", offset_of(text, ",}") + 1), 1),
    ]


def test_clean_json_needs_no_repair(backend: str) -> None:
    p = deltajson.Parser(lenient=True, backend=backend)  # type: ignore[arg-type]
    p.feed(REPLIES["clean"][0])
    p.finish()
    assert p.repairs == []


def test_partial_values_stream_inside_the_fence(backend: str) -> None:
    p = deltajson.Parser(lenient=True, backend=backend)  # type: ignore[arg-type]
    seen = []
    for chunk in ["Here:\n```json\n", '{"title": "Hel', 'lo"', "}\n```", "\nDone."]:
        p.feed(chunk)
        seen.append((p.snapshot(), p.status))
    assert seen == [
        (None, "empty"),
        ({"title": "Hel"}, "partial"),
        ({"title": "Hello"}, "partial"),
        ({"title": "Hello"}, "complete"),
        ({"title": "Hello"}, "complete"),
    ]


def test_still_strict_inside_the_value(backend: str) -> None:
    with pytest.raises(deltajson.JSONError, match="expected ',' or ']'"):
        deltajson.loads("Here: [1 2]", lenient=True, backend=backend)  # type: ignore[arg-type]
    with pytest.raises(deltajson.IncompleteJSONError):
        deltajson.loads("no JSON at all", partial=False, lenient=True, backend=backend)  # type: ignore[arg-type]


def test_lenient_reads_one_value_or_with_multiple_each_one(backend: str) -> None:
    reply = 'First:\n```json\n{"v": 1}\n```\nThen:\n```json\n[2]\n```\nDone.'
    assert deltajson.loads(reply, lenient=True, backend=backend) == {"v": 1}  # type: ignore[arg-type]
    parser = deltajson.Parser(lenient=True, multiple=True, backend=backend)  # type: ignore[arg-type]
    parser.feed(reply)
    assert parser.finish() == [{"v": 1}, [2]]
    first, second = offset_of(reply, "{"), offset_of(reply, "[")
    end = offset_of(reply, "```", second)
    assert parser.repairs == [
        ("skipped_prefix", 0, first),
        ("skipped_prefix", first + 9, second - first - 9),  # from the fence after the value
        ("ignored_suffix", end, len(reply) - end),
    ]


@given(
    st.sampled_from(list(REPLIES)),
    st.lists(st.integers(min_value=0), max_size=12),
    st.booleans(),
)
def test_repairs_do_not_depend_on_chunking(name: str, cut: list[int], as_bytes: bool) -> None:
    text, expected = REPLIES[name]
    data: Any = text.encode() if as_bytes else text
    outcomes = []
    for backend in deltajson.BACKENDS:
        for chunks in ([data], split(data, cut)):
            p = deltajson.Parser(lenient=True, backend=backend)  # type: ignore[arg-type]
            for chunk in chunks:
                p.feed(chunk)
            outcomes.append((p.finish(), p.repairs))
    assert all(o == outcomes[0] for o in outcomes)
    assert outcomes[0][0] == expected
