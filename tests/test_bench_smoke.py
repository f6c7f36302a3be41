"""`python -m bench` at its tiny size: every benchmark still runs, prints its figures and fills its table, so the one
documented command cannot rot between the runs that measure. Nothing here looks at the figures themselves: speed is
read in BENCHMARKS.md, never asserted in tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.__main__ import BENCHMARKS
from bench.report import marks
from tests.storage.postgres import SERVER

ROOT = Path(__file__).resolve().parents[1]


def bench(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MENTION_MONITOR_BENCH_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny", "--postgres", SERVER, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_benchmark_prints_its_figures_and_fills_its_table(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\nWritten by hand: kept.\n", encoding="utf-8")
    done = bench("--output", str(output), cache=tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for name in BENCHMARKS:
        assert any(line.startswith(f"{name} ") for line in lines), f"no figure from {name}:\n{done.stdout}"
    # the figures that carry the targets, each with its reference or target
    for figure in ("vs floor:", "vs raw sqlite3:", "(target <= 5.00 s: ", "(target <= 300 MiB: ", "vs SQLite:"):
        assert figure in done.stdout
    table = output.read_text(encoding="utf-8")
    assert table.startswith("# Benchmarks\n\nWritten by hand: kept.\n")
    for name in BENCHMARKS:
        begin, end = marks(name)
        assert begin in table and end in table
        body = table.split(begin)[1].split(end)[0]
        assert "python -m bench --size tiny" in body and "cores" in body and "| figure | value |" in body
        assert body.count("\n| ") >= 2, f"no row for {name}"


def test_only_replaces_its_own_section(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    begin, end = marks("digest")
    output.write_text(f"# Benchmarks\n\n{begin}\nlast week's figures\n{end}\n\nNotes.\n", encoding="utf-8")
    done = bench("--only", "escalations", "--output", str(output), cache=tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(line.startswith(("escalations ", "==", "  (")) for line in done.stdout.splitlines())
    table = output.read_text(encoding="utf-8")
    assert "last week's figures" in table and "Notes." in table and marks("escalations")[0] in table
