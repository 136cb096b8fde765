"""Reversible attribute swaps: what every integration's ``accelerate()``/``restore()`` does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# (owner, attribute, replacement)
Swap = tuple[Any, str, Any]


class Acceleration:
    """The swaps one integration makes. ``plan`` imports the library and names them; it runs
    on each ``accelerate()``, so a library imported late is still found."""

    def __init__(self, library: str, plan: Callable[[], list[Swap]]) -> None:
        self.library = library
        self._plan = plan
        self._lock = threading.Lock()
        self._saved: list[tuple[Any, str, Any, Any]] = []

    def is_active(self) -> bool:
        """Whether the library is accelerated now."""
        return bool(self._saved)

    def accelerate(self) -> None:
        """Routes the library's partial JSON parsing through ``deltajson.compat`` (a no-op
        while already accelerated). Raises ``ImportError`` without the library."""
        with self._lock:
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
            for owner, name, original, replacement in reversed(self._saved):
                if owner.__dict__.get(name) is replacement:
                    if original is None:
                        delattr(owner, name)
                    else:
                        setattr(owner, name, original)
            self._saved.clear()

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Accelerated inside the ``with`` block; restored after it unless it already was."""
        was_active = self.is_active()
        self.accelerate()
        try:
            yield
        finally:
            if not was_active:
                self.restore()


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
