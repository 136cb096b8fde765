"""Accelerates the Anthropic SDK's tool-use input accumulation.

``client.messages.stream(...)`` (and the beta variant) re-parses a tool call's whole
``input`` JSON after every ``input_json_delta``: ``jiter.from_json(buffer, partial_mode=...)``.
The SDK imports that function inside its accumulator on every event, so ``accelerate()``
replaces ``jiter.from_json`` itself with a router: calls in partial mode go to
``deltajson.compat.jiter.from_json`` (same values, O(delta) per event), every other call to
jiter unchanged. Other jiter users in the process therefore see the router too; their
results do not change.

::

    from deltajson.integrations import anthropic as dj_anthropic

    dj_anthropic.accelerate()
    with client.messages.stream(model=..., messages=..., tools=...) as stream:
        for event in stream:
            ...
"""

from __future__ import annotations

from typing import Any

from deltajson.compat import jiter as compat_jiter
from deltajson.integrations._patching import Acceleration, Swap, require, unsupported

__all__ = ["accelerate", "accelerated", "is_accelerated", "restore"]


def _router(original: Any) -> Any:
    def from_json(json_data: Any, /, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs.get("partial_mode", False) in (False, "off"):
            return original(json_data, *args, **kwargs)
        return compat_jiter.from_json(json_data, **kwargs)

    from_json.__doc__ = original.__doc__
    from_json.__wrapped__ = original  # type: ignore[attr-defined]
    return from_json


def _plan() -> list[Swap]:
    require("anthropic.lib.streaming._messages", "anthropic")
    jiter: Any = require("jiter", "jiter")
    if not callable(getattr(jiter, "from_json", None)):
        raise unsupported("jiter", "from_json")
    return [(jiter, "from_json", _router(jiter.from_json))]


_acceleration = Acceleration("anthropic", _plan)
accelerate = _acceleration.accelerate
restore = _acceleration.restore
is_accelerated = _acceleration.is_active
accelerated = _acceleration.scope
