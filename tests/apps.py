"""Build a real app (config file, SQLite database, pipeline, rules, delivery) in a temporary folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

from monitor.app import App, build, check
from monitor.clock import Clock
from monitor.config import load_config
from monitor.daemon import CycleReport, run_once

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


def make_app(folder: Path, body: str, clock: Clock, header: str = HEADER) -> App:
    return build(check(load_config(write_config(folder, body, header), environ={})), clock)


def cycle(app: App) -> CycleReport:
    return asyncio.run(run_once(app))


def close(app: App) -> None:
    asyncio.run(app.aclose())
