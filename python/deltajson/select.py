"""Each value completed at a path, as soon as it completes: ``iter_items`` / ``aiter_items``.

A path is a tuple of keys, indexes and ``"*"`` (any key or index), or the JSONPath subset:
``$``, ``.key``, ``['key']`` or ``["key"]``, ``[n]``, ``[*]`` and ``.*`` — for example
``"$.items[*]"`` is ``("items", "*")``, and ``"$[*]"`` (with ``multiple=True``) each line of a
JSON Lines stream. Recursive descent (``..``), slices and filters are not supported.

With ``drop=True`` (the default) a value is removed from the parser's tree once yielded, so
memory stays bounded however long the array or the stream.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Union

from deltajson._api import Chunk, Parser

PathPart = Union[str, int]
PathLike = Union[str, tuple[PathPart, ...]]

__all__ = ["aiter_items", "iter_items", "parse_path"]

_TOKEN = re.compile(
    r"""\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)   # .key
      | \.\*                                # .*
      | \[\s*(?P<index>\d+)\s*\]            # [3]
      | \[\s*\*\s*\]                        # [*]
      | \[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\] # ['key']
      | \[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\] # ["key"]
    """,
    re.VERBOSE,
)


def parse_path(path: PathLike) -> tuple[PathPart, ...]:
    """A selection path from a tuple or a JSONPath subset string (see the module docs)."""
    if isinstance(path, tuple):
        return path
    if not isinstance(path, str):
        raise TypeError("a path is a tuple or a JSONPath string")
    text = path.strip()
    if not text.startswith("$"):
        raise ValueError(f"a JSONPath starts with '$': {path!r}")
    parts: list[PathPart] = []
    pos = 1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(
                f"unsupported JSONPath at {text[pos:]!r}: use .key, ['key'], [n], [*] or .*"
            )
        if match["name"] is not None:
            parts.append(match["name"])
        elif match["index"] is not None:
            parts.append(int(match["index"]))
        elif match["sq"] is not None:
            parts.append(re.sub(r"\\(.)", r"\1", match["sq"]))
        elif match["dq"] is not None:
            parts.append(re.sub(r"\\(.)", r"\1", match["dq"]))
        else:
            parts.append("*")
        pos = match.end()
    return tuple(parts)


def value_at(value: Any, path: Iterable[PathPart]) -> Any:
    """The part of ``value`` at ``path``, or None where it does not exist (yet)."""
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


class _Selection:
    """One parser selecting items; the sync and async iterators both drive it."""

    def __init__(self, path: PathLike, drop: bool, with_paths: bool, options: dict[str, Any]):
        self.parser = Parser(**options)
        self.parser.select(parse_path(path), drop=drop)
        self.with_paths = with_paths

    def feed(self, chunk: Chunk) -> Iterator[Any]:
        """The values ``chunk`` completed; an error in it is raised after the values
        completed before its first invalid byte (the parser keeps them), none being lost."""
        return self._step(self.parser.feed, chunk)

    def finish(self) -> Iterator[Any]:
        return self._step(self.parser.finish)

    def _step(self, action: Any, *args: Any) -> Iterator[Any]:
        try:
            action(*args)
        except Exception:
            yield from self._taken()
            raise
        yield from self._taken()

    def _taken(self) -> list[Any]:
        taken = self.parser.pop_selected()
        return taken if self.with_paths else [value for _, value in taken]


def iter_items(
    chunks: Iterable[Chunk],
    path: PathLike,
    /,
    *,
    drop: bool = True,
    with_paths: bool = False,
    **options: Any,
) -> Iterator[Any]:
    """Yields each value completed at ``path``, on the chunk that completes it.

    Args:
        chunks: The stream (bytes or str pieces).
        path: Where the items are: a tuple (``("items", "*")``) or ``"$.items[*]"``.
        drop: Remove each item from the parser once yielded (bounded memory).
        with_paths: Yield ``(path, value)`` pairs instead of values.
        **options: Parser options (``multiple=True`` for JSON Lines, ``lenient``, ...).

    Raises:
        JSONError: invalid input (after the items completed before it were yielded).
        IncompleteJSONError: the stream ended before the document did.
    """
    selection = _Selection(path, drop, with_paths, options)
    for chunk in chunks:
        yield from selection.feed(chunk)
    yield from selection.finish()


async def aiter_items(
    chunks: AsyncIterable[Chunk],
    path: PathLike,
    /,
    *,
    drop: bool = True,
    with_paths: bool = False,
    **options: Any,
) -> AsyncIterator[Any]:
    """The async twin of :func:`iter_items`, over an async iterable of chunks."""
    selection = _Selection(path, drop, with_paths, options)
    async for chunk in chunks:
        for item in selection.feed(chunk):
            yield item
    for item in selection.finish():
        yield item
