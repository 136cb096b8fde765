"""Deterministic benchmark documents and token-sized chunkings.

Two shapes LLM apps stream: a list of records (structured output with many items) and one
object with a long string field (a long answer). Sizes are approximate byte targets.
"""

from __future__ import annotations

import json
import random
from typing import Any

SIZES = {"1KB": 1_000, "10KB": 10_000, "100KB": 100_000, "1MB": 1_000_000}
SHAPES = ("list", "string")

_WORDS = (
    "stream token parser model field value partial json delta chunk the a of to and is "
    "résumé naïve café 東京 😀 fast incremental output structured schema answer"
).split()


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    # Escapes appear in real output too.
    return text.replace("answer", 'the "answer"').replace("output", "out\nput")


def list_document(size: int, seed: int = 7) -> str:
    """A list of records, about ``size`` bytes of UTF-8."""
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
    """One object whose ``body`` string makes up almost all of ``size`` bytes."""
    rng = random.Random(seed)
    words: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(_WORDS)
        words.append(word)
        total += len(word.encode()) + 1
    body = _sentence(rng, 0) + " ".join(words)
    return json.dumps({"title": "A long answer", "body": body, "done": True}, ensure_ascii=False)


def document(shape: str, size_name: str) -> str:
    size = SIZES[size_name]
    return list_document(size) if shape == "list" else string_document(size)


def token_chunks(text: str, seed: int = 11) -> list[str]:
    """Splits ``text`` into 1 to 8 character pieces, as LLM tokens arrive (the same splitter
    the ``deltajson demo`` uses)."""
    from deltajson.cli import token_chunks as split

    return split(text, seed)
