"""Hostile inputs take linear time: each shape at two sizes ten times apart, Rust engine.

    python benches/adversarial.py

Prints the best of three times per size and the ratio (about 10 means linear). Shapes: one
huge string, an object with very many keys, pathological whitespace (in one feed and in
token-sized chunks), a long fraction, deep nesting (with ``max_depth`` raised), an integer past
CPython's digit limit (refused: the time to the error).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import deltajson


def whole(data: bytes, **options: object) -> Callable[[], object]:
    def parse() -> object:
        p = deltajson.Parser(**options)  # type: ignore[arg-type]
        p.feed(data)
        return p.finish()

    return parse


def chunked(data: bytes, size: int) -> Callable[[], object]:
    def parse() -> object:
        p = deltajson.Parser()
        for i in range(0, len(data), size):
            p.feed(data[i : i + size])
        return p.finish()

    return parse


def refused(data: bytes) -> Callable[[], object]:
    def parse() -> object:
        try:
            return whole(data)()
        except deltajson.JSONError as e:
            return e

    return parse


SHAPES: dict[str, Callable[[int], Callable[[], object]]] = {
    "string of n bytes": lambda n: whole(b'["' + b"ab\xc3\xa9" * (n // 4) + b'"]'),
    "object of n/10 keys": lambda n: whole(
        ("{" + ",".join(f'"k{i}":{i}' for i in range(n // 10)) + "}").encode()
    ),
    "n bytes of whitespace": lambda n: whole(b" \n\t\r" * (n // 4) + b"[1]"),
    "n/10 bytes of whitespace, 3-byte chunks": lambda n: chunked(b" \n" * (n // 20) + b"[1]", 3),
    "fraction of n/10 digits": lambda n: whole(b"0." + b"3" * (n // 10)),
    "n/100 nested arrays": lambda n: whole(
        b"[" * (n // 100) + b"]" * (n // 100), max_depth=n // 100
    ),
    "integer of n/10 digits (refused)": lambda n: refused(b"[" + b"9" * (n // 10) + b"]"),
}


def best(parse: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        parse()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    small, big = 10_000_000, 100_000_000
    print(f"{'shape':42s} {'n = 10 MB':>12} {'n = 100 MB':>12} {'ratio':>7}")
    for name, make in SHAPES.items():
        a = best(make(small))
        b = best(make(big))
        print(f"{name:42s} {a * 1e3:10.1f}ms {b * 1e3:10.1f}ms {b / a:7.1f}", flush=True)


if __name__ == "__main__":
    main()
