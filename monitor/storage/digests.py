"""Digests: which scheduled digest was settled, the last one delivered, and the figures' queries.

A `digests` row (scheduled_for, brand) means "this slot is settled": its digest was queued in the outbox
(`queued_at` set), or deliberately not sent (`queued_at` NULL: the service started after that slot, or no
destination was named). `brand` is '' for the digest that covers all own brands together. Delivery itself is the
outbox's: digest rows carry the rule DIGEST_RULE, and `last_sent()` answers from the rows a destination accepted.
"""

from __future__ import annotations

from datetime import datetime

from monitor.storage.database import Database, from_db, to_db

# The outbox rule of digest messages, scheduled or sent by hand (`mention-monitor digest --send`).
DIGEST_RULE = "digest"


class Digests:
    def __init__(self, db: Database) -> None:
        self.db = db

    def settled(self, scheduled_for: datetime, brand: str) -> bool:
        row = self.db.one("SELECT 1 FROM digests WHERE scheduled_for = ? AND brand = ?", (to_db(scheduled_for), brand))
        return row is not None

    def settle(self, scheduled_for: datetime, brand: str, queued_at: datetime | None) -> None:
        self.db.execute(
            "INSERT INTO digests (scheduled_for, brand, queued_at) VALUES (?, ?, ?) "
            "ON CONFLICT (scheduled_for, brand) DO UPDATE SET "
            "queued_at = COALESCE(digests.queued_at, excluded.queued_at)",
            (to_db(scheduled_for), brand, to_db(queued_at)),
        )

    def last_settled(self, brand: str) -> datetime | None:
        row = self.db.one("SELECT MAX(scheduled_for) AS t FROM digests WHERE brand = ?", (brand,))
        return from_db(row["t"]) if row else None

    def last_sent(self) -> tuple[datetime, str] | None:
        """When a destination last accepted a digest, and which one; None when none ever did."""
        row = self.db.one(
            "SELECT sent_at, destination FROM outbox WHERE rule = ? AND frozen = 1 AND state = 'sent' "
            "ORDER BY sent_at DESC, id DESC LIMIT 1",
            (DIGEST_RULE,),
        )
        when = from_db(row["sent_at"]) if row else None
        return (when, row["destination"]) if row and when else None

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
