"""A representative workload for valgrind memcheck (`make memcheck`): every path of the Rust
engine that owns memory — streaming with snapshots (copied, live, updated in place), changes,
selection with dropping, strings split inside escapes and characters, errors, limits, lenient
mode, decimal floats — at sizes that keep valgrind's run short."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benches"))

import deltajson
from workloads import document, token_chunks

text = document("list", "10KB") + "\n" + document("string", "10KB")
for copy in (True, False):
    p = deltajson.Parser(multiple=True)
    p.changes()
    p.select(("*", "*"), drop=True)
    for chunk in token_chunks(text):
        p.feed(chunk.encode())
        p.snapshot(copy=copy)
        p.changes()
        p.pop_selected()
    p.finish()
kept = []
p = deltajson.Parser()
for i, chunk in enumerate(token_chunks(document("list", "1KB"))):
    p.feed(chunk)
    snap = p.snapshot()
    if i % 10 == 0:
        kept.append(snap)
assert p.finish() == json.loads(document("list", "1KB"))
for bad in [
    b'{"a": [1, 2 x]}',
    b'["\\ud800"',
    b'["\xff"]',
    b"[" * 2000,
    b'{"a": "b',
    b"[1e5, 9" + b"9" * 5000 + b"]",
]:
    p = deltajson.Parser(float_mode="decimal")
    try:
        p.feed(bad)
        p.finish()
    except deltajson.JSONError:
        p.snapshot()
p = deltajson.Parser(max_string_bytes=10, max_bytes=100)
try:
    p.feed('["' + "é" * 20 + '"]')
except deltajson.JSONError:
    pass
p = deltajson.Parser(lenient=True)
p.feed('Sure!\n```json\n{"a": [1, 2,],}\n```\nbye')
assert p.finish() == {"a": [1, 2]} and p.repairs
# The compat shims' prefix cache (src/python/reuse.rs): kept, reused, evicted and failed
# streams, bytes and str buffers (str pieces merged), a lone surrogate.
from deltajson import compat  # noqa: E402
from deltajson.compat import jiter as jiter_shim  # noqa: E402
from deltajson.compat import pydantic_core as pydantic_core_shim  # noqa: E402

compat.configure(max_streams=2, max_bytes=4000)
doc = document("list", "1KB")
for _ in range(4):  # more streams than kept: evictions
    buffer = b""
    for chunk in token_chunks(doc):
        buffer += chunk.encode()
        jiter_shim.from_json(buffer, partial_mode="trailing-strings")
        pydantic_core_shim.from_json(buffer.decode("utf-8", "ignore"), allow_partial=True)
for bad in ('[1, 2 x "\ud800"]', '{"a": [1, }'):
    for end in range(1, len(bad) + 1):
        try:
            pydantic_core_shim.from_json(bad[:end], allow_partial=True)
        except (ValueError, TypeError):
            pass
compat.configure()
print("memcheck workload done")
