"""The instances running on this database: who they are, when each last gave a sign of life, what each holds.

Each daemon registers under an id of its own (hostname, pid and a random part, say) and beats its heart every few
seconds; `status` lists them. What an instance holds is its unexpired leases and the outbox rows it claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.storage.database import Database, from_db, to_db


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    hostname: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    leases: tuple[str, ...]  # the leases it holds that have not expired
    outbox_claims: int  # pending outbox rows it claimed for delivery (unexpired)


class Instances:
    def __init__(self, db: Database) -> None:
        self.db = db

    def register(self, instance_id: str, hostname: str, pid: int, now: datetime) -> None:
        """An instance starts (or comes back under the same id)."""
        self.db.execute(
            "INSERT INTO instances (id, hostname, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, "
            "started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at",
            (instance_id, hostname, pid, to_db(now), to_db(now)),
        )

    def heartbeat(self, instance_id: str, now: datetime) -> bool:
        """A sign of life; False when the instance is not registered (pruned meanwhile: register again)."""
        cursor = self.db.execute("UPDATE instances SET heartbeat_at = ? WHERE id = ?", (to_db(now), instance_id))
        return cursor.rowcount > 0

    def remove(self, instance_id: str) -> None:
        """A clean stop: the instance leaves, and what it held is free at once for the others."""
        with self.db.transaction():
            self.db.execute("DELETE FROM leases WHERE holder = ?", (instance_id,))
            self.db.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND state = 'pending'",
                (instance_id,),
            )
            self.db.execute("DELETE FROM instances WHERE id = ?", (instance_id,))

    def prune(self, before: datetime) -> list[str]:
        """Forget instances silent since `before` (their leases expire on their own); returns their ids."""
        rows = self.db.query("DELETE FROM instances WHERE heartbeat_at < ? RETURNING id", (to_db(before),))
        return sorted(r["id"] for r in rows)

    def all(self, now: datetime) -> list[Instance]:
        """Every registered instance, most recently alive first, with what it holds at `now`."""
        rows = self.db.query("SELECT * FROM instances ORDER BY heartbeat_at DESC, id")
        leases = self.db.query(
            "SELECT holder, name FROM leases WHERE expires_at > ? ORDER BY holder, name", (to_db(now),)
        )
        claims = self.db.query(
            "SELECT claimed_by, COUNT(*) AS n FROM outbox WHERE state = 'pending' AND claimed_by IS NOT NULL "
            "AND claimed_until > ? GROUP BY claimed_by",
            (to_db(now),),
        )
        held: dict[str, list[str]] = {}
        for lease in leases:
            held.setdefault(lease["holder"], []).append(lease["name"])
        claimed = {r["claimed_by"]: int(r["n"]) for r in claims}
        found = []
        for r in rows:
            started, beat = from_db(r["started_at"]), from_db(r["heartbeat_at"])
            assert started is not None and beat is not None
            found.append(
                Instance(
                    r["id"],
                    r["hostname"],
                    int(r["pid"]),
                    started,
                    beat,
                    tuple(held.get(r["id"], ())),
                    claimed.get(r["id"], 0),
                )
            )
        return found
