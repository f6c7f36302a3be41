"""Time the parsers on hostile documents: called directly, as the daemon did, and through the parse workers, as now.

    python bench/hostile_feeds.py                          # every case; the direct run is given up after 30 s
    python bench/hostile_feeds.py --limit 200 --only author
    python bench/hostile_feeds.py --deadline 10            # the workers' deadline (the daemon's request_deadline)
    python bench/hostile_feeds.py --size tiny              # one small case, no event-loop figure

"direct": feedparser.parse (or the reviews page parser) on the document, in a child process that is killed at
--limit, so that a quadratic case shows as "> 60 s" instead of holding the bench for hours; with its peak memory.
"worker": the same document through `sources.isolation.ParseWorkers` with --deadline and the default memory budget:
the wall-clock time until the parse returned or was given up, and how it ended. Last, how long the event loop (the
daemon's timers, /healthz, the watchdog) went without running while one feed with a 50,000-letter author was parsed
in a worker thread, as before, and in a worker process, as now. The figures quoted in sources/rss.py and
sources/reviews.py come from this script (feedparser 6.0.14, bs4 4.15, CPython 3.11, 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import Figure, emit, options  # noqa: E402
from monitor.errors import ParseError  # noqa: E402
from sources.isolation import ParseWorkers  # noqa: E402

MB = 1_000_000
REAL = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real"


def rss(*items: bytes, head: bytes = b"", root: bytes = b'<rss version="2.0">') -> bytes:
    return head + root + b"<channel><title>t</title>" + b"".join(items) + b"</channel></rss>"


def item(inner: bytes) -> bytes:
    return b"<item><title>Acme</title><link>https://acme.example/1</link>" + inner + b"</item>"


def entities(value: int, references: int) -> bytes:
    head = b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + b"a" * value + b'">\n]>\n'
    return rss(item(b"<description>" + b"&a;" * references + b"</description>"), head=head)


def entries(count: int) -> bytes:
    text = b"Some text about acme coffee, quite good. " * 5
    return rss(*(item(b"<description>%s %d</description>" % (text, i)) for i in range(count)))


def page(markup: bytes) -> bytes:
    return b"<html><body>" + markup + b"</body></html>"


DC = b'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "author 12,500 letters": ("feed", lambda: rss(item(b"<author>" + b"a" * 12_500 + b"</author>"))),
    "author 25,000 letters": ("feed", lambda: rss(item(b"<author>" + b"a" * 25_000 + b"</author>"))),
    "author 50,000 letters": ("feed", lambda: rss(item(b"<author>" + b"a" * 50_000 + b"</author>"))),
    "author 200,000 letters": ("feed", lambda: rss(item(b"<author>" + b"a" * 200_000 + b"</author>"))),
    "dc:creator 200,000 letters": (
        "feed",
        lambda: rss(item(b"<dc:creator>" + b"a" * 200_000 + b"</dc:creator>"), root=DC),
    ),
    "author as 20,000 &#97;": ("feed", lambda: rss(item(b"<author>" + b"&#97;" * 20_000 + b"</author>"))),
    "40,000 newlines before the root": ("feed", lambda: rss(item(b""), head=b"\n" * 40_000)),
    "200,000 newlines before the root": ("feed", lambda: rss(item(b""), head=b"\n" * 200_000)),
    "20,000 <!ENTITY lines before the root": ("feed", lambda: rss(item(b""), head=b"\n <!ENTITY" * 20_000)),
    "25,000 attributes on one element": (
        "feed",
        lambda: rss(b"<item " + b" ".join(b'a%d="1"' % i for i in range(25_000)) + b"><title>x</title></item>"),
    ),
    "2,500,000 empty elements (10 MB)": ("feed", lambda: rss(item(b"<x/>" * 2_500_000))),
    "650,000 unclosed elements (2 MB)": ("feed", lambda: rss(item(b"<description>" + b"<x>" * 650_000))),
    "100 KB entity x 1,000": ("feed", lambda: entities(100_000, 1_000)),
    "100 KB entity x 30,000": ("feed", lambda: entities(100_000, 30_000)),
    "10 MB in one field": ("feed", lambda: rss(item(b"<description>" + b"acme " * (2 * MB) + b"</description>"))),
    "38,000 entries (8 MB)": ("feed", lambda: entries(38_000)),
    "page: real 0.5 MB": (
        "page",
        lambda: (REAL / "review_pages_jsonld" / "recipe-scrapers_pinchofyum.html").read_bytes(),
    ),
    "page: 2 MB of <p>": ("page", lambda: page(b"<p>a</p>" * 260_000)),
    "page: 10 MB of <p>": ("page", lambda: page(b"<p>a</p>" * 1_250_000)),
    "page: 400,000 nested <div>": ("page", lambda: page(b"<div>" * 400_000)),
    "page: 100,000 attributes": (
        "page",
        lambda: page(b"<div " + b" ".join(b"a%d=1" % i for i in range(100_000)) + b">"),
    ),
    "page: JSON-LD nested 100,000 deep": (
        "page",
        lambda: page(b'<script type="application/ld+json">' + b"[" * 100_000 + b"]" * 100_000 + b"</script>"),
    ),
}

DIRECT = """
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
body = open(path, "rb").read()
start = time.perf_counter()
try:
    if kind == "feed":
        import feedparser
        feedparser.parse(body)
    else:
        from sources.reviews import parse_page
        parse_page(body, "https://acme.example/reviews")
    outcome = "parsed"
except BaseException as exc:
    outcome = type(exc).__name__
print(json.dumps({"seconds": time.perf_counter() - start, "outcome": outcome,
                  "mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def direct(kind: str, body: bytes, limit: float) -> tuple[float | None, str]:
    """Seconds (None: given up at `limit`) and what it was: peak memory and outcome."""
    with tempfile.NamedTemporaryFile() as document:
        document.write(body)
        document.flush()
        try:
            done = subprocess.run(
                [sys.executable, "-c", DIRECT, kind, document.name],
                capture_output=True,
                timeout=limit,
                check=True,
                cwd=ROOT,
            )
        except subprocess.TimeoutExpired:
            return None, f"> {limit:g} s"
    found = json.loads(done.stdout)
    return found["seconds"], f"{found['mib']:.0f} MiB, {found['outcome']}"


async def through_workers(kind: str, body: bytes, deadline: float) -> tuple[float, str]:
    workers = ParseWorkers(deadline=deadline)
    args: dict[str, object] = {"content_type": "application/xml", "base_url": "https://acme.example/feed"}
    if kind == "page":
        args = {"url": "https://acme.example/reviews", "selectors": None, "scale": 5.0}
    try:
        await workers.run(kind, b"", args, what="warm-up")  # start the worker: not counted, as in the daemon
    except ParseError:
        pass
    start = time.perf_counter()
    try:
        found = await workers.run(kind, body, args, what="the document")
        outcome = f"{len(found['items'])} items, {found['skipped']} skipped"
    except ParseError as exc:
        outcome = str(exc)
    finally:
        await workers.aclose()
    return time.perf_counter() - start, outcome


async def loop_lag(parse: Callable[[], Awaitable[object]]) -> float:
    """The longest time the event loop did not run while `parse()` was awaited."""
    longest = 0.0
    running = True

    async def tick() -> None:
        nonlocal longest
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            longest, last = max(longest, now - last - 0.01), now

    ticker = asyncio.ensure_future(tick())
    await asyncio.sleep(0.05)
    await parse()
    running = False
    await ticker
    return longest


async def lag_figures() -> tuple[float, float]:
    import feedparser

    body = CASES["author 50,000 letters"][1]()
    in_thread = await loop_lag(lambda: asyncio.to_thread(feedparser.parse, body))
    workers = ParseWorkers(deadline=60.0)
    args = {"content_type": "application/xml", "base_url": "https://acme.example/feed"}
    try:
        await workers.run("feed", rss(), args, what="warm-up")
        in_process = await loop_lag(lambda: workers.run("feed", body, args, what="the document"))
    finally:
        await workers.aclose()
    return in_thread, in_process


TINY = ("author 12,500 letters",)


def figures(size: str = "default", *, limit: float = 30.0, deadline: float = 10.0, only: str = "") -> Iterator[Figure]:
    """Per case, the time through the workers against the direct parse (or the limit it was given up at)."""
    for name, (kind, make) in CASES.items():
        if only not in name or (size == "tiny" and name not in TINY):
            continue
        body = make()
        before, said = direct(kind, body, limit)
        after, outcome = asyncio.run(through_workers(kind, body, deadline))
        note = f"{len(body) / MB:.2f} MB; direct: {said}; worker: {outcome}"
        yield Figure(
            "hostile_feeds", f"{name} (worker, deadline {deadline:g} s)", after, "s", reference=before or limit,
            versus="direct" if before is not None else "direct, given up at", note=note,
        )  # fmt: skip
    if not only and size != "tiny":
        in_thread, in_process = asyncio.run(lag_figures())
        yield Figure(
            "hostile_feeds", "event loop stalled while a 50,000-letter author parses", in_process * 1e3, "ms",
            reference=in_thread * 1e3, versus="in a thread, as before", note="in a worker process",
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=float, default=30.0, help="seconds before a direct parse is given up")
    parser.add_argument("--deadline", type=float, default=10.0, help="the parse workers' deadline")
    parser.add_argument("--only", default="", help="only the cases whose name contains this")
    args = options(parser)
    emit(figures(args.size, limit=args.limit, deadline=args.deadline, only=args.only), args.report)


if __name__ == "__main__":
    main()
