"""Benchmark: how fast the pipeline ingests, and how much memory a poll of a big feed takes.

    python bench/pipeline.py

Prints figures and ratios; it asserts nothing (speed targets are read here, never in timed unit tests). Uses the
real pipeline (dedup, matching, scoring, SQLite in WAL mode, rules and outbox) on items built from the captured
Reddit feed in ../shared/fixtures, and the real HTTP client against a loopback server for the feed poll.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.clock import FixedClock  # noqa: E402
from monitor.matching import BrandMatcher  # noqa: E402
from monitor.pipeline import Pipeline, SourceInfo  # noqa: E402
from monitor.sentiment import build_scorer  # noqa: E402
from monitor.storage import open_database  # noqa: E402
from sources.http import HttpFetcher  # noqa: E402
from sources.rss import parse  # noqa: E402
from tests.loopback import REAL, LoopbackServer  # noqa: E402

N = 5000


def ingest_rate(folder: Path) -> None:
    items, _ = parse((REAL / "reddit" / "price-checker_reddit_search_rss_portable-charger_2026-08-16.xml").read_bytes())
    now = datetime(2026, 11, 16, tzinfo=UTC)
    many = [
        replace(
            items[i % len(items)],
            external_id=f"t3_{i}",
            url=f"https://example.com/{i}",
            text=f"{items[i % len(items)].text} #{i}",
        )
        for i in range(N)
    ]
    db = open_database(str(folder / "bench.db"))
    pipeline = Pipeline(
        db=db, matcher=BrandMatcher([("Anker", ["anker", "portable charger"], [])]), scorer=build_scorer()
    )
    source = SourceInfo("bench", "rss", "Anker")
    start = time.perf_counter()
    report = pipeline.ingest(source, many, now)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = pipeline.ingest(source, many, now)
    second = time.perf_counter() - start
    print(
        f"ingest: {len(report.new)} new mentions in {first:.2f}s = {len(report.new) / first:,.0f}/s "
        f"(scoring, one transaction each)"
    )
    print(
        f"re-poll of the same {again.seen_again} items (dedup only): {second:.2f}s = {again.seen_again / second:,.0f}/s"
    )
    db.close()


def feed_poll_memory() -> None:
    entry = (
        b"<entry><id>urn:%d</id><title>Acme Coffee post %d</title><link href='https://example.com/%d'/>"
        b"<content type='text'>%s</content></entry>"
    )
    body = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'>"
        + b"".join(entry % (i, i, i, b"Acme Coffee was fine. " * 40) for i in range(2000))
        + b"</feed>"
    )
    with LoopbackServer() as server:
        server.route("/feed", body=body)

        async def go() -> float:
            http = HttpFetcher(
                user_agent="bench", clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)), max_bytes=16 * 2**20
            )
            try:
                start = time.perf_counter()
                response = await http.get(server.url("/feed"))
                items, _ = await asyncio.to_thread(parse, response.body)
                assert len(items) == 2000
                return time.perf_counter() - start
            finally:
                await http.aclose()

        tracemalloc.start()
        seconds = asyncio.run(go())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(
        f"poll + parse of a {len(body) / 2**20:.1f} MiB feed of 2,000 entries: {seconds:.2f}s, "
        f"peak Python memory {peak / 2**20:.1f} MiB ({peak / len(body):.1f}x the body)"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        ingest_rate(Path(folder))
    feed_poll_memory()
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
