"""The demo page in a real headless Chromium: partial values appear before the stream ends,
then the final value; errors are shown. Screenshots are saved as test artifacts.

Needs Debian's ``chromium`` (``scripts/install-browser`` installs it; ``make test`` runs it)
and the ``playwright`` package. Without a browser the tests are skipped, unless
``DELTAJSON_REQUIRE_BROWSER=1`` (as in ``make test``) makes that a failure.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chromium import CHROMIUM, skip_module_unless_ready
from conftest import ARTIFACTS
from deltajson.serve import recording
from free_threading import skip_module_if_left_out
from gate import into_the_summary

skip_module_if_left_out(__file__)
skip_module_unless_ready(
    "chromium is not installed: run scripts/install-browser" if CHROMIUM is None else None
)
pytest.importorskip("playwright.sync_api")


def test_page_shows_partial_values_then_the_final_value(
    browser: Any, base_url: str, gates: Any
) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    gate = gates.arm()
    gate.through(into_the_summary(recording("trip_plan")))
    page.goto(f"{base_url}/?recording=trip_plan&autostart")
    # Mid-stream (the stream waits there until the gate opens): the title is there, the
    # status says streaming, the bar is part-way, the other fields are still to come.
    page.wait_for_selector("[data-path='/title'].done", timeout=10_000)
    assert page.locator("body").get_attribute("data-state") == "streaming"
    assert page.text_content("#status").startswith("streaming")
    progress = float(page.eval_on_selector("#progress", "e => e.value"))
    assert 0 < progress < 1
    assert "Three days in Lisbon" in page.text_content("#view")
    assert page.locator(".field.pending").count() > 0  # fields still filling in
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-partial.png"), full_page=True)
    # The end: everything rendered, marked done.
    gate.open()
    page.wait_for_selector("body[data-state='complete']", timeout=30_000)
    view = page.text_content("#view")
    final = json.loads(recording("trip_plan"))
    for day in final["days"]:
        for stop in day["stops"]:
            assert stop["name"] in view
    assert page.locator(".field.pending").count() == 0
    assert float(page.eval_on_selector("#progress", "e => e.value")) == 1
    page.screenshot(path=str(ARTIFACTS / "demo-final.png"), full_page=True)
    assert errors == []


def test_page_shows_errors(browser: Any, base_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{base_url}/?recording=broken_reply&delay=0&autostart")
    page.wait_for_selector("body[data-state='error']", timeout=10_000)
    message = page.text_content("#error")
    assert message.startswith("JSONError: expected ',' or ']'")
    assert "Taylor's" in page.text_content("#view")  # what arrived before stays shown
    page.screenshot(path=str(ARTIFACTS / "demo-error.png"), full_page=True)


def test_a_resumable_stream_resumes_after_the_server_drops_its_connection(
    browser: Any, base_url: str, gates: Any, dropper: Any
) -> None:
    """The page's connection is cut mid-stream; deltajson.js opens it again with
    Last-Event-ID and the page ends with the whole document, nothing lost or doubled."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    text = recording("trip_plan")
    gate = gates.arm()
    gate.through(into_the_summary(text))
    page.goto(f"{base_url}/?recording=trip_plan&resumable&autostart")
    page.wait_for_selector("[data-path='/title'].done", timeout=10_000)
    # The page has had some events; the connection is cut at the next write, which the
    # gate lets come.
    dropper.cut()
    gate.through(text.index('"days"'))
    page.wait_for_selector("body[data-reconnects='1']", timeout=10_000)
    gate.open()
    page.wait_for_selector("body[data-state='complete']", timeout=30_000)
    view = page.text_content("#view")
    final = json.loads(recording("trip_plan"))
    for day in final["days"]:
        for stop in day["stops"]:
            assert view.count(stop["name"]) >= 1
    assert view.count(final["title"]) == 1  # not doubled by the resume
    assert page.locator(".field.pending").count() == 0
    assert dropper.drops == 1
    page.screenshot(path=str(ARTIFACTS / "demo-resumed.png"), full_page=True)
    assert errors == []
