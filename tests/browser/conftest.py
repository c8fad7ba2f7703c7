"""Browser fixtures: Debian's headless Chromium driven by Playwright (the ``playwright`` wheel,
``executable_path`` = the system Chromium; no browser is ever downloaded).

- ``browser`` (session): one Chromium for every browser test. A missing or broken Chromium
  fails the tests, it never skips them (``make test`` installs Debian's ``chromium``).
- ``open_context()``: a fresh browser context (no cookies, storage or cache) whose every
  request, console error and page error is recorded on the returned ``Recorded``.
- ``artifacts``: ``reports/browser/``, where screenshots and the measured timings go.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "reports" / "browser"
#: Flags for a root user on a machine whose only network is loopback: without the
#: background-networking ones Chromium keeps trying Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Every wait in a browser test is bounded by this (ms) unless it says otherwise.
DEFAULT_TIMEOUT_MS = 5_000


def chromium_path() -> str:
    """``VOXAI_CHROMIUM``, else ``chromium`` on PATH (Debian's package: /usr/bin/chromium)."""
    return os.environ.get("VOXAI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class Recorded:
    """What the pages of one browser context did."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign_requests(self, origin: str) -> list[str]:
        """Requests to any origin but ``origin`` (``data:`` and ``blob:`` URLs are local)."""
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:"))
            and "{0.scheme}://{0.netloc}".format(urlsplit(url)) != origin
        ]

    def assert_same_origin(self, origin: str) -> None:
        """Every request went to ``origin``, and none was refused by the page's content
        security policy (a refused load never becomes a request, only a console error)."""
        blocked = [m for m in self.console_errors if "Content Security Policy" in m]
        assert blocked == [], "the page tried to load something from elsewhere (CSP refused)"
        assert self.foreign_requests(origin) == [], "requests left the mock's origin"
        assert self.page_errors == [], "the page raised JavaScript errors"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if not Path(path).exists():
        pytest.fail(
            f"Chromium not found at {path}: `make test` installs Debian's chromium "
            "(apt-get install chromium); set VOXAI_CHROMIUM to use another."
        )
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=path, args=CHROMIUM_ARGS, timeout=30_000
            )
        except Exception as exc:  # any launch failure fails the browser tests, never skips
            pytest.fail(f"Chromium at {path} did not start: {exc}")
        yield launched
        launched.close()


@pytest.fixture
def open_context(
    browser: Browser, artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[], tuple[BrowserContext, Recorded]]]:
    """Fresh contexts; their recorded requests are kept as ``<test>.requests.json``."""
    contexts: list[tuple[BrowserContext, Recorded]] = []

    def open_one() -> tuple[BrowserContext, Recorded]:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        recorded = Recorded()
        context.on("request", lambda r: recorded.requests.append(r.url))
        context.on(
            "console",
            lambda m: recorded.console_errors.append(m.text) if m.type == "error" else None,
        )
        context.on(
            "page", lambda p: p.on("pageerror", lambda e: recorded.page_errors.append(str(e)))
        )
        contexts.append((context, recorded))
        return context, recorded

    yield open_one
    for context, _ in contexts:
        context.close()
    log = [{"requests": r.requests, "console_errors": r.console_errors} for _, r in contexts]
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in request.node.name)
    (artifacts / f"{name}.requests.json").write_text(json.dumps(log, indent=1) + "\n")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``reports/browser/``: screenshots, recorded requests and timings of the browser tests."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def timings(artifacts: Path) -> Iterator[dict[str, float]]:
    """Measured delays (seconds) by name, written to ``reports/browser/timings.json``."""
    measured: dict[str, float] = {}
    yield measured
    if measured:
        (artifacts / "timings.json").write_text(json.dumps(measured, indent=1) + "\n")
