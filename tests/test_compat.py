"""The drop-in shims against the real libraries: same values (types included) or the same
exception types, on every prefix of random documents, on random chunkings of the
accumulate-and-reparse pattern, and on arbitrary bytes; plus the prefix cache's edge cases.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import jiter
import partial_json_parser
import pydantic_core
import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.utils.json import parse_partial_json as langchain_parse_partial_json

import deltajson
from deltajson import compat
from deltajson.compat import jiter as jiter_shim
from deltajson.compat import langchain as langchain_shim
from deltajson.compat import partial_json_parser as pjp_shim
from deltajson.compat import pydantic_core as pydantic_core_shim
from helpers import split, strict_equal
from strategies import cuts, documents_with_nan, json_texts

# ---- comparing outcomes -------------------------------------------------------------------


def outcome(f: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """The value, or the exact type of the exception."""
    try:
        return ("value", f(*args, **kwargs))
    except Exception as e:
        return ("raised", type(e))


def same(theirs: tuple[str, Any], ours: tuple[str, Any]) -> bool:
    if theirs[0] != ours[0]:
        return False
    if theirs[0] == "raised":
        return theirs[1] is ours[1]
    return strict_equal(theirs[1], ours[1])


def prefixes(text: Any) -> Iterator[Any]:
    for i in range(len(text) + 1):
        yield text[:i]


def accumulate(text: Any, cut: list[int]) -> Iterator[Any]:
    """The buffers a streaming library passes after each chunk."""
    buffer = text[:0]
    for chunk in split(text, cut):
        buffer += chunk
        yield buffer


def check(original: Callable[..., Any], shim: Callable[..., Any], buffers: Any, **kw: Any) -> None:
    for buffer in buffers:
        theirs, ours = outcome(original, buffer, **kw), outcome(shim, buffer, **kw)
        assert same(theirs, ours), (buffer, kw, theirs, ours)


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    compat.clear()
    yield
    compat.configure()  # default bounds, empty caches


# ---- jiter and pydantic_core ------------------------------------------------------------

jiter_options = st.fixed_dictionaries(
    {"partial_mode": st.sampled_from([False, True, "off", "on", "trailing-strings"])},
    optional={
        "allow_inf_nan": st.booleans(),
        "catch_duplicate_keys": st.booleans(),
        "float_mode": st.sampled_from(["float", "decimal"]),
        "cache_mode": st.sampled_from([True, False, "all", "keys", "none"]),
    },
)
nan_texts = json_texts(documents_with_nan)


@given(nan_texts, jiter_options)
def test_jiter_every_prefix(doc: tuple[Any, str], options: dict[str, Any]) -> None:
    check(jiter.from_json, jiter_shim.from_json, prefixes(doc[1].encode()), **options)


@given(nan_texts, jiter_options, cuts)
def test_jiter_random_chunkings(
    doc: tuple[Any, str], options: dict[str, Any], cut: list[int]
) -> None:
    check(jiter.from_json, jiter_shim.from_json, accumulate(doc[1].encode(), cut), **options)


pydantic_options = st.fixed_dictionaries(
    {"allow_partial": st.sampled_from([False, True, "off", "on", "trailing-strings"])},
    optional={"allow_inf_nan": st.booleans(), "cache_strings": st.sampled_from([True, "keys"])},
)


@given(nan_texts, pydantic_options, cuts, st.sampled_from([bytes, str, bytearray]))
def test_pydantic_core_random_chunkings(
    doc: tuple[Any, str], options: dict[str, Any], cut: list[int], kind: type
) -> None:
    text: Any = doc[1] if kind is str else kind(doc[1].encode())
    shim = pydantic_core_shim.from_json
    check(pydantic_core.from_json, shim, accumulate(text, cut), **options)
    check(pydantic_core.from_json, shim, prefixes(text[-40:]), **options)


noise = st.lists(
    st.sampled_from(
        [bytes([b]) for b in b'[]{}:,"\\ \n0123456789-+.eEtruefalsnNIyu\t']
        + [b"\\ud83d", b"\\ude00", b"\\u00e9", b"\\u00", b"\xc3", b"\xa9", b"\xff", b"\xf0\x9f"]
        + [b"\xc3\xa9", b"\x01", b"NaN", b"Infinity", b"true", b'"a"', b"0"]
    ),
    max_size=20,
).map(b"".join)


@given(noise, jiter_options)
def test_jiter_arbitrary_bytes(data: bytes, options: dict[str, Any]) -> None:
    check(jiter.from_json, jiter_shim.from_json, [data], **options)


@given(noise, pydantic_options, st.booleans())
def test_pydantic_core_arbitrary_input(data: bytes, options: dict[str, Any], as_text: bool) -> None:
    text: Any = data.decode("utf-8", "surrogateescape") if as_text else data
    check(pydantic_core.from_json, pydantic_core_shim.from_json, [text], **options)


@pytest.mark.parametrize(
    ("data", "options"),
    [
        (b"[1 2]", {"partial_mode": True}),  # stops at what is not , or ]
        (b"[1, 2] x", {"partial_mode": True}),  # nothing checked after the value
        (b"[01", {"partial_mode": True}),  # but a digit after a leading zero is an error
        (b"[1, 2", {"partial_mode": True}),  # the end completes a trailing number
        (b"[1.", {"partial_mode": True}),  # unless it is not valid as it stands
        (b'["ab\\u00', {"partial_mode": "trailing-strings"}),
        (b'["\\ud800"]', {}),  # lone surrogates are errors
        (b'["\xff', {"partial_mode": True}),  # UTF-8 is checked when a string ends
        (b'["\xf0\x9f"]', {"partial_mode": "trailing-strings"}),
        (b"[" * 201 + b"]" * 201, {}),  # 201 levels at most
        (b"[" * 202 + b"]" * 202, {}),
        (b"[NaN, 1.5]", {"float_mode": "decimal"}),
        (b'{"a": 1, "a": 2}', {"catch_duplicate_keys": True}),
        (b'{"a": 1, "a":', {"catch_duplicate_keys": True, "partial_mode": True}),
        (b"[1]", {"partial_mode": "maybe"}),
        (b"[1]", {"partial_mode": 1}),
        (b"[1]", {"allow_inf_nan": 1}),
        (b"[1]", {"cache_mode": "most"}),
        (b"[1]", {"float_mode": "double"}),
        (b"[1.5, 2]", {"float_mode": "lossless-float"}),
    ],
)
def test_jiter_quirks(data: bytes, options: dict[str, Any]) -> None:
    theirs, ours = (
        outcome(jiter.from_json, data, **options),
        outcome(jiter_shim.from_json, data, **options),
    )
    if options.get("float_mode") == "lossless-float":
        assert repr(theirs) == repr(ours)
    else:
        assert same(theirs, ours), (theirs, ours)


def test_jiter_takes_bytes_only() -> None:
    for data in ("[1]", bytearray(b"[1]"), memoryview(b"[1]")):
        assert outcome(jiter_shim.from_json, data) == outcome(jiter.from_json, data)


# ---- partial-json-parser ------------------------------------------------------------------

allow_flags = st.integers(0, int(partial_json_parser.Allow.ALL)).map(partial_json_parser.Allow)


@given(nan_texts, allow_flags)
def test_partial_json_parser_every_prefix(doc: tuple[Any, str], allow: Any) -> None:
    check(partial_json_parser.loads, pjp_shim.loads, prefixes(doc[1]), allow_partial=allow)


@given(nan_texts, allow_flags, cuts)
def test_partial_json_parser_random_chunkings(
    doc: tuple[Any, str], allow: Any, cut: list[int]
) -> None:
    check(partial_json_parser.loads, pjp_shim.loads, accumulate(doc[1], cut), allow_partial=allow)


def test_partial_json_parser_names_are_its_own() -> None:
    assert pjp_shim.Allow is partial_json_parser.Allow
    assert pjp_shim.MalformedJSON is partial_json_parser.MalformedJSON
    assert pjp_shim.PartialJSON is partial_json_parser.PartialJSON
    assert pjp_shim.ALL == partial_json_parser.ALL


@pytest.mark.parametrize(
    "text",
    ["[1, 2]]", '{"a": 1}}', "hello", '{"a" 1}', "[1, 2,, 3", ""],
)
def test_partial_json_parser_malformed(text: str) -> None:
    assert same(outcome(partial_json_parser.loads, text), outcome(pjp_shim.loads, text))


def test_partial_json_parser_without_the_package() -> None:
    # Its names are defined all the same; what it would repair is MalformedJSON.
    code = """
import sys
sys.modules["partial_json_parser"] = None
from deltajson.compat.partial_json_parser import Allow, MalformedJSON, PartialJSON, loads
assert loads('{"a": [1, "x', Allow.ALL) == {"a": [1, "x"]}
try:
    loads('{"a": "x', Allow.ALL & ~Allow.STR & ~Allow.OBJ)
except PartialJSON:
    pass
try:
    loads("[1]]")
except MalformedJSON:
    print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


# ---- LangChain ----------------------------------------------------------------------------


@given(nan_texts)
def test_langchain_every_prefix(doc: tuple[Any, str]) -> None:
    check(langchain_parse_partial_json, langchain_shim.parse_partial_json, prefixes(doc[1]))


@given(nan_texts, cuts)
def test_langchain_random_chunkings(doc: tuple[Any, str], cut: list[int]) -> None:
    check(langchain_parse_partial_json, langchain_shim.parse_partial_json, accumulate(doc[1], cut))


@pytest.mark.parametrize(
    "text",
    ['{"a": "line\nbreak', "[1, 2]]", 'Sure! {"a": 1', '{"a": 1} trailing', "", "tr"],
)
def test_langchain_malformed_and_llm_text(text: str) -> None:
    for strict in (False, True):
        theirs = outcome(langchain_parse_partial_json, text, strict=strict)
        assert same(theirs, outcome(langchain_shim.parse_partial_json, text, strict=strict))


# ---- the prefix cache ---------------------------------------------------------------------


# For the threaded stress run (pytest-run-parallel): copies of this in other threads would
# share the process-wide caches it counts or bounds.
@pytest.mark.thread_unsafe(reason="counts or bounds the shims' process-wide caches")
def test_a_growing_buffer_reuses_its_stream() -> None:
    text = json.dumps({"items": [{"id": i, "name": f"item {i}"} for i in range(50)]})
    for buffer in accumulate(text, list(range(7, len(text), 7))):
        langchain_shim.parse_partial_json(buffer)
    info = compat.cache_info()["langchain"]
    assert info["misses"] == 1 and info["hits"] > 1 and info["streams"] == 1


@pytest.mark.parametrize(
    "buffers",
    [
        ['{"a": [1, 2', '{"a": [1'],  # shorter than the last one
        ['{"a": [1, 2', '{"b": [1, 2, 3'],  # unrelated
        ['{"a": "xyz', '{"a": "xy!'],  # diverges just before the end
        ['{"a": "xyz', '{"a": "xyz'],  # the same again
        ["[1, 2", "[1, 23", "[1, 2", "[1, 2, 3]"],  # back and forth
    ],
)
def test_buffers_that_do_not_extend(buffers: list[str]) -> None:
    for buffer in buffers:
        for partial in (True, "trailing-strings"):
            assert same(
                outcome(jiter.from_json, buffer.encode(), partial_mode=partial),
                outcome(jiter_shim.from_json, buffer.encode(), partial_mode=partial),
            )
        assert same(
            outcome(langchain_parse_partial_json, buffer),
            outcome(langchain_shim.parse_partial_json, buffer),
        )
        assert same(outcome(partial_json_parser.loads, buffer), outcome(pjp_shim.loads, buffer))


@pytest.mark.thread_unsafe(reason="counts or bounds the shims' process-wide caches")
def test_interleaved_streams() -> None:
    docs = [json.dumps({"doc": n, "words": ["w" * k for k in range(30)]}) for n in range(3)]
    for i in range(1, max(map(len, docs)) + 1):
        for doc in docs:  # three streams take turns, as on a server
            assert strict_equal(partial_json_parser.loads(doc[:i]), pjp_shim.loads(doc[:i]))
    assert compat.cache_info()["partial_json_parser"]["misses"] == 3  # one per stream


def test_threads() -> None:
    docs = [json.dumps({"t": n, "v": list(range(n * 10, n * 10 + 60))}).encode() for n in range(8)]
    failures: list[Any] = []

    def run(doc: bytes) -> None:
        try:
            for _ in range(3):
                for buffer in accumulate(doc, list(range(3, len(doc), 3))):
                    theirs = jiter.from_json(buffer, partial_mode=True)
                    ours = jiter_shim.from_json(buffer, partial_mode=True)
                    if not strict_equal(theirs, ours):
                        failures.append((buffer, theirs, ours))
        except Exception as e:  # a failure in a thread must fail the test
            failures.append(e)

    threads = [threading.Thread(target=run, args=(doc,)) for doc in docs + docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert compat.cache_info()["jiter"]["streams"] <= 16


@pytest.mark.thread_unsafe(reason="counts or bounds the shims' process-wide caches")
def test_bounds() -> None:
    compat.configure(max_streams=2, max_bytes=1000)
    for n in range(5):
        jiter_shim.from_json(b'{"n": %d, "pad": "%s' % (n, b"x" * 100), partial_mode=True)
    info = compat.cache_info()["jiter"]
    assert info["streams"] == 2 and info["bytes"] <= 1000
    jiter_shim.from_json(b"[" + b"1, " * 600, partial_mode=True)  # longer than max_bytes
    assert compat.cache_info()["jiter"]["bytes"] <= 1000
    compat.configure(max_streams=0)
    jiter_shim.from_json(b"[1, 2", partial_mode=True)
    assert compat.cache_info()["jiter"]["streams"] == 0
    with pytest.raises(ValueError):
        compat.configure(max_streams=-1)


def test_a_lone_surrogate_arriving_mid_stream() -> None:
    # pydantic_core refuses a str holding one (TypeError), wherever it is: also once the
    # parser stopped at an earlier error, and on every longer buffer after it.
    for doc in ['["ab", "c\ud800d", 1]', '[1 x "\udc80"]', '{"a": "\ud83d'] * 2:
        for end in range(1, len(doc) + 1):
            for partial in (False, True, "trailing-strings"):
                assert same(
                    outcome(pydantic_core.from_json, doc[:end], allow_partial=partial),
                    outcome(pydantic_core_shim.from_json, doc[:end], allow_partial=partial),
                )


def test_the_prefix_cache_on_its_own() -> None:
    from deltajson.compat._reuse import PrefixCache, Stream

    cache = PrefixCache(max_streams=4, max_bytes=100)
    made: list[Stream] = []

    def make() -> Stream:
        made.append(Stream(deltajson.Parser()))
        return made[-1]

    key, other_key = object(), object()
    first = cache.open(key, '[1, "a', make)
    cache.keep(key, first)
    second = cache.open(key, '[1, "ab', make)  # extends: the same stream, fed "b"
    assert second is first and len(made) == 1 and second.size == 7
    assert second.parser.snapshot() == [1, "ab"] and second.data == '[1, "ab'
    cache.keep(key, second)
    assert second.data is None  # the caller's buffer is let go of
    assert cache.open(other_key, '[1, "abc', make) is not first  # keys compare by identity
    assert cache.open(key, b'[1, "abc', make) is not first  # bytes never extend a str
    assert cache.open(key, '[1, "abc', make) is first  # taken out while in use...
    assert cache.open(key, '[1, "abc', make) is not first  # ...so a second caller parses anew
    assert cache.info() == {"hits": 2, "misses": 4, "streams": 0, "bytes": 0}
    with pytest.raises(TypeError):
        cache.open(key, bytearray(b"[1"), make)  # the shims pass bytes or str only
    with pytest.raises(TypeError):
        cache.open(key, "[1", lambda: "not a stream")


def test_a_stream_keeps_the_error_that_stopped_it() -> None:
    from deltajson.compat._reuse import Stream

    stream = Stream(deltajson.Parser())
    stream.extend(b"[1, }")
    assert isinstance(stream.error, deltajson.JSONError) and stream.error.offset == 4
    stream.extend(b"[1, }, 2")  # later text is recorded, not fed
    assert stream.size == 8 and stream.parser.offset == 4


def test_an_interrupted_feed_is_not_kept() -> None:
    from deltajson.compat._reuse import PrefixCache, Stream

    class Breaks:
        def feed(self, chunk: Any) -> None:
            raise KeyboardInterrupt

    cache = PrefixCache()
    with pytest.raises(KeyboardInterrupt):
        cache.open(str, "[1", lambda: Stream(Breaks()))
    assert cache.info()["streams"] == 0


def test_shrinking_the_bounds_evicts_at_once() -> None:
    from deltajson.compat._reuse import PrefixCache, Stream

    cache = PrefixCache()
    keys = [object() for _ in range(5)]
    for k in keys:
        cache.keep(k, cache.open(k, "[" + "1, " * 10, lambda: Stream(deltajson.Parser())))
    assert cache.info()["streams"] == 5
    cache.max_streams = 2
    assert cache.info()["streams"] == 2
    cache.max_bytes = 40
    assert cache.info() == {"hits": 0, "misses": 5, "streams": 1, "bytes": 31}
    # the most recent stays
    assert cache.open(keys[-1], "[" + "1, " * 11, lambda: Stream(deltajson.Parser())).size == 34


def test_results_are_never_shared_or_changed_later() -> None:
    a = jiter_shim.from_json(b'{"done": {"x": 1}, "list": [1, 2', partial_mode=True)
    b = jiter_shim.from_json(b'{"done": {"x": 1}, "list": [1, 2', partial_mode=True)
    assert a is not b and a["list"] is not b["list"]
    a["list"].append("mine")
    a["new"] = 1
    c = jiter_shim.from_json(b'{"done": {"x": 1}, "list": [1, 2, 3]', partial_mode=True)
    assert c == {"done": {"x": 1}, "list": [1, 2, 3]}
    assert b == {"done": {"x": 1}, "list": [1, 2]}  # earlier results never change


def test_the_callers_buffer_is_not_kept() -> None:
    # Holding it would stop CPython from growing a str in place: buf += chunk would copy.
    # A new object (not a constant of the code, which other threads running this test share).
    buffer = "".join(['{"a": [1, 2, "', "x" * 10])
    before = sys.getrefcount(buffer)
    langchain_shim.parse_partial_json(buffer)
    pjp_shim.loads(buffer)
    assert sys.getrefcount(buffer) == before


def test_shims_use_the_chosen_engine(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deltajson._api, "DEFAULT_BACKEND", backend)
    compat.clear()
    text = '{"a": [1, 2.5, "x\\u00e9"], "b": tr'
    for buffer in prefixes(text):
        assert same(outcome(partial_json_parser.loads, buffer), outcome(pjp_shim.loads, buffer))
        assert same(
            outcome(langchain_parse_partial_json, buffer),
            outcome(langchain_shim.parse_partial_json, buffer),
        )


@pytest.mark.parametrize(
    "text",
    ['\r"', ' "', '\n"ab', ' "abc" ', " 12", " 12 ", " true", " 1.5e", " nul", "  ", '\t"a\\'],
)
def test_partial_json_parser_shim_keeps_the_peers_answer_after_leading_whitespace(
    text: str,
) -> None:
    # Found by tests/test_fuzz_python.py with a large budget: whitespace before a top-level
    # scalar throws partial-json-parser off (" 12" gives 1, ' "' raises); the shim agrees.
    def outcome(loads: Callable[[str], Any]) -> str:
        compat.clear()
        try:
            return repr(loads(text))
        except Exception as e:
            return type(e).__name__

    assert outcome(pjp_shim.loads) == outcome(partial_json_parser.loads)


# ---- a shim installed in its peer's place never calls itself -------------------------------


def test_jiter_shim_in_jiters_place_hands_lossless_floats_to_jiter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``jiter.from_json = shim`` (what integrations.anthropic does): the lossless-float
    path goes to jiter's own function, held by the shim, not to the name (which recursed)."""
    original = jiter.from_json
    monkeypatch.setattr(jiter, "from_json", jiter_shim.from_json)
    got = jiter.from_json(b'{"a": 1.50}', float_mode="lossless-float")
    assert repr(got) == repr(original(b'{"a": 1.50}', float_mode="lossless-float"))


def test_partial_json_parser_shim_in_its_place_delegates_to_the_original(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(partial_json_parser, "loads", pjp_shim.loads)
    text = '{"a": [1, 2'
    assert pjp_shim.loads(text, parser=json.loads) == partial_json_parser.__dict__["loads"](
        text, parser=json.loads
    )


def test_langchain_shim_in_its_place_delegates_to_the_original(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from langchain_core.utils import json as module

    monkeypatch.setattr(module, "parse_partial_json", langchain_shim.parse_partial_json)
    assert langchain_shim.parse_partial_json('{"a": "x\n', strict=True) == (
        langchain_parse_partial_json('{"a": "x\n', strict=True)
    )


def test_jiter_shim_takes_what_jiter_takes() -> None:
    """bytes subclasses are read; other buffers are refused with jiter's own message."""

    class Payload(bytes):
        pass

    for data in (Payload(b'[1, "a"]'), Payload(b'{"a": [1')):
        assert jiter_shim.from_json(data, partial_mode=True) == jiter.from_json(
            data, partial_mode=True
        )
    for data in (bytearray(b"[1]"), memoryview(b"[1]"), "[1]"):
        with pytest.raises(TypeError) as ours:
            jiter_shim.from_json(data)  # type: ignore[arg-type]
        with pytest.raises(TypeError) as theirs:
            jiter.from_json(data)  # type: ignore[arg-type]
        assert str(ours.value) == str(theirs.value)
