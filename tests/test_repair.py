"""repair=True: the broken JSON models write, read while it streams.

Documents are written the way a careless model writes them (single quotes, unquoted keys and
values, Python literals, comments, missing and trailing commas, raw newlines and stray quotes
in strings, numbers such as ``.5``), knowing the value they mean: every chunking must give
that value, the same repairs, and snapshots that only grow, on both engines. Valid JSON must
read as in strict mode with no repair, and noise must fail alike everywhere.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltajson
from helpers import (
    assert_chunking_independent,
    assert_engines_agree,
    check_snapshots,
    grows_into,
    outcome,
    split,
    stream,
    strict_equal,
)
from strategies import any_text, cuts, documents_of, json_texts

_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
_SAFE_WORD = re.compile(r"[A-Za-z](?:[A-Za-z ]*[A-Za-z])?\Z")
_NOT_WORDS = {"true", "false", "null", "True", "False", "None", "NaN", "Infinity"}
_STARTS_NEXT_ITEM = set("\"'{[-0123456789")

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | any_text
    | st.sampled_from(["New York", "he said hi", "it's", "C:\\dir", "a\nb\tc", "x"])
)
containers = documents_of(scalars).filter(lambda v: isinstance(v, (list, dict)))


class _Writer:
    """Writes a value as a careless model would, noting the repair kinds it calls for."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.kinds: set[str] = set()

    def choose(self, n: int) -> int:
        return self.draw(st.integers(0, n - 1))

    def gap(self) -> str:
        """Between a bracket, comma or colon and what follows it."""
        pick = self.choose(7)
        if pick >= 4:
            self.kinds.add("comment")
            return [" /* note */ ", " // note\n", " # note\n"][pick - 4]
        return ["", " ", "\n  ", "\t"][pick]

    def after_value(self) -> str:
        """Between a value and the comma or bracket after it: a comment needs a space before
        it there (``"x"/`` and ``n/a`` are text), and only ``//`` or ``/* */`` end a word."""
        pick = self.choose(6)
        if pick >= 4:
            self.kinds.add("comment")
            return [" // note\n", " /* note */"][pick - 4]
        return ["", " ", "", " "][pick]

    def value(self, v: Any) -> str:
        if isinstance(v, dict):
            return self.members([self.key_then_colon(k) + self.gap() for k in v], v)
        if isinstance(v, list):
            return self.items(v)
        if isinstance(v, bool) or v is None:
            json_form = json.dumps(v)
            if self.choose(2):
                self.kinds.add("python_literal")
                return {True: "True", False: "False", None: "None"}[v]
            return json_form
        if isinstance(v, int):
            pick = self.choose(3)
            if pick == 1 and v >= 0:
                self.kinds.add("number_fixed")
                return f"+{v}"
            if pick == 2 and abs(v) >= 1000:
                self.kinds.add("number_fixed")
                return f"{v:_}"
            return json.dumps(v)
        if isinstance(v, float):
            text = json.dumps(v)
            if self.choose(2) and re.fullmatch(r"-?0\.[0-9]+", text):
                self.kinds.add("number_fixed")
                return text.replace("0.", ".", 1)
            if self.choose(2) and re.fullmatch(r"-?[0-9]+\.0", text):
                self.kinds.add("number_fixed")
                return text[:-1]
            return text
        return self.string(v, key=False)

    def key_then_colon(self, k: str) -> str:
        if _IDENT.match(k) and self.choose(2):
            # An unquoted key runs to its colon or the end of its line (no comment between).
            self.kinds.add("unquoted_key")
            return k + ["", " ", "\t", "\n "][self.choose(4)] + ":"
        return self.string(k, key=True) + self.gap() + ":"

    def string(self, s: str, *, key: bool) -> str:
        pick = self.choose(4)
        if not key and pick == 3 and _SAFE_WORD.match(s) and s not in _NOT_WORDS:
            self.kinds.add("unquoted_value")
            return s
        quote = "'" if pick == 1 else '"'
        if quote == "'":
            self.kinds.add("single_quotes")
        raw_controls = pick == 2
        out = []
        for i, ch in enumerate(s):
            nxt = s[i + 1 : i + 2]
            if ch == quote:
                if quote == '"' and nxt.isascii() and nxt.isalpha():
                    self.kinds.add("inner_quote")
                    out.append(ch)
                else:
                    if quote == "'":
                        self.kinds.add("invalid_escape")
                    out.append("\\" + ch)
            elif ch == "\\":
                out.append("\\\\")
            elif ch in "\n\t" and raw_controls:
                self.kinds.add("control_in_string")
                out.append(ch)
            elif ch < " " or "\ud800" <= ch <= "\udfff":
                out.append(json.dumps(ch)[1:-1])
            else:
                out.append(ch)
        return quote + "".join(out) + quote

    def members(self, keys: list[str], v: dict[str, Any]) -> str:
        parts = [k + self.value(x) for k, x in zip(keys, v.values(), strict=True)]
        return self.sequence("{", "}", parts, v)

    def items(self, v: list[Any]) -> str:
        return self.sequence("[", "]", [self.value(x) for x in v], v)

    def sequence(self, open_: str, close: str, parts: list[str], v: Any) -> str:
        values = list(v.values()) if isinstance(v, dict) else list(v)
        out = [open_, self.gap()]
        for i, part in enumerate(parts):
            if i:
                prev_is_string = isinstance(values[i - 1], str)
                if self.choose(4) == 0 and (not prev_is_string or part[0] in _STARTS_NEXT_ITEM):
                    # A newline ends an unquoted word, so the next item cannot join it.
                    self.kinds.add("missing_comma")
                    out.append("\n")
                else:
                    out.append("," + self.gap())
            out.append(part)
            out.append(self.after_value())
        if parts and self.choose(4) == 0:
            self.kinds.add("trailing_comma")
            out.append(",")
        out.append(close)
        return "".join(out)


@st.composite
def broken_texts(draw: st.DrawFn) -> tuple[Any, str, set[str]]:
    """A document, a broken way to write it, and the repair kinds that way needs."""
    value = draw(containers)
    writer = _Writer(draw)
    text = writer.value(value)
    if draw(st.booleans()):
        writer.kinds |= {"skipped_prefix", "ignored_suffix"}
        text = f"Sure, here it is:\n```json\n{text}\n```\nAnything else?"
    return value, text, writer.kinds


def _kinds(parser: Any) -> set[str]:
    return {kind for kind, _, _ in parser.repairs}


@given(broken_texts(), cuts, st.booleans())
def test_broken_documents_read_as_meant(
    doc: tuple[Any, str, set[str]], cut: list[int], as_bytes: bool
) -> None:
    value, text, kinds = doc
    data: Any = text.encode("utf-8", "surrogatepass") if as_bytes else text
    whole = deltajson.Parser(repair=True, backend=deltajson.BACKENDS[0])
    whole.feed(data)
    assert strict_equal(whole.finish(), value), text
    assert kinds <= _kinds(whole), (text, whole.repairs)
    for backend in deltajson.BACKENDS:
        snapshots, final, parser = stream(split(data, cut), backend, repair=True)
        assert strict_equal(final, value), (backend, text)
        check_snapshots(snapshots, final)
        assert parser.repairs == whole.repairs, backend


@given(broken_texts())
def test_byte_at_a_time(doc: tuple[Any, str, set[str]]) -> None:
    value, text, _ = doc
    data = text.encode("utf-8", "surrogatepass")
    for backend in deltajson.BACKENDS:
        chunks = [data[i : i + 1] for i in range(len(data))]
        snapshots, final, _ = stream(chunks, backend, repair=True)
        assert strict_equal(final, value)
        check_snapshots(snapshots, final)


@given(json_texts(documents_of(scalars)), cuts)
def test_valid_json_reads_as_in_strict_mode_with_no_repair(
    doc: tuple[Any, str], cut: list[int]
) -> None:
    _, text = doc  # a scalar too: the whole document is then that value, not prose
    for backend in deltajson.BACKENDS:
        snapshots, final, parser = stream(split(text, cut), backend, repair=True)
        assert strict_equal(final, json.loads(text))
        check_snapshots(snapshots, final)
        assert parser.repairs == []


@given(broken_texts(), st.integers(0, 10**6), cuts)
def test_input_cut_short_is_closed_where_it_ends(
    doc: tuple[Any, str, set[str]], at: int, cut: list[int]
) -> None:
    _, text, _ = doc
    prefix = text[: at % (len(text) + 1)]
    outcomes = [outcome(b, split(prefix, cut), repair=True) for b in deltajson.BACKENDS]
    for other in outcomes[1:]:
        assert repr(other) == repr(outcomes[0])
    last, end = outcomes[0][-2], outcomes[0][-1]
    if end[0] == "final" and last[0] != "error":
        # What finish() closes only adds to the last snapshot.
        assert grows_into(last[0], end[1]), (prefix, last[0], end[1])


@given(
    st.lists(broken_texts(), min_size=1, max_size=4),
    st.sampled_from(["", "\n", ",\n", " and then ", "\n```\n\n```json\n"]),
    cuts,
)
def test_several_values_with_no_array_around_them(
    docs: list[tuple[Any, str, set[str]]], sep: str, cut: list[int]
) -> None:
    # With multiple=True they are one list from the first value on: a snapshot never
    # changes type (a single-value parser reads the first and ignores the rest).
    text = sep.join(t for _, t, _ in docs)
    for backend in deltajson.BACKENDS:
        snapshots, final, _ = stream(split(text, cut), backend, repair=True, multiple=True)
        assert strict_equal(final, [v for v, _, _ in docs])
        check_snapshots([s for s in snapshots if s is not None], final)
    single = deltajson.loads(text, repair=True)
    assert strict_equal(single, docs[0][0])


# ---- noise: both engines, any chunking, the same result or the same error ----------------

repair_noise = st.lists(
    st.sampled_from(
        [bytes([b]) for b in b"[]{}:,\"' \n\t0123456789-+._eEaxtrueTFNn/#*\\"]
        + [b"True", b"None", b"null", b"//", b"/*", b"*/", b"\\'", b"\\u00e9", b"\\ud83d"]
        + [b"\xc3", b"\xa9", b"\xff", b"\xe2\x82\xac", b"\xed\xa0\x80", b"\x01", b"\r"]
    ),
    max_size=40,
).map(lambda parts: b"{" + b"".join(parts))

repair_options = st.fixed_dictionaries(
    {"repair": st.just(True)},
    optional={
        "multiple": st.booleans(),
        "allow_nan": st.booleans(),
        "partial_strings": st.booleans(),
        "max_depth": st.integers(1, 4),
        "max_string_bytes": st.integers(0, 6),
        "max_bytes": st.integers(0, 40),
        "allow_lone_surrogates": st.booleans(),
    },
)


@given(repair_noise, cuts, repair_options, st.booleans())
def test_engines_agree_on_any_input(
    data: bytes, cut: list[int], opts: dict[str, Any], as_text: bool
) -> None:
    assert_engines_agree(split(data, cut), as_text, **opts)


@given(repair_noise, cuts, repair_options)
def test_results_do_not_depend_on_chunking(
    data: bytes, cut: list[int], opts: dict[str, Any]
) -> None:
    assert_chunking_independent(data, split(data, cut), **opts)


@pytest.mark.parametrize(
    ("data", "options"),
    [
        # Found by the fuzz target: a " /" cut by the end of a chunk is held, not counted.
        (b'{"a": ;0 //r ', {"max_string_bytes": 3}),
        (b'{"a": ab /y}', {"max_string_bytes": 3}),
        (b'{"x": true}', {"max_string_bytes": 1}),  # a literal is no string
        (b'{"a": "x"  \n, b: \xc3\xa9t\xc3\xa9}', {"max_string_bytes": 2}),
        # Bytes the decoder holds although already invalid, where a word begins.
        (b"[\xed\xa0\x80]", {"max_string_bytes": 0}),
        (b'{"a": \xed\xa0\x80}', {}),
    ],
)
def test_every_cut_of_these(data: bytes, options: dict[str, Any]) -> None:
    for cut in range(len(data) + 1):
        assert_chunking_independent(data, [data[:cut], data[cut:]], repair=True, **options)
        assert_engines_agree([data[:cut], data[cut:]], False, repair=True, **options)


# ---- what each kind of repair does, where it is reported ---------------------------------

CASES = [
    (
        "{name: 'Ada', \"tags\": ['x']}",
        {"name": "Ada", "tags": ["x"]},
        [("unquoted_key", 1, 4), ("single_quotes", 7, 1), ("single_quotes", 23, 1)],
    ),
    (
        '{"city": New York, "zip": 10001}',
        {"city": "New York", "zip": 10001},
        [("unquoted_value", 9, 8)],
    ),
    (
        '{"ok": True, "v": None, "f": False}',
        {"ok": True, "v": None, "f": False},
        [("python_literal", 7, 4), ("python_literal", 18, 4), ("python_literal", 29, 5)],
    ),
    (
        '{"a": 1 // one\n, /* two */ "b": 2 # three\n}',
        {"a": 1, "b": 2},
        [("comment", 8, 6), ("comment", 17, 9), ("comment", 34, 7)],
    ),
    (
        '{"a": 1 "b": [1 2]}',
        {"a": 1, "b": [1, 2]},
        [("missing_comma", 8, 0), ("missing_comma", 16, 0)],
    ),
    (
        '{"text": "line one\nline two"}',
        {"text": "line one\nline two"},
        [("control_in_string", 18, 1)],
    ),
    (
        '{"q": "he said "hi" to me"}',
        {"q": 'he said "hi" to me'},
        [("inner_quote", 15, 1), ("inner_quote", 18, 1)],
    ),
    ('{"q": "size 5"x"}', {"q": 'size 5"x'}, [("inner_quote", 13, 1)]),
    (
        "{'s': 'it\\'s', 'p': 'C:\\dir'}",
        {"s": "it's", "p": "C:\\dir"},
        [
            ("single_quotes", 1, 1),
            ("single_quotes", 6, 1),
            ("invalid_escape", 9, 2),
            ("single_quotes", 15, 1),
            ("single_quotes", 20, 1),
            ("invalid_escape", 23, 2),
        ],
    ),
    (
        "[.5, +1, 1_000, 1., 1e, -.25, 007]",
        [0.5, 1, 1000, 1.0, 1, -0.25, 7],
        [
            ("number_fixed", 1, 2),
            ("number_fixed", 5, 2),
            ("number_fixed", 9, 5),
            ("number_fixed", 16, 2),
            ("number_fixed", 20, 2),
            ("number_fixed", 24, 4),
            ("number_fixed", 30, 3),
        ],
    ),
    (
        '{"ok": True // yes\n, "n": n/a /* none */}',
        {"ok": True, "n": "n/a"},
        [
            ("python_literal", 7, 4),
            ("comment", 12, 6),
            ("unquoted_value", 26, 3),
            ("comment", 30, 10),
        ],
    ),
    (
        "[1.2.3, 12px, trueish]",
        ["1.2.3", "12px", "trueish"],
        [("unquoted_value", 1, 5), ("unquoted_value", 8, 4), ("unquoted_value", 14, 7)],
    ),
    ('{"a": [1, {"b": "cut', {"a": [1, {"b": "cut"}]}, [("truncated", 20, 0)]),
    ('{"a": 1, "b', {"a": 1}, [("truncated", 11, 0)]),
    ('{"a": 1, "b": ', {"a": 1}, [("truncated", 14, 0)]),
    ('{"done": tru', {"done": True}, [("truncated", 9, 3), ("truncated", 12, 0)]),
    ('{"n": 1.', {"n": 1.0}, [("number_fixed", 6, 2), ("truncated", 8, 0)]),
    (
        'Here:\n```json\n{"a": [1, 2,],}\n```',
        {"a": [1, 2]},
        [
            ("skipped_prefix", 0, 14),
            ("trailing_comma", 25, 1),
            ("trailing_comma", 27, 1),
            ("ignored_suffix", 30, 3),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected", "repairs"), CASES)
def test_each_repair_kind(text: str, expected: Any, repairs: list[Any], backend: str) -> None:
    data = text.encode()
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        snapshots, final, parser = stream(chunks, backend, repair=True)
        assert strict_equal(final, expected)
        assert parser.repairs == repairs
        check_snapshots(snapshots, final)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        (' "hi {there} [1]" ', "hi {there} [1]"),
        ("null", None),
        ('"caf\\u00e9"', "café"),
        ('42 is the answer: {"a": 1}', {"a": 1}),
        ('"Sure" {"a": 1}', {"a": 1}),
    ],
)
def test_a_document_that_is_a_scalar_is_valid_json(text: str, expected: Any, backend: str) -> None:
    # Not skipped as prose: read as in strict mode, with no repair; prose before a `{` or `[`
    # is still prose.
    data = text.encode()
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        _, final, parser = stream(chunks, backend, repair=True)
        assert strict_equal(final, expected)
        prose = [("skipped_prefix", 0, text.rindex("{"))] if isinstance(expected, dict) else []
        assert parser.repairs == prose


def test_a_held_quote_is_not_shown_until_the_input_decides(backend: str) -> None:
    p = deltajson.Parser(repair=True, backend=backend)  # type: ignore[arg-type]
    p.feed('{"q": "he said "')
    assert p.snapshot() == {"q": "he said "}
    assert p.tail == ("string", 1)
    p.feed("hi")
    assert p.snapshot() == {"q": 'he said "hi'}
    p.feed('" ')
    assert p.snapshot() == {"q": 'he said "hi'}
    assert p.tail == ("string", 2)
    p.feed("}")
    assert p.finish() == {"q": 'he said "hi'}


def test_a_word_appears_only_when_it_ends(backend: str) -> None:
    p = deltajson.Parser(repair=True, backend=backend)  # type: ignore[arg-type]
    p.feed('{"city": New Yo')
    assert p.snapshot() == {}
    assert p.tail == ("word", 6)
    assert p.path == ("city",)
    p.feed("rk, ok: Tr")
    assert p.snapshot() == {"city": "New York"}
    p.feed("ue}")
    assert p.finish() == {"city": "New York", "ok": True}


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ('{"a": }', "expected a JSON value, found '}'", 6),
        ('{"a" 1}', "expected ':' after the object key, found '1'", 5),
        ("[1, 2 / 3]", "expected ',' or ']' after an array item, found '/'", 6),
        ("{a: 1, b}", "expected ':' after the object key, found '}'", 8),
        ('{"a": [1, }', "expected a JSON value, found '}'", 10),
        ('{"a": "\\u12x4"}', "expected a hexadecimal digit in the \\u escape, found 'x'", 11),
        ("", "expected a JSON value, found end of input", 0),
        ("no json here", "expected a JSON value, found end of input", 12),
    ],
)
def test_hopeless_input_fails_at_the_byte_that_makes_it_so(
    text: str, message: str, offset: int, backend: str
) -> None:
    with pytest.raises(deltajson.JSONError) as info:
        deltajson.loads(text, repair=True, partial=False, backend=backend)  # type: ignore[arg-type]
    assert info.value.msg.startswith(message), info.value.msg
    assert info.value.pos == offset


def test_limits_hold_in_every_repair(backend: str) -> None:
    def fails(text: str, **limits: Any) -> str:
        with pytest.raises(deltajson.JSONError) as info:
            deltajson.loads(text, repair=True, backend=backend, **limits)  # type: ignore[arg-type]
        return f"{info.value.msg} @{info.value.pos}"

    too_long = "string is longer than max_string_bytes=3"
    # At the first byte past the limit: in a single-quoted key, an unquoted key or value, and
    # in a string whose inner quote counts as content.
    assert fails("{'abcd': 1}", max_string_bytes=3) == f"{too_long} @5"
    assert fails("{abcd: 1}", max_string_bytes=3) == f"{too_long} @4"
    assert fails('{"a": abcd}', max_string_bytes=3) == f"{too_long} @9"
    assert fails('{"a": "ab"cd"}', max_string_bytes=3) == f"{too_long} @10"
    assert fails("[[[1]]]", max_depth=2) == "nesting is deeper than max_depth=2 @2"
    assert fails("{'a': 'bcdef'}", max_bytes=8) == "input is longer than max_bytes=8 @8"
    assert deltajson.loads("{'abc': 'def'}", repair=True, max_string_bytes=3) == {"abc": "def"}


def test_loads_and_options(backend: str) -> None:
    assert deltajson.loads("{a: 1", repair=True, backend=backend) == {"a": 1}  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="repair must be a bool"):
        deltajson.Parser(repair=1, backend=backend)  # type: ignore[arg-type]


def test_the_typed_layer_reads_broken_json(backend: str) -> None:
    pydantic = pytest.importorskip("pydantic")

    class Task(pydantic.BaseModel):
        title: str
        done: bool

    class Plan(pydantic.BaseModel):
        goal: str
        tasks: list[Task]

    reply = "Sure:\n{goal: 'Ship', tasks: [{title: Write tests, done: True}, {'title': 'Rel"
    chunks = [reply[i : i + 7] for i in range(0, len(reply), 7)]
    stream = deltajson.stream_model(chunks, Plan, repair=True, backend=backend)
    partials = []
    # Cut short: the second task never got its `done`, so the final value is refused, with
    # what was read kept on the error.
    with pytest.raises(deltajson.SchemaMismatch) as info:
        for partial in stream:
            partials.append(partial)
    assert partials[-1].tasks[0] == Task(title="Write tests", done=True)
    assert str(info.value).startswith("tasks/1/done: Field required")
    assert info.value.partial.tasks[1].title == "Rel"
    whole = reply + "', done: False}]}"
    final = deltajson.stream_model([whole], Plan, repair=True, backend=backend).get_final()
    assert final.tasks[1] == Task(title="Rel", done=False)
