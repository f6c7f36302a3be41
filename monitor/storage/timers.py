"""Timer marks: how far a timer that reads "what became due since my previous pass" has read.

An escalation step of a rule reads the mentions first seen after its mark and at or before its cutoff, in order of
(first seen, id), and moves its mark in the transaction that queued its alerts; the follow-up pass does the same over
resolution times. So a pass costs what became due since the previous one, whatever the size of the history; a
restart loses nothing (the mark is in the database); a pass that stopped part-way (a backlog is read a few pages a
pass) goes on from the last mention it read (`after_id`); and a pass that failed is read again, where the outbox
keys make a second alert impossible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.storage.database import Database, from_db, to_db


@dataclass(frozen=True, slots=True)
class TimerMark:
    """Everything up to `until` has been read; with `after_id`, only the rows at `until` up to that id."""

    until: datetime
    after_id: int | None = None


class TimerMarks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, name: str) -> TimerMark | None:
        row = self.db.one("SELECT done_until, after_id FROM timer_marks WHERE name = ?", (name,))
        if row is None:
            return None
        until = from_db(row["done_until"])
        assert until is not None
        return TimerMark(until, None if row["after_id"] is None else int(row["after_id"]))

    def set(self, name: str, mark: TimerMark) -> None:
        self.db.execute(
            "INSERT INTO timer_marks (name, done_until, after_id) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET done_until = excluded.done_until, after_id = excluded.after_id",
            (name, to_db(mark.until), mark.after_id),
        )
