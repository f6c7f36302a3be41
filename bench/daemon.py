"""Benchmark: the daemon itself, idle and busy: its memory and CPU at rest, and how long its event loop stalls.

    python bench/daemon.py [--sources 50] [--feeds 1000] [--window 60] [--size tiny|default]

The feeds are bench/feeds.py's (real captured feeds, each entry its own story), served from 127.0.0.1 by a process of
its own. Two parts, each the real daemon:

  idle   `mention-monitor run` in a child process over --sources feeds (15-minute interval, one brand): the time from
         starting it to its first request; once every feed was polled and the parse workers have retired (they stop
         after a minute without work), its resident memory (VmRSS) and the CPU time it uses in a --window of rest,
         as CPU-seconds a minute (the issue measured 196 MiB and 0.12 CPU-s a minute)
  busy   the daemon (`Daemon.run`, as `run` starts it) in a child process polling --feeds feeds, all due at once,
         with a ticker in its event loop that asks to wake every 10 ms: how late it woke (max and p99) from the
         first poll until every feed was stored, and how long that took

Issue 23's targets: idle RSS <= 120 MiB; start to first poll <= 1 s; event-loop lag p99 <= 100 ms while the daemon
polls 1,000 feeds. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.feeds import FeedServer, config_text  # noqa: E402
from bench.report import Figure, emit, options  # noqa: E402

SIZES = {"tiny": (5, 20, 3.0), "default": (50, 1000, 60.0)}  # idle sources, busy feeds, idle window (s)
IDLE_MIB, FIRST_POLL_SECONDS, LAG_P99_MS = 120.0, 1.0, 100.0
RETIRE = 65.0  # seconds after the last poll: the parse workers' minute without work, and a little more
TICK = 10  # ms


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of `pid` in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of `pid` so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in path.read_text().split()]
    return found


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.05)


# --------------------------------------------------------------------------------------------- idle


def idle(count: int, window: float, folder: Path, *, retire: bool) -> Iterator[Figure]:
    with FeedServer(count) as server:
        config = folder / "idle.toml"
        config.write_text(config_text(server, folder / "idle.db"), encoding="utf-8")
        spawned = time.time()
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "run"],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for(lambda: server.stats()["requests"] >= count, 120, f"{count} polls")
            first = server.stats()["first"] - spawned
            wait_for(lambda: not _busy(daemon.pid), 60, "the polls to be stored")
            if retire:
                time.sleep(RETIRE)
            workers = children(daemon.pid)
            before, start = cpu_seconds(daemon.pid), time.monotonic()
            time.sleep(window)
            used = (cpu_seconds(daemon.pid) - before) / (time.monotonic() - start) * 60
            rss = status(daemon.pid)
            workers_rss = sum(status(pid)["VmRSS"] for pid in workers if Path(f"/proc/{pid}").exists())
            polls = server.stats()["requests"]
        finally:
            daemon.terminate()
            _, errors = daemon.communicate(timeout=60)
    if daemon.returncode != 0:
        sys.stderr.write(errors.decode(errors="replace")[-2000:])
    label = f"daemon, {count} sources"
    yield Figure("daemon", f"{label}: start to first poll", first, "s", target=FIRST_POLL_SECONDS,
                 note="child process: interpreter, imports, config, database")  # fmt: skip
    after = "the parse workers retired" if retire else "the parse workers still running"
    yield Figure("daemon", f"{label}: idle RSS", rss["VmRSS"] / 1024, "MiB", target=IDLE_MIB,
                 note=f"{after}; {len(workers)} workers {workers_rss / 1024:.0f} MiB; "
                 f"peak {rss['VmHWM'] / 1024:.0f} MiB")  # fmt: skip
    yield Figure("daemon", f"{label}: idle CPU", used, "CPU-s/min",
                 note=f"over {window:g} s, {polls - count} polls meanwhile")  # fmt: skip


def _busy(pid: int) -> bool:
    """Whether the daemon used CPU in the last 0.3 s (it is still storing what it fetched)."""
    before = cpu_seconds(pid)
    time.sleep(0.3)
    return cpu_seconds(pid) - before > 0.02


# --------------------------------------------------------------------------------------------- busy

BUSY = """
import asyncio, json, sys, time, urllib.request
from pathlib import Path
from monitor.clock import SystemClock
from monitor.service.app import load
from monitor.service.daemon import Daemon

config, stats, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])


def requests():
    with urllib.request.urlopen(stats) as answer:
        return json.loads(answer.read())["requests"]


async def main():
    daemon = Daemon(load(config), SystemClock())
    delays, running = [], True

    async def ticker():
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            delays.append(now - last - 0.01)
            last = now

    async def watch():
        nonlocal running
        while await asyncio.to_thread(requests) == 0:
            await asyncio.sleep(0.01)
        start = len(delays), time.perf_counter()
        while await asyncio.to_thread(requests) < count or daemon._inflight:
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - start[1]
        running = False
        daemon.request_stop()
        return start[0], seconds

    tick = asyncio.ensure_future(ticker())
    watcher = asyncio.ensure_future(watch())
    await daemon.run()
    first, seconds = await watcher
    await tick
    print(json.dumps({"delays": delays[first:], "seconds": seconds}))

asyncio.run(main())
"""


def busy(count: int, folder: Path) -> Iterator[Figure]:
    with FeedServer(count) as server:
        config = folder / "busy.toml"
        config.write_text(config_text(server, folder / "busy.db"), encoding="utf-8")
        stats = f"http://127.0.0.1:{server.port}/stats"
        done = subprocess.run(
            [sys.executable, "-c", BUSY, str(config), stats, str(count)],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace")[-3000:])
    found = json.loads(done.stdout.decode().strip().splitlines()[-1])
    delays = sorted(d * 1e3 for d in found["delays"])
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    label = f"daemon polling {count:,} feeds"
    yield Figure("daemon", f"{label}: event-loop lag, p99 of a {TICK} ms ticker", p99, "ms", target=LAG_P99_MS,
                 note=f"{len(delays):,} ticks; median {delays[len(delays) // 2]:.1f} ms")  # fmt: skip
    yield Figure("daemon", f"{label}: event-loop lag, longest", delays[-1], "ms")
    yield Figure("daemon", f"{label}: first poll to every feed stored", found["seconds"], "s")


def figures(
    size: str = "default", *, sources: int | None = None, feeds: int | None = None, window: float | None = None
) -> Iterator[Figure]:
    count, polled, rest = SIZES[size]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        yield from idle(sources or count, window or rest, folder, retire=size != "tiny")
        yield from busy(feeds or polled, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, help="sources of the idle daemon (default: 50; tiny: 5)")
    parser.add_argument("--feeds", type=int, help="feeds the busy daemon polls (default: 1,000; tiny: 20)")
    parser.add_argument("--window", type=float, help="seconds of rest measured (default: 60; tiny: 3)")
    args = options(parser)
    emit(figures(args.size, sources=args.sources, feeds=args.feeds, window=args.window), args.report)


if __name__ == "__main__":
    main()
