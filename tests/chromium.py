"""Debian's Chromium driven by playwright, as the browser tests launch it (their shared
fixtures, `base_url` and `browser`, are in conftest.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def skip_module_unless_ready(missing: Optional[str]) -> None:
    """Skips the calling test module when something it needs is `missing` (a message saying
    how to install it); with ``DELTAJSON_REQUIRE_BROWSER=1`` (as in ``make test``) that is a
    failure instead."""
    if missing is None:
        return
    if os.environ.get("DELTAJSON_REQUIRE_BROWSER") == "1":
        raise RuntimeError(missing)
    pytest.skip(missing, allow_module_level=True)


@contextmanager
def launched(executable: str) -> Iterator[Any]:
    """A headless Chromium at ``executable`` (no sandbox, no GPU: a container's defaults)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            browser.close()
