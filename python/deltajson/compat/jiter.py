"""``jiter.from_json`` with prefix reuse: same signature, same results, O(delta) per call on a
growing buffer.

::

    from deltajson.compat import jiter

    buffer = b""
    for chunk in chunks:
        buffer += chunk
        value = jiter.from_json(buffer, partial_mode="trailing-strings")

Each call on a buffer that extends the previous one feeds only the new bytes to the parser
kept for it (see ``deltajson.compat``). Results, including jiter's quirks in partial mode
(``deltajson.compat._jiter_rules``), are jiter's, and so are its exceptions, messages and
positions included (``deltajson.compat._jiter_errors``). ``float_mode="lossless-float"``
returns jiter's own ``LosslessFloat``, so it needs jiter installed and is passed to it
unaccelerated.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from deltajson.compat import _jiter_rules
from deltajson.compat._jiter_rules import check_cache_mode, not_an_instance
from deltajson.compat._reuse import PrefixCache

__all__ = ["cache", "from_json"]

#: The streams this shim keeps (``deltajson.compat.configure`` sets its bounds).
cache = PrefixCache()

_FLOAT_ERROR = "Invalid float mode, should be `'float'`, `'decimal'` or `'lossless-float'`"


def from_json(
    json_data: bytes,
    /,
    *,
    allow_inf_nan: bool = True,
    cache_mode: Union[bool, Literal["all", "keys", "none"]] = "all",
    partial_mode: Union[bool, Literal["off", "on", "trailing-strings"]] = False,
    catch_duplicate_keys: bool = False,
    float_mode: Literal["float", "decimal", "lossless-float"] = "float",
) -> Any:
    """Parses ``json_data`` exactly as ``jiter.from_json`` does.

    Args:
        json_data: the whole buffer so far (``bytes``, as jiter requires).
        allow_inf_nan: accept ``NaN``, ``Infinity`` and ``-Infinity``.
        cache_mode: jiter's string cache setting; accepted and checked, without effect on
            results (deltajson has its own bounded key cache).
        partial_mode: ``False``/``"off"``, ``True``/``"on"`` (unfinished strings left out)
            or ``"trailing-strings"`` (kept).
        catch_duplicate_keys: raise on a key repeated within one object.
        float_mode: ``"float"``, ``"decimal"`` or ``"lossless-float"``.

    Raises:
        ValueError: the data is invalid (or incomplete without ``partial_mode``).
        TypeError: an argument of the wrong type.
    """
    if type(json_data) is not bytes:
        if not isinstance(json_data, bytes):
            raise TypeError(f"argument 'json_data': {not_an_instance(json_data, 'bytes')}")
        json_data = bytes(json_data)  # a bytes subclass, as jiter takes it
    if (
        allow_inf_nan is True
        and catch_duplicate_keys is False
        and type(cache_mode) is str
        and cache_mode == "all"
        and type(float_mode) is str
        and float_mode == "float"
    ):
        # What streaming libraries pass: skip building the full key of the options.
        try:
            config = _BY_PARTIAL_MODE.get((partial_mode, type(partial_mode)))
        except TypeError:  # unhashable: invalid anyway, the checks below say how
            config = None
        if config is not None:
            return _jiter_rules.parse(cache, json_data, config)
    # Options seen before skip their checks; the key holds the types, since 1 == True.
    options = (allow_inf_nan, cache_mode, partial_mode, catch_duplicate_keys, float_mode)
    key = (*options, *map(type, options))
    try:
        config = _OPTIONS.get(key)
    except TypeError:  # unhashable: invalid anyway, the checks below say how
        config = None
    if config is None:
        config = _config(*options)
        if config is None:  # float_mode="lossless-float": jiter's own type
            return _original_from_json()(
                json_data,
                allow_inf_nan=allow_inf_nan,
                cache_mode=cache_mode,
                partial_mode=partial_mode,
                catch_duplicate_keys=catch_duplicate_keys,
                float_mode=float_mode,
            )
        if len(_OPTIONS) < 64:
            _OPTIONS[key] = config
    return _jiter_rules.parse(cache, json_data, config)


_ORIGINAL: list[Any] = []


def _original_from_json() -> Any:
    """jiter's own ``from_json``, held once found: taken from its extension module, which a
    shim swapped in as ``jiter.from_json`` never replaces (looking the name up at call time
    would find the shim and recurse)."""
    if not _ORIGINAL:
        import importlib

        try:
            native = importlib.import_module("jiter.jiter").from_json
        except (ImportError, AttributeError):
            native = importlib.import_module("jiter").from_json
        if native is from_json:
            raise RuntimeError("jiter's own from_json cannot be found: only the shim is there")
        _ORIGINAL.append(native)
    return _ORIGINAL[0]


def _config(
    allow_inf_nan: object,
    cache_mode: object,
    partial_mode: object,
    catch_duplicate_keys: object,
    float_mode: object,
) -> Optional[_jiter_rules.Config]:
    """Checks the options as jiter does (same exceptions, same messages, in the order of
    its signature: PyO3 names the argument in a TypeError); ``None`` for lossless floats."""
    inf_nan = _flag("allow_inf_nan", allow_inf_nan)
    try:
        check_cache_mode(cache_mode)
    except TypeError as e:
        raise TypeError(f"argument 'cache_mode': {e}") from None
    try:
        mode = _jiter_rules.partial_mode(partial_mode)
    except TypeError as e:
        raise TypeError(f"argument 'partial_mode': {e}") from None
    duplicates = _flag("catch_duplicate_keys", catch_duplicate_keys)
    if float_mode == "lossless-float":
        return None
    if float_mode not in ("float", "decimal"):
        if isinstance(float_mode, str):
            raise ValueError(_FLOAT_ERROR)
        raise TypeError(f"argument 'float_mode': {_FLOAT_ERROR}")
    return _jiter_rules.config(bytes, inf_nan, mode, duplicates, float_mode == "decimal", False)


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"argument '{name}': {not_an_instance(value, 'bool')}")
    return value


# Options already checked, by the arguments (and their types) that gave them.
_OPTIONS: dict[tuple[Any, ...], _jiter_rules.Config] = {}
# The configs of every partial mode with the other options at their defaults.
_BY_PARTIAL_MODE = {
    (mode, type(mode)): _jiter_rules.config(
        bytes, True, _jiter_rules.partial_mode(mode), False, False, False
    )
    for mode in (False, True, "off", "on", "trailing-strings")
}
