"""Reversible attribute swaps: what every integration's ``accelerate()``/``restore()`` does."""

from __future__ import annotations

import functools
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# (owner, attribute, replacement)
Swap = tuple[Any, str, Any]


class Acceleration:
    """The swaps one integration makes. ``plan`` imports the library and names them; it runs
    on each ``accelerate()``, so a library imported late is still found.

    Thread safety: swapping and restoring hold a lock, so the library's attributes are never
    half swapped. ``scope()`` blocks count themselves: the swaps a scope made are restored when
    the last open scope closes, not while a block in another thread still runs (unless someone
    calls ``restore()``, which always restores); explicit ``accelerate()`` outlives them all.
    """

    def __init__(self, library: str, plan: Callable[[], list[Swap]]) -> None:
        self.library = library
        self._plan = plan
        self._lock = threading.Lock()
        self._saved: list[tuple[Any, str, Any, Any]] = []
        # Open scope() blocks, and whether the swaps in place are theirs (restored when the
        # last one closes) rather than an explicit accelerate()'s.
        self._scopes = 0
        self._by_scopes = False

    def is_active(self) -> bool:
        """Whether the library is accelerated now."""
        return bool(self._saved)

    def accelerate(self) -> None:
        """Routes the library's partial JSON parsing through ``deltajson.compat`` (a no-op
        while already accelerated). Raises ``ImportError`` without the library."""
        with self._lock:
            self._by_scopes = False
            self._swap()

    def _swap(self) -> None:
        """Makes the swaps, unless they are in place (holding the lock)."""
        if self._saved:
            return
        swaps = self._plan()
        for owner, name, replacement in swaps:
            self._saved.append((owner, name, owner.__dict__.get(name), replacement))
            setattr(owner, name, replacement)

    def restore(self) -> None:
        """Gives the library back its own parser: puts back what ``accelerate()`` replaced
        (a no-op when not active). An attribute someone else replaced since is left alone."""
        with self._lock:
            self._restore()

    def _restore(self) -> None:
        """Puts back what the swaps replaced (holding the lock)."""
        for owner, name, original, replacement in reversed(self._saved):
            if owner.__dict__.get(name) is replacement:
                if original is None:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)
        self._saved.clear()
        self._by_scopes = False

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Accelerated inside the ``with`` block; restored after it unless it already was
        (by ``accelerate()``), or another thread's block is still open."""
        with self._lock:
            if not self._saved:
                self._swap()
                self._by_scopes = True
            self._scopes += 1
        try:
            yield
        finally:
            with self._lock:
                self._scopes -= 1
                if self._scopes == 0 and self._by_scopes:
                    self._restore()


def require(module: str, library: str) -> Any:
    """Imports ``module``, or says which package to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"deltajson.integrations needs {library} installed to accelerate it ({e})"
        ) from e


def unsupported(library: str, what: str) -> RuntimeError:
    return RuntimeError(
        f"this version of {library} has no {what}: deltajson cannot accelerate it"
        " (please report the version)"
    )


class _Overlay(dict):  # type: ignore[type-arg]
    """A function's globals with a few names replaced: every other name is looked up in its
    module at call time (so later changes to the module are seen)."""

    def __init__(self, module: dict[str, Any], names: dict[str, Any]) -> None:
        super().__init__(names)
        self["__builtins__"] = module.get("__builtins__", __builtins__)
        self._module = module

    def __missing__(self, name: str) -> Any:
        return self._module[name]


def with_globals(function: Any, **names: Any) -> Any:
    """``function`` itself — its own code, defaults and closure, so upstream fixes to it keep
    working — with the global ``names`` it calls replaced. How an integration swaps one step
    of a library's method without copying the method's body."""
    clone = types.FunctionType(
        function.__code__,
        _Overlay(function.__globals__, names),
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    clone.__kwdefaults__ = function.__kwdefaults__
    functools.update_wrapper(clone, function)  # also sets __wrapped__: the original
    return clone
