"""The React demo page (``/react``: ``static/react.html`` on the ``static/react.js`` hook) in a
real headless Chromium, with React's browser builds served from this machine's install (no
CDN: every request the page makes goes to the demo server). Partial values appear before
the stream ends, then the final value; an error keeps what arrived; Abort stops the stream;
the hook under React's StrictMode (development builds).
Screenshots are saved as test artifacts (``target/test-artifacts/react-*.png``).

Needs Debian's ``chromium`` (``scripts/install-browser``), ``node-react`` and
``node-react-dom`` (``scripts/install-js-test-deps``) and the ``playwright`` package. Without
them the tests are skipped, unless ``DELTAJSON_REQUIRE_BROWSER=1`` makes that a failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chromium import CHROMIUM, skip_module_unless_ready
from conftest import ARTIFACTS
from deltajson.serve import react_builds, recording
from free_threading import skip_module_if_left_out
from gate import into_the_summary

skip_module_if_left_out(__file__)
skip_module_unless_ready(
    "chromium is not installed: run scripts/install-browser"
    if CHROMIUM is None
    else "React is not installed: run scripts/install-js-test-deps"
    if react_builds() is None
    else None
)
pytest.importorskip("playwright.sync_api")


@pytest.fixture
def open_page(browser: Any, base_url: str) -> Iterator[Any]:
    """Opens a page of the demo; the list it returns with the page collects page errors,
    requests off the demo server and failed responses. Pages close after the test, so that
    no stream outlives it."""
    pages: list[Any] = []

    def open_(path: str) -> tuple[Any, list[str]]:
        page = browser.new_page()
        pages.append(page)
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on(
            "request",
            lambda r: r.url.startswith(base_url) or problems.append(f"off-server: {r.url}"),
        )
        page.on(
            "response",
            lambda r: (
                r.status < 400
                or r.url.endswith("/favicon.ico")
                or problems.append(f"HTTP {r.status}: {r.url}")
            ),
        )
        page.goto(base_url + path)
        return page, problems

    yield open_
    for page in pages:
        page.close()


def test_react_page_shows_partial_values_then_the_final_value(open_page: Any, gates: Any) -> None:
    gate = gates.arm()
    gate.through(into_the_summary(recording("trip_plan")))
    page, problems = open_page("/react?recording=trip_plan&autostart")
    # The stream waits inside the summary until the gate opens: this state is reached
    # whatever the machine's speed.
    page.wait_for_selector("[data-path='/title'].done", timeout=10_000)
    page.wait_for_selector("[data-path='/summary'].pending", timeout=10_000)
    assert page.locator("body").get_attribute("data-state") == "streaming"
    assert page.text_content("#status").startswith("streaming")
    progress = float(page.eval_on_selector("#progress", "e => e.value"))
    assert 0 < progress < 1
    assert "Three days in Lisbon" in page.text_content("#view")
    assert page.locator(".field.pending").count() > 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "react-partial.png"), full_page=True)
    gate.open()
    page.wait_for_selector("body[data-state='complete']", timeout=30_000)
    view = page.text_content("#view")
    final = json.loads(recording("trip_plan"))
    for day in final["days"]:
        for stop in day["stops"]:
            assert stop["name"] in view
    assert page.locator(".field.pending").count() == 0
    assert float(page.eval_on_selector("#progress", "e => e.value")) == 1
    assert page.is_disabled("#abort")
    page.screenshot(path=str(ARTIFACTS / "react-final.png"), full_page=True)
    assert problems == []


def test_react_page_shows_errors_and_keeps_the_partial(open_page: Any) -> None:
    page, problems = open_page("/react?recording=broken_reply&delay=0&autostart")
    page.wait_for_selector("body[data-state='error']", timeout=10_000)
    assert page.text_content("#error").startswith("JSONError: expected ',' or ']'")
    assert "Taylor's" in page.text_content("#view")
    page.screenshot(path=str(ARTIFACTS / "react-error.png"), full_page=True)
    assert problems == []


def test_react_page_abort_stops_the_stream(open_page: Any, gates: Any) -> None:
    gate = gates.arm()
    gate.through(into_the_summary(recording("trip_plan")))
    page, problems = open_page("/react?recording=trip_plan&autostart")
    page.wait_for_selector("[data-path='/summary']", timeout=10_000)
    page.click("#abort")
    page.wait_for_selector("body[data-state='idle']", timeout=5_000)
    assert page.text_content("#status").startswith("aborted")
    shown = page.text_content("#view")
    assert "Three days in Lisbon" in shown
    gate.open()  # what the server would still send must not reach the page
    page.wait_for_timeout(300)
    assert page.text_content("#view") == shown
    assert page.locator("body").get_attribute("data-state") == "idle"
    page.screenshot(path=str(ARTIFACTS / "react-aborted.png"), full_page=True)
    # Stream again: the page starts over.
    page.click("#start")
    page.wait_for_selector("body[data-state='streaming']", timeout=5_000)
    page.wait_for_selector("[data-path='/title']", timeout=10_000)
    assert problems == []


#: A page on the hook under StrictMode with React's development builds (StrictMode runs each
#: effect, cleans it up and runs it again on mount; Debian's react-test-renderer build does not,
#: hence a browser): the stream the first run started is aborted, and the hook, cleaned up
#: once, still streams after the re-mount.
STRICT_PAGE = """<!doctype html>
<script src="/vendor/react/react.development.js"></script>
<script src="/vendor/react-dom/react-dom.development.js"></script>
<script type="importmap">{ "imports": { "react": "/static/react-umd.js" } }</script>
<div id="root"></div>
<script type="module">
import { StrictMode, createElement as h, useEffect } from "react";
import { useJSONStream } from "/static/react.js";
window.effects = 0;
function Auto() {
  const { status, value, start } = useJSONStream("/stream/trip_plan?delay=0");
  useEffect(() => { window.effects += 1; start(); }, [start]);
  useEffect(() => { document.body.dataset.state = status; }, [status]);
  return h("p", null, status === "complete" ? value.title : status);
}
ReactDOM.createRoot(document.getElementById("root")).render(h(StrictMode, null, h(Auto)));
</script>
"""


def test_the_hook_under_strict_mode(browser: Any, base_url: str) -> None:
    page = browser.new_page()
    try:
        page.route(
            f"{base_url}/strict.html",
            lambda route: route.fulfill(body=STRICT_PAGE, content_type="text/html"),
        )
        errors: list[str] = []
        streams: list[str] = []
        failed: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: "/stream/" in r.url and streams.append(r.url))
        page.on("requestfailed", lambda r: "/stream/" in r.url and failed.append(r.url))
        page.goto(f"{base_url}/strict.html")
        page.wait_for_selector("body[data-state='complete']", timeout=10_000)
        assert page.evaluate("window.effects") == 2  # StrictMode did run the effect twice
        assert page.text_content("p") == json.loads(recording("trip_plan"))["title"]
        # Two streams, the first aborted (the second, cancelled once `done` is read, may be
        # reported failed too).
        assert len(streams) == 2 and len(failed) >= 1
        assert errors == []
    finally:
        page.close()
