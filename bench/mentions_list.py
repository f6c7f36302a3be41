"""Benchmark: `mention-monitor mentions list --since 7d --limit 100000` against raw sqlite3 reading the same rows
(issue 23: within 2x of the raw query at 1,000,000 stored mentions).

    python bench/mentions_list.py [--mentions 1000000] [--runs 5] [--profile] [--size tiny|default]

Over bench/history.py's year of mentions (cached under /tmp), with the clock fixed at its NOW:
  raw       sqlite3 alone: the statement `Mentions.list` runs, every row fetched (`fetchall`), nothing built
  objects   the same, and a `Mention` per row built from the tuple by position: the least a Mention per row costs
  list      `Mentions.list(since=..., limit=...)`: the same statement and a `Mention` per row
  command   the whole command in this process (`monitor.cli.main.main`), text to /dev/null, and with --json
  process   the command as the user runs it, in a child process (interpreter start and imports included)
Medians of --runs, after one warm-up run each (the file in the page cache, as on a machine that uses it).
--profile prints the command's cProfile (top 25 by own time). Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.digest import run_command  # noqa: E402
from bench.history import NOW, config_text, history_database  # noqa: E402
from bench.report import Figure, emit, options  # noqa: E402
from monitor.cli.main import main as cli  # noqa: E402
from monitor.clock import FixedClock  # noqa: E402
from monitor.model import Mention  # noqa: E402
from monitor.storage.database import open_database, to_db  # noqa: E402
from monitor.storage.mentions import Mentions  # noqa: E402

SIZES = {"tiny": (5_000, 1), "default": (1_000_000, 5)}
SINCE, LIMIT = timedelta(days=7), 100_000
# What `Mentions.list(since=..., limit=...)` runs (monitor/storage/mentions.py).
RAW = (
    "SELECT * FROM mentions WHERE status != 'irrelevant' AND published_at >= ? "
    "ORDER BY published_at DESC, id DESC LIMIT ?"
)


def median(work: Callable[[], object], runs: int) -> tuple[float, object]:
    result = work()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def raw(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return len(connection.execute(RAW, (to_db(NOW - SINCE), LIMIT)).fetchall())
    finally:
        connection.close()


def objects(path: Path) -> int:
    """The least a Mention per row can cost: raw tuples in the table's order straight into `Mention(...)`, the four
    times parsed (fromisoformat), no JSON; what no repository reading rows by column name gets below."""
    connection = sqlite3.connect(path)
    when = datetime.fromisoformat
    try:
        rows = connection.execute(RAW, (to_db(NOW - SINCE), LIMIT)).fetchall()
        found = [
            Mention(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                when(r[8]),
                when(r[9]),
                r[10],
                r[11],
                r[12],
                r[13],
                r[14],
                r[15],
                r[16],
                r[18],
                {},
                when(r[20]) if r[20] else None,
                when(r[17]) if r[17] else None,
                r[21],
                (),
            )
            for r in rows
        ]
        return len(found)
    finally:
        connection.close()


def listed(path: Path) -> int:
    db = open_database(str(path))
    try:
        return len(Mentions(db).list(since=NOW - SINCE, limit=LIMIT))
    finally:
        db.close()


def command(config: Path, *extra: str) -> Callable[[], int]:
    argv = ["--config", str(config), "mentions", "list", "--since", "7d", "--limit", str(LIMIT), *extra]

    def run() -> int:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            return cli(argv, clock=FixedClock(NOW))

    return run


def figures(size: str = "default", *, mentions: int | None = None, runs: int | None = None) -> Iterator[Figure]:
    n, repeat = SIZES[size]
    n, repeat = mentions or n, runs or repeat
    database = history_database(n)
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "monitor.toml"
        config.write_text(config_text(database), encoding="utf-8")
        floor, rows = median(lambda: raw(database), repeat)
        what = f"{rows:,} rows of {n:,}"
        reference = {"reference": floor * 1e3, "versus": "raw sqlite3"}
        yield Figure("mentions_list", f"raw sqlite3 fetchall, {what}", floor * 1e3, "ms")
        seconds, _ = median(lambda: objects(database), repeat)
        yield Figure("mentions_list", "raw sqlite3 + a Mention per row (the floor)", seconds * 1e3, "ms", **reference)
        seconds, _ = median(lambda: listed(database), repeat)
        yield Figure(
            "mentions_list", "Mentions.list (query + a Mention per row)", seconds * 1e3, "ms", **reference, goal=2.0
        )
        seconds, _ = median(command(config), repeat)
        yield Figure(
            "mentions_list", "mentions list --since 7d (in process, text)", seconds * 1e3, "ms", **reference, goal=2.0
        )
        seconds, _ = median(command(config, "--json"), repeat)
        yield Figure("mentions_list", "mentions list --since 7d --json (in process)", seconds * 1e3, "ms", **reference)
        if size == "tiny":
            return
        argv = ["--config", str(config), "mentions", "list", "--since", "7d", "--limit", str(LIMIT)]
        seconds, mib, _ = run_command(argv, cwd=ROOT)
        yield Figure(
            "mentions_list", "mentions list --since 7d (child process)", seconds * 1e3, "ms", note=f"{mib:.0f} MiB"
        )


def profile(size: str, mentions: int | None) -> None:
    database = history_database(mentions or SIZES[size][0])
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "monitor.toml"
        config.write_text(config_text(database), encoding="utf-8")
        run = command(config)
        run()
        profiler = cProfile.Profile()
        profiler.runcall(run)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, help="stored mentions (default 1,000,000; tiny: 5,000)")
    parser.add_argument("--runs", type=int, help="runs measured, after a warm-up (default 5; tiny: 1)")
    parser.add_argument("--profile", action="store_true", help="print the command's profile instead")
    args = options(parser)
    if args.profile:
        profile(args.size, args.mentions)
        return
    emit(figures(args.size, mentions=args.mentions, runs=args.runs), args.report)


if __name__ == "__main__":
    main()
