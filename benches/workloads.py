"""The benchmark documents: lists of records, long strings and mixed-script text of a given
size, made from a seed (the same bytes on every run and machine), and the token-sized chunks
they are streamed in. The benchmarks in ``benches/`` and some tests use them.
"""

from __future__ import annotations

import json
import random
from typing import Any

from deltajson._chunks import token_chunks

__all__ = [
    "BENCH_SEED",
    "SHAPES",
    "SIZES",
    "document",
    "list_document",
    "string_document",
    "text_document",
    "token_chunks",
]

SIZES = {"1KB": 1_000, "10KB": 10_000, "100KB": 100_000, "1MB": 1_000_000}
SHAPES = ("list", "string")
#: The chunking of the benchmark documents (kept fixed so runs stay comparable).
BENCH_SEED = 11

_WORDS = (
    "stream token parser model field value partial json delta chunk the a of to and is "
    "résumé naïve café 東京 😀 fast incremental output structured schema answer"
).split()


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    # Escapes appear in real output too.
    return text.replace("answer", 'the "answer"').replace("output", "out\nput")


def list_document(size: int, seed: int = 7) -> str:
    """A list of records (structured output with many items), about ``size`` bytes of UTF-8."""
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    total = 2
    while total < size:
        item = {
            "id": len(items),
            "title": _sentence(rng, rng.randint(2, 6)),
            "tags": [rng.choice(_WORDS) for _ in range(rng.randint(0, 3))],
            "score": round(rng.random() * 100, 3),
            "done": rng.random() < 0.5,
            "owner": None,
        }
        items.append(item)
        total += len(json.dumps(item, ensure_ascii=False).encode()) + 2
    return json.dumps(items, ensure_ascii=False, indent=1)


def string_document(size: int, seed: int = 7) -> str:
    """One object whose ``body`` string (a long answer) makes up almost all of ``size`` bytes."""
    rng = random.Random(seed)
    words: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(_WORDS)
        words.append(word)
        total += len(word.encode()) + 1
    body = _sentence(rng, 0) + " ".join(words)
    return json.dumps({"title": "A long answer", "body": body, "done": True}, ensure_ascii=False)


#: Words of the mixed-script text (``text_document``): what models write beside English.
_MIXED = {
    "ascii": (
        "the model streams structured output token by token and the parser keeps its state "
        "between chunks so each step costs only what it brings to the answer"
    ).split(),
    "latin": (
        "résumé naïve café déjà crème brûlée façade über Größe Straße mañana señor São "
        "coração Ærø Łódź Dvořák Ελλάδα Москва"
    ).split(),
    "cjk": (
        "東京 大阪 数据 模型 流式输出 解析器 こんにちは ありがとう 世界 構造化された出力 "
        "한국어 서울"
    ).split(),
    "emoji": "😀 🚀 ✨ 👍🏽 🎉 ❤️ 🇫🇷 🤖".split(),
}
#: Share of each kind of word in the mixed-script text.
_MIXED_WEIGHTS = {"ascii": 60, "latin": 16, "cjk": 16, "emoji": 8}


def text_document(size: int, seed: int = 7) -> str:
    """One object whose ``body`` string (about ``size`` bytes of UTF-8) mixes ASCII with
    accented letters, Greek and Cyrillic, CJK and Hangul, emoji (with modifiers and flags),
    and escapes: paragraph breaks, quotes, tabs, backslashes, and one word in twenty of the
    non-ASCII ones written as ``\\u`` escapes (surrogate pairs for emoji), as some models
    write them."""
    rng = random.Random(seed)
    kinds = list(_MIXED_WEIGHTS)
    weights = [_MIXED_WEIGHTS[k] for k in kinds]
    pieces: list[str] = []  # JSON string content, escapes included
    total = 0
    while total < size:
        kind = rng.choices(kinds, weights)[0]
        word = rng.choice(_MIXED[kind])
        roll = rng.random()
        if kind != "ascii" and roll < 0.05:
            text = json.dumps(word)[1:-1]  # \u escapes
        elif roll < 0.04:
            text = json.dumps(f'"{word}"', ensure_ascii=False)[1:-1]
        else:
            text = json.dumps(word, ensure_ascii=False)[1:-1]
        end = rng.random()
        if end < 0.02:
            text += "\\n\\n"  # a paragraph break
        elif end < 0.03:
            text += "\\t"
        elif end < 0.035:
            text += " C:\\\\models\\\\v1"
        elif end < 0.09:
            text += "。" if kind == "cjk" else "."
        pieces.append(text)
        total += len(text.encode()) + 1
    body = " ".join(pieces)
    return '{"title": "A multilingual answer", "body": "' + body + '", "done": true}'


def document(shape: str, size_name: str) -> str:
    """The benchmark document of a shape (``"list"``, ``"string"``, or ``"text"``: one long
    mixed-script string, see ``text_document``) and size (``"10KB"``)."""
    size = SIZES[size_name]
    if shape == "text":
        return text_document(size)
    return list_document(size) if shape == "list" else string_document(size)
