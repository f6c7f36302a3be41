"""What a benchmark reports: `Figure`s, each with its reference (a baseline measured in the same run, or a target)
and their ratio, printed as one line each and gathered into BENCHMARKS.md's table by `python -m bench`.

    yield Figure("digest", "digest --preview, 1,000,000 mentions", 3.2, "s", target=5.0)
    yield Figure("pipeline", "ingest", 812, "/s", reference=1050, versus="floor: feedparser + VADER",
                 higher_is_better=True, goal=0.8)

`ratio` is value / reference (or value / target when there is no measured reference). `met` says whether the
figure holds its target: `target` is a bound on the value itself (<= for times and memory, >= for rates), `goal` a
bound on the ratio to the reference.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    bench: str
    what: str
    value: float
    unit: str
    reference: float | None = None  # measured in the same run
    versus: str = ""  # what the reference is
    target: float | None = None  # a bound on the value
    goal: float | None = None  # a bound on value / reference
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        base = self.reference if self.reference is not None else self.target
        return self.value / base if base else None

    @property
    def met(self) -> bool | None:
        checks: list[bool] = []
        if self.target is not None:
            checks.append(self.value >= self.target if self.higher_is_better else self.value <= self.target)
        if self.goal is not None and self.reference:
            ratio = self.value / self.reference
            checks.append(ratio >= self.goal if self.higher_is_better else ratio <= self.goal)
        return all(checks) if checks else None

    def bound(self) -> str:
        sign = ">=" if self.higher_is_better else "<="
        parts = []
        if self.target is not None:
            parts.append(f"{sign} {number(self.target)} {self.unit}".rstrip())
        if self.goal is not None:
            parts.append(f"{sign} {self.goal:g}x")
        return ", ".join(parts)

    def reference_text(self) -> str:
        if self.reference is None:
            return ""
        return f"{self.versus}: {number(self.reference)} {self.unit}".strip()

    def line(self) -> str:
        text = f"{self.bench:14} {self.what:60} {number(self.value):>10} {self.unit:5}"
        if self.reference is not None:
            text += f"  vs {self.reference_text()}"
        if self.ratio is not None:
            text += f"  = {ratio(self.ratio)}"
        if self.bound():
            text += f"  (target {self.bound()}: {'met' if self.met else 'NOT met'})"
        if self.note:
            text += f"  [{self.note}]"
        return text


def ratio(value: float) -> str:
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


def number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


# ------------------------------------------------------------------------------------------------ the machine


def machine() -> str:
    """The CPU model, its cores and the memory, from /proc (or what the platform module knows elsewhere)."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 2**20:.1f} GiB memory"
                break
    except OSError:
        pass
    return f"{model}, {cores} cores{memory}"


def software() -> str:
    system = f"{platform.system()} {platform.release()}"
    return f"CPython {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {system}"


def revision(root: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True)
    return done.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


# ------------------------------------------------------------------------------------------------ BENCHMARKS.md


def marks(name: str) -> tuple[str, str]:
    """The lines around one benchmark's generated section of BENCHMARKS.md."""
    return (
        f"<!-- python -m bench: {name} (generated: edit outside these marks) -->",
        f"<!-- python -m bench: {name} end -->",
    )


def section(
    name: str, figures: list[Figure], *, command: str, size: str, root: Path, when: datetime | None = None
) -> str:
    """One benchmark's generated section: where, when and how it ran, and its figures as a table."""
    when = when or datetime.now(UTC)
    begin, end = marks(name)
    lines = [
        begin,
        f"**{name}**: `{command}` (size `{size}`), {when:%Y-%m-%d %H:%M} UTC, revision {revision(root)}; "
        f"{machine()}; {software()}",
        "",
        "| figure | value | reference (same run) | ratio | target | met |",
        "|---|---:|---|---:|---|---|",
    ]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "**no**")
        shown = ratio(f.ratio) if f.ratio is not None else ""
        what = cell(f.what.strip() + (f" ({f.note})" if f.note else ""))
        value = f"{number(f.value)} {f.unit}".strip()
        lines.append(f"| {what} | {value} | {cell(f.reference_text())} | {shown} | {cell(f.bound())} | {met} |")
    if not figures:
        lines.append("| (no figure: the benchmark failed) | | | | | |")
    lines.append(end)
    return "\n".join(lines)


def cell(text: str) -> str:
    """Text as a Markdown table cell shows it ("<!ENTITY" and "&#97;" are case names, not markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")


def write(path: Path, sections: dict[str, str]) -> None:
    """Put each benchmark's section into `path` between its marks, keeping everything else; a section not there
    yet goes at the end; a new file gets a title and the sections."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    for name, generated in sections.items():
        begin, end = marks(name)
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            _, tail = rest.split(end, 1)
            text = head + generated + tail
        else:
            text = text.rstrip("\n") + "\n\n" + generated + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------------------------ running one


def options(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The options every benchmark takes besides its own: --size, and --report (for `python -m bench`)."""
    parser.add_argument("--size", choices=("tiny", "default"), default="default", help="tiny: a few seconds")
    parser.add_argument("--report", type=Path, help="also append the figures to this file as JSON lines")
    return parser.parse_args()


def emit(figures: Iterable[Figure], report: Path | None = None) -> list[Figure]:
    """Print each figure as it comes (and append it to `report`)."""
    done = []
    for figure in figures:
        print(figure.line(), flush=True)
        if report is not None:
            with report.open("a", encoding="utf-8") as out:
                out.write(json.dumps(dataclasses.asdict(figure)) + "\n")
        done.append(figure)
    return done


def read(report: Path) -> list[Figure]:
    if not report.exists():
        return []
    return [Figure(**json.loads(line)) for line in report.read_text(encoding="utf-8").splitlines() if line.strip()]


def peak_rss() -> float:
    """This process's peak resident memory so far, in MiB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
