"""Finding the headless browser the page tests drive (Debian's chromium, which .ci/run installs)."""

from __future__ import annotations

import os
import shutil

import pytest


def find_chromium(who: str) -> str:
    """The chromium binary; skip when there is none, fail when PROTOD_REQUIRE_BROWSER=1 (CI) says there must be."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("PROTOD_REQUIRE_BROWSER") == "1":
        pytest.fail("PROTOD_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
    pytest.skip(f"no chromium on PATH; {who} need Debian's chromium package")
