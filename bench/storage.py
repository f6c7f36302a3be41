"""Benchmark: the same storage work on SQLite and on PostgreSQL.

    python bench/storage.py [--postgres postgresql://postgres@127.0.0.1:5432/postgres | --postgres none] [-n 2000]

Prints figures; asserts nothing. For each backend: storing mentions as the pipeline does (a poll's batch in one
transaction: the stories' locks, one query for what is known, a multi-row insert), the same one mention per
transaction (look for a duplicate, insert: what the pipeline did before), an inbox page, queueing and claiming outbox
rows, and lease renewals; each PostgreSQL figure beside the SQLite one of the same run. Issue 23's target
(PostgreSQL >= 0.5x SQLite) is measured on the whole ingest by bench/pipeline.py: here SQLite, a library in the
process, has no round trip and no server to pay for at all.
PostgreSQL runs in a database created for the run (`mm_bench_<random>`) through the server's maintenance database,
dropped at the end (left out, with a note, when the server does not answer); SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.report import Figure, emit, options  # noqa: E402
from monitor.model import Mention  # noqa: E402
from monitor.storage.database import Database, open_database  # noqa: E402
from monitor.storage.leases import Leases  # noqa: E402
from monitor.storage.mentions import InboxQuery, Mentions  # noqa: E402
from monitor.storage.outbox import NewAlert, Outbox  # noqa: E402

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def mention(i: int) -> Mention:
    return Mention(
        id=None,
        source="bench",
        kind="rss",
        external_id=f"e{i}",
        url=f"https://example.com/{i}",
        title=f"Post {i} about Acme Coffee",
        text="The coffee was cold and the staff were rude. " * 4 + str(i),
        author=f"author{i % 97}",
        published_at=NOW - timedelta(minutes=i),
        fetched_at=NOW,
        language="en",
        rating=float(1 + i % 5),
        rating_scale=5.0,
        brand="Acme Coffee",
        sentiment=-0.5 if i % 3 else 0.4,
        label="negative" if i % 3 else "positive",
        status="new",
        fingerprint=f"fp{i}",
    )


OPERATIONS = (
    "store polls of 200 mentions (dedup + insert, 1 transaction each)",
    "the same again: all duplicates",
    "store a mention (dedup + insert, 1 transaction each)",
    "the same again: all duplicates, one at a time",
    "an inbox page (attention first)",
    "queue alerts as the rule engine does (one transaction, one statement)",
    "claim a destination's due rows",
    "take or renew a lease",
)
SIZES = {"tiny": 50, "default": 2000}
SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def timed(count: int, work: Callable[[], object]) -> float:
    """Operations per second."""
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


POLL = 200


def bench(db: Database, n: int) -> dict[str, float]:
    mentions, outbox, leases = Mentions(db), Outbox(db), Leases(db)

    def ingest_polls() -> None:
        for start in range(0, n, POLL):
            poll = [mention(i) for i in range(start, min(start + POLL, n))]
            with db.transaction():
                mentions.lock_stories([m.fingerprint for m in poll], [m.url for m in poll])
                known = mentions.known("bench", [m.external_id for m in poll], [m.url for m in poll], [])
                new = [m for m in poll if m.external_id not in known.sightings and m.url not in known.urls]
                mentions.insert_many(new)

    def ingest() -> None:
        for i in range(n):
            m = mention(i + n)  # other mentions than the polls'
            with db.transaction():
                if mentions.find_duplicate(m.source, m.external_id, m.url, m.fingerprint) is None:
                    mentions.insert(m)

    def inbox() -> None:
        for page in range(100):
            mentions.inbox(InboxQuery(attention=True, page=page % 5), brands=None)

    def enqueue() -> None:
        with db.transaction():
            outbox.enqueue_many([NewAlert(f"k{i}", f"d{i % 10}", "r", NOW, NOW, i + 1) for i in range(n)])

    def claim() -> None:
        for d in range(10):
            outbox.claim_due(f"d{d}", "bench", NOW, timedelta(minutes=2))

    def renew() -> None:
        for i in range(n):
            leases.claim(f"poll:{i % 50}", "bench", NOW + timedelta(seconds=i), timedelta(minutes=2))

    counts = (n, n, n, n, 100, n, 10, n)
    works = (ingest_polls, ingest_polls, ingest, ingest, inbox, enqueue, claim, renew)
    return {what: timed(count, work) for what, count, work in zip(OPERATIONS, counts, works, strict=True)}


def figures(size: str = "default", *, n: int | None = None, postgres: str | None = SERVER) -> Iterator[Figure]:
    n = n or SIZES[size]
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(str(Path(folder) / "bench.db"))
        try:
            lite = bench(db, n)
        finally:
            db.close()
    for what in OPERATIONS:
        yield Figure("storage", f"SQLite: {what}", lite[what], "/s", higher_is_better=True, note=f"n={n:,}")
    if not postgres:
        return
    try:
        url, drop = postgres_database(postgres)
    except psycopg.Error as exc:
        print(f"storage      PostgreSQL left out: {postgres} does not answer ({type(exc).__name__})", flush=True)
        return
    try:
        db = open_database(url)
        try:
            pg = bench(db, n)
        finally:
            db.close()
    finally:
        drop()
    for what in OPERATIONS:  # issue 23's target (PostgreSQL >= 0.5x SQLite) is the whole ingest's: bench/pipeline.py
        yield Figure(
            "storage", f"PostgreSQL: {what}", pg[what], "/s", reference=lite[what], versus="SQLite",
            higher_is_better=True,
        )  # fmt: skip


def postgres_database(server: str) -> tuple[str, Callable[[], None]]:
    """A database created for the run on `server` (through its maintenance database), and how to drop it."""
    name = f"mm_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", "")), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=SERVER, help="the server's maintenance database, or 'none'")
    parser.add_argument("-n", type=int, default=None, help="mentions, alerts and leases (default 2,000)")
    args = options(parser)
    postgres = None if args.postgres in ("", "none") else args.postgres
    emit(figures(args.size, n=args.n, postgres=postgres), args.report)


if __name__ == "__main__":
    main()
