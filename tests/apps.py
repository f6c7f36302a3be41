"""Build a real app (config file, SQLite database, pipeline, rules, delivery) in a temporary folder."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from monitor.clock import Clock
from monitor.service.app import App, build, check, load
from monitor.service.daemon import CycleReport, run_once, timers

T = TypeVar("T")

HEADER = """
[monitor]
database = "monitor.db"
timezone = "Asia/Tokyo"
default_interval = "15m"
request_deadline = "5s"
"""


def write_config(folder: Path, body: str, header: str = HEADER) -> Path:
    path = folder / "monitor.toml"
    path.write_text(header + body, encoding="utf-8")
    return path


# One event loop per app for its whole life, as in the daemon: the shared HTTP client's connections belong to it.
_RUNNERS: dict[int, asyncio.Runner] = {}


def make_app(folder: Path, body: str, clock: Clock, header: str = HEADER) -> App:
    app = build(check(load(write_config(folder, body, header), environ={})), clock)
    _RUNNERS[id(app)] = asyncio.Runner()
    return app


def run(app: App, work: Coroutine[Any, Any, T]) -> T:
    return _RUNNERS[id(app)].run(work)


def cycle(app: App) -> CycleReport:
    return run(app, run_once(app))


def deliver(app: App) -> CycleReport:
    """The daemon's periodic pass: escalations, spikes, delivery of what is due."""
    return run(app, timers(app, flush=False))


def close(app: App) -> None:
    runner = _RUNNERS.pop(id(app))
    runner.run(app.aclose())
    runner.close()
