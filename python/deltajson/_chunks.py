"""Text cut into token-sized chunks, as an LLM's reply arrives: the demo and the demo server
replay recorded replies this way (the benchmarks and the tests use it too)."""

from __future__ import annotations

import random

__all__ = ["token_chunks"]


def token_chunks(text: str, seed: int = 3) -> list[str]:
    """Splits ``text`` into pieces of 1 to 8 characters, as LLM tokens arrive."""
    rng = random.Random(seed)
    chunks, i = [], 0
    while i < len(text):
        step = rng.randint(1, 8)
        chunks.append(text[i : i + step])
        i += step
    return chunks
