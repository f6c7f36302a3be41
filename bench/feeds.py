"""Benchmark: `mention-monitor run --once` over 1,000 feeds of 20 items on one loopback host, against the naive loop.

    python bench/feeds.py [--feeds 1000] [--runs 3] [--size tiny|default]

The feeds are real captured ones (../shared/fixtures/real: the Reddit search, Atom, 10 entries used twice, and the
Google Alerts feed, Atom, 20 entries; one of each in turn), every entry under its own id and link and with its
title and text numbered, so that 1,000 feeds hold 20,000 different stories. They are served with an ETag and a
Last-Modified by a real HTTP server on 127.0.0.1 in a process of its own (`tests.loopback.LoopbackServer`), which
answers 304 to a request that names the current ETag. One brand ("Anker") is configured, which 3 of the 10 Reddit
stories name: about 3,000 mentions are stored on the cold cycle, the other 17,000 items are dropped as unmatched.

Figures, each the median of --runs (a new database for each cold run), all measured in the same run:
  naive      `for url: feedparser.parse(httpx.get(url).content)` in a child process, start-up included: no body
             cap, no deadline, no isolation, no dedup, matching or storage; then the same loop with conditional GET
  cold       `mention-monitor run --once` in a child process on a new database (start-up included): its time and
             its peak RSS (the command's own process; the parse workers' peak beside it), against the naive loop
  second     `run --once` again on that database: nothing changed, every feed answers 304
  inside     the same two cycles inside one process (`run_once` on a built app, as the daemon runs them), without
             the interpreter's start-up and the imports
Issue 23's targets: cold <= 12 s and faster than the naive loop; second cycle <= 1 s inside the daemon, <= 1.5 s for
`run --once`; peak RSS <= 150 MiB. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import Figure, emit, options  # noqa: E402
from tests.loopback import REAL  # noqa: E402

SIZES = {"tiny": (20, 1), "default": (1000, 3)}  # feeds, runs
ITEMS = 20
REDDIT = REAL / "reddit" / "price-checker_reddit_search_rss_portable-charger_2026-08-16.xml"
ALERTS = REAL / "google_alerts" / "feedjira_google_alerts_atom_slack_2019.xml"
BRANDS = '[[brands]]\nname = "Anker"\nterms = ["anker"]\n'
COLD_SECONDS, SECOND_SECONDS, SECOND_RUN_ONCE_SECONDS, PEAK_MIB = 12.0, 1.0, 1.5, 150.0


# --------------------------------------------------------------------------------------------- the feeds


def feed(number: int) -> bytes:
    """Feed `number`: the Reddit search (even) or the Google Alerts feed (odd), ITEMS entries, each its own story."""
    source = REDDIT if number % 2 == 0 else ALERTS
    text = source.read_text(encoding="utf-8")
    found = re.findall(r"<entry>.*?</entry>", text, flags=re.DOTALL)
    head, tail = text[: text.index("<entry>")], text[text.rindex("</entry>") + len("</entry>") :]
    out = []
    for i in range(ITEMS):
        tag = f"{number}-{i}"
        entry = re.sub(r"<id>[^<]*</id>", f"<id>urn:bench:{tag}</id>", found[i % len(found)], count=1)
        entry = re.sub(r'<link href="[^"]*"', f'<link href="https://news.example/{number}/{i}"', entry, count=1)
        entry = entry.replace("</title>", f" #{tag}</title>", 1).replace("</content>", f" #{tag}</content>", 1)
        out.append(entry)
    return (head + "".join(out) + tail).encode("utf-8")


# --------------------------------------------------------------------------------------------- the server


SERVER = """
import json, sys, threading, time
sys.path.insert(0, sys.argv[1])
from bench.feeds import feed
from tests.loopback import LoopbackServer, Reply

feeds = int(sys.argv[2])
counts = {"requests": 0, "not_modified": 0, "first": None}
lock = threading.Lock()
changed = "Mon, 16 Nov 2026 09:00:00 GMT"


def reply(number, body):
    etag = f'"v{number}"'
    headers = {"Content-Type": "application/atom+xml; charset=utf-8", "ETag": etag, "Last-Modified": changed}

    def answer(request):
        with lock:
            counts["requests"] += 1
            counts["first"] = counts["first"] or time.time()
            if request.headers.get("if-none-match") == etag:
                counts["not_modified"] += 1
                return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, headers)

    return answer


server = LoopbackServer()
for number in range(feeds):
    server.route(f"/feed/{number}", reply(number, feed(number)))
server.route("/stats", lambda _r: Reply(200, json.dumps(counts).encode()))


def reset(_r):
    with lock:
        counts.update(requests=0, not_modified=0, first=None)
    return Reply(204)


server.route("/reset", reset)
server.start()
print(server.port, flush=True)
sys.stdin.read()  # until the benchmark closes it
server.stop()
"""


class FeedServer:
    """The feeds on 127.0.0.1, served by a process of its own (so that its work is not the measured process's)."""

    def __init__(self, feeds: int) -> None:
        self.feeds = feeds
        self._process = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(ROOT), str(feeds)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self._process.stdout is not None
        self.port = int(self._process.stdout.readline())

    def url(self, number: int) -> str:
        return f"http://127.0.0.1:{self.port}/feed/{number}"

    def urls(self) -> list[str]:
        return [self.url(n) for n in range(self.feeds)]

    def stats(self) -> dict[str, float]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats") as answer:
            return dict(json.loads(answer.read()))

    def reset(self) -> None:
        urllib.request.urlopen(f"http://127.0.0.1:{self.port}/reset").close()

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def config_text(server: FeedServer, database: Path, *, interval: str = "15m") -> str:
    sources = "".join(
        f'[[sources]]\nname = "feed-{n:04d}"\nkind = "rss"\nurl = "{server.url(n)}"\n\n' for n in range(server.feeds)
    )
    return (
        f'[monitor]\ndatabase = "{database}"\ndefault_interval = "{interval}"\nlog_level = "warning"\n\n'
        f"{BRANDS}\n{sources}"
    )


# --------------------------------------------------------------------------------------------- child processes


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float  # the process's own peak RSS (VmHWM)
    children_mib: float  # the largest peak RSS among the processes it started (the parse workers)
    status: int
    output: str


def measure(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run `command`, timing it from start to exit; its own and its children's peak RSS read from /proc meanwhile."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    peaks: dict[int, float] = {}
    watcher = threading.Thread(target=_watch, args=(child.pid, peaks), daemon=True)
    watcher.start()
    assert child.stdout is not None
    output = child.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    watcher.join()
    own = peaks.pop(child.pid, 0.0) or usage.ru_maxrss / 1024
    return Run(seconds, own, max(peaks.values(), default=0.0), os.waitstatus_to_exitcode(status), output)


def _watch(pid: int, peaks: dict[int, float]) -> None:
    """The peak RSS (VmHWM) of `pid` and of each of its children, read every 10 ms until it exits (wait4's
    ru_maxrss is the largest of the process and the children it waited for, not the process's own)."""
    while True:
        alive = hwm(pid, peaks)
        for child in children(pid):
            if _is_worker(child):  # not between fork and exec, when it still counts the parent's pages
                hwm(child, peaks)
        if not alive:
            return
        time.sleep(0.01)


def hwm(pid: int, peaks: dict[int, float]) -> bool:
    """Record the peak RSS of `pid` in `peaks`; False when it has ended."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    match = re.search(r"^VmHWM:\s+(\d+) kB", text, flags=re.MULTILINE)
    if match is None:  # a zombie: it has exited
        return False
    peaks[pid] = max(peaks.get(pid, 0.0), int(match.group(1)) / 1024)
    return True


def _is_worker(pid: int) -> bool:
    try:
        return b"parse_worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def children(pid: int) -> list[int]:
    found = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in path.read_text().split()]
        except OSError:
            pass
    return found


NAIVE = """
import sys, time, httpx, feedparser
how, urls = sys.argv[1], sys.argv[2:]
start, cpu = time.perf_counter(), time.process_time()
entries = 0
for url in urls:
    parsed = feedparser.parse(url) if how == "feedparser" else feedparser.parse(httpx.get(url).content)
    entries += len(parsed.entries)
cold, cpu, ended = time.perf_counter() - start, time.process_time() - cpu, time.time()
with httpx.Client() as client:
    etags = {url: client.get(url).headers["etag"] for url in urls}
    start = time.perf_counter()
    unchanged = sum(client.get(url, headers={"If-None-Match": etags[url]}).status_code == 304 for url in urls)
print(cold, time.perf_counter() - start, entries, unchanged, ended, cpu)
"""

INSIDE = """
import asyncio, json, os, resource, sys, time
from pathlib import Path
from monitor.clock import SystemClock
from monitor.service.app import build, check_to_run, load
from monitor.service.daemon import run_once


def workers_cpu():
    # The parse workers' CPU time: those still running (read from /proc), and those retired and reaped.
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = done.ru_utime + done.ru_stime
    for path in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in path.read_text().split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def main():
    clock = SystemClock()
    app = build(check_to_run(load(Path(sys.argv[1])), clock), clock)
    ingest, spent = app.pipeline.ingest, [0.0]

    def timed(*args, **kwargs):  # the CPU time of the pipeline's stages (match, score, store, rules)
        start = time.thread_time()
        try:
            return ingest(*args, **kwargs)
        finally:
            spent[0] += time.thread_time() - start

    app.pipeline.ingest = timed
    try:
        times = []
        for _ in range(2):
            spent[0] = 0.0
            start, cpu, workers = time.perf_counter(), time.process_time(), workers_cpu()
            report = await run_once(app)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            times.append((seconds, cpu, spent[0], workers_cpu() - workers))
            assert not [p for p in report.polled if not p.ok], [p.error for p in report.polled if not p.ok][:3]
    finally:
        await app.aclose()
    print(json.dumps(times))

asyncio.run(main())
"""


@dataclass(frozen=True)
class Naive:
    seconds: float  # from starting the process to the end of the cold loop
    loop: float  # the cold loop alone
    conditional: float  # the conditional-GET loop (one client), every feed answering 304
    peak_mib: float
    cpu: float  # CPU seconds of the cold loop


def naive(server: FeedServer, folder: Path, how: str) -> Naive:
    """The naive loop in a child process: `feedparser.parse(url)` (how="feedparser", feedparser's own urllib
    fetch) or `feedparser.parse(httpx.get(url).content)` (how="httpx", a new client, so an SSL context, per URL)."""
    spawned = time.time()
    run = measure([sys.executable, "-c", NAIVE, how, *server.urls()], cwd=folder)
    cold, conditional, entries, unchanged, ended, cpu = run.output.split()
    assert int(entries) == server.feeds * ITEMS and int(unchanged) == server.feeds, run.output
    return Naive(float(ended) - spawned, float(cold), float(conditional), run.peak_mib, float(cpu))


def run_once(config: Path, folder: Path) -> Run:
    run = measure([sys.executable, "-m", "monitor", "--config", str(config), "run", "--once"], cwd=folder)
    if run.status != 0:
        sys.stderr.write(run.output[-2000:])
    return run


@dataclass(frozen=True)
class Cycle:
    seconds: float
    cpu: float  # CPU seconds of the daemon's process (not its parse workers')
    ingest: float  # of which in `Pipeline.ingest`: dedup, matching, scoring, storing, rules
    workers: float  # CPU seconds of the parse workers


def inside(config: Path, folder: Path) -> tuple[Cycle, Cycle]:
    """The cold and the second cycle, `run_once` on one app in a child process."""
    run = measure([sys.executable, "-c", INSIDE, str(config)], cwd=folder)
    if run.status != 0:
        raise RuntimeError(run.output[-2000:])
    cold, second = json.loads(run.output.strip().splitlines()[-1])
    return Cycle(*cold), Cycle(*second)


# --------------------------------------------------------------------------------------------- the figures


def figures(size: str = "default", *, feeds: int | None = None, runs: int | None = None) -> Iterator[Figure]:
    count, repeat = SIZES[size]
    count, repeat = feeds or count, runs or repeat
    naives: dict[str, list[Naive]] = {"feedparser": [], "httpx": []}
    colds: list[Run] = []
    seconds: list[Run] = []
    insides: list[tuple[Cycle, Cycle]] = []
    with FeedServer(count) as server, tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for r in range(repeat):
            for how, done in naives.items():
                done.append(naive(server, folder, how))
            config = folder / f"monitor-{r}.toml"
            config.write_text(config_text(server, folder / f"run-{r}.db"), encoding="utf-8")
            server.reset()
            colds.append(run_once(config, folder))
            stats = server.stats()
            assert stats["requests"] == count and stats["not_modified"] == 0, stats
            server.reset()
            seconds.append(run_once(config, folder))
            stats = server.stats()
            assert stats["not_modified"] == count, stats
            inner = folder / f"inside-{r}.toml"
            inner.write_text(config_text(server, folder / f"inside-{r}.db"), encoding="utf-8")
            insides.append(inside(inner, folder))
            cold, second = insides[-1]
            print(
                f"  run {r + 1}: naive {naives['feedparser'][-1].seconds:.2f} s / {naives['httpx'][-1].seconds:.2f} s,"
                f" run --once {colds[-1].seconds:.2f} s ({colds[-1].peak_mib:.0f} MiB) / {seconds[-1].seconds:.2f} s,"
                f" inside {cold.seconds:.2f} s (CPU-s: {cold.cpu:.1f}, of which pipeline {cold.ingest:.1f};"
                f" workers {cold.workers:.1f}) / {second.seconds:.2f} s",
                flush=True,
            )
    yield from _figures(f"{count:,} feeds x {ITEMS} items", repeat, naives, colds, seconds, insides)


def _figures(
    label: str,
    repeat: int,
    naives: dict[str, list[Naive]],
    colds: list[Run],
    seconds: list[Run],
    insides: list[tuple[Cycle, Cycle]],
) -> Iterator[Figure]:
    median = statistics.median
    note = f"median of {repeat}" if repeat > 1 else "one run"
    for how, code in (("feedparser", "feedparser.parse(url)"), ("httpx", "feedparser.parse(httpx.get(url).content)")):
        done = naives[how]
        alone, mib = median(n.loop for n in done), median(n.peak_mib for n in done)
        what = f"naive loop {code}, {label}: child process"
        yield Figure(
            "feeds", what, median(n.seconds for n in done), "s", note=f"{note}; loop {alone:.2f} s; {mib:.0f} MiB"
        )
    # The reference is the faster of the two naive loops.
    best = min(naives.values(), key=lambda done: median(n.seconds for n in done))
    naive_seconds, naive_loop = median(n.seconds for n in best), median(n.loop for n in best)
    naive_mib, naive_cpu = median(n.peak_mib for n in best), median(n.cpu for n in best)
    conditional = median(n.conditional for done in naives.values() for n in done)
    yield Figure("feeds", f"conditional-GET loop (one client), {label}: all 304", conditional, "s", note=note)
    yield Figure(
        "feeds",
        f"run --once, {label}: cold",
        median(r.seconds for r in colds),
        "s",
        reference=naive_seconds,
        versus="the faster naive loop",
        target=COLD_SECONDS,
        goal=1.0,
        note=f"{note}; {_new_mentions(colds[-1].output)}",
    )
    yield Figure(
        "feeds",
        f"run --once, {label}: cold, peak RSS",
        median(r.peak_mib for r in colds),
        "MiB",
        reference=naive_mib,
        versus="the naive loop",
        target=PEAK_MIB,
        note=f"the process itself; each parse worker's peak {median(r.children_mib for r in colds):.0f} MiB",
    )
    yield Figure(
        "feeds",
        f"run --once, {label}: second cycle, all 304",
        median(r.seconds for r in seconds),
        "s",
        reference=conditional,
        versus="conditional-GET loop",
        target=SECOND_RUN_ONCE_SECONDS,
        note=f"{note}; start-up included",
    )
    cold = [c for c, _ in insides]
    yield Figure(
        "feeds",
        f"inside the daemon, {label}: cold cycle",
        median(c.seconds for c in cold),
        "s",
        reference=naive_loop,
        versus="the naive loop alone",
        note=note,
    )
    # CPU time: what the 2 cores had to do, whoever else ran meanwhile. The naive loop's is its wall time.
    main, pipeline, workers = (median(getattr(c, f) for c in cold) for f in ("cpu", "ingest", "workers"))
    yield Figure(
        "feeds",
        f"inside the daemon, {label}: cold cycle, CPU of the daemon's process",
        main,
        "CPU-s",
        note=f"of which the pipeline's stages (dedup, matching, scoring, storing, rules) {pipeline:.1f} CPU-s",
    )
    yield Figure(
        "feeds",
        f"inside the daemon, {label}: cold cycle, CPU of all but the pipeline's stages",
        main - pipeline + workers,
        "CPU-s",
        reference=naive_cpu,
        versus="the naive loop's",
        note=f"fetch, schedule, and parse: the parse workers {workers:.1f} CPU-s, on the other core",
    )
    yield Figure(
        "feeds",
        f"inside the daemon, {label}: second cycle, all 304",
        median(s.seconds for _, s in insides),
        "s",
        reference=conditional,
        versus="conditional-GET loop",
        target=SECOND_SECONDS,
        note=note,
    )


def _new_mentions(output: str) -> str:
    match = re.search(r"polled (\d+) sources \((\d+) failed\), (\d+) new mentions", output)
    return f"{match.group(3)} new mentions, {match.group(2)} failed" if match else output.strip()[-200:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, help="feeds served (default: 1,000; tiny: 20)")
    parser.add_argument("--runs", type=int, help="runs of each measurement (default: 3; tiny: 1)")
    args = options(parser)
    emit(figures(args.size, feeds=args.feeds, runs=args.runs), args.report)


if __name__ == "__main__":
    main()
