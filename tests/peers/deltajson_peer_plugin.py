"""pytest plugin for `make peer-tests`: a peer library's own tests, with deltajson swapped in.

Loaded with ``-p deltajson_peer_plugin`` (``tests/peers`` on ``PYTHONPATH``) into a run of a
peer's test suite from its unpacked sdist (``scripts/peer_tests.py`` starts the runs):

- ``--deltajson-replace=SUITE`` applies that suite's replacement at session start (after the
  peer's conftests are loaded, before its test modules are imported) and checks that it is in
  place, then and again at the end; ``--deltajson-replace=none`` is the baseline, and checks
  that nothing of deltajson is in place.
- The network is off: a connection or name lookup to anything but the loopback interface or a
  Unix socket raises ``OSError`` and is recorded against the test that made it (a test that
  catches the error is still caught: the report lists it).
- ``--deltajson-report=PATH`` writes what was checked as JSON: the replacement, where the
  library was imported from, how many calls each ``deltajson.compat`` shim answered, the
  network attempts.
"""

from __future__ import annotations

import importlib
import ipaddress
import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Per suite: apply(), returning a check() that says (in place?, what was checked).
Check = Callable[[], tuple[bool, str]]


def _jiter() -> Check:
    """jiter's own tests on the shim: ``jiter.from_json`` is ``deltajson.compat.jiter``'s, for
    every call (not only partial ones, as ``integrations.anthropic``'s router does)."""
    import jiter

    from deltajson.compat import jiter as shim

    jiter.from_json = shim.from_json

    def check() -> tuple[bool, str]:
        return (
            jiter.from_json is shim.from_json,
            "jiter.from_json is deltajson.compat.jiter.from_json",
        )

    return check


def _langchain() -> Check:
    """``integrations.langchain.accelerate()`` (``JsonOutputParser``'s parse and diff steps),
    and the shim as ``langchain_core.utils.json.parse_partial_json``, where LangChain's own
    tests of that function import it from (the test modules are imported after this)."""
    from langchain_core.output_parsers import JsonOutputParser

    from deltajson.compat import langchain as shim
    from deltajson.integrations import langchain as integration

    json_module: Any = importlib.import_module("langchain_core.output_parsers.json")
    utils_json: Any = importlib.import_module("langchain_core.utils.json")
    integration.accelerate()
    utils_json.parse_partial_json = shim.parse_partial_json

    def check() -> tuple[bool, str]:
        return (
            integration.is_accelerated()
            and json_module.parse_json_markdown is integration.parse_json_markdown
            and JsonOutputParser.__dict__.get("_diff") is integration._diff
            and utils_json.parse_partial_json is shim.parse_partial_json,
            "langchain_core.output_parsers.json.parse_json_markdown and JsonOutputParser._diff"
            " are deltajson.integrations.langchain's, langchain_core.utils.json"
            ".parse_partial_json is deltajson.compat.langchain.parse_partial_json",
        )

    return check


def _instructor() -> Check:
    from deltajson.compat import jiter as shim
    from deltajson.integrations import instructor as integration

    integration.accelerate()
    names = ("instructor.v2.dsl.partial", "instructor.v2.dsl.json_tracker")

    def check() -> tuple[bool, str]:
        modules = [importlib.import_module(name) for name in names]
        return (
            integration.is_accelerated()
            and all(module.from_json is shim.from_json for module in modules),
            " and ".join(f"{name}.from_json" for name in names)
            + " are deltajson.compat.jiter.from_json",
        )

    return check


def _openai() -> Check:
    from deltajson.compat import jiter as shim
    from deltajson.integrations import openai as integration

    completions: Any = importlib.import_module("openai.lib.streaming.chat._completions")
    integration.accelerate()

    def check() -> tuple[bool, str]:
        return (
            integration.is_accelerated() and completions.from_json is shim.from_json,
            "openai.lib.streaming.chat._completions.from_json is deltajson.compat.jiter.from_json",
        )

    return check


def _anthropic() -> Check:
    import jiter

    from deltajson.integrations import anthropic as integration

    original = jiter.from_json
    integration.accelerate()

    def check() -> tuple[bool, str]:
        router = jiter.from_json
        return (
            integration.is_accelerated()
            and router is not original
            and getattr(router, "__wrapped__", None) is original,
            "jiter.from_json is deltajson.integrations.anthropic's router"
            " (partial-mode calls to deltajson.compat.jiter.from_json)",
        )

    return check


REPLACEMENTS: dict[str, tuple[str, Callable[[], Check]]] = {
    "jiter": ("jiter", _jiter),
    "langchain": ("langchain_core", _langchain),
    "instructor": ("instructor", _instructor),
    "openai": ("openai", _openai),
    "anthropic": ("anthropic", _anthropic),
}


def _baseline_check() -> tuple[bool, str]:
    """Nothing of deltajson in the peers' parse steps (the baseline run)."""
    swapped = []
    if "jiter" in sys.modules:
        from_json = sys.modules["jiter"].from_json
        if getattr(from_json, "__module__", "").startswith("deltajson"):
            swapped.append("jiter.from_json")
    for name in ("langchain", "instructor", "openai", "anthropic"):
        # Only an imported integration can be active (importing one would import its library).
        integration = sys.modules.get(f"deltajson.integrations.{name}")
        if integration is not None and integration.is_accelerated():
            swapped.append(f"deltajson.integrations.{name}")
    return not swapped, "no deltajson replacement in place" + (
        f" (found: {', '.join(swapped)})" if swapped else ""
    )


# --- the network guard -------------------------------------------------------------------------

_NETWORK: list[dict[str, str]] = []
_CURRENT = {"test": "(collection)"}


def _local(host: object) -> bool:
    if not isinstance(host, str):
        return True  # bytes paths of Unix sockets
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> OSError:
    _NETWORK.append({"test": _CURRENT["test"], "attempt": what})
    return OSError(f"deltajson peer tests: the network is off ({what})")


def _guard_network() -> None:
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def allowed(sock: socket.socket, address: Any) -> bool:
        if sock.family == getattr(socket, "AF_UNIX", None):
            return True
        return _local(address[0] if isinstance(address, tuple) else address)

    def connect(self: Any, address: Any) -> None:
        if not allowed(self, address):
            raise _refuse(f"connect {address!r}")
        original_connect(self, address)

    def connect_ex(self: Any, address: Any) -> int:
        if not allowed(self, address):
            raise _refuse(f"connect {address!r}")
        return original_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _local(name):
            raise _refuse(f"getaddrinfo {name!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    socket_class: Any = socket.socket
    socket_class.connect = connect
    socket_class.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo


# --- pytest hooks ------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deltajson", "deltajson peer tests")
    group.addoption(
        "--deltajson-replace",
        default="none",
        choices=["none", *REPLACEMENTS],
        help="the suite whose replacement to apply, or none (the baseline)",
    )
    group.addoption("--deltajson-report", default=None, help="write what was checked (JSON)")


class _State:
    def __init__(self, suite: str) -> None:
        self.suite = suite
        self.check: Check = _baseline_check
        self.at_start: tuple[bool, str] = (False, "not checked")
        self.library_file = ""


_STATE: list[_State] = []


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    suite = session.config.getoption("--deltajson-replace")
    state = _State(suite)
    _guard_network()
    if suite != "none":
        library, apply = REPLACEMENTS[suite]
        state.check = apply()
        state.library_file = str(importlib.import_module(library).__file__)
    state.at_start = state.check()
    _STATE.append(state)
    if not state.at_start[0]:
        raise pytest.UsageError(f"deltajson peer plugin: {state.at_start[1]}: NOT in place")


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not _STATE:
        return []
    state = _STATE[0]
    lines = [f"deltajson peer plugin: {state.suite}: {state.at_start[1]} (checked)"]
    if state.library_file:
        lines.append(f"deltajson peer plugin: library imported from {state.library_file}")
    return lines


# nodeid -> passed, failed, error, skipped, xfailed or xpassed; and the failures' messages.
_OUTCOMES: dict[str, str] = {}
_MESSAGES: dict[str, str] = {}


def _outcome(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.failed:
        return "failed" if report.when == "call" else "error"
    return "skipped" if report.skipped else "passed"


def _message(report: pytest.TestReport | pytest.CollectReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text.strip().splitlines()[0][:300] if text.strip() else ""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """One outcome per test: its call's, or its setup's when that did not pass; a teardown
    error turns a pass into an error."""
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _OUTCOMES[report.nodeid] = _outcome(report)
    elif report.when == "teardown" and report.failed:
        if _OUTCOMES.get(report.nodeid) in ("passed", "xpassed"):
            _OUTCOMES[report.nodeid] = "error"
    if report.failed and report.nodeid not in _MESSAGES:
        _MESSAGES[report.nodeid] = _message(report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _OUTCOMES[report.nodeid or "(collection)"] = "error"
        _MESSAGES[report.nodeid or "(collection)"] = _message(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: object) -> Any:
    _CURRENT["test"] = item.nodeid
    yield
    _CURRENT["test"] = "(between tests)"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _STATE:
        return
    state = _STATE[0]
    at_end = state.check()
    from deltajson import compat

    calls = {name: info["hits"] + info["misses"] for name, info in compat.cache_info().items()}
    report = {
        "suite": state.suite,
        "replaced": state.suite != "none",
        "check": state.at_start[1],
        "in_place_at_start": state.at_start[0],
        "in_place_at_end": at_end[0],
        "library_file": state.library_file,
        "shim_calls": calls,
        "network_attempts": _NETWORK,
        "outcomes": _OUTCOMES,
        "messages": _MESSAGES,
    }
    path = session.config.getoption("--deltajson-report")
    if path:
        Path(path).write_text(json.dumps(report, indent=1) + "\n")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _STATE:
        return
    state = _STATE[0]
    ok, what = state.check()
    terminalreporter.write_line(
        f"deltajson peer plugin: {state.suite}: {what}: "
        + ("checked at the start and the end" if ok else "NOT SO AT THE END")
        + f"; network attempts refused: {len(_NETWORK)}"
    )
