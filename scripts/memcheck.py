"""A representative workload for valgrind memcheck (`make memcheck`): every path of the Rust
engine that owns memory — streaming with snapshots (copied, live, updated in place), changes,
selection with dropping, strings split inside escapes and characters, errors, limits, lenient
mode, decimal floats — at sizes that keep valgrind's run short."""

import json

import deltajson
from deltajson.bench import document, token_chunks

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
print("memcheck workload done")
