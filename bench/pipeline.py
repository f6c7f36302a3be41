"""Benchmark: how fast the pipeline ingests a feed against the floor, and how much memory a poll of a big feed takes.

    python bench/pipeline.py [--entries 6000] [--size tiny|default] [--postgres URL | --postgres none]

The feeds are the captured Reddit search (../shared/fixtures) with its 10 real entries repeated under new ids and
links (real markup, real text): --entries entries in Atom documents of 200 (one response yields at most
`sources.bounds.MAX_ITEMS`, 500). Three figures in the same run:

  floor    feedparser.parse of each document and one VADER call per entry: the least any ingest of them does
  ingest   the daemon's work on each: `sources.rss.parse`, then `Pipeline.ingest` (dedup, matching, relevance,
           scoring, aspects, storing in SQLite in WAL mode) with the rule engine deciding each new mention (one
           rule that fires on negative mentions, its alerts queued in the outbox), on a new database
  re-poll  the same documents again: every entry already known (dedup only)

and the same ingest and re-poll on PostgreSQL (a database created for the run on --postgres, by default the local
server, dropped at the end; left out, with a note, when it does not answer). Each document goes through the floor,
SQLite and PostgreSQL in turn, so that all three run under the same load of a shared machine, and each figure is
read beside its reference of the same pass. Issue 23's targets: ingest >= 0.8x the floor, and on PostgreSQL >= 0.5x
the SQLite figure. Then the poll of a 2,000-entry feed through the real HTTP client and a loopback server (of which
one response yields the newest MAX_ITEMS): its time and peak Python memory (tracemalloc) against the body's size.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

import psycopg  # noqa: E402

from bench.report import Figure, emit, options, peak_rss  # noqa: E402
from bench.storage import SERVER, postgres_database  # noqa: E402
from monitor.clock import FixedClock  # noqa: E402
from monitor.config import parse_config  # noqa: E402
from monitor.matching import BrandMatcher  # noqa: E402
from monitor.pipeline import Pipeline, SourceInfo  # noqa: E402
from monitor.sentiment import build_scorer  # noqa: E402
from monitor.storage import open_database  # noqa: E402
from monitor.storage.database import Database  # noqa: E402
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


class Floor:
    """feedparser.parse of a document and one VADER call per entry: the least any ingest of it does."""

    def __init__(self) -> None:
        import feedparser
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.parse = feedparser.parse
        self.vader = SentimentIntensityAnalyzer()

    def __call__(self, body: bytes) -> int:
        count = 0
        for e in self.parse(body).entries:
            self.vader.polarity_scores(f"{e.get('title', '')} {e.get('summary', '')}")
            count += 1
        return count


class Ingest:
    """The daemon's ingest of documents into one new database: `sources.rss.parse`, then `Pipeline.ingest` with the
    rule engine deciding each new mention."""

    def __init__(self, db: Database, folder: Path) -> None:
        config = parse_config(CONFIG, {}, path=folder / "monitor.toml", environ={})
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
        self.db = db
        self.pipeline = Pipeline(db=db, matcher=matcher, scorer=build_scorer(), decide=engine.on_new_mentions)
        self.source = SourceInfo("bench", "rss", None)
        self.new = self.again = 0
        self(feed(3, first=10**6))  # the scorer's models, the statements: untimed
        self.new = self.again = 0

    def __call__(self, body: bytes) -> None:
        items, _ = parse(body)
        report = self.pipeline.ingest(self.source, items, NOW)
        self.new, self.again = self.new + len(report.new), self.again + report.seen_again


def ingest_rates(folder: Path, entries: int, postgres: str | None) -> Iterator[Figure]:
    """The floor, the ingest on SQLite and (with `postgres`) on PostgreSQL, each document through one after the
    other, so that all of them run under the same load of a shared machine; then the same again (re-poll)."""
    bodies = feeds(entries)
    floor = Floor()
    floor(feed(10))  # imports, outside the timing
    with contextlib.ExitStack() as stack:
        databases = {"SQLite": open_database(str(folder / "bench.db"))}
        stack.callback(databases["SQLite"].close)
        if postgres:
            try:
                url, drop = postgres_database(postgres)
            except psycopg.Error as exc:
                print(f"pipeline     PostgreSQL left out: {postgres} does not answer ({type(exc).__name__})")
            else:
                stack.callback(drop)
                databases["PostgreSQL"] = open_database(url)
                stack.callback(databases["PostgreSQL"].close)
        runs = {name: Ingest(db, folder) for name, db in databases.items()}
        first, second = passes(bodies, floor, runs), passes(bodies, floor, runs)
        queued = {name: len(Outbox(db).pending("owner_phone")) for name, db in databases.items()}
    floor_rate = entries / first["floor"]
    yield Figure("pipeline", f"floor: feedparser + VADER, {entries:,} entries", floor_rate, "/s", higher_is_better=True)
    reference = {"reference": floor_rate, "versus": "floor", "higher_is_better": True}
    what = f"ingest: parse -> ... -> outbox, {entries:,} entries"
    note = f"{runs['SQLite'].new:,} new, {queued['SQLite']:,} alerts queued"
    yield Figure("pipeline", what, entries / first["SQLite"], "/s", **reference, goal=0.8, note=note)
    again = f"re-poll: the same {runs['SQLite'].again:,} entries (dedup)"
    again_reference = {**reference, "reference": entries / second["floor"]}  # the floor of the same pass
    yield Figure("pipeline", again, entries / second["SQLite"], "/s", **again_reference)
    if "PostgreSQL" not in runs:
        return
    versus = {"versus": "SQLite", "higher_is_better": True}
    note = f"{runs['PostgreSQL'].new:,} new, {queued['PostgreSQL']:,} alerts queued"
    yield Figure(
        "pipeline", f"PostgreSQL: {what}", entries / first["PostgreSQL"], "/s", reference=entries / first["SQLite"],
        **versus, goal=0.5, note=note,
    )  # fmt: skip
    yield Figure(
        "pipeline", f"PostgreSQL: {again}", entries / second["PostgreSQL"], "/s",
        reference=entries / second["SQLite"], **versus,
    )  # fmt: skip


def passes(bodies: list[bytes], floor: Floor, runs: dict[str, Ingest]) -> dict[str, float]:
    """Each document through the floor and each run in turn: the seconds each spent in all."""
    seconds = dict.fromkeys(["floor", *runs], 0.0)
    for body in bodies:
        start = time.perf_counter()
        floor(body)
        seconds["floor"] += time.perf_counter() - start
        for name, run in runs.items():
            start = time.perf_counter()
            run(body)
            seconds[name] += time.perf_counter() - start
    return seconds


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


def figures(size: str = "default", *, entries: int | None = None, postgres: str | None = SERVER) -> Iterator[Figure]:
    ingested, polled = SIZES[size]
    with tempfile.TemporaryDirectory() as folder:
        yield from ingest_rates(Path(folder), entries or ingested, postgres)
    yield from feed_poll_memory(polled)
    yield Figure("pipeline", "peak RSS of this benchmark's process", peak_rss(), "MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, help="entries ingested (default: 6,000; tiny: 100)")
    parser.add_argument("--postgres", default=SERVER, help="the server's maintenance database, or 'none'")
    args = options(parser)
    postgres = None if args.postgres in ("", "none") else args.postgres
    emit(figures(args.size, entries=args.entries, postgres=postgres), args.report)


if __name__ == "__main__":
    main()
