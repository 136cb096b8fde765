"""The free-threaded leg (CPython 3.13t): what it leaves out, by name, and why.

Its test dependencies are requirements/test-ft.txt, which cannot hold the packages
requirements/test-ft-excludes.txt names (no cp313t wheel, or one that turns the GIL back on).
The tests that need them are skipped on a free-threaded interpreter only, each by its node id
with the reason; anywhere else they run (or fail) as always. conftest.py applies this, and
fails the session if the GIL was turned on while the tests ran (a module that does not declare
free-threading support turns it on for good when imported).
"""

from __future__ import annotations

import re
import sys
import sysconfig
from typing import Any

import pytest

#: This interpreter is a free-threaded build (whether or not the GIL was turned on since).
FREE_THREADED_BUILD = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))

_PLAYWRIGHT = "playwright is not installed on the free-threaded leg (greenlet turns the GIL on)"
_LITELLM = "litellm is not installed on the free-threaded leg (tokenizers, tiktoken: no cp313t)"
_PYDANTIC_CORE = (
    "the free-threaded leg has pydantic-core 2.41 (its last cp313t wheel), whose messages differ "
    "from those of the test lock's 2.50 that deltajson.compat.pydantic_core reproduces"
)

#: Packages the leg does not install (requirements/test-ft-excludes.txt), by import name.
MISSING_PACKAGES = {
    "litellm": _LITELLM,
    "playwright": _PLAYWRIGHT,
    "orjson": "orjson is not installed on the free-threaded leg (it turns the GIL on)",
}

#: Node ids (a module's path for all of it) -> why the free-threaded leg skips them.
LEFT_OUT: dict[str, str] = {
    "tests/test_browser.py": _PLAYWRIGHT,
    "tests/test_browser_react.py": _PLAYWRIGHT,
    "tests/test_sources_frameworks.py::test_litellm_completion_text_through_openai_chat": (
        _LITELLM
    ),
    "tests/test_sources_frameworks.py::test_litellm_completion_parallel_tool_calls": _LITELLM,
    "tests/test_sources_frameworks.py::test_litellm_acompletion_text_and_tool_calls": _LITELLM,
    "tests/test_compat.py::test_pydantic_core_arbitrary_input": _PYDANTIC_CORE,
    "tests/test_compat_messages.py::test_census": _PYDANTIC_CORE,
    "tests/test_compat_messages.py::test_pydantic_core_fails_as_pydantic_core": _PYDANTIC_CORE,
    "tests/test_compat_messages.py::test_pydantic_core_reports_invalid_utf8_at_the_byte": (
        _PYDANTIC_CORE
    ),
    "tests/test_compat_messages.py::test_pydantic_core_arguments": _PYDANTIC_CORE,
}


def gil_enabled() -> bool:
    """Whether the GIL is on now (always, before 3.13 or on a build with one)."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


def skip_module_if_left_out(module_file: str) -> None:
    """Skips the calling test module on a free-threaded interpreter when it is left out there
    (called before the module imports what that leg lacks)."""
    if not FREE_THREADED_BUILD:
        return
    for node, reason in LEFT_OUT.items():
        if "::" not in node and module_file.replace("\\", "/").endswith(node):
            pytest.skip(reason, allow_module_level=True)


def left_out_example(code: str) -> str | None:
    """Why a README example is left out on a free-threaded interpreter (it imports a package
    the leg does not install), or None."""
    if not FREE_THREADED_BUILD:
        return None
    for package, reason in MISSING_PACKAGES.items():
        if re.search(rf"^>>> (import|from) {package}\b", code, flags=re.M):
            return reason
    return None


def mark_left_out(items: list[Any]) -> None:
    """Marks the collected tests left out on a free-threaded interpreter as skipped."""
    if not FREE_THREADED_BUILD:
        return
    for item in items:
        node = item.nodeid.split("[")[0]
        reason = LEFT_OUT.get(node) or LEFT_OUT.get(node.split("::")[0])
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
