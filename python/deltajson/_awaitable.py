"""Awaitable fields of an async typed stream: ``await stream.when(path)`` and
``async for item in stream.each(path)``.

``when(path)`` resolves with the completed, validated value at ``path`` (the path syntax of
``deltajson.select``: ``"$.tasks[0].title"``, ``("tasks", 0, "title")``, ``*`` for any key
or index — the first value completed at a match); ``each(path)`` yields each completed,
validated item of the list at ``path`` while the stream goes on, and ends when that list
completes. Both raise the stream's error if it fails first; ``when`` raises ``LookupError``
if the document ends without a value there.

How values reach them: the engine reports each value it validates at its place as it
completes (the ``on_field`` hook, which the stream's own ``on_field`` keeps); a report is
matched against the waiting paths in a trie, one step per level of the waiting paths, so
the cost does not grow with the number of waiters, and a chunk that completes nothing
costs nothing at all. Values the engine validates only as part of the whole document
(below a smart-mode union, ``anyOf``, ...) are taken from the final value when the document
completes.

Who reads the stream: while nobody iterates it, the coroutine awaiting a field reads it
itself, chunk by chunk, until its value comes — partials it reads go to a later ``async
for`` over the stream (the latest one, as ``min_interval`` would coalesce them). Readers
take turns under one lock, so ``async for partial in stream`` in one task and ``when`` or
``each`` in others never read at once. A stream already iterated before the first ``when``
or ``each`` keeps its iterator: the awaiting side then waits for that iteration to bring
its value.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from typing import Any, Optional, Union

from deltajson.select import PathLike, parse_path

__all__ = ["Reads", "reads"]

Key = Union[str, int]
_END: Any = object()
_MISSING: Any = object()


class _Node:
    __slots__ = ("children", "waiters")

    def __init__(self) -> None:
        self.children: dict[Any, _Node] = {}
        self.waiters: list[_Waiter] = []


class _Waiter:
    """One ``when`` (``items`` None) or ``each``; woken by ``_wake``."""

    __slots__ = ("done", "error", "exact", "items", "pattern", "value", "wake", "yielded")

    def __init__(self, pattern: tuple[Key, ...], each: bool) -> None:
        self.pattern = pattern
        self.exact = "*" not in pattern
        self.items: Optional[deque[Any]] = deque() if each else None
        self.value: Any = _MISSING
        self.done = False  # when: resolved; each: no item will come any more
        self.error: Optional[BaseException] = None
        self.yielded = 0
        self.wake: Optional[asyncio.Future[None]] = None

    def _wake(self) -> None:
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)


def reads(stream: Any) -> Reads:
    """The awaitable reads of an async stream (made on its first ``when``/``each``)."""
    found: Optional[Reads] = stream.__dict__.get("_reads")
    if found is None:
        found = Reads(stream)
        stream.__dict__["_reads"] = found
    return found


class Reads:
    """The waiting paths of one async stream, and the turns of its readers."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        core = stream._core
        self.core = core
        #: The stream's iterator was handed out before: that iteration reads it, never us.
        self.passive = stream._iterator is not None
        self.root = _Node()
        self.waiting = 0
        self.lock = asyncio.Lock()
        #: The latest item read by an awaiting side, for the next ``async for`` step.
        self.slot: list[Any] = []
        self.finished = False
        engine = core.engine
        theirs = engine.on_field
        if theirs is None:
            engine.on_field = self._completed
        else:

            def both(path: tuple[Key, ...], value: Any) -> None:
                theirs(path, value)
                self._completed(path, value)

            engine.on_field = both
        core.listeners.append(self._ended)

    # ---- the API --------------------------------------------------------------------------

    def when(self, path: PathLike) -> Awaitable[Any]:
        """Registers at once (a value completing before the awaitable is awaited is not
        missed); the awaitable reads the stream, in turn, until the value comes."""
        waiter = _Waiter(parse_path(path), each=False)
        if not self._settled(waiter):
            self._add(waiter)
        return self._value(waiter)

    async def _value(self, waiter: _Waiter) -> Any:
        await self._until(waiter, lambda: waiter.done)
        if waiter.error is not None:
            raise waiter.error
        if waiter.value is _MISSING:
            where = "$" + "".join(f"[{k!r}]" for k in waiter.pattern)
            raise LookupError(f"the document ended without a value at {where}")
        return waiter.value

    async def each(self, path: PathLike) -> AsyncIterator[Any]:
        waiter = _Waiter(parse_path(path), each=True)
        items = waiter.items
        assert items is not None
        if not self._settled(waiter):
            self._add(waiter)
        while True:
            while items:
                waiter.yielded += 1
                yield items.popleft()
            if waiter.done:
                break
            await self._until(waiter, lambda: bool(items) or waiter.done)
        if waiter.error is not None:
            raise waiter.error

    async def partials(self) -> AsyncIterator[Any]:
        """The stream's partials, read in turn with the awaiting sides."""
        while True:
            async with self.lock:
                if self.slot:
                    item = self.slot.pop()
                else:
                    item = await self._step()
            if item is _END:
                if self.core.error is not None and self.core.status == "error":
                    raise self.core.error
                return
            yield item

    # ---- reading ----------------------------------------------------------------------------

    async def _step(self) -> Any:
        stream = self.stream
        if stream._iterator is None:
            stream._iterator = stream._run()
        try:
            return await stream._iterator.__anext__()
        except StopAsyncIteration:
            return _END

    async def _until(self, waiter: _Waiter, ready: Any) -> None:
        """Reads the stream in turn with its other readers (or, passive, waits for the
        iteration that reads it) until ``ready()``."""
        while not ready():
            if self.passive:
                waiter.wake = asyncio.get_running_loop().create_future()
                await waiter.wake
                continue
            async with self.lock:
                if ready() or self.finished:
                    return
                item = await self._step()
                if item is _END:
                    self._ended(self.core.error)
                    return
                self.slot[:] = [item]

    # ---- matching ---------------------------------------------------------------------------

    def _add(self, waiter: _Waiter) -> None:
        patterns = [waiter.pattern]
        if waiter.items is not None:
            patterns = [(*waiter.pattern, "*")]
            if waiter.exact:
                patterns.append(waiter.pattern)  # the list's own completion ends it
        for pattern in patterns:
            node = self.root
            for key in pattern:
                node = node.children.setdefault(key, _Node())
            node.waiters.append(waiter)
        self.waiting += 1

    def _completed(self, path: tuple[Key, ...], value: Any) -> None:
        """The engine validated ``value`` at ``path`` (its ``on_field`` hook)."""
        if self.waiting:
            self._match(self.root, path, 0, value)
        if not path:
            self._ended(None)

    def _match(self, node: _Node, path: tuple[Key, ...], depth: int, value: Any) -> None:
        if depth == len(path):
            for waiter in list(node.waiters):
                self._deliver(node, waiter, path, value)
            return
        key = path[depth]
        found = node.children.get(key)
        if found is not None:
            self._match(found, path, depth + 1, value)
        star = node.children.get("*")
        if star is not None:
            self._match(star, path, depth + 1, value)

    def _deliver(self, node: _Node, waiter: _Waiter, path: tuple[Key, ...], value: Any) -> None:
        if waiter.done:
            return
        if waiter.items is None:
            waiter.value = value
            self._resolve(node, waiter)
        elif len(path) == len(waiter.pattern):  # the list itself completed
            self._resolve(node, waiter)
        else:
            waiter.items.append(value)
            waiter._wake()

    def _resolve(self, node: _Node, waiter: _Waiter) -> None:
        waiter.done = True
        node.waiters.remove(waiter)  # an each's item node keeps it, done, until the end
        self.waiting -= 1
        waiter._wake()

    # ---- the end ----------------------------------------------------------------------------

    def _ended(self, error: Optional[BaseException]) -> None:
        """The stream completed (``error`` None) or failed: every waiter is settled."""
        if self.finished:
            return
        self.finished = True
        for waiter in self._all_waiters():
            self._settle(waiter, error)
        self.root = _Node()
        self.waiting = 0

    def _all_waiters(self) -> list[_Waiter]:
        found: list[_Waiter] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            for waiter in node.waiters:
                if waiter not in found:
                    found.append(waiter)
            stack.extend(node.children.values())
        return found

    def _settle(self, waiter: _Waiter, error: Optional[BaseException]) -> None:
        if waiter.done:
            return
        if error is not None:
            waiter.error = error
        elif waiter.exact:
            value = _at(self.core.engine.final, waiter.pattern)
            if waiter.items is None:
                waiter.value = value
            elif isinstance(value, list):
                waiter.items.extend(value[waiter.yielded + len(waiter.items) :])
        waiter.done = True
        waiter._wake()

    def _settled(self, waiter: _Waiter) -> bool:
        """Settles a waiter made after values came: from the final value, the error, or
        what the stream shows complete already."""
        core = self.core
        if core.status == "complete":
            self._settle(waiter, None)
            return True
        if core.status == "error":
            self._settle(waiter, core.error)
            return True
        if not waiter.exact:
            return False
        parser = core.engine.parser
        shown = core.engine.partial()
        if waiter.items is None:
            if parser.completed(waiter.pattern):
                value = _at(shown, waiter.pattern)
                if value is not _MISSING:
                    waiter.value = value
                    waiter.done = True
                    return True
            return False
        items = waiter.items
        found = _at(shown, waiter.pattern)
        if isinstance(found, list):
            for index, item in enumerate(found):
                if not parser.completed((*waiter.pattern, index)):
                    break
                items.append(item)
        if parser.completed(waiter.pattern):
            waiter.done = True
            return True
        return False


def _at(value: Any, path: tuple[Key, ...]) -> Any:
    """The value at ``path`` (JSON keys) of a plain value or a model, or _MISSING."""
    for key in path:
        value = _unwrap(value)
        if isinstance(value, (dict, list)):
            try:
                value = value[key]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                return _MISSING
            continue
        fields = getattr(type(value), "model_fields", None)
        if fields is None or not isinstance(key, str):
            return _MISSING
        name = key if key in fields else None
        if name is None:
            for field, info in fields.items():
                if key in (info.alias, info.validation_alias):
                    name = field
                    break
        if name is None:
            return _MISSING
        value = getattr(value, name)
    return _unwrap(value)


def _unwrap(value: Any) -> Any:
    """A ``with_state`` field's value (a StreamState, or its dict in a JSON Schema partial)."""
    from deltajson._policies import StreamState

    if isinstance(value, StreamState):
        return value.value
    return value
