"""The preview opened in a real browser (Debian's headless Chromium): it renders, and the chart is visible.

Not skipped when Chromium is missing: CI installs it (apt package `chromium`), and a digest nobody checked in a
browser is exactly what this test is for.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from matplotlib import image

from tests.digest.test_command import args, digest
from tests.digest.world import build_world

WIDTH, HEIGHT = 1000, 2000


def test_preview_renders_with_chart_in_headless_chromium(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "headless Chromium is needed: apt-get install -y chromium"
    world = build_world(tmp_path)
    page = tmp_path / "digest.html"
    assert digest(args(preview=page), world.config) == 0
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            f"--window-size={WIDTH},{HEIGHT}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    pixels = image.imread(str(shot))
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    # The chart sits under the headline figures, about 180..470 px down in a 680 px column centred on the page.
    chart = (pixels[180:470, 180:820, :3] * 255).round().astype(int)
    colours = {tuple(int(c) // 16 for c in px) for px in chart.reshape(-1, 3)}
    assert len(colours) > 20, "the chart area is blank"
    # The bars' colours are there: the negative red (#c0392b) and the positive blue (#2e86c1).
    flat = [tuple(px) for px in chart.reshape(-1, 3)]
    assert any(abs(r - 0xC0) < 8 and abs(g - 0x39) < 8 and abs(b - 0x2B) < 8 for r, g, b in flat)
    assert any(abs(r - 0x2E) < 8 and abs(g - 0x86) < 8 and abs(b - 0xC1) < 8 for r, g, b in flat)
