"""The SSE wire writers: the Rust extension's (``src/python/wire.rs``), or the pure-Python
twin's when the extension is not there; the same bytes either way."""

from __future__ import annotations

try:
    from deltajson._deltajson import event, patch_event, value_event
except ImportError:  # pragma: no cover - the pure-Python install
    from deltajson._pure.wire import event, patch_event, value_event

__all__ = ["event", "patch_event", "value_event"]
