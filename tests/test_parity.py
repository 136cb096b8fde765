"""Both engines answer alike where a user can tell them apart: option values (accepted, or
refused with the same exception and message), selections of keys with lone surrogates, and
messages that hold backslashes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import deltajson

pytestmark = pytest.mark.skipif(len(deltajson.BACKENDS) < 2, reason="needs both engines")

_OPTION_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, 2**32, 2**64 - 1, 2**64, -1]),
    st.floats(allow_nan=False),
    st.text(max_size=3),
    st.sampled_from(["float", "decimal", "lossless-float", b"float"]),
    st.lists(st.integers(), max_size=1),
)
_OPTIONS = (
    "max_depth",
    "max_bytes",
    "max_string_bytes",
    "partial_strings",
    "multiple",
    "allow_nan",
    "float_mode",
    "lenient",
    "allow_lone_surrogates",
)


def _outcome(backend: str, options: dict[str, Any]) -> tuple[str, str]:
    try:
        deltajson.Parser(backend=backend, **options)  # type: ignore[arg-type]
    except Exception as e:
        return type(e).__name__, str(e)
    return "ok", ""


@given(st.dictionaries(st.sampled_from(_OPTIONS), _OPTION_VALUES, max_size=3))
def test_option_values_are_judged_alike(options: dict[str, Any]) -> None:
    assert _outcome("rust", options) == _outcome("python", options)


@given(
    st.text(alphabet=st.sampled_from(["a", "\ud800", "\udfff", "é", "*"]), min_size=1, max_size=3),
    st.sampled_from([True, False]),
)
def test_selecting_keys_with_lone_surrogates(key: str, drop: bool) -> None:
    import json

    document = json.dumps({key: [1, {"b": 2}], "other": [3]})
    assume(key in json.loads(document))  # "\ud800\udfff" reads back as one character
    results = []
    for backend in ("rust", "python"):
        parser = deltajson.Parser(backend=backend)
        parser.select((key, "*"), drop=drop)
        parser.feed(document)
        parser.finish()
        results.append(parser.pop_selected())
    assert results[0] == results[1]
    if key != "*":
        assert [value for _, value in results[0]] == [1, {"b": 2}]


def test_the_lone_surrogate_message_is_the_same() -> None:
    messages = []
    for backend in ("rust", "python"):
        parser = deltajson.Parser(backend=backend, allow_lone_surrogates=False)
        with pytest.raises(deltajson.JSONError) as info:
            parser.feed('["\\ud800"]')
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "a \\uD800-\\uDFFF escape" in messages[0]
