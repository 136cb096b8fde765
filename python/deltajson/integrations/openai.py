"""Accelerates the OpenAI SDK's streaming helper.

``client.chat.completions.stream(...)`` (and ``beta.chat.completions.stream``) re-parses the
whole message content after every chunk when ``response_format`` is a Pydantic model, and the
whole arguments of every strict function tool: ``jiter.from_json(buffer, partial_mode=True)``.
``accelerate()`` points that call at ``deltajson.compat.jiter.from_json``: the same values, so
the same events, snapshots and ``parsed`` fields, at O(delta) per chunk.

::

    from deltajson.integrations import openai as dj_openai

    dj_openai.accelerate()
    with client.chat.completions.stream(model=..., messages=..., response_format=Plan) as s:
        for event in s:
            ...
"""

from __future__ import annotations

from typing import Any

from deltajson.compat import jiter as compat_jiter
from deltajson.integrations._patching import Acceleration, Swap, require, unsupported

__all__ = ["accelerate", "accelerated", "is_accelerated", "restore"]

_MODULE = "openai.lib.streaming.chat._completions"


def _plan() -> list[Swap]:
    module: Any = require(_MODULE, "openai")
    if not callable(getattr(module, "from_json", None)):
        raise unsupported("openai", f"{_MODULE}.from_json")
    return [(module, "from_json", compat_jiter.from_json)]


_acceleration = Acceleration("openai", _plan)
accelerate = _acceleration.accelerate
restore = _acceleration.restore
is_accelerated = _acceleration.is_active
accelerated = _acceleration.scope
