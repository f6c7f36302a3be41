"""A real browser for every page and e-mail a person reads: Playwright driving Debian's Chromium at a phone's size.

`playwright install` cannot download here, so the browser is the system's `chromium` (CI installs the apt package),
with Debian's IPA Gothic font for the Japanese pages.
Not skipped when it is missing: a page nobody opened in a browser is exactly what these tests are for.

Screenshots go to `test-artifacts/` at the project's root (kept by CI as artifacts, ignored by git): `shoot(page,
name)` for the moments a reviewer wants to see.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is needed for the browser tests: apt-get install -y chromium"
    return found


@functools.cache  # once per session, not per test module
def japanese_font() -> None:
    """Pages and e-mails in Japanese are read in the screenshots: without a font that has its glyphs, Chromium draws
    empty boxes (tofu) and a reviewer sees nothing. IPA Gothic is 3.5 MB; Noto CJK would be 56 MB."""
    found = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False).stdout
    assert found.strip(), "A Japanese font is needed for the browser tests: apt-get install -y fonts-ipafont-gothic"


# Per test module, not per session: while Playwright's sync API is started it leaves its event loop marked as running
# in the main thread, and asyncio.Runner (tests/apps.py) refuses to run there; so it stops when a module's tests end.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    japanese_font()
    b = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
    yield b
    b.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh phone: 390x844, touch, no cookies; JavaScript on (as on a real phone)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def shoot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name) + ".png")
    # A whole tall page (a hostile 20,000-character text) takes Chromium half a minute to capture: the screen then.
    tall = int(page.evaluate("() => document.documentElement.scrollHeight")) > 4000
    page.screenshot(path=str(path), full_page=not tall)
    return path


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no sideways scrolling)."""
    width: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return width


def above_the_fold(page: Page, selector: str) -> bool:
    """Whether the element is fully visible without scrolling, on the viewport as loaded."""
    box = page.locator(selector).first.bounding_box()
    viewport = page.viewport_size
    assert viewport is not None
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and (box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"])
    )
