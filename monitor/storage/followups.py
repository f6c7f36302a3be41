"""Follow-ups: a resolved complaint comes back once (status `follow_up`), and is done with one press.

`follow_up_at` (migration 0008) records when a mention came back, so it never comes back twice, whatever happens
to it later. Both changes are conditional UPDATEs, so a double tap, a second instance or a stale page changes
nothing the second time.
"""

from __future__ import annotations

from datetime import datetime

from monitor.storage.database import Database, to_db


class FollowUps:
    def __init__(self, db: Database) -> None:
        self.db = db

    def resolved_between(self, after: datetime, until: datetime) -> list[int]:
        """The mentions resolved in (after, until] that never came back for a follow-up, oldest first."""
        rows = self.db.query(
            "SELECT id FROM mentions WHERE status = 'resolved' AND status_changed_at > ? AND status_changed_at <= ? "
            "AND follow_up_at IS NULL ORDER BY status_changed_at, id",
            (to_db(after), to_db(until)),
        )
        return [int(r["id"]) for r in rows]

    def come_back(self, mention_id: int, now: datetime) -> bool:
        """resolved -> follow_up, once in the mention's life; False when it is not resolved or came back before."""
        cursor = self.db.execute(
            "UPDATE mentions SET status = 'follow_up', status_changed_at = ?, follow_up_at = ? "
            "WHERE id = ? AND status = 'resolved' AND follow_up_at IS NULL",
            (to_db(now), to_db(now), mention_id),
        )
        return cursor.rowcount > 0

    def done(self, mention_id: int, now: datetime) -> bool:
        """follow_up -> resolved; False when the mention was not waiting for its follow-up (a second press)."""
        cursor = self.db.execute(
            "UPDATE mentions SET status = 'resolved', status_changed_at = ? WHERE id = ? AND status = 'follow_up'",
            (to_db(now), mention_id),
        )
        return cursor.rowcount > 0

    def done_count(self, brand: str, since: datetime, until: datetime) -> int:
        """How many of the brand's mentions were followed up in [since, until) (the digest)."""
        row = self.db.one(
            "SELECT COUNT(DISTINCT e.mention_id) AS n FROM events e JOIN mentions m ON m.id = e.mention_id "
            "WHERE e.type = 'followed_up' AND m.brand = ? AND e.at >= ? AND e.at < ?",
            (brand, to_db(since), to_db(until)),
        )
        return int(row["n"]) if row else 0
