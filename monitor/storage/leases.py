"""Leases: a named piece of work (a source's poll, the digest, the spike check) held by one instance at a time.

`claim(name, holder, now, ttl)` takes the lease when it is free, expired, or already the holder's (then it renews
it), in one statement: an `INSERT ... ON CONFLICT DO UPDATE ... WHERE` that changes the row only when the lease may
be taken, and `RETURNING` says whether it did. PostgreSQL runs two such statements on one name one after the other
(the second sees the first's row), SQLite's single writer does the same, so of two instances racing for a lease
exactly one wins. An instance that dies keeps its leases until they expire; then another takes them over.

`now` is the claiming instance's clock: a lease's `ttl` must be longer than the clocks of two machines can differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.storage.database import Database, Row, from_db, to_db


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    acquired_at: datetime  # when this holder took it (a renewal keeps it)
    expires_at: datetime


class Leases:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the lease `name` for `ttl`; False while another holder's lease runs."""
        row = self.db.one(
            "INSERT INTO leases (name, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, "
            "acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at "
            "ELSE excluded.acquired_at END "
            "WHERE leases.holder = excluded.holder OR leases.expires_at <= excluded.acquired_at "
            "RETURNING holder",
            (name, holder, to_db(now), to_db(now + ttl)),
        )
        return row is not None

    def release(self, name: str, holder: str) -> bool:
        """Give the lease back (work done, or shutting down); False when `holder` did not hold it."""
        return self.db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder)).rowcount > 0

    def release_all(self, holder: str) -> int:
        return self.db.execute("DELETE FROM leases WHERE holder = ?", (holder,)).rowcount

    def release_all_but(self, holder: str) -> int:
        """Free every lease another holder has (a single daemon starting after a crash: no one else is left)."""
        return self.db.execute("DELETE FROM leases WHERE holder != ?", (holder,)).rowcount

    def held_by(self, holder: str, now: datetime | None = None) -> list[str]:
        """The names `holder` holds (with `now`: only those that have not expired), sorted."""
        if now is None:
            rows = self.db.query("SELECT name FROM leases WHERE holder = ? ORDER BY name", (holder,))
        else:
            rows = self.db.query(
                "SELECT name FROM leases WHERE holder = ? AND expires_at > ? ORDER BY name", (holder, to_db(now))
            )
        return [r["name"] for r in rows]

    def get(self, name: str) -> Lease | None:
        row = self.db.one("SELECT * FROM leases WHERE name = ?", (name,))
        return _lease(row) if row else None

    def all(self) -> list[Lease]:
        return [_lease(r) for r in self.db.query("SELECT * FROM leases ORDER BY name")]


def _lease(row: Row) -> Lease:
    acquired, expires = from_db(row["acquired_at"]), from_db(row["expires_at"])
    assert acquired is not None and expires is not None
    return Lease(row["name"], row["holder"], acquired, expires)
