"""The audit trail: what happened to each mention, and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from monitor.storage.database import Database, Row, from_db, to_db


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: datetime
    mention_id: int | None
    type: str
    rule: str | None
    destination: str | None
    reason: str
    actor: str | None = None  # who did it: a user's name, "cli", or None for the service itself


class NewEvent(NamedTuple):
    """An event to add (`Events.add_many`): `Events.add`'s arguments."""

    type: str
    at: datetime
    mention_id: int | None = None
    rule: str | None = None
    destination: str | None = None
    reason: str = ""
    actor: str | None = None


_INSERT = "INSERT INTO events (at, mention_id, type, rule, destination, reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)"


class Events:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        type_: str,
        *,
        at: datetime,
        mention_id: int | None = None,
        rule: str | None = None,
        destination: str | None = None,
        reason: str = "",
        actor: str | None = None,
    ) -> None:
        self.db.execute(_INSERT, (to_db(at), mention_id, type_, rule, destination, reason, actor))

    def add_many(self, events: Iterable[NewEvent]) -> None:
        """Add `events` in order (their ids follow it), in one statement."""
        rows = [(to_db(e.at), e.mention_id, e.type, e.rule, e.destination, e.reason, e.actor) for e in events]
        self.db.insert_rows("events", ("at", "mention_id", "type", "rule", "destination", "reason", "actor"), rows)

    def of_mention(self, mention_id: int) -> list[Event]:
        rows = self.db.query("SELECT * FROM events WHERE mention_id = ? ORDER BY at, id", (mention_id,))
        return [self._event(r) for r in rows]

    def recent(self, type_: str, since: datetime) -> list[Event]:
        rows = self.db.query("SELECT * FROM events WHERE type = ? AND at >= ? ORDER BY id", (type_, to_db(since)))
        return [self._event(r) for r in rows]

    @staticmethod
    def _event(row: Row) -> Event:
        at = from_db(row["at"])
        assert at is not None
        return Event(
            row["id"], at, row["mention_id"], row["type"], row["rule"], row["destination"], row["reason"], row["actor"]
        )
