"""Pydantic partial models over a stream: ``stream_model``, ``stream_items``, field events,
typed stream errors and ``retry``. Needs pydantic (``pip install deltajson[pydantic]``).

Sync and async share one implementation (:class:`_Core`); they differ only in how they wait
for the next chunk.
"""

from __future__ import annotations

import asyncio
import math
import queue
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any, Generic, Optional, TypeVar, Union

from pydantic import BaseModel, TypeAdapter, ValidationError

from deltajson import _awaitable
from deltajson._api import Chunk, RustParser, joined
from deltajson._contracts import engine_for
from deltajson._engine import ModelEngine, OnInvalid, Path
from deltajson._errors import (
    JSONError,
    Refusal,
    SchemaMismatch,
    StreamError,
    StreamInterrupted,
    StreamTimeout,
)
from deltajson._jsonschema import SchemaItems, is_json_schema
from deltajson._partial import Partial, partial_model
from deltajson._schema import describe, error_with_prefix, json_of
from deltajson.select import PathLike, _Selection

_Steps: Any
try:
    from deltajson._deltajson import Steps as _Steps
except ImportError:  # pragma: no cover - only without the compiled extension
    _Steps = None

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
E = TypeVar("E", bound=BaseException)

__all__ = [
    "AsyncModelStream",
    "ModelStream",
    "Partial",
    "Refusal",
    "SchemaMismatch",
    "StreamError",
    "StreamInterrupted",
    "StreamTimeout",
    "aretry",
    "astream_fields",
    "astream_items",
    "astream_model",
    "partial_model",
    "retry",
    "stream_fields",
    "stream_items",
    "stream_model",
]

_END = object()


class _Core(Generic[M]):
    """One stream's state, shared by the sync and async streams."""

    def __init__(
        self,
        model: type[M],
        *,
        min_interval: float,
        on_invalid: OnInvalid,
        timeout: Optional[float],
        idle_timeout: Optional[float],
        on_field: Optional[Callable[[Path, Any], None]],
        copy: bool,
        parser_options: dict[str, Any],
    ) -> None:
        self.engine = engine_for(
            model,
            on_invalid=on_invalid,
            on_field=on_field,
            live=not copy,
            parser_options=parser_options,
        )
        self.model = model
        self.min_interval = min_interval / 1000.0  # given in milliseconds
        self.timeout = timeout
        self.idle_timeout = idle_timeout
        self.started = time.monotonic()
        self.last_chunk_at = self.started
        self.last_yield_at = -math.inf
        #: Whether a chunk's time matters (a timeout or ``min_interval``): else no clock is
        #: read per chunk.
        self.clocked = timeout is not None or idle_timeout is not None or self.min_interval > 0
        self.engine.throttled = self.min_interval > 0
        self._chunks = 0
        #: The native loop, where the stream runs one (``_Steps``); it counts its chunks.
        self.steps: Any = None
        self.status = "streaming"
        self.error: Optional[BaseException] = None
        #: Called with the error when the stream fails (awaitable fields, _awaitable.py).
        self.listeners: list[Callable[[BaseException], None]] = []

    @property
    def chunks(self) -> int:
        """Chunks received."""
        return self._chunks + (self.steps.chunks if self.steps is not None else 0)

    @property
    def bytes(self) -> int:
        """Bytes received (``str`` chunks counted in UTF-8)."""
        return self.engine.nbytes()

    def wait_limit(self) -> Optional[float]:
        """Seconds the next chunk may take, or None without timeouts."""
        now = time.monotonic()
        limits = []
        if self.timeout is not None:
            limits.append(self.started + self.timeout - now)
        if self.idle_timeout is not None:
            limits.append(self.last_chunk_at + self.idle_timeout - now)
        return max(0.0, min(limits)) if limits else None

    def timed_out(self) -> StreamTimeout:
        total = self.timeout is not None and time.monotonic() >= self.started + self.timeout
        what = f"timeout of {self.timeout} s" if total else f"idle timeout of {self.idle_timeout} s"
        return self.fail(StreamTimeout(f"the stream exceeded its {what}"))

    def interrupted(self, cause: BaseException) -> StreamError:
        if isinstance(cause, StreamError):  # a source's own typed error (e.g. Refusal)
            return self.fail(cause)
        return self.fail(StreamInterrupted(f"the source failed: {type(cause).__name__}: {cause}"))

    def fail(self, error: E) -> E:
        """Marks the stream failed and attaches what was received to ``error``."""
        self.status = "error"
        # Core JSONErrors get the attributes too: every stream error carries them, with the
        # partial as a model (an IncompleteJSONError's own .partial is the raw value).
        if not isinstance(error, StreamError) or error.partial is None:
            setattr(error, "partial", self.engine.partial())  # noqa: B010
        if not getattr(error, "raw", ""):
            setattr(error, "raw", self.engine.raw)  # noqa: B010
        self.error = error
        for listener in self.listeners:
            listener(error)
        return error

    def take(self, chunk: Chunk) -> Any:
        """Feeds a chunk; returns the partial to yield now, or _END when none is due."""
        self._chunks += 1
        clocked = self.clocked
        if clocked:
            self.last_chunk_at = time.monotonic()
        engine = self.engine
        try:
            engine.feed(chunk)
        except (JSONError, SchemaMismatch) as e:
            raise self.fail(e) from e.__cause__
        if engine.done:
            return _END  # the final model is yielded by end()
        if not engine.changed:
            return _END
        if clocked and self.last_chunk_at - self.last_yield_at < self.min_interval:
            return _END
        engine.changed = False
        partial = engine.partial()
        if partial is None:
            return _END  # nothing shown yet (a StreamNotNull field of the root)
        if clocked:
            self.last_yield_at = self.last_chunk_at
        return partial

    def top_fields(self) -> list[str]:
        """The field names of the model the top-level value is shown as, in declaration order."""
        engine = self.engine
        names = getattr(engine, "top_fields", None)
        if names is not None:
            return names()  # type: ignore[no-any-return]  # a JSON Schema's properties
        shown = engine.final if engine.done else engine.shown_root()
        model = getattr(type(shown), "__deltajson_model__", type(shown))
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            model = self.model
        if isinstance(model, type) and issubclass(model, BaseModel):
            return list(model.model_fields)
        return []

    def _raise_failed(self, error: BaseException) -> None:
        """What the native loop does with an error of a step: ``take``'s handling."""
        if isinstance(error, (JSONError, SchemaMismatch)):
            raise self.fail(error) from error.__cause__
        raise error

    def _raise_interrupted(self, error: BaseException) -> None:
        """What the native loop does with an error of the source."""
        raise self.interrupted(error) from error

    def end(self) -> M:
        try:
            final = self.engine.finish()
        except (JSONError, SchemaMismatch) as e:
            raise self.fail(e) from e.__cause__
        self.status = "complete"
        return final  # type: ignore[no-any-return]


class _StreamView(Generic[M]):
    """What both stream classes report."""

    _core: _Core[M]

    @property
    def final(self) -> Optional[M]:
        """The final model, validated strictly, once the stream is complete (else None)."""
        return self._core.engine.final if self._core.engine.done else None

    @property
    def partial(self) -> Any:
        """The latest partial model."""
        return self._core.engine.partial()

    @property
    def raw(self) -> str:
        """The text received so far."""
        return self._core.engine.raw

    @property
    def status(self) -> str:
        """``"streaming"``, ``"complete"`` or ``"error"``."""
        return self._core.status

    @property
    def completed_fields(self) -> list[str]:
        """Top-level fields complete so far, in completion order."""
        return list(self._core.engine.completed_fields)

    @property
    def pending_fields(self) -> list[str]:
        """Top-level fields not complete yet, in declaration order: the fields of the model
        the value is shown as (for a union of models, the member shown now; none where the
        top level is not a model)."""
        done = set(self._core.engine.completed_fields)
        return [name for name in self._core.top_fields() if name not in done]

    @property
    def progress(self) -> float:
        """Percent of the top-level fields complete (100 once the stream is complete)."""
        if self._core.engine.done:
            return 100.0
        total = len(self._core.top_fields()) or 1
        return 100.0 * len(self._core.engine.completed_fields) / total

    @property
    def elapsed(self) -> float:
        """Seconds since the stream started."""
        return time.monotonic() - self._core.started

    @property
    def chunks(self) -> int:
        """Chunks received."""
        return self._core.chunks

    @property
    def bytes(self) -> int:
        """Bytes received (str chunks counted in UTF-8)."""
        return self._core.bytes


class ModelStream(_StreamView[M]):
    """Iterate to get partial models as the JSON streams in; the last item is the final model,
    validated strictly against ``Model``. See :func:`stream_model`."""

    def __init__(self, source: Iterable[Chunk], core: _Core[M]) -> None:
        self._source = source
        self._core = core
        self._iterator: Optional[Iterator[Any]] = None

    def __iter__(self) -> Iterator[Any]:
        if self._iterator is None:
            core = self._core
            engine = core.engine
            # Only the plain model engine: the native loop yields the engine's own partials,
            # without the policies a PolicyModelEngine applies to them (_contracts.py).
            if (
                _Steps is not None
                and isinstance(engine, ModelEngine)
                and type(engine) is ModelEngine
                and type(engine.parser) is RustParser
                and engine._fast
                and not core.clocked
            ):
                # ``_run``'s plain loop, natively (tests compare the two).
                core.steps = self._iterator = _Steps(core, engine, self._source, engine.live)
            else:
                self._iterator = self._run()
        return self._iterator

    def get_final(self) -> M:
        """Consumes the rest of the stream and returns the final model."""
        for _ in self:
            pass
        final = self.final
        if final is None:
            raise self._core.error or RuntimeError("the stream ended without a value")
        return final

    def _run(self) -> Iterator[Any]:
        core = self._core
        if core.clocked or not isinstance(core.engine, ModelEngine):
            take = core.take
            for chunk in self._chunks():
                partial = take(chunk)
                if partial is not _END:
                    yield partial
            yield core.end()
            return
        # Nothing to time or throttle: ``take`` specialised, with the source read here rather
        # than through ``_chunks`` (a partial per chunk that changed anything, until the final
        # value; tests compare this loop with ``take``'s, which the async stream runs).
        engine = core.engine
        step, pieces, apply, partial = engine.step, engine._pieces, engine._apply, engine.partial
        lane = engine.lane_now()
        try:
            source = iter(self._source)
        except Exception as e:
            raise core.interrupted(e) from e
        while True:
            try:
                chunk = next(source)
            except StopIteration:
                break
            except Exception as e:  # the source failed (not the stream)
                raise core.interrupted(e) from e
            core._chunks += 1
            try:
                changed = step(chunk, pieces, apply, lane)
            except (JSONError, SchemaMismatch) as e:
                raise core.fail(e) from e.__cause__
            if changed and not engine.done:
                engine.changed = False
                shown = partial()
                if shown is not None:  # None: nothing shown yet (a StreamNotNull root field)
                    yield shown
        yield core.end()

    def _chunks(self) -> Iterator[Chunk]:
        core = self._core
        if core.timeout is None and core.idle_timeout is None:
            try:
                yield from self._source
            except GeneratorExit:
                raise
            except Exception as e:
                raise core.interrupted(e) from e
            return
        # With timeouts a blocking source must be waited for with a limit: read it in a
        # thread (a source that hangs then hangs only that thread).
        inbox: queue.Queue[tuple[str, Any]] = queue.Queue()

        def read() -> None:
            try:
                for chunk in self._source:
                    inbox.put(("chunk", chunk))
                inbox.put(("end", None))
            except Exception as e:  # handed to the consumer
                inbox.put(("error", e))

        threading.Thread(target=read, name="deltajson-source", daemon=True).start()
        while True:
            try:
                kind, item = inbox.get(timeout=core.wait_limit())
            except queue.Empty:
                raise core.timed_out() from None
            if kind == "end":
                return
            if kind == "error":
                raise core.interrupted(item) from item
            yield item


class AsyncModelStream(_StreamView[M]):
    """The async twin of :class:`ModelStream`: ``async for partial in stream``."""

    def __init__(self, source: AsyncIterable[Chunk], core: _Core[M]) -> None:
        self._source = source
        self._core = core
        self._iterator: Optional[AsyncIterator[Any]] = None

    def __aiter__(self) -> AsyncIterator[Any]:
        if self._iterator is None:
            self._iterator = self._run()
        reads = self.__dict__.get("_reads")
        # With awaitable fields, readers take turns (deltajson._awaitable).
        return self._iterator if reads is None else reads.partials()

    def when(self, path: PathLike) -> Awaitable[Any]:
        """Resolves with the completed, validated value at ``path`` (``select``'s path
        syntax), or raises the stream's error; reads the stream while nobody else does.
        See :mod:`deltajson._awaitable`."""
        return _awaitable.reads(self).when(path)

    def each(self, path: PathLike) -> AsyncIterator[Any]:
        """Each completed, validated item of the list at ``path``, while the stream goes
        on; ends when that list completes. See :mod:`deltajson._awaitable`."""
        return _awaitable.reads(self).each(path)

    async def get_final(self) -> M:
        """Consumes the rest of the stream and returns the final model."""
        async for _ in self:
            pass
        final = self.final
        if final is None:
            raise self._core.error or RuntimeError("the stream ended without a value")
        return final

    async def _run(self) -> AsyncIterator[Any]:
        core = self._core
        chunks = self._source.__aiter__()
        while True:
            limit = core.wait_limit()
            try:
                if limit is None:
                    chunk = await chunks.__anext__()
                else:
                    chunk = await asyncio.wait_for(chunks.__anext__(), limit)
            except StopAsyncIteration:
                break
            except asyncio.TimeoutError:
                if limit is None:
                    raise core.interrupted(TimeoutError("the source timed out")) from None
                raise core.timed_out() from None
            except Exception as e:
                raise core.interrupted(e) from e
            partial = core.take(chunk)
            if partial is not _END:
                yield partial
        yield core.end()


def _core(model: type[M], options: dict[str, Any]) -> _Core[M]:
    return _Core(
        model,
        min_interval=options.pop("min_interval", 0.0),
        on_invalid=options.pop("on_invalid", "raise"),
        timeout=options.pop("timeout", None),
        idle_timeout=options.pop("idle_timeout", None),
        on_field=options.pop("on_field", None),
        copy=options.pop("copy", True),
        parser_options=options,
    )


def stream_model(chunks: Iterable[Chunk], model: type[M], /, **options: Any) -> ModelStream[M]:
    """Partial models of ``model`` while its JSON streams in.

    Iterating yields a ``Partial[model]`` after each chunk that changed something (completed
    nested models and list items are real ``model`` parts, validated once), then the final
    ``model`` instance, validated strictly. The stream reports ``final``, ``raw``, ``status``,
    ``completed_fields``, ``pending_fields``, ``progress``, ``elapsed``, ``chunks``, ``bytes``.

    Args:
        chunks: Text or bytes pieces (an LLM stream's deltas).
        model: The pydantic model of the whole document.
        min_interval: Yield at most one partial per this many milliseconds (the final model
            is always yielded).
        on_invalid: ``"raise"`` (default): a complete value that cannot satisfy the schema
            raises :class:`SchemaMismatch` on the chunk that completes it, so the caller can
            cancel the request early; ``"skip"``: such a value is left out.
        timeout: Seconds the whole stream may take (:class:`StreamTimeout`).
        idle_timeout: Seconds to wait for each chunk (:class:`StreamTimeout`).
        on_field: Called with ``(path, value)`` each time a value completes.
        copy: ``True`` (default): each partial is a new object, never changed afterwards
            (completed parts are shared), costing O(depth + width of open lists) per chunk.
            ``False``: one live partial is updated in place and yielded again, costing
            O(delta) per chunk — copy it (``model_copy(deep=True)``) to keep a state.
        **options: Parser options (``lenient=True`` for prose-wrapped replies, ...).

    Raises:
        JSONError: invalid JSON (with ``.partial`` and ``.raw`` attached).
        IncompleteJSONError: the stream ended early.
        SchemaMismatch, StreamTimeout, StreamInterrupted, Refusal: see their docs; each carries
            ``.partial`` and ``.raw``.
    """
    return ModelStream(chunks, _core(model, dict(options)))


def astream_model(
    chunks: AsyncIterable[Chunk], model: type[M], /, **options: Any
) -> AsyncModelStream[M]:
    """The async twin of :func:`stream_model` (same options)."""
    return AsyncModelStream(chunks, _core(model, dict(options)))


def stream_fields(
    chunks: Iterable[Chunk], model: type[M], /, **options: Any
) -> Iterator[tuple[Path, Any]]:
    """Each ``(path, value)`` as soon as the value completes, validated, in completion order
    (fields, list items, the root last) — to update a UI or start downstream work early.
    Same options as :func:`stream_model`."""
    stream = ModelStream(chunks, _core(model, dict(options)))
    stream._core.engine.record_events = True
    for _ in stream:
        yield from stream._core.engine.take_events()


async def astream_fields(
    chunks: AsyncIterable[Chunk], model: type[M], /, **options: Any
) -> AsyncIterator[tuple[Path, Any]]:
    """The async twin of :func:`stream_fields`."""
    stream = AsyncModelStream(chunks, _core(model, dict(options)))
    stream._core.engine.record_events = True
    async for _ in stream:
        for event in stream._core.engine.take_events():
            yield event


# ---- items --------------------------------------------------------------------------------


class _Items(Generic[T]):
    """Selected items validated as ``item``; shared by the sync and async item streams."""

    def __init__(
        self, item: type[T], path: PathLike, on_invalid: OnInvalid, options: dict[str, Any]
    ):
        if on_invalid not in ("raise", "skip"):
            raise ValueError(f"on_invalid must be 'raise' or 'skip', not {on_invalid!r}")
        self.adapter: TypeAdapter[T] = TypeAdapter(item)
        self.selection = _Selection(path, True, True, options)
        self.on_invalid = on_invalid
        #: What was fed, decoded only for an error (a character may span two chunks).
        self.pieces: list[Union[str, bytes]] = []

    def feed(self, chunk: Chunk) -> Iterator[T]:
        self.pieces.append(chunk if isinstance(chunk, str) else bytes(chunk))
        return self._validated(self.selection.feed(chunk))

    def raw(self) -> str:
        text = joined(self.pieces)
        return text if isinstance(text, str) else text.decode("utf-8", "replace")

    def finish(self) -> Iterator[T]:
        return self._validated(self.selection.finish())

    def _validated(self, taken: Iterator[tuple[Path, Any]]) -> Iterator[T]:
        """Each item in turn, so that the items before a failing one (a schema mismatch, or
        invalid JSON later in the same chunk) are yielded before the error is raised."""
        for path, value in taken:
            try:
                # JSON mode, from the item's own JSON: what ``validate_json`` of its text gives.
                item = self.adapter.validate_json(json_of(value))
            except ValidationError as e:
                if self.on_invalid == "raise":
                    located = error_with_prefix(e, path, e.title)
                    raise SchemaMismatch(
                        describe(located, path),
                        path=path,
                        validation_error=located,
                        partial=value,
                        raw=self.raw(),
                    ) from located
                continue
            yield item


def _items(item: Any, path: PathLike, on_invalid: OnInvalid, options: dict[str, Any]) -> Any:
    """The item stream of ``item``: a Pydantic type, or a JSON Schema."""
    if is_json_schema(item):
        return SchemaItems(item, path, on_invalid, options)
    return _Items(item, path, on_invalid, options)


def stream_items(
    chunks: Iterable[Chunk],
    item: type[T],
    /,
    *,
    path: PathLike = "$[*]",
    on_invalid: OnInvalid = "raise",
    **options: Any,
) -> Iterator[T]:
    """Each item at ``path`` (default: the items of a top-level array), validated as
    ``item``, yielded once, as soon as it completes; memory stays bounded (items leave the
    parser once yielded)."""
    items = _items(item, path, on_invalid, options)
    for chunk in chunks:
        yield from items.feed(chunk)
    yield from items.finish()


async def astream_items(
    chunks: AsyncIterable[Chunk],
    item: type[T],
    /,
    *,
    path: PathLike = "$[*]",
    on_invalid: OnInvalid = "raise",
    **options: Any,
) -> AsyncIterator[T]:
    """The async twin of :func:`stream_items`."""
    items = _items(item, path, on_invalid, options)
    async for chunk in chunks:
        for value in items.feed(chunk):
            yield value
    for value in items.finish():
        yield value


# ---- retry --------------------------------------------------------------------------------

RETRYABLE: tuple[type[BaseException], ...] = (StreamInterrupted, StreamTimeout)


def _backoff(attempt: int, base: float, cap: float) -> float:
    return float(min(cap, base * (2**attempt)))


def retry(
    factory: Callable[[], Iterable[T]],
    /,
    *,
    attempts: int = 3,
    backoff: float = 0.5,
    max_backoff: float = 8.0,
    retry_on: tuple[type[BaseException], ...] = RETRYABLE,
) -> Iterator[T]:
    """Runs ``factory()`` (which makes a fresh stream, e.g. ``lambda: stream_model(call(),
    Model)``) and yields from it; on a retryable error, waits (exponential backoff) and starts
    over with a new stream, so text from two attempts is never mixed. Partials restart from
    the beginning on a new attempt. The last error is raised when attempts run out."""
    for attempt in range(attempts):
        try:
            yield from factory()
            return
        except retry_on:
            if attempt == attempts - 1:
                raise
            time.sleep(_backoff(attempt, backoff, max_backoff))


async def aretry(
    factory: Callable[[], AsyncIterable[T]],
    /,
    *,
    attempts: int = 3,
    backoff: float = 0.5,
    max_backoff: float = 8.0,
    retry_on: tuple[type[BaseException], ...] = RETRYABLE,
) -> AsyncIterator[T]:
    """The async twin of :func:`retry`."""
    for attempt in range(attempts):
        try:
            async for item in factory():
                yield item
            return
        except retry_on:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(_backoff(attempt, backoff, max_backoff))
