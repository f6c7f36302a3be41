"""Benchmark: the escalation pass (the daemon's rule timer, every 15 s) over a large history.

    python bench/escalations.py [--sizes 100000 1000000] [--ticks 20] [--postgres URL] [--size tiny|default]

Prints figures; asserts nothing. For each size: a SQLite database (and, with --postgres, a PostgreSQL one, in a
database created for the run and dropped at the end) holding that many mentions first seen over the past year (a
third negative; most never alerted, so still `new`; the older alerted complaints already escalated, their outbox
keys present), and three rules: "unanswered complaint" (`unanswered_after = "24h"`), "past the promise"
(`unanswered_after = "within"`, business hours, `escalate_after = "4h"`), and follow-ups after 3 days. Then:

  before   the pass as it was until issue 21: every unanswered mention loaded, each checked against each rule
           (`Mentions.unanswered` + `Outbox.keys_for_rule` + `evaluate`, the same calls the old `escalate` made)
  catch-up `RuleEngine.escalate` on a database it has never seen (an upgrade): each step reads its 30-day horizon,
           a few pages a pass, every 15 s until it has caught up: how many passes, their median and longest
  steady   `RuleEngine.escalate` every 15 s afterwards, with a new complaint arriving each tick: the median pass

Issue 23's target: a pass in 50 ms or less at 1M mentions (the steady pass; the catch-up passes for the record).
`--size tiny`: 2,000 mentions, 3 ticks.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench.report import Figure, emit, options  # noqa: E402
from monitor.config import Config, parse_config  # noqa: E402
from monitor.storage.database import Database, open_database, to_db  # noqa: E402
from monitor.storage.events import Events  # noqa: E402
from monitor.storage.mentions import Mentions  # noqa: E402
from monitor.storage.outbox import Outbox  # noqa: E402
from monitor.storage.timers import TimerMarks  # noqa: E402
from rules.engine import ESCALATE_STATUSES, ESCALATION_HORIZON, RuleEngine, alert_key, compile_rules  # noqa: E402
from rules.followups import follow_up_timer  # noqa: E402

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # a Monday, 11:00 in Tokyo: the business clock runs
YEAR = timedelta(days=365)
TICK = timedelta(seconds=15)
CONFIG: dict[str, Any] = {
    "monitor": {"timezone": "Asia/Tokyo"},
    "brands": [{"name": "Acme Coffee"}],
    "destinations": {"owner_email": "json://127.0.0.1:9/unused", "mika_phone": "json://127.0.0.1:9/unused"},
    "rules": [
        {
            "name": "unanswered complaint",
            "when": "label == 'negative'",
            "unanswered_after": "24h",
            "notify": ["owner_email"],
        },
        {
            "name": "past the promise",
            "when": "label == 'negative'",
            "unanswered_after": "within",
            "escalate_after": "4h",
            "notify": ["owner_email"],
        },
    ],
    "response": {
        "within": "1h",
        "business_hours": {"mon-fri": "09:00-18:00", "sat": "10:00-16:00"},
        "follow_up_after": "3d",
        "follow_up_notify": ["mika_phone"],
    },
}
INSERT = (
    "INSERT INTO mentions (source, kind, external_id, url, title, text, author, published_at, fetched_at, language, "
    "rating, rating_scale, brand, sentiment, label, status, status_changed_at, fingerprint, engagement, answered_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def config() -> Config:
    return parse_config(CONFIG, {}, path=ROOT / "bench-escalations.toml", environ={})


def status(i: int) -> str:
    return ("alerted", "acknowledged", "responded", "resolved")[i % 40] if i % 40 < 4 else "new"


def fill(db: Database, n: int) -> None:
    """`n` mentions first seen evenly over the year before NOW (newest last), and the keys of the escalations the
    old alerted complaints already had."""
    step = YEAR / n
    batch: list[tuple[object, ...]] = []
    keys: list[tuple[object, ...]] = []
    with db.transaction():
        for i in range(n):
            seen = NOW - YEAR + step * i
            negative = i % 3 == 0
            state = status(i)
            batch.append(
                (
                    "bench",
                    "rss",
                    f"e{i}",
                    f"https://example.com/{i}",
                    f"Post {i}",
                    "The coffee was cold and the staff were rude." if negative else "Lovely flat white.",
                    f"author{i % 997}",
                    to_db(seen - timedelta(minutes=10)),
                    to_db(seen),
                    "en",
                    None,
                    None,
                    "Acme Coffee",
                    -0.6 if negative else 0.5,
                    "negative" if negative else "positive",
                    state,
                    to_db(seen + timedelta(hours=2)),
                    f"fp{i}",
                    "{}",
                    None,
                )
            )
            if negative and state == "alerted" and seen < NOW - timedelta(days=2):
                keys.append((f"e{i}",))
            if len(batch) == 5000:
                db.execute_many(INSERT, batch)
                batch.clear()
        if batch:
            db.execute_many(INSERT, batch)
        ids = {r["external_id"]: int(r["id"]) for r in db.query("SELECT id, external_id FROM mentions")}
        rows = [
            (
                alert_key(ids[str(k[0])], rule, "owner_email"),
                "owner_email",
                rule,
                ids[str(k[0])],
                to_db(NOW),
                to_db(NOW),
            )
            for k in keys
            for rule in ("unanswered complaint", "past the promise")
        ]
        db.execute_many(
            "INSERT INTO outbox (key, destination, rule, mention_id, created_at, due_at, state) "
            "VALUES (?, ?, ?, ?, ?, ?, 'sent')",
            rows,
        )


def engine(db: Database, cfg: Config) -> RuleEngine:
    return RuleEngine(
        compile_rules(cfg),
        destinations=cfg.destinations,
        muted=frozenset(),
        competitors=frozenset(),
        max_age=None,
        outbox=Outbox(db),
        events=Events(db),
        mentions=Mentions(db),
        follow_ups=follow_up_timer(cfg, db),
    )


def legacy_pass(e: RuleEngine, now: datetime) -> int:
    """The escalation pass as it was before issue 21 (rules/engine.py at 774fead), read-only: what it loaded and
    checked each tick. Its writes are left out (the same alerts; the figures are the reading)."""
    rules = [r for r in e.rules if r.is_escalation]
    queued_keys = {rule.name: e.outbox.keys_for_rule(rule.name) for rule in rules}
    due = 0
    for mention in e.mentions.unanswered(ESCALATE_STATUSES):
        assert mention.id is not None
        if mention.fetched_at < now - ESCALATION_HORIZON:
            continue
        for rule in rules:
            assert rule.unanswered_after is not None
            if now - mention.fetched_at < rule.unanswered_after:
                continue
            if all(alert_key(mention.id, rule.name, d) in queued_keys[rule.name] for d in rule.notify):
                continue
            due += e._evaluate(rule, mention).fire  # the old loop called it the same way
    return due


def timed(work: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def run(db: Database, n: int, ticks: int, label: str) -> Iterator[Figure]:
    cfg = config()
    seconds, _ = timed(lambda: fill(db, n))
    print(f"  ({label}: {n:,} mentions stored in {seconds:.1f} s)", flush=True)
    e = engine(db, cfg)
    before, due = timed(lambda: legacy_pass(e, NOW))
    what = f"{label}, {n:,} mentions"
    yield Figure(
        "escalations", f"{what}: before (every unanswered mention loaded)", before * 1e3, "ms", note=f"{due} due"
    )
    marks, names = TimerMarks(db), [f"escalation:{r.name}:{s}" for r in e.rules for s, _ in r.steps()]
    catching: list[float] = []
    queued = 0
    now = NOW
    while not catching or any((m := marks.get(n)) is None or m.after_id is not None for n in names):
        seconds, count = timed(lambda moment=now: e.escalate(moment))  # type: ignore[misc]
        catching.append(seconds)
        queued += int(count)  # type: ignore[call-overload]
        now += TICK
    yield Figure(
        "escalations", f"{what}: catch-up, longest pass", max(catching) * 1e3, "ms",
        note=f"{len(catching)} passes, median {statistics.median(catching) * 1e3:.1f} ms, {queued} alerts queued",
    )  # fmt: skip
    mentions = Mentions(db)
    passes = []
    for tick in range(ticks):
        now += TICK
        with db.transaction():
            db.execute_many(
                INSERT,
                [
                    (
                        "bench", "rss", f"new{tick}", f"https://example.com/new{tick}", "New", "Cold and rude.",
                        "someone", to_db(now), to_db(now), "en", None, None, "Acme Coffee", -0.6, "negative", "new",
                        None, f"fpnew{tick}", "{}", None,
                    )
                ],
            )  # fmt: skip
        seconds, _ = timed(lambda moment=now: e.escalate(moment))  # type: ignore[misc]
        passes.append(seconds)
    steady = statistics.median(passes)
    assert mentions.count() == n + ticks
    yield Figure(
        "escalations", f"{what}: steady pass", steady * 1e3, "ms", reference=before * 1e3, versus="before",
        target=TARGET_MS if n >= 1_000_000 else None,
        note=f"median of {ticks} passes 15 s apart; longest {max(passes) * 1e3:.2f} ms",
    )  # fmt: skip


def postgres_database(server: str) -> tuple[str, Callable[[], None]]:
    name = f"mm_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server)

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", "")), drop


SIZES = {"tiny": ([2_000], 3), "default": ([100_000, 1_000_000], 20)}
TARGET_MS = 50.0


def figures(
    size: str = "default", *, sizes: list[int] | None = None, ticks: int | None = None, postgres: str | None = None
) -> Iterator[Figure]:
    """SQLite at each size; with `postgres` (a server's maintenance database), PostgreSQL too."""
    sizes, ticks = sizes or SIZES[size][0], ticks or SIZES[size][1]
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            db = open_database(str(Path(folder) / "monitor.db"))
            try:
                yield from run(db, n, ticks, "SQLite")
            finally:
                db.close()
        if postgres:
            url, drop = postgres_database(postgres)
            try:
                db = open_database(url)
                try:
                    yield from run(db, n, ticks, "PostgreSQL")
                finally:
                    db.close()
            finally:
                drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", help="mentions stored (default: 100,000 and 1,000,000)")
    parser.add_argument("--ticks", type=int, help="steady passes measured (default 20)")
    parser.add_argument("--postgres", help="also on this server, through its maintenance database")
    args = options(parser)
    emit(figures(args.size, sizes=args.sizes, ticks=args.ticks, postgres=args.postgres), args.report)


if __name__ == "__main__":
    main()
