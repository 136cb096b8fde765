"""repair=True at the edges independent testing found (issue 24, items 6-13).

Each case is a document and the value it means (or the error it must raise), read by both
engines in one chunk, one byte at a time (bytes), one character at a time (str) and in random
chunkings: the same value, the same repairs, or the same error at the same place.

6.  A number followed by a character whose bytes arrive in two feeds.
7.  A number followed by a character beyond ASCII: one word (``20°C``), as ``20C`` is.
8.  Valid JSON reads as in strict mode, limits included (``[null ]``).
9.  A fixed number before a missing comma (``[.5 [1]]``).
10. A literal before a missing comma or a comment (``[true 2]``, ``{"a": true # c}``).
11. A held quote and whitespace cost each feed what it brings (the Python engine copied what
    was held on every character).
12. ``max_string_bytes`` counts the bytes of strings of the result, as strict mode does.
13. ``repairs`` only grows.
"""

from __future__ import annotations

import json
import tracemalloc
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltajson
from deltajson._pure import repair_states as pure_repair_states
from deltajson._pure import scalars as pure_scalars
from deltajson._pure import scanner as pure_scanner
from deltajson._pure import states as pure_states
from deltajson._pure import strings as pure_strings
from deltajson._pure import words as pure_words
from helpers import (
    assert_chunking_independent,
    assert_engines_agree,
    check_snapshots,
    error_fields,
    outcome,
    split,
    stream,
    strict_equal,
)
from strategies import cuts, documents, json_texts
from test_repair import broken_texts, repair_options


@dataclass(frozen=True)
class Case:
    """A document, the options it is read with (repair=True added) and what it means: a
    value with its repairs, or an error (message, byte offset)."""

    item: int
    text: str
    meant: Any = None
    repairs: Optional[list[tuple[str, int, int]]] = None
    fails: Optional[tuple[str, int]] = None
    options: dict[str, Any] = field(default_factory=dict)


def too_long(limit: int, offset: int) -> tuple[str, int]:
    return (f"string is longer than max_string_bytes={limit}", offset)


HELD = " \n" * 60

CASES = [
    # 6: the bytes of the character arrive one by one; with a limit, the error is where the
    # character passes it.
    Case(6, "[1é]", ["1é"], [("unquoted_value", 1, 3)]),
    Case(6, "[1é]", fails=too_long(2, 3), options={"max_string_bytes": 2}),
    Case(6, "[1.5€ , -2°]", ["1.5€", "-2°"], [("unquoted_value", 1, 6), ("unquoted_value", 10, 4)]),
    # 7
    Case(7, '{"t": 20°C}', {"t": "20°C"}, [("unquoted_value", 6, 5)]),
    Case(7, '{"p": 5€}', {"p": "5€"}, [("unquoted_value", 6, 4)]),
    Case(7, "[3½ cups]", ["3½ cups"], [("unquoted_value", 1, 8)]),
    Case(7, '{"t": 20C}', {"t": "20C"}, [("unquoted_value", 6, 3)]),
    Case(7, "{temp: 20°C, ok: 東京}", {"temp": "20°C", "ok": "東京"}),
    # 8
    Case(8, "[null ]", [None], [], options={"max_string_bytes": 1}),
    Case(8, '{"a": [true , false ]}', {"a": [True, False]}, [], options={"max_string_bytes": 1}),
    Case(8, '["ab"  , "cd" ]', ["ab", "cd"], [], options={"max_string_bytes": 2}),
    # 9
    Case(9, "[.5 [1]]", [0.5, [1]], [("number_fixed", 1, 2), ("missing_comma", 4, 0)]),
    Case(
        9,
        '[1_000 {"a": 1}]',
        [1000, {"a": 1}],
        [("number_fixed", 1, 5), ("missing_comma", 7, 0)],
    ),
    Case(
        9,
        "[.5 .25 +3]",
        [0.5, 0.25, 3],
        [
            ("number_fixed", 1, 2),
            ("missing_comma", 4, 0),
            ("number_fixed", 4, 3),
            ("missing_comma", 8, 0),
            ("number_fixed", 8, 2),
        ],
    ),
    Case(9, "[1_000 apples]", ["1_000 apples"], [("unquoted_value", 1, 12)]),
    # 10
    Case(10, "[true 2]", [True, 2], [("missing_comma", 6, 0)]),
    Case(10, '{"a": true # c}', {"a": True}, [("comment", 11, 4), ("truncated", 15, 0)]),
    Case(10, '{"a": true # c\n}', {"a": True}, [("comment", 11, 3)]),
    Case(
        10,
        "[None 'x', False {}]",
        [None, "x", False, {}],
        [
            ("python_literal", 1, 4),
            ("missing_comma", 6, 0),
            ("single_quotes", 6, 1),
            ("python_literal", 11, 5),
            ("missing_comma", 17, 0),
        ],
    ),
    Case(
        10,
        "[True Love, tru 2]",
        ["True Love", "tru 2"],
        [("unquoted_value", 1, 9), ("unquoted_value", 12, 5)],
    ),
    Case(10, "[1 2]", [1, 2], [("missing_comma", 3, 0)]),
    # 11
    Case(
        11,
        '{"q": "he said "' + HELD + 'hi" to me"}',
        {"q": 'he said "' + HELD + 'hi" to me'},
        [("inner_quote", 15, 1), ("inner_quote", 138, 1)],
    ),
    # 12
    Case(12, "[NaN]", fails=too_long(1, 2), options={"max_string_bytes": 1}),
    Case(12, "[Infinity]", fails=too_long(2, 3), options={"max_string_bytes": 2}),
    Case(12, "[-]", fails=too_long(0, 1), options={"max_string_bytes": 0}),
    Case(12, "[-]", ["-"], [("unquoted_value", 1, 1)], options={"max_string_bytes": 1}),
    Case(12, '"abcd"', fails=too_long(2, 3), options={"max_string_bytes": 2}),
    Case(
        12,
        '{"a": abc   }',
        {"a": "abc"},
        [("unquoted_value", 6, 3)],
        options={"max_string_bytes": 3},
    ),
    Case(12, "{abc  : 1}", {"abc": 1}, [("unquoted_key", 1, 3)], options={"max_string_bytes": 3}),
    Case(12, "[ab  cd]", fails=too_long(3, 4), options={"max_string_bytes": 3}),
    Case(12, "[1_000_000, .5]", [1000000, 0.5], options={"max_string_bytes": 0}),
    Case(
        12,
        '"abcd" {"a": "cd"}',
        {"a": "cd"},
        [("skipped_prefix", 0, 7)],
        options={"max_string_bytes": 2},
    ),
    Case(
        12,
        "[NaN, Infinity]",
        [float("nan"), float("inf")],
        [],
        options={"max_string_bytes": 0, "allow_nan": True},
    ),
]
IDS = [f"{c.item}-{c.text[:24]!r}-{c.options}" for c in CASES]


def _ways(text: str) -> dict[str, list[Any]]:
    data = text.encode()
    return {
        "one chunk (bytes)": [data],
        "one chunk (str)": [text],
        "a byte at a time": [data[i : i + 1] for i in range(len(data))],
        "a character at a time": list(text),
    }


WAYS = ["one chunk (bytes)", "one chunk (str)", "a byte at a time", "a character at a time"]


def _check(case: Case, backend: str, chunks: list[Any]) -> None:
    """The stream reads as the case means: its value and repairs with snapshots that only
    grow, or its error."""
    options = {"repair": True, **case.options}
    if case.fails is not None:
        trace = outcome(backend, chunks, **options)
        assert trace[-1][0] == "error", trace[-1]
        assert (trace[-1][2], trace[-1][3]) == case.fails
        return
    snapshots, final, parser = stream(chunks, backend, **options)
    assert strict_equal(final, case.meant), final
    if case.repairs is not None:
        assert parser.repairs == case.repairs
    check_snapshots(snapshots, final)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_case_reads_as_meant(case: Case, way: str, backend: str) -> None:
    _check(case, backend, _ways(case.text)[way])


@given(st.sampled_from(CASES), cuts, st.booleans())
def test_each_case_in_random_chunkings(case: Case, cut: list[int], as_bytes: bool) -> None:
    data: Any = case.text.encode() if as_bytes else case.text
    for backend in deltajson.BACKENDS:
        _check(case, backend, split(data, cut))


def _not_json(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


@pytest.mark.parametrize("case", [c for c in CASES if c.item in (8, 12)], ids=str)
def test_valid_json_reads_as_in_strict_mode(case: Case, backend: str) -> None:
    # Items 8 and 12: where the case is valid JSON, strict mode gives the same value or the
    # same error (message, offset, line, column).
    try:
        nan = {} if case.options.get("allow_nan") else {"parse_constant": _not_json}
        json.loads(case.text, **nan)
    except ValueError:
        return
    for chunks in _ways(case.text).values():
        strict = outcome(backend, chunks, **case.options)
        repaired = outcome(backend, chunks, repair=True, **case.options)
        assert repr(repaired[-1]) == repr(strict[-1])


# ---- the rules as properties -----------------------------------------------------------

# A word beyond ASCII: no byte that ends a word (a comma, a bracket, a quote, a slash, a
# control character) and no space at its ends.
beyond_ascii = st.characters(min_codepoint=0x80, exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc"))
word_chars = beyond_ascii | st.sampled_from("abcXYZ09_.%-")


@given(
    st.integers(-(10**6), 10**6) | st.floats(allow_nan=False, allow_infinity=False, width=32),
    beyond_ascii,
    st.text(word_chars, max_size=6),
    cuts,
    st.booleans(),
)
def test_a_number_and_a_word_beyond_ascii_are_one_word(
    number: Any, first: str, rest: str, cut: list[int], as_bytes: bool
) -> None:
    # Items 6 and 7: `20°C` is text, as `20C` is, whatever the script and the chunking.
    word = json.dumps(number) + first + rest
    text = "[" + word + ", {'w': " + word + "}]"
    data: Any = text.encode() if as_bytes else text
    for backend in deltajson.BACKENDS:
        snapshots, final, _ = stream(split(data, cut), backend, repair=True)
        assert final == [word, {"w": word}]
        check_snapshots(snapshots, final)


# Literals and numbers as models write them, and what they mean.
atoms = st.sampled_from(
    [
        ("true", True),
        ("False", False),
        ("None", None),
        ("null", None),
        (".5", 0.5),
        ("+1", 1),
        ("1_000", 1000),
        ("1.", 1.0),
        ("-.25", -0.25),
        ("1e", 1),
        ("7", 7),
    ]
)
# What may follow one after spaces, its comma missing: the next item, or a comment.
next_items = st.sampled_from(
    [
        ("2", 2),
        ("-3", -3),
        ("+4", 4),
        (".5", 0.5),
        ("[1]", [1]),
        ('{"a": 1}', {"a": 1}),
        ("'x'", "x"),
        ('"y"', "y"),
        ("# note\n", None),
        ("// note\n", None),
        ("/* note */", None),
    ]
)


@given(atoms, st.integers(1, 3), next_items, cuts, st.booleans())
def test_a_literal_or_number_then_the_next_item_without_a_comma(
    atom: tuple[str, Any], spaces: int, item: tuple[str, Any], cut: list[int], as_bytes: bool
) -> None:
    # Items 9 and 10: as `[1 2]` is `[1, 2]`, `[true 2]` is `[true, 2]`, `[.5 [1]]` is
    # `[0.5, [1]]`; a comment after the atom is a comment.
    (atom_text, atom_value), (item_text, item_value) = atom, item
    text = "[" + atom_text + " " * spaces + item_text + "]"
    meant = [atom_value] if item_text[0] in "#/" else [atom_value, item_value]
    kinds = {"comment"} if item_text[0] in "#/" else {"missing_comma"}
    data: Any = text.encode() if as_bytes else text
    for backend in deltajson.BACKENDS:
        snapshots, final, parser = stream(split(data, cut), backend, repair=True)
        assert strict_equal(final, meant), (text, final)
        assert kinds <= {kind for kind, _, _ in parser.repairs}, parser.repairs
        check_snapshots(snapshots, final)


limits = st.fixed_dictionaries(
    {"max_string_bytes": st.integers(0, 8)}, optional={"max_depth": st.integers(1, 4)}
)


@given(json_texts(documents), limits, cuts, st.booleans())
def test_valid_json_keeps_strict_limits(
    doc: tuple[Any, str], options: dict[str, Any], cut: list[int], as_bytes: bool
) -> None:
    # Items 8 and 12: valid JSON reads in repair mode as in strict mode, limits included:
    # the same value with no repair, or the same error at the same place.
    _, text = doc
    data: Any = text.encode("utf-8", "surrogatepass") if as_bytes else text
    chunks = split(data, cut)
    for backend in deltajson.BACKENDS:
        strict = outcome(backend, chunks, **options)
        repaired = outcome(backend, chunks, repair=True, **options)
        assert repr(repaired[-1]) == repr(strict[-1]), text
        if strict[-1][0] == "final":
            assert repaired[-2][-1] == []  # no repair


def test_limit_errors_match_strict_mode_in_every_field(backend: str) -> None:
    # A document that is one string: strict mode fails while it streams; repair mode when the
    # input ends (the text could have been prose before a `{`), with the same error and the
    # same partial value.
    for text, limit in (('  "abcd"  ', 2), ('"a\\nbé"', 4), ('"caf\u00e9"', 4)):
        strict = deltajson.Parser(max_string_bytes=limit, backend=backend)  # type: ignore[arg-type]
        with pytest.raises(deltajson.JSONError) as expected:
            strict.feed(text)
        repaired = deltajson.Parser(repair=True, max_string_bytes=limit, backend=backend)  # type: ignore[arg-type]
        repaired.feed(text)
        with pytest.raises(deltajson.JSONError) as got:
            repaired.finish()
        assert error_fields(got.value) == error_fields(expected.value)
        assert got.value.excerpt == expected.value.excerpt
        assert repaired.snapshot() == strict.snapshot()
        assert repaired.status == "error"


# The text before any bracket is also read strictly (a document that is a scalar): noise
# there, with limits, in any chunking, on both engines.
scalar_noise = st.lists(
    st.sampled_from(
        [bytes([b]) for b in b"\"' \n\t0123456789-+._eE\\ux{[a"]
        + [b"\\u00e9", b"\\ud83d", b"\xc3", b"\xa9", b"\xff", b"\xe2\x82\xac", b"\xed\xa0\x80"]
        + [b"\x01", b"NaN", b"tru"]
    ),
    max_size=30,
).map(b"".join)


@given(scalar_noise, cuts, repair_options, st.booleans())
def test_engines_agree_before_any_bracket(
    data: bytes, cut: list[int], opts: dict[str, Any], as_text: bool
) -> None:
    opts.pop("multiple", None)  # one value: the case with a scalar candidate
    assert_engines_agree(split(data, cut), as_text, **opts)


@given(scalar_noise, cuts, repair_options)
def test_chunking_does_not_matter_before_any_bracket(
    data: bytes, cut: list[int], opts: dict[str, Any]
) -> None:
    opts.pop("multiple", None)
    assert_chunking_independent(data, split(data, cut), **opts)


@pytest.mark.parametrize("data", [b'"\xc3{"a": 1}', b'"\\{"a": 1}', b'"x{"a": 1}'])
def test_a_bracket_is_text_only_in_a_string_that_takes_it(data: bytes, backend: str) -> None:
    # After the first byte of a character or a backslash, a `{` cannot be text of a string:
    # the prose is no scalar, and the bracket starts the value (the core took it as text).
    final = outcome(backend, [data], repair=True)[-1]
    expected = {"a": 1} if data[1:2] != b"x" else None
    if expected is None:
        assert final[0] == "error"
    else:
        assert final == ("final", expected)
    assert_engines_agree([data[:2], data[2:]], False, repair=True)


# ---- item 11: a chunk costs what it brings ----------------------------------------------


# tracemalloc traces the whole process: not in several threads at once (pytest-run-parallel).
@pytest.mark.thread_unsafe(reason="tracemalloc measures the whole process")
def test_held_whitespace_costs_what_each_feed_brings(backend: str) -> None:
    # Whitespace after a quote that may end its string is held until a byte decides; a feed
    # then must not copy what is held (memory traffic, measured deterministically).
    p = deltajson.Parser(repair=True, backend=backend)  # type: ignore[arg-type]
    p.feed('{"q": "he said "')
    held = " \n\t" * 40_000
    p.feed(held)
    assert p.tail == ("string", 1 + len(held))
    tracemalloc.start()
    try:
        p.feed("    ")
        p.snapshot()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000, peak
    p.feed('hi" to me"}')
    assert p.finish() == {"q": 'he said "' + held + "    " + 'hi" to me'}


def test_the_offsets_of_a_chunks_repairs_cost_the_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Python engine located each repair by measuring the chunk from its start: one big
    # chunk with many repairs was quadratic (20 s for 1 MB). The text it measures must stay
    # proportional to the chunk.
    measured = 0

    def counting(text: str) -> int:
        nonlocal measured
        measured += len(text)
        return pure_states.utf8_len(text)

    # Every module of the scanner's states that measures text (scanner.py and its mixins).
    parts = (pure_scanner, pure_strings, pure_scalars, pure_repair_states, pure_words)
    patched = [part for part in parts if hasattr(part, "utf8_len")]
    assert pure_scanner in patched and pure_words in patched
    for part in patched:
        monkeypatch.setattr(part, "utf8_len", counting)
    text = "[" + "Ab, 'é', 1_0 2 // c\n" * 3_000 + "]"
    value = deltajson.loads(text, repair=True, backend="python")
    assert value == ["Ab", "é", 10, 2] * 3_000
    assert measured <= 4 * len(text), measured


# ---- item 13: the repairs only grow --------------------------------------------------------


@given(broken_texts(), cuts, st.booleans(), st.booleans())
def test_repairs_only_grow(
    doc: tuple[Any, str, set[str]], cut: list[int], multiple: bool, as_bytes: bool
) -> None:
    # What a caller read while streaming stays true: each read of `repairs` starts with the
    # one before (the text ignored after the value is reported once, when the input ends).
    _, text, _ = doc
    text = f"Sure:\n```json\n{text}\n```\nAnything else?"
    data: Any = text.encode("utf-8", "surrogatepass") if as_bytes else text
    for backend in deltajson.BACKENDS:
        p = deltajson.Parser(repair=True, multiple=multiple, backend=backend)  # type: ignore[arg-type]
        seen: list[Any] = []
        for chunk in split(data, cut):
            p.feed(chunk)
            now = p.repairs
            assert now[: len(seen)] == seen, (seen, now)
            seen = now
        p.finish()
        assert p.repairs[: len(seen)] == seen
        assert p.repairs[-1][0] == "ignored_suffix"


def test_the_ignored_suffix_is_reported_at_the_end(backend: str) -> None:
    p = deltajson.Parser(lenient=True, backend=backend)  # type: ignore[arg-type]
    p.feed('{"a": 1} and')
    assert p.repairs == []
    p.feed(" more")
    assert p.repairs == []
    assert p.finish() == {"a": 1}
    assert p.repairs == [("ignored_suffix", 9, 8)]
    # At an error too (max_bytes in the suffix): then the input ends there.
    q = deltajson.Parser(lenient=True, max_bytes=12, backend=backend)  # type: ignore[arg-type]
    with pytest.raises(deltajson.JSONError):
        q.feed('{"a": 1} and more')
    assert q.repairs == [("ignored_suffix", 9, 3)]
