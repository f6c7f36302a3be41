"""Benchmark: how fast the pipeline ingests a feed against the floor, and how much memory a poll of a big feed takes.

    python bench/pipeline.py [--entries 6000] [--size tiny|default]

The feeds are the captured Reddit search (../shared/fixtures) with its 10 real entries repeated under new ids and
links (real markup, real text): --entries entries in Atom documents of 200 (one response yields at most
`sources.bounds.MAX_ITEMS`, 500). Three figures in the same run:

  floor    feedparser.parse of each document and one VADER call per entry: the least any ingest of them does
  ingest   the daemon's work on each: `sources.rss.parse`, then `Pipeline.ingest` (dedup, matching, relevance,
           scoring, aspects, storing in SQLite in WAL mode) with the rule engine deciding each new mention (one
           rule that fires on negative mentions, its alerts queued in the outbox), on a new database
  re-poll  the same documents again: every entry already known (dedup only)

Issue 23's target: ingest >= 0.8x the floor. Then the poll of a 2,000-entry feed through the real HTTP client and a
loopback server (of which one response yields the newest MAX_ITEMS): its time and peak Python memory (tracemalloc)
against the body's size. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import Figure, emit, options, peak_rss  # noqa: E402
from monitor.clock import FixedClock  # noqa: E402
from monitor.config import parse_config  # noqa: E402
from monitor.matching import BrandMatcher  # noqa: E402
from monitor.pipeline import Pipeline, SourceInfo  # noqa: E402
from monitor.sentiment import build_scorer  # noqa: E402
from monitor.storage import open_database  # noqa: E402
from monitor.storage.events import Events  # noqa: E402
from monitor.storage.mentions import Mentions  # noqa: E402
from monitor.storage.outbox import Outbox  # noqa: E402
from rules.engine import RuleEngine, compile_rules  # noqa: E402
from sources.bounds import MAX_ITEMS  # noqa: E402
from sources.http import HttpFetcher  # noqa: E402
from sources.rss import parse  # noqa: E402
from tests.loopback import REAL, LoopbackServer  # noqa: E402

SIZES = {"tiny": (100, 50), "default": (6000, 2000)}  # entries ingested, entries of the polled feed
FEED = REAL / "reddit" / "price-checker_reddit_search_rss_portable-charger_2026-08-16.xml"
NOW = datetime(2026, 11, 16, tzinfo=UTC)
CONFIG: dict[str, Any] = {
    "brands": [{"name": "Anker", "terms": ["anker", "portable charger"]}],
    "destinations": {"owner_phone": "json://127.0.0.1:9/unused"},
    "rules": [{"name": "complaint", "when": "label == 'negative'", "notify": ["owner_phone"]}],
}


PAGE = 200


def feeds(entries: int) -> list[bytes]:
    """`entries` entries in documents of PAGE."""
    return [feed(min(PAGE, entries - first), first) for first in range(0, entries, PAGE)]


def feed(entries: int, first: int = 0) -> bytes:
    """The captured feed with its entries repeated `entries` times in all, each under a new id and link, its title
    and text numbered from `first` (or the pipeline would rightly store each story once)."""
    text = FEED.read_text(encoding="utf-8")
    found = re.findall(r"<entry>.*?</entry>", text, flags=re.DOTALL)
    head, tail = text[: text.index("<entry>")], text[text.rindex("</entry>") + len("</entry>") :]
    out = []
    for i in range(first, first + entries):
        entry = re.sub(r"<id>[^<]*</id>", f"<id>t3_bench{i}</id>", found[i % len(found)], count=1)
        entry = re.sub(r'<link href="[^"]*"', f'<link href="https://www.reddit.com/r/bench/{i}/"', entry, count=1)
        entry = entry.replace("</title>", f" #{i}</title>", 1).replace("</content>", f" #{i}</content>", 1)
        out.append(entry)
    return (head + "".join(out) + tail).encode("utf-8")


def floor(bodies: list[bytes]) -> int:
    import feedparser
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    count = 0
    for body in bodies:
        for e in feedparser.parse(body).entries:
            vader.polarity_scores(f"{e.get('title', '')} {e.get('summary', '')}")
            count += 1
    return count


def ingest_rates(folder: Path, entries: int) -> Iterator[Figure]:
    bodies = feeds(entries)
    floor([feed(10)])  # imports and VADER's lexicon, outside the timing
    start = time.perf_counter()
    floor(bodies)
    base = entries / (time.perf_counter() - start)
    yield Figure("pipeline", f"floor: feedparser + VADER, {entries:,} entries", base, "/s", higher_is_better=True)

    config = parse_config(CONFIG, {}, path=folder / "monitor.toml", environ={})
    db = open_database(str(folder / "bench.db"))
    engine = RuleEngine(
        compile_rules(config),
        destinations=config.destinations,
        muted=frozenset(),
        competitors=frozenset(),
        outbox=Outbox(db),
        events=Events(db),
        mentions=Mentions(db),
    )
    matcher = BrandMatcher([(b.name, b.terms, b.exclude) for b in config.brands])
    pipeline = Pipeline(db=db, matcher=matcher, scorer=build_scorer(), decide=engine.on_new_mention)
    source = SourceInfo("bench", "rss", None)
    pipeline.ingest(source, parse(feed(3, first=10**6))[0], NOW)  # the scorer's models, the statements: untimed

    def poll() -> tuple[float, int, int]:
        new = again = 0
        start = time.perf_counter()
        for body in bodies:
            items, _ = parse(body)
            report = pipeline.ingest(source, items, NOW)
            new, again = new + len(report.new), again + report.seen_again
        return time.perf_counter() - start, new, again

    try:
        seconds, new, _ = poll()
        queued = len(Outbox(db).pending("owner_phone"))
        note = f"{new:,} new, {queued:,} alerts queued"
        reference = {"reference": base, "versus": "floor", "higher_is_better": True}
        what = f"ingest: parse -> ... -> outbox, {entries:,} entries"
        yield Figure("pipeline", what, entries / seconds, "/s", **reference, goal=0.8, note=note)
        seconds, _, again = poll()
        yield Figure("pipeline", f"re-poll: the same {again:,} entries (dedup)", entries / seconds, "/s", **reference)
    finally:
        db.close()


def feed_poll_memory(entries: int) -> Iterator[Figure]:
    entry = (
        b"<entry><id>urn:%d</id><title>Acme Coffee post %d</title><link href='https://example.com/%d'/>"
        b"<content type='text'>%s</content></entry>"
    )
    body = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'>"
        + b"".join(entry % (i, i, i, b"Acme Coffee was fine. " * 40) for i in range(entries))
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
                assert len(items) == min(entries, MAX_ITEMS)  # the newest MAX_ITEMS are kept
                return time.perf_counter() - start
            finally:
                await http.aclose()

        tracemalloc.start()
        seconds = asyncio.run(go())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    mib = len(body) / 2**20
    what = f"poll + parse of a {mib:.1f} MiB feed of {entries:,} entries"
    yield Figure("pipeline", f"{what}: time", seconds * 1e3, "ms")
    yield Figure("pipeline", f"{what}: peak Python memory", peak / 2**20, "MiB", reference=mib, versus="the body")


def figures(size: str = "default", *, entries: int | None = None) -> Iterator[Figure]:
    ingested, polled = SIZES[size]
    with tempfile.TemporaryDirectory() as folder:
        yield from ingest_rates(Path(folder), entries or ingested)
    yield from feed_poll_memory(polled)
    yield Figure("pipeline", "peak RSS of this benchmark's process", peak_rss(), "MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, help="entries ingested (default: 6,000; tiny: 100)")
    args = options(parser)
    emit(figures(args.size, entries=args.entries), args.report)


if __name__ == "__main__":
    main()
