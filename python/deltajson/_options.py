"""Checks of the parser's options, shared by both engines so that they refuse the same values
with the same exception and message (the Rust class would otherwise answer with PyO3's
conversion errors, the pure one with whatever a comparison raised)."""

from __future__ import annotations

from typing import Any

__all__ = ["check_options"]

#: The largest limit either engine can hold (the Rust engine's 64-bit counters).
LIMIT_MAX = 2**64 - 1

# name -> (smallest value, whether None is allowed)
_LIMITS = {"max_depth": (1, False), "max_bytes": (0, True), "max_string_bytes": (0, True)}
_FLAGS = (
    "partial_strings",
    "multiple",
    "allow_nan",
    "lenient",
    "allow_lone_surrogates",
    "repair",
)


def check_options(options: dict[str, Any]) -> None:
    """Raises on an option value neither engine can take.

    Raises:
        TypeError: a limit that is not an int (bools are not), a flag that is not a bool.
        ValueError: a limit out of range, an unknown ``float_mode``.
    """
    for name, (smallest, optional) in _LIMITS.items():
        if name in options:
            _check_limit(name, options[name], smallest, optional)
    for name in _FLAGS:
        value = options.get(name, False)
        if type(value) is not bool:
            raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    float_mode = options.get("float_mode", "float")
    if float_mode not in ("float", "decimal") or type(float_mode) is not str:
        raise ValueError(f"float_mode must be 'float' or 'decimal', not {float_mode!r}")


def _check_limit(name: str, value: Any, smallest: int, optional: bool) -> None:
    if value is None and optional:
        return
    if type(value) is not int:
        allowed = "an int or None" if optional else "an int"
        raise TypeError(f"{name} must be {allowed}, not {type(value).__name__}")
    if value < smallest:
        raise ValueError(f"{name} must be at least {smallest}, not {value}")
    if value > LIMIT_MAX:
        raise ValueError(f"{name} must be at most {LIMIT_MAX}, not {value}")
