"""Accelerates Instructor's ``Partial[Model]`` streaming.

``create_partial(...)`` (``Partial[Model]`` with ``stream=True``) re-parses the whole
accumulated reply after every chunk, with ``jiter.from_json`` (``pydantic_core.from_json`` in
older releases), once to build the partial and once more to tell which fields are complete.
``accelerate()`` points those module-level references at the matching ``deltajson.compat``
shim: same values and exceptions, O(delta) parsing. Instructor's own per-chunk work
(stripping and re-encoding the buffer, walking the partial value) stays O(buffer).

::

    from deltajson.integrations import instructor as dj_instructor

    dj_instructor.accelerate()
    for partial in client.create_partial(response_model=Plan, messages=..., model=...):
        ...
"""

from __future__ import annotations

import importlib
from typing import Any

from deltajson.integrations._patching import Acceleration, Swap, require, unsupported

__all__ = ["accelerate", "accelerated", "is_accelerated", "restore"]

# Where Instructor releases keep a module-level ``from_json`` used on partial buffers.
_MODULES = (
    "instructor.v2.dsl.partial",
    "instructor.v2.dsl.json_tracker",
    "instructor.dsl.partial",
    "instructor.dsl.json_tracker",
)


def _shims() -> dict[Any, Any]:
    """The peer functions Instructor may hold, each with its shim."""
    from deltajson.compat import jiter as compat_jiter
    from deltajson.compat import pydantic_core as compat_pydantic_core

    shims: dict[Any, Any] = {}
    for peer, shim in (("jiter", compat_jiter), ("pydantic_core", compat_pydantic_core)):
        try:
            shims[importlib.import_module(peer).from_json] = shim.from_json
        except ImportError:
            pass
    return shims


def _plan() -> list[Swap]:
    require("instructor", "instructor")
    shims = _shims()
    swaps: list[Swap] = []
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        shim = shims.get(module.__dict__.get("from_json"))
        if shim is not None:
            swaps.append((module, "from_json", shim))
    if not swaps:
        raise unsupported("instructor", "module-level from_json in its partial streaming")
    return swaps


_acceleration = Acceleration("instructor", _plan)
accelerate = _acceleration.accelerate
restore = _acceleration.restore
is_accelerated = _acceleration.is_active
accelerated = _acceleration.scope
