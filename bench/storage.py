"""Benchmark: the same storage work on SQLite and on PostgreSQL.

    python bench/storage.py [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [-n 2000]

Prints figures; asserts nothing. For each backend: storing mentions as the pipeline does (look for a duplicate,
insert, in one transaction each), an inbox page, queueing and claiming outbox rows, and lease renewals. PostgreSQL
runs in a database created for the run (`mm_bench_<random>`) through the server's maintenance database, dropped at
the end; SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from monitor.model import Mention  # noqa: E402
from monitor.storage.database import Database, open_database  # noqa: E402
from monitor.storage.leases import Leases  # noqa: E402
from monitor.storage.mentions import InboxQuery, Mentions  # noqa: E402
from monitor.storage.outbox import Outbox  # noqa: E402

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


def timed(label: str, count: int, work: Callable[[], object]) -> None:
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    each = seconds / count * 1e3
    print(f"  {label:44} {count:>6} in {seconds:7.3f} s  {count / seconds:8.0f}/s  {each:6.3f} ms each")


def bench(db: Database, n: int) -> None:
    mentions, outbox, leases = Mentions(db), Outbox(db), Leases(db)

    def ingest() -> None:
        for i in range(n):
            m = mention(i)
            with db.transaction():
                if mentions.find_duplicate(m.source, m.external_id, m.url, m.fingerprint) is None:
                    mentions.insert(m)

    def inbox() -> None:
        for page in range(100):
            mentions.inbox(InboxQuery(attention=True, page=page % 5), brands=None)

    def enqueue() -> None:
        with db.transaction():
            for i in range(n):
                outbox.enqueue(f"k{i}", destination=f"d{i % 10}", rule="r", now=NOW, due_at=NOW, mention_id=i + 1)

    def claim() -> None:
        for d in range(10):
            outbox.claim_due(f"d{d}", "bench", NOW, timedelta(minutes=2))

    def renew() -> None:
        for i in range(n):
            leases.claim(f"poll:{i % 50}", "bench", NOW + timedelta(seconds=i), timedelta(minutes=2))

    timed("store a mention (dedup + insert, 1 transaction)", n, ingest)
    timed("the same again: all duplicates", n, ingest)
    timed("an inbox page (attention first)", 100, inbox)
    timed("queue an alert (one transaction for all)", n, enqueue)
    timed("claim a destination's due rows", 10, claim)
    timed("take or renew a lease", n, renew)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(str(Path(folder) / "bench.db"))
        print(f"SQLite ({db.location})")
        try:
            bench(db, args.n)
        finally:
            db.close()
    name = f"mm_bench_{secrets.token_hex(4)}"
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        parts = urlsplit(args.postgres)
        db = open_database(urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", "")))
        print(f"PostgreSQL ({db.location})")
        try:
            bench(db, args.n)
        finally:
            db.close()
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
