"""Differential property tests: random documents, random chunkings, both engines.

For every document and every split (bytes or str): each snapshot obeys DESIGN §3 against the
final value, the final value equals ``json.loads`` of the whole text, and the Rust engine and
the pure-Python twin produce identical snapshot sequences, errors and positions.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltajson
from helpers import (
    assert_chunking_independent,
    assert_engines_agree,
    check_snapshots,
    split,
    stream,
    strict_equal,
)
from strategies import cuts, json_texts

# ---- documents: see strategies.py -------------------------------------------------------


def run_both(chunks: list[Any], **options: Any) -> tuple[list[Any], Any]:
    results = [stream(chunks, backend, **options) for backend in deltajson.BACKENDS]
    snapshots, final, _ = results[0]
    for other_snapshots, other_final, _ in results[1:]:
        assert len(other_snapshots) == len(snapshots)
        for a, b in zip(snapshots, other_snapshots, strict=True):
            assert strict_equal(a, b), (a, b)
        assert strict_equal(final, other_final)
    return snapshots, final


@given(json_texts(), cuts, st.booleans())
def test_any_split_gives_json_loads_and_valid_partials(
    doc: tuple[Any, str], cut: list[int], as_bytes: bool
) -> None:
    _, text = doc
    data: Any = text.encode() if as_bytes else text
    snapshots, final = run_both(split(data, cut))
    assert strict_equal(final, json.loads(text))
    check_snapshots(snapshots, final)


@given(json_texts(), cuts)
def test_strings_appear_whole_without_partial_strings(doc: tuple[Any, str], cut: list[int]) -> None:
    _, text = doc
    snapshots, final = run_both(split(text.encode(), cut), partial_strings=False)
    assert strict_equal(final, json.loads(text))
    check_snapshots(snapshots, final, partial_strings=False)


@given(json_texts())
def test_byte_at_a_time(doc: tuple[Any, str]) -> None:
    _, text = doc
    data = text.encode()
    snapshots, final = run_both([data[i : i + 1] for i in range(len(data))])
    assert strict_equal(final, json.loads(text))
    check_snapshots(snapshots, final)


@given(st.lists(json_texts(), max_size=5), st.sampled_from(["\n", " ", "", "\r\n"]), cuts)
def test_multiple_values(docs: list[tuple[Any, str]], sep: str, cut: list[int]) -> None:
    # Numbers need a separator to end; everything else may be concatenated.
    sep = sep or " "
    text = sep.join(t for _, t in docs)
    snapshots, final = run_both(split(text.encode(), cut), multiple=True)
    assert strict_equal(final, [json.loads(t) for _, t in docs])
    check_snapshots([s for s in snapshots if s is not None], final)


# ---- arbitrary input: same errors, same positions, whatever the chunking -----------------

noise_bytes = st.lists(
    st.sampled_from(
        [bytes([b]) for b in b'[]{}:,"\\ \n0123456789-+.eEtruefalsnNIyu\t']
        + [b"\\ud83d", b"\\ude00", b"\\u00e9"]
        + [
            b"\xc3",
            b"\xa9",
            b"\xff",
            b"\xf0\x9f",
            b"\x98\x80",
            b"\xed\xa0\x80",
            b"\x01",
            b"\xc3\xa9",
        ]
    ),
    max_size=30,
).map(b"".join)


options = st.fixed_dictionaries(
    {},
    optional={
        "multiple": st.booleans(),
        "allow_nan": st.booleans(),
        "partial_strings": st.booleans(),
        "max_depth": st.integers(1, 4),
        "max_string_bytes": st.integers(0, 6),
        "max_bytes": st.integers(0, 30),
        "lenient": st.booleans(),
        "allow_lone_surrogates": st.booleans(),
    },
)


@given(noise_bytes, cuts, options, st.booleans())
def test_engines_agree_on_any_input(
    data: bytes, cut: list[int], opts: dict[str, Any], as_text: bool
) -> None:
    assert_engines_agree(split(data, cut), as_text, **opts)


@given(noise_bytes, cuts, options)
def test_errors_do_not_depend_on_chunking(
    data: bytes, cut: list[int], opts: dict[str, Any]
) -> None:
    assert_chunking_independent(data, split(data, cut), **opts)


@pytest.mark.parametrize("text", ['{"a": [1, 2.5, "x\\u00e9\\ud83d\\ude00"]}', "[]", '"s"', "0"])
def test_every_prefix_is_consistent(text: str, backend: str) -> None:
    final = json.loads(text)
    data = text.encode()
    for i in range(len(data) + 1):
        parser = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
        parser.feed(data[:i])
        check_snapshots([parser.snapshot()], final)
