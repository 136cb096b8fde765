"""The jiter and pydantic_core shims fail exactly as their peers do: the same exception type and
the same message, position included (jiter counts columns in bytes), on damaged documents in
every partial mode; they refuse arguments of the wrong type with the same ``TypeError``; and
the shims that complete text for ``json.loads`` (partial-json-parser's, LangChain's) keep a
repeated key where ``json.loads`` keeps it.

The damaged documents are seen two ways:

- ``census()``: a fixed, seeded corpus of damaged inputs; the rate at which each shim's outcome
  (value, or exception type and message) is its peer's. ``test_census`` requires 99% of the
  error outcomes and of all outcomes; ``python tests/test_compat_messages.py`` prints it.
- hypothesis tests: every generated case must match, except the classes in ``RESIDUALS`` (each
  with its reason), which the census counts.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

import jiter
import partial_json_parser
import pydantic_core
import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.utils.json import parse_partial_json as langchain_parse_partial_json
from partial_json_parser import Allow

from deltajson import compat
from deltajson.compat import jiter as jiter_shim
from deltajson.compat import langchain as langchain_shim
from deltajson.compat import partial_json_parser as pjp_shim
from deltajson.compat import pydantic_core as pydantic_core_shim
from helpers import split, strict_equal
from strategies import cuts

# ---- outcomes ------------------------------------------------------------------------------


def outcome(f: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """``("value", v)``, or the exact type of the exception and its message."""
    try:
        return ("value", f(*args, **kwargs))
    except Exception as e:
        return (type(e), str(e))


def same(theirs: tuple[Any, Any], ours: tuple[Any, Any]) -> bool:
    if theirs[0] == "value" and ours[0] == "value":
        return strict_equal(theirs[1], ours[1])
    return theirs == ours


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    compat.clear()
    yield
    compat.configure()


# ---- residual differences ------------------------------------------------------------------

# A number whose integer part has 4300 characters or more. jiter refuses an integer part longer
# than 4300 characters, sign included, in integers and floats alike ("number out of range");
# deltajson's core takes CPython's limit for int() (4300 digits, sign not counted) and none for
# floats, so a complete `-` + 4300 digits or a float with a longer integer part parses. Telling
# would mean scanning every number on the success path; the shims do it only for the number
# that ends the buffer (error path). Damaged LLM output does not hold such numbers.
_LONG_NUMBER = re.compile(rb"[0-9]{4299}")

RESIDUALS: list[tuple[str, Callable[[bytes], bool]]] = [
    ("integer part of 4300 characters or more", lambda data: bool(_LONG_NUMBER.search(data))),
]


def residual(data: bytes) -> Optional[str]:
    """The name of the residual class ``data`` is in, if any."""
    for name, holds in RESIDUALS:
        if holds(data):
            return name
    return None


# ---- damaged documents ---------------------------------------------------------------------


class Obj(tuple):  # type: ignore[type-arg]
    """An object as its members, in order, a key possibly repeated (dicts cannot say that)."""


KEYS = ["a", "b", "a0", "é", "key", 'q"\\', "a\n", "e\u0301", "\U0001f600"]
SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -7,
    123456789,
    10**30,
    -0.0,
    2.5,
    1e-7,
    -1.5e300,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    "s",
    "é☃x",
    "\U0001f600",
    'a\nb"\\',
    "\x00\x1f",
    "tab\there",
]

# What damage inserts or writes over: the classes the brief of issue 15 names (truncation,
# invalid UTF-8, bad escapes, control characters, deep nesting, NaN, duplicate keys) and
# stray punctuation.
JUNK: list[bytes] = [
    b"x",
    b",",
    b"]",
    b"}",
    b":",
    b'"',
    b"\\",
    b" ",
    b"\n",
    b"\t",
    b"{",
    b"[",
    b"-",
    b"0",
    b"01",
    b"1.",
    b".5",
    b"1e",
    b"E+",
    b"tru",
    b"nul",
    b"NaN",
    b"-Infinity",
    b"Infinity",
    b"-I",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xf0\x9f",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\x00",
    b"\x01",
    b"\x1f",
    b"\x7f",
    b"\\u",
    b"\\u12",
    b"\\u12x4",
    b"\\ud800",
    b"\\udc00",
    b"\\ud83d\\u0041",
    b"\\x",
    b"\\n",
    b"[" * 205,
    b'{"a":' * 205,
    b'"a": 1, ',
    b'"a": "dup", ',
    b'"b": [1, 2], ',
    b'"\xc3\xa9": 0, ',
]

DAMAGES = ("cut", "insert", "replace", "delete")
Damage = tuple[str, int, bytes]


def render(node: Any, ascii: bool, space: str) -> str:
    """JSON text of a tree of lists, ``Obj`` members and scalars."""
    if isinstance(node, Obj):
        members = (
            f"{json.dumps(k, ensure_ascii=ascii)}:{space}{render(v, ascii, space)}" for k, v in node
        )
        return "{" + f",{space}".join(members) + "}"
    if isinstance(node, list):
        return "[" + f",{space}".join(render(v, ascii, space) for v in node) + "]"
    return json.dumps(node, ensure_ascii=ascii)


def damage(data: bytes, damages: list[Damage]) -> bytes:
    """``data`` cut, or with bytes inserted, written over or deleted, once per damage."""
    for kind, at, junk in damages:
        at %= len(data) + 1
        if kind == "cut":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + junk + data[at:]
        elif kind == "replace":
            data = data[:at] + junk + data[at + len(junk) :]
        else:
            data = data[:at] + data[at + 1 :]
    return data


def random_tree(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.35:
        return rng.choice(SCALARS)
    if roll < 0.65:
        return [random_tree(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = KEYS[:3] if rng.random() < 0.5 else KEYS  # few keys: repeats are likely
    return Obj((rng.choice(keys), random_tree(rng, depth + 1)) for _ in range(rng.randint(0, 4)))


def random_damaged(rng: random.Random) -> bytes:
    text = render(random_tree(rng), rng.random() < 0.5, rng.choice(["", " ", "\n  "]))
    damages = [
        (rng.choice(DAMAGES), rng.randrange(1 << 30), rng.choice(JUNK))
        for _ in range(1 + (rng.random() < 0.4) + (rng.random() < 0.2))
    ]
    return damage(text.encode(), damages)


# ---- the census ----------------------------------------------------------------------------

CENSUS_SEED = 15
CENSUS_SIZE = 6000
JITER_MODES: tuple[Any, ...] = (False, True, "trailing-strings")


@dataclass
class Tally:
    """One shim's comparisons with its peer."""

    cases: int = 0
    matched: int = 0
    errors: int = 0  # cases where either side raised
    errors_matched: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    mismatches: list[tuple[Any, ...]] = field(default_factory=list)

    def add(self, data: Any, options: dict[str, Any], theirs: Any, ours: Any) -> None:
        name = residual(data if isinstance(data, bytes) else str(data).encode())
        if name is not None:
            self.excluded[name] = self.excluded.get(name, 0) + 1
            return
        self.cases += 1
        failed = theirs[0] != "value" or ours[0] != "value"
        self.errors += failed
        if same(theirs, ours):
            self.matched += 1
            self.errors_matched += failed
        elif len(self.mismatches) < 20:
            self.mismatches.append((data, options, theirs, ours))

    def rate(self) -> float:
        return self.matched / max(1, self.cases)

    def error_rate(self) -> float:
        return self.errors_matched / max(1, self.errors)

    def line(self, name: str) -> str:
        excluded = sum(self.excluded.values())
        return (
            f"{name}: {self.errors_matched}/{self.errors} error outcomes the same "
            f"({100 * self.error_rate():.2f}%), {self.matched}/{self.cases} outcomes "
            f"({100 * self.rate():.2f}%), {excluded} excluded"
        )


def census(seed: int = CENSUS_SEED, size: int = CENSUS_SIZE) -> dict[str, Tally]:
    """Each shim against its peer over ``size`` seeded damaged inputs, in each partial mode
    (jiter with random other options; pydantic_core with bytes, str or bytearray)."""
    rng = random.Random(seed)
    tallies = {"jiter": Tally(), "pydantic_core": Tally()}
    for _ in range(size):
        data = random_damaged(rng)
        for mode in JITER_MODES:
            options = {
                "partial_mode": mode,
                "allow_inf_nan": rng.random() < 0.7,
                "catch_duplicate_keys": rng.random() < 0.4,
                "float_mode": "decimal" if rng.random() < 0.25 else "float",
            }
            theirs = outcome(jiter.from_json, data, **options)
            tallies["jiter"].add(
                data, options, theirs, outcome(jiter_shim.from_json, data, **options)
            )
            text = as_kind(data, rng.choice(["bytes", "str", "bytearray"]))
            options = {"allow_partial": mode, "allow_inf_nan": options["allow_inf_nan"]}
            theirs = outcome(pydantic_core.from_json, text, **options)
            ours = outcome(pydantic_core_shim.from_json, text, **options)
            tallies["pydantic_core"].add(data, options, theirs, ours)
    return tallies


def as_kind(data: bytes, kind: str) -> Any:
    if kind == "str":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data
    return bytearray(data) if kind == "bytearray" else data


def report(tallies: dict[str, Tally]) -> str:
    return "\n".join(tally.line(name) for name, tally in tallies.items())


def test_census() -> None:
    tallies = census()
    print(f"\ncensus of {CENSUS_SIZE} damaged inputs (seed {CENSUS_SEED}):\n{report(tallies)}")
    for name, tally in tallies.items():
        assert tally.errors > CENSUS_SIZE, name  # most damaged inputs fail
        assert tally.error_rate() >= 0.99, (tally.line(name), tally.mismatches[:5])
        assert tally.rate() >= 0.99, (tally.line(name), tally.mismatches[:5])


# ---- every generated case ------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats()
    | st.text(st.characters(codec="utf-8"), max_size=6)
)
trees = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(st.tuples(st.sampled_from(KEYS), children), max_size=4).map(Obj)
    ),
    max_leaves=20,
)
texts = st.builds(render, trees, st.booleans(), st.sampled_from(["", " ", "\n\t"])).map(str.encode)
damages = st.lists(
    st.tuples(st.sampled_from(DAMAGES), st.integers(min_value=0), st.sampled_from(JUNK)),
    min_size=1,
    max_size=3,
)
damaged = st.builds(damage, texts, damages)
jiter_options = st.fixed_dictionaries(
    {
        "partial_mode": st.sampled_from([False, True, "off", "on", "trailing-strings"]),
        "allow_inf_nan": st.booleans(),
        "catch_duplicate_keys": st.booleans(),
        "float_mode": st.sampled_from(["float", "decimal"]),
    }
)
pydantic_options = st.fixed_dictionaries(
    {
        "allow_partial": st.sampled_from([False, True, "off", "on", "trailing-strings"]),
        "allow_inf_nan": st.booleans(),
    }
)


def check(original: Callable[..., Any], shim: Callable[..., Any], buffers: Any, **kw: Any) -> None:
    for buffer in buffers:
        if residual(buffer if isinstance(buffer, bytes) else str(buffer).encode()):
            continue
        theirs, ours = outcome(original, buffer, **kw), outcome(shim, buffer, **kw)
        assert same(theirs, ours), (buffer, kw, theirs, ours)


def accumulate(data: Any, cut: list[int]) -> Iterator[Any]:
    """The buffers a streaming library passes after each chunk."""
    buffer = data[:0]
    for chunk in split(data, cut):
        buffer += chunk
        yield buffer


@given(damaged, jiter_options)
def test_jiter_fails_as_jiter(data: bytes, options: dict[str, Any]) -> None:
    check(jiter.from_json, jiter_shim.from_json, [data], **options)


@given(damaged, jiter_options, cuts)
def test_jiter_fails_as_jiter_mid_stream(
    data: bytes, options: dict[str, Any], cut: list[int]
) -> None:
    """The same on each buffer of the accumulate-and-reparse pattern (kept streams)."""
    check(jiter.from_json, jiter_shim.from_json, accumulate(data, cut), **options)


@given(damaged, pydantic_options, st.sampled_from(["bytes", "str", "bytearray"]), cuts)
def test_pydantic_core_fails_as_pydantic_core(
    data: bytes, options: dict[str, Any], kind: str, cut: list[int]
) -> None:
    text = as_kind(data, kind)
    shim = pydantic_core_shim.from_json
    check(pydantic_core.from_json, shim, [text], **options)
    check(pydantic_core.from_json, shim, accumulate(text, cut), **options)


# ---- the cases named in issue 15 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (b'["\xc3\xa9", x]', {}, "expected value at line 1 column 8"),  # bytes, not characters
        (b"[NaN]", {"allow_inf_nan": False}, "expected value at line 1 column 2"),
        (b"[" * 300, {}, "recursion limit exceeded at line 1 column 202"),
        (b"[" * 300, {"partial_mode": True}, "recursion limit exceeded at line 1 column 202"),
        (
            b'{"a": 1, "a": 2}',
            {"catch_duplicate_keys": True},
            'Detected duplicate key "a" at line 1 column 14',
        ),
        (  # raised in partial mode too, once the key's colon is read
            b'{"a": 1, "a": 2',
            {"catch_duplicate_keys": True, "partial_mode": True},
            'Detected duplicate key "a" at line 1 column 14',
        ),
        (
            b'{"a\\n": 1, "a\\n": "x',
            {"catch_duplicate_keys": True, "partial_mode": "trailing-strings"},
            'Detected duplicate key "a\\n" at line 1 column 18',
        ),
        (  # invalid UTF-8 is found when the string ends, reported a byte after
            b'"abc\xff',
            {"partial_mode": "trailing-strings"},
            "invalid unicode code point at line 1 column 5",
        ),
        (b'["a\\x"]', {}, "invalid escape at line 1 column 5"),
        (b'["\\u12x4"]', {}, "invalid escape at line 1 column 7"),
        (b'["\\ud800"]', {}, "unexpected end of hex escape at line 1 column 9"),
        (
            b'["a\nb"]',
            {},
            "control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0",
        ),
        (b"[1, }", {}, "expected value at line 1 column 5"),
        (b"[1,", {}, "EOF while parsing a value at line 1 column 3"),
        (b'{"a": [1}, "b": "\x01"}', {"partial_mode": True}, None),  # the list stops at }
        (b'{"x": {"a": [1}, "b": "\x01"}}', {"partial_mode": True}, "control character"),
        (
            b"[1e1000000000000000000000000000000]",
            {"float_mode": "decimal"},
            "Internal error: \"InvalidOperation: [<class 'decimal.InvalidOperation'>]\" at line 1"
            " column 35",
        ),
        (b"[-" + b"1" * 4400, {"partial_mode": True}, "number out of range at line 1 column 4303"),
    ],
)
def test_jiter_messages(data: bytes, options: dict[str, Any], message: Optional[str]) -> None:
    theirs = outcome(jiter.from_json, data, **options)
    ours = outcome(jiter_shim.from_json, data, **options)
    assert same(theirs, ours), (theirs, ours)
    if message is None:
        assert ours[0] == "value"
    else:
        assert ours[0] is ValueError and ours[1].startswith(message), ours


def test_pydantic_core_reports_invalid_utf8_at_the_byte() -> None:
    """pydantic_core's build of jiter reports invalid UTF-8 at the bad byte, jiter's one
    after: each shim follows its own peer."""
    for data in (b'["\xff"]', b'{"\xff": 1}', b'["\\u00e9\xff"]'):
        theirs = outcome(pydantic_core.from_json, data)
        assert outcome(pydantic_core_shim.from_json, data) == theirs
        assert outcome(jiter_shim.from_json, data) == outcome(jiter.from_json, data) != theirs


def test_the_residuals_are_what_they_say() -> None:
    """The excluded class, as documented: jiter refuses, the shim parses."""
    for data in (b"[-" + b"1" * 4300 + b"]", b"[" + b"1" * 4400 + b".5]"):
        assert residual(data) is not None
        assert outcome(jiter.from_json, data)[1].startswith("number out of range")
        assert outcome(jiter_shim.from_json, data)[0] == "value"


# ---- argument types ------------------------------------------------------------------------


class _Outer:
    class Inner:
        pass


class _Bytes(bytes):
    pass


class _Bytearray(bytearray):
    pass


class _Str(str):
    __slots__ = ()


DATA_KINDS: list[Any] = [
    b"[1.5]",
    _Bytes(b'{"a": [1'),
    bytearray(b"[1]"),
    _Bytearray(b"[1"),
    "[1]",
    _Str('{"a": "\u00e9'),
    '["\ud800"]',
    memoryview(b"[1]"),
    None,
    1,
    [1],
    _Outer.Inner(),
]
OPTION_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    "x",
    "on",
    "off",
    "trailing-strings",
    "all",
    "keys",
    "none",
    "float",
    "decimal",
    b"on",
    [],
    _Outer.Inner(),
]


@pytest.mark.parametrize("data", DATA_KINDS, ids=lambda d: type(d).__qualname__)
def test_jiter_arguments(data: Any) -> None:
    """Same acceptance, same exception and message, for every kind of data and every option
    value (PyO3 names the argument; checks in the signature's order)."""
    for name in (
        "allow_inf_nan",
        "cache_mode",
        "partial_mode",
        "catch_duplicate_keys",
        "float_mode",
    ):
        for value in OPTION_VALUES:
            theirs = outcome(jiter.from_json, data, **{name: value})
            assert same(theirs, outcome(jiter_shim.from_json, data, **{name: value})), (name, value)
    theirs = outcome(jiter.from_json, data, partial_mode="x", allow_inf_nan=1)
    assert same(theirs, outcome(jiter_shim.from_json, data, partial_mode="x", allow_inf_nan=1))


@pytest.mark.parametrize("data", DATA_KINDS, ids=lambda d: type(d).__qualname__)
def test_pydantic_core_arguments(data: Any) -> None:
    """The same for pydantic_core, whose build does not name the argument and reads the
    options before the data."""
    for name in ("allow_inf_nan", "cache_strings", "allow_partial"):
        for value in OPTION_VALUES:
            theirs = outcome(pydantic_core.from_json, data, **{name: value})
            ours = outcome(pydantic_core_shim.from_json, data, **{name: value})
            assert same(theirs, ours), (name, value, theirs, ours)


# ---- repeated keys in the shims that complete text for json.loads --------------------------

small_scalars = st.sampled_from(
    [
        "null",
        "true",
        "false",
        "12",
        "-3.5",
        '"xy"',
        '"a\\u00e9b"',
        '"\\ud83d\\ude00"',
        '""',
        '"p q "',
    ]
)


def _object_text(members: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f'"{key}": {value}' for key, value in members) + "}"


values_with_repeats = st.recursive(
    small_scalars,
    lambda children: (
        st.lists(children, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
        | st.lists(st.tuples(st.sampled_from("ab"), children), min_size=1, max_size=4).map(
            _object_text
        )
    ),
    max_leaves=12,
)
objects_with_repeats = st.lists(
    st.tuples(st.sampled_from("ab"), values_with_repeats), min_size=2, max_size=5
).map(_object_text)
allows = st.sampled_from(
    [
        Allow.ALL,
        Allow.OBJ,
        Allow.OBJ | Allow.ARR,
        Allow.ALL & ~Allow.STR,
        Allow.ALL & ~Allow.ARR,
        Allow.ALL & ~Allow.OBJ,
        Allow.ALL & ~Allow.NUM,
    ]
)


def outcome_type(f: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
    """The value (compared with its key order), or the exception's type: these shims hand
    text that is not a prefix of JSON to their peer, whose messages they keep."""
    try:
        return ("value", f(*args))
    except Exception as e:
        return ("raised", type(e))


def _same_value(theirs: tuple[Any, Any], ours: tuple[Any, Any]) -> bool:
    if theirs[0] == ours[0] == "value":
        return strict_equal(theirs[1], ours[1])
    return theirs == ours


@given(objects_with_repeats, allows)
def test_partial_json_parser_repeated_keys_on_every_prefix(text: str, allow: Any) -> None:
    for i in range(len(text) + 1):
        prefix = text[:i]
        theirs = outcome_type(partial_json_parser.loads, prefix, allow)
        ours = outcome_type(pjp_shim.loads, prefix, allow)
        assert _same_value(theirs, ours), (prefix, allow, theirs, ours)


@given(objects_with_repeats, allows, cuts)
def test_partial_json_parser_repeated_keys_mid_stream(
    text: str, allow: Any, cut: list[int]
) -> None:
    for buffer in accumulate(text, cut):
        theirs = outcome_type(partial_json_parser.loads, buffer, allow)
        ours = outcome_type(pjp_shim.loads, buffer, allow)
        assert _same_value(theirs, ours), (buffer, allow, theirs, ours)


@given(objects_with_repeats)
def test_langchain_repeated_keys_on_every_prefix(text: str) -> None:
    for i in range(len(text) + 1):
        prefix = text[:i]
        theirs = outcome_type(langchain_parse_partial_json, prefix)
        ours = outcome_type(langchain_shim.parse_partial_json, prefix)
        assert _same_value(theirs, ours), (prefix, theirs, ours)


@pytest.mark.parametrize(
    ("text", "allow"),
    [
        ('{"a": 1, "b": 2, "a": "xy', Allow.ALL),  # 'a' stays first
        ('{"a": 1, "b": 2, "a": "xy', Allow.OBJ),  # and keeps 1
        ('{"a": {"x": 1}, "b": 2, "a": [1, 2', Allow.OBJ),
        ('{"a": 1, "b": 2, "a": 3 ', Allow.ALL & ~Allow.NUM),
        ('[{"a": 1, "a": "xy", "a": "z', Allow.ALL & ~Allow.STR),
        ('{"o": {"a": 1}, "o": {"a": "x', Allow.OBJ),
    ],
)
def test_partial_json_parser_repeated_key_cases(text: str, allow: Any) -> None:
    assert _same_value(
        outcome_type(partial_json_parser.loads, text, allow),
        outcome_type(pjp_shim.loads, text, allow),
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "b": 2, "a": "xy',
        '{"a": "q", "b": 2, "a": "x\\u00',
        '{"b": [{"a": 1, "a": "x\\ud8',
    ],
)
def test_langchain_repeated_key_cases(text: str) -> None:
    assert _same_value(
        outcome_type(langchain_parse_partial_json, text),
        outcome_type(langchain_shim.parse_partial_json, text),
    )


if __name__ == "__main__":  # python tests/test_compat_messages.py [SEED [SIZE]]
    args = [int(a) for a in sys.argv[1:3]]
    print(report(census(*args)))
