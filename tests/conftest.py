"""Shared fixtures: both engines, and hypothesis profiles picked by $HYPOTHESIS_PROFILE; on a
free-threaded interpreter, the tests that leg leaves out and its check that the GIL stayed off
(tests/free_threading.py)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# The benchmark documents (benches/workloads.py) that some tests stream.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benches"))

import deltajson
from free_threading import FREE_THREADED_BUILD, gil_enabled, mark_left_out

settings.register_profile("dev", max_examples=150, deadline=None)
# The test matrix's other interpreters (make test-matrix): they check that the same code
# behaves the same there; the main leg's `ci` budget is the one that explores the inputs.
settings.register_profile("matrix", max_examples=50, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck)
)
# The threaded stress run (every test in several threads at once, on the free-threaded leg):
# what it checks is that threads do not interfere, so a small budget per thread, and no health
# checks: they judge the generation of inputs, which the one-thread runs judge already (four
# threads generating at once made hypothesis-jsonschema's big documents fail data_too_large).
settings.register_profile(
    "stress", max_examples=20, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(params=deltajson.BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each engine in turn."""
    return str(request.param)


_STARTED = time.time()
ARTIFACTS = Path(__file__).resolve().parent.parent / "target" / "test-artifacts"


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """On a free-threaded interpreter, skips the tests that leg leaves out (by name)."""
    mark_left_out(items)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Names the screenshots the browser test saved in this run (test artifacts)."""
    for path in sorted(ARTIFACTS.glob("*.png")):
        if path.stat().st_mtime >= _STARTED:
            terminalreporter.write_line(f"browser screenshot: {path}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On a free-threaded interpreter the run fails if the GIL was turned on meanwhile: a
    module that does not declare free-threading support was imported (CPython warned with its
    name), so what ran was not free-threaded."""
    if FREE_THREADED_BUILD and gil_enabled():
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "free-threaded leg: the GIL was turned on during the run (see the "
                "RuntimeWarning naming the module that did it)",
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ---- the browser tests' fixtures (tests/chromium.py launches the browser) -----------------


@pytest.fixture(scope="module")
def demo_server() -> Iterator[tuple[str, Any, Any]]:
    """The demo app, served on loopback for the module's tests: its URL, its gates (a test
    arms one to release the next stream step by step) and its dropper (a test arms it to cut
    the next resumable stream's connection); see ``tests/gate.py``."""
    from deltajson.serve import create_app
    from gate import Dropper, Gates
    from test_sse import Server

    gates = Gates()
    app = Dropper(create_app(source=gates.source))
    with Server(app) as url:
        try:
            yield url, gates, app
        finally:
            gates.open_all()  # no source left waiting when the server stops


@pytest.fixture(scope="module")
def base_url(demo_server: tuple[str, Any, Any]) -> str:
    return demo_server[0]


@pytest.fixture(scope="module")
def gates(demo_server: tuple[str, Any, Any]) -> Any:
    return demo_server[1]


@pytest.fixture(scope="module")
def dropper(demo_server: tuple[str, Any, Any]) -> Any:
    return demo_server[2]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module's tests (which skip themselves without one)."""
    from chromium import CHROMIUM, launched

    assert CHROMIUM is not None
    with launched(CHROMIUM) as chromium:
        yield chromium
