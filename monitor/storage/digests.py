"""Digests: which scheduled digest was settled, to whom it was delivered, and the figures' queries.

A `digests` row (scheduled_for, brand) means "this slot is settled": sent (`sent_at` set), or deliberately not
sent (`sent_at` NULL: the service started after that slot, or every destination refused it for good). `brand` is ''
for the digest that covers all own brands together.

Per-destination progress is kept in the events table, so a digest that reached the email but not the chat
destination is retried only where it failed: `digest-sent` is written after a destination accepted it (at most a
resend after a crash), `digest-failed` after it refused. Both carry `slot_key()` as their reason.
"""

from __future__ import annotations

from datetime import datetime

from monitor.storage.database import Database, from_db, to_db
from monitor.storage.events import Events

SENT = "digest-sent"
FAILED = "digest-failed"


def slot_key(scheduled_for: datetime, brand: str) -> str:
    """The events' reason for one digest: readable in the audit trail, exact for lookups."""
    return f"digest {brand or '(all brands)'} scheduled for {to_db(scheduled_for)}"


class Digests:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.events = Events(db)

    def settled(self, scheduled_for: datetime, brand: str) -> bool:
        row = self.db.one("SELECT 1 FROM digests WHERE scheduled_for = ? AND brand = ?", (to_db(scheduled_for), brand))
        return row is not None

    def settle(self, scheduled_for: datetime, brand: str, sent_at: datetime | None) -> None:
        self.db.execute(
            "INSERT INTO digests (scheduled_for, brand, sent_at) VALUES (?, ?, ?) "
            "ON CONFLICT (scheduled_for, brand) DO UPDATE SET sent_at = COALESCE(digests.sent_at, excluded.sent_at)",
            (to_db(scheduled_for), brand, to_db(sent_at)),
        )

    def last_settled(self, brand: str) -> datetime | None:
        row = self.db.one("SELECT MAX(scheduled_for) AS t FROM digests WHERE brand = ?", (brand,))
        return from_db(row["t"]) if row else None

    def last_sent(self) -> tuple[datetime, str] | None:
        row = self.db.one("SELECT sent_at, brand FROM digests WHERE sent_at IS NOT NULL ORDER BY sent_at DESC LIMIT 1")
        when = from_db(row["sent_at"]) if row else None
        return (when, row["brand"]) if row and when else None

    def delivered(self, scheduled_for: datetime, brand: str, destination: str, now: datetime) -> None:
        self.events.add(SENT, at=now, destination=destination, reason=slot_key(scheduled_for, brand))

    def failed(self, scheduled_for: datetime, brand: str, destination: str, now: datetime, detail: str) -> None:
        self.events.add(FAILED, at=now, destination=destination, reason=f"{slot_key(scheduled_for, brand)}: {detail}")

    def delivered_to(self, scheduled_for: datetime, brand: str) -> set[str]:
        rows = self.db.query(
            "SELECT DISTINCT destination FROM events WHERE type = ? AND reason = ?",
            (SENT, slot_key(scheduled_for, brand)),
        )
        return {r["destination"] for r in rows}

    def failures(self, scheduled_for: datetime, brand: str) -> list[datetime]:
        """When delivery of this digest failed, oldest first (for the retry backoff)."""
        rows = self.db.query(
            "SELECT at FROM events WHERE type = ? AND substr(reason, 1, ?) = ? ORDER BY at",
            (FAILED, len(slot_key(scheduled_for, brand)) + 1, slot_key(scheduled_for, brand) + ":"),
        )
        return [t for t in (from_db(r["at"]) for r in rows) if t is not None]

    # ------------------------------------------------------------------------------------ the figures' queries

    def counts_by_brand(self, since: datetime, until: datetime) -> dict[str, int]:
        """Mentions published in [since, until) per brand: share of voice."""
        rows = self.db.query(
            "SELECT brand, COUNT(*) AS n FROM mentions WHERE published_at >= ? AND published_at < ? GROUP BY brand",
            (to_db(since), to_db(until)),
        )
        return {r["brand"]: int(r["n"]) for r in rows}

    def first_responses(self, brand: str, since: datetime, until: datetime) -> dict[int, datetime]:
        """For the brand's mentions published in [since, until): when each was first marked responded or resolved
        (the CLI, a signed link, or the platform showing an owner reply)."""
        rows = self.db.query(
            "SELECT e.mention_id AS id, MIN(e.at) AS at FROM events e JOIN mentions m ON m.id = e.mention_id "
            "WHERE e.type IN ('responded', 'resolved') AND m.brand = ? AND m.published_at >= ? "
            "AND m.published_at < ? GROUP BY e.mention_id",
            (brand, to_db(since), to_db(until)),
        )
        found = {int(r["id"]): from_db(r["at"]) for r in rows}
        return {k: v for k, v in found.items() if v is not None}
