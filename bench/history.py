"""A year of stored mentions, generated quickly, for the benchmarks that read a large history (digest, mentions list).

    path = history_database(1_000_000)      # /tmp/mention-monitor-bench/history-1000000-v1.db, made once

The rows are shaped like the pipeline's: the texts, titles and star ratings of the 104 real App Store reviews in
../shared/fixtures (French, English and Chinese), labelled from their stars (<= 2 negative, 3 neutral, >= 4
positive; 1% left unscored), the aspects the pipeline would store for the negative ones (`Aspects.find` on title and
text, the brand's words blanked), spread evenly over the year before NOW. Of every 10 mentions 8 are about the own
brand and 2 about the two competitors; half come from sources with star ratings. Authors: 40% come back (a pool of
4,000 regulars), the rest are seen once. Statuses as in a busy inbox nobody keeps up with: 90% still waiting (`new`,
`alerted`, `acknowledged`), 2.5% each responded (with the platform reply time and a `responded` event), resolved
(with its event), ignored and held back as not about the brand.

The installation is up to date all year: its migrations are recorded as applied two years before NOW, so every
mention was stored with its aspects (`aspects_since` moves that date, to measure the weeks after an upgrade). The
database is built with plain INSERTs in one transaction (about 30 s per million on 2 cores) and cached under the
system's temporary folder (or $MENTION_MONITOR_BENCH_CACHE), keyed by size and VERSION, so later runs reuse it.
Bump VERSION when the shape changes.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from monitor.aspects import Aspects  # noqa: E402
from monitor.storage.database import open_database, to_db  # noqa: E402
from sources import appstore  # noqa: E402

VERSION = 2
NOW = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo
YEAR = timedelta(days=365)
INSTALLED = NOW - 2 * YEAR
OWN = "Acme Coffee"
COMPETITORS = ("Bean Bros", "Cafe Rival")
REVIEWS = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "real" / "app_store_reviews"
SOURCES = (  # name, kind, rated
    ("app-store-jp", "appstore", True),
    ("google-alerts", "rss", False),
    ("google-play", "googleplay", True),
    ("reddit", "reddit", False),
    ("tripadvisor", "reviews", True),
)
WAITING = ("new",) * 34 + ("alerted", "alerted", "acknowledged", "acknowledged")  # 38 of 40
CACHE = "MENTION_MONITOR_BENCH_CACHE"  # where the generated databases are kept (default: /tmp/mention-monitor-bench)
INSERT = (
    "INSERT INTO mentions (source, kind, external_id, url, title, text, author, published_at, fetched_at, language, "
    "rating, rating_scale, brand, sentiment, label, status, status_changed_at, fingerprint, engagement, answered_at, "
    "aspects) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
EVENT = "INSERT INTO events (at, mention_id, type, reason) VALUES (?, ?, ?, '')"


@dataclass(frozen=True)
class Review:
    title: str
    text: str
    stars: float
    language: str
    aspects: str  # as stored: a JSON list


def reviews() -> list[Review]:
    found = Aspects.packaged()
    words = [w.casefold() for w in (OWN, *COMPETITORS)]
    pool = []
    for name, language in (
        ("jcoynel_497799835_fr_1.json", "fr"),
        ("jcoynel_497799835_cn_5.json", "zh"),
        ("jcoynel_1510826067_gb_1.json", "en"),
    ):
        for item in appstore.parse((REVIEWS / name).read_bytes(), language):
            stars = item.rating or 3.0
            aspects = found.find(f"{item.title}\n{item.text}", words) if stars <= 2 else ()
            pool.append(Review(item.title, item.text, stars, language, json.dumps(list(aspects))))
    return pool


def rows(n: int) -> Iterator[tuple[tuple[object, ...], tuple[object, ...] | None]]:
    """Each mention's row, and its answer event (or None), oldest first."""
    pool = reviews()
    step = YEAR / n
    start = NOW - YEAR
    for i in range(n):
        review = pool[(i * 7919) % len(pool)]
        source, kind, rated = SOURCES[(i // 10) % len(SOURCES)]
        brand = OWN if i % 10 < 8 else COMPETITORS[i % 2]
        published = start + step * i
        fetched = published + timedelta(minutes=5 + i % 50)
        stars = review.stars
        label = "negative" if stars <= 2 else "positive" if stars >= 4 else "neutral"
        sentiment: float | None = round((stars - 3.0) / 2.0 + ((i % 11) - 5) / 100, 3)
        if i % 100 == 0:
            label, sentiment = "unscored", None
        slot = i % 40
        status = {36: "responded", 37: "resolved", 38: "ignored", 39: "irrelevant"}.get(slot, WAITING[slot % 38])
        answered = published + timedelta(hours=2 + i % 30) if status in ("responded", "resolved") else None
        changed = answered or (published + timedelta(hours=1) if status != "new" else None)
        author = f"regular{(i * 31) % 4000}" if i % 5 < 2 else f"user{i}"
        row = (
            source,
            kind,
            f"e{i}",
            f"https://example.com/{source}/{i}",
            review.title,
            review.text,
            author,
            to_db(published),
            to_db(fetched),
            review.language,
            stars if rated else None,
            5.0 if rated else None,
            brand,
            sentiment,
            label,
            status,
            to_db(changed),
            f"fp{i}",
            "{}",
            to_db(answered) if status == "responded" else None,
            review.aspects if label == "negative" else "[]",
        )
        event = (to_db(answered), status) if answered else None
        yield row, event


def fill(path: Path, n: int) -> float:
    """Write `n` mentions into a new database at `path`; returns the seconds it took."""
    started = time.perf_counter()
    db = open_database(str(path))
    try:
        batch: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        with db.transaction():
            for i, (row, event) in enumerate(rows(n)):
                batch.append(row)
                if event is not None:
                    events.append((event[0], i + 1, event[1]))  # ids follow insertion order in a new database
                if len(batch) == 10_000:
                    db.execute_many(INSERT, batch)
                    batch.clear()
            db.execute_many(INSERT, batch)
            db.execute_many(EVENT, events)
            db.execute("UPDATE schema_version SET applied_at = ?", (to_db(INSTALLED),))
        db.execute("ANALYZE")
    finally:
        db.close()
    return time.perf_counter() - started


def history_database(n: int, *, folder: Path | None = None, log: bool = True) -> Path:
    """The path of a database holding `n` generated mentions, built on first use and then reused."""
    folder = folder or Path(os.environ.get(CACHE, "") or Path(tempfile.gettempdir()) / "mention-monitor-bench")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"history-{n}-v{VERSION}.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        for stale in folder.glob(f"{partial.name}*"):
            stale.unlink()
        if log:
            print(f"  (building {path}: {n:,} mentions, once)", flush=True)
        seconds = fill(partial, n)
        for extra in ("-wal", "-shm"):
            Path(f"{partial}{extra}").unlink(missing_ok=True)
        partial.rename(path)
        if log:
            print(f"  (built in {seconds:.0f} s, {path.stat().st_size / n:.0f} bytes per mention)", flush=True)
    return path


def aspects_since(path: Path, when: datetime) -> None:
    """Record migration 0007 (aspects) as applied at `when`: what the digest reads to know which negative mentions
    were stored before aspects existed (monitor/storage/digest_figures.py). INSTALLED is the history's own."""
    db = open_database(str(path))
    try:
        db.execute("UPDATE schema_version SET applied_at = ? WHERE version = 7", (to_db(when),))
    finally:
        db.close()


def config_text(database: Path | str) -> str:
    """A monitor.toml for the generated history (a SQLite path or a PostgreSQL URL): the own brand, its
    competitors, a weekly digest."""
    competitors = "".join(f'\n[[brands]]\nname = "{c}"\nrole = "competitor"\n' for c in COMPETITORS)
    return (
        f'[monitor]\ndatabase = "{database}"\ntimezone = "Asia/Tokyo"\n\n'
        f'[[brands]]\nname = "{OWN}"\nterms = ["Acme Coffee", "acme"]\n{competitors}\n'
        '[destinations]\nowner_email = "json://127.0.0.1:9/unused"\n\n'
        '[digest]\nschedule = "mon 08:00"\nnotify = ["owner_email"]\n'
    )
