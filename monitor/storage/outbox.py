"""The persistent outbox, the notification log, and destinations' health.

A row is queued in the same transaction as the decision that made it; its UNIQUE `key` (mention, rule,
destination) makes a second row — and so a second alert — impossible. A row becomes `sent` only after the
destination accepted the message.

Most rows are rendered when they are sent (alerts, operator notices). A *frozen* row (the digest) holds its message
as queued: subject and body in its destination's channel form, the email's HTML, and files (`outbox_files`).

Several instances on one database: an instance takes due rows with `claim_due` (for a while: `claimed_until`), so
two instances never send the same row; a row given back (`postpone`, `release_claims`) or whose claim expired (its
instance died mid-delivery) is taken by the next one, under the message key already recorded (`claim`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from monitor.storage.database import Database, Row, from_db, marks, to_db

# A pending row an instance may claim: nobody holds it, it holds it already, or the holder's claim expired.
# Parameters: the instance, now.
_CLAIMABLE = "(claimed_by IS NULL OR claimed_by = ? OR claimed_until <= ?)"
# Ids per statement when rows are marked or postponed: a burst packed into one message can hold thousands of rows,
# and PostgreSQL takes at most 65,535 parameters in one statement.
IDS_PER_STATEMENT = 5000


def chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    """`ids` in slices of IDS_PER_STATEMENT (none for none)."""
    return [ids[start : start + IDS_PER_STATEMENT] for start in range(0, len(ids), IDS_PER_STATEMENT)]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    key: str
    destination: str
    rule: str
    mention_id: int | None
    priority: str
    reason: str
    subject: str | None
    body: str | None
    created_at: datetime
    due_at: datetime
    state: str
    attempts: int
    last_error: str | None
    send_key: str | None = None  # set when the row was put in a message about to be sent
    frozen: bool = False  # subject, body and html are the message as it is sent (see the module docstring)
    html: str | None = None
    sent_at: datetime | None = None
    claimed_by: str | None = None  # the instance delivering it (claim_due), until claimed_until
    claimed_until: datetime | None = None


class OutboxFile(NamedTuple):
    """A file sent with a frozen row's message (a digest's chart): (name, mimetype, data), as senders take it."""

    name: str
    mimetype: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message a destination accepted (a row of the notification log)."""

    destination: str
    sent_at: datetime
    items: int
    title: str


@dataclass(frozen=True, slots=True)
class DestinationHealth:
    name: str
    consecutive_failures: int
    failing_since: datetime | None
    last_error: str | None
    broken_notified: bool
    next_attempt_at: datetime | None


class NewAlert(NamedTuple):
    """An alert to queue (`Outbox.enqueue_many`): `Outbox.enqueue`'s arguments."""

    key: str
    destination: str
    rule: str
    now: datetime
    due_at: datetime
    mention_id: int | None = None
    priority: str = "normal"
    reason: str = ""


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(
        self,
        key: str,
        *,
        destination: str,
        rule: str,
        now: datetime,
        due_at: datetime,
        mention_id: int | None = None,
        priority: str = "normal",
        reason: str = "",
        subject: str | None = None,
        body: str | None = None,
    ) -> bool:
        """Queue an alert; False when one with this key was already queued (or sent): the duplicate is dropped."""
        cursor = self.db.execute(
            "INSERT INTO outbox (key, destination, rule, mention_id, priority, reason, subject, body, "
            "created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, destination, rule, mention_id, priority, reason, subject, body, to_db(now), to_db(due_at)),
        )
        return cursor.rowcount > 0

    def enqueue_many(self, alerts: Sequence[NewAlert]) -> list[bool]:
        """`enqueue` for each of `alerts`, in order, in one statement: whether each was queued (False: its key was
        queued or sent before, or by an earlier alert of the same batch)."""
        values = [
            (a.key, a.destination, a.rule, a.mention_id, a.priority, a.reason, to_db(a.now), to_db(a.due_at))
            for a in alerts
        ]
        columns = ("key", "destination", "rule", "mention_id", "priority", "reason", "created_at", "due_at")
        rows = self.db.insert_rows("outbox", columns, values, suffix="ON CONFLICT (key) DO NOTHING RETURNING key")
        queued = {r["key"] for r in rows}
        result = []
        for alert in alerts:  # a key the batch holds twice was queued by its first alert
            result.append(alert.key in queued)
            queued.discard(alert.key)
        return result

    def enqueue_notice(
        self,
        key: str,
        destinations: Iterable[str],
        *,
        rule: str,
        subject: str,
        body: str,
        now: datetime,
        priority: str = "normal",
    ) -> None:
        """An operator notice (not about a mention) to each destination, due now; `key` names the occasion."""
        for destination in destinations:
            self.enqueue(
                f"{key}:{destination}",
                destination=destination,
                rule=rule,
                now=now,
                due_at=now,
                priority=priority,
                reason=subject,
                subject=subject,
                body=body,
            )

    def enqueue_message(
        self,
        key: str,
        *,
        destination: str,
        rule: str,
        now: datetime,
        subject: str,
        body: str,
        html: str | None = None,
        files: Sequence[tuple[str, str, bytes]] = (),
        priority: str = "normal",
        reason: str = "",
    ) -> bool:
        """Queue a message rendered now and sent as it is (frozen), due now, with its files; False when one with
        this key was already queued (or sent): the duplicate is dropped, files and all."""
        with self.db.transaction():
            row = self.db.one(
                "INSERT INTO outbox (key, destination, rule, priority, reason, subject, body, html, frozen, "
                "created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) "
                "ON CONFLICT (key) DO NOTHING RETURNING id",
                (key, destination, rule, priority, reason, subject, body, html, to_db(now), to_db(now)),
            )
            if row is None:
                return False
            for position, (name, mimetype, data) in enumerate(files):
                self.db.execute(
                    "INSERT INTO outbox_files (outbox_id, position, name, mimetype, data) VALUES (?, ?, ?, ?, ?)",
                    (row["id"], position, name, mimetype, data),
                )
        return True

    def files(self, outbox_id: int) -> list[OutboxFile]:
        rows = self.db.query(
            "SELECT name, mimetype, data FROM outbox_files WHERE outbox_id = ? ORDER BY position", (outbox_id,)
        )
        return [OutboxFile(r["name"], r["mimetype"], bytes(r["data"])) for r in rows]

    def find(self, key: str) -> OutboxRow | None:
        row = self.db.one("SELECT * FROM outbox WHERE key = ?", (key,))
        return _row(row) if row is not None else None

    def keys_for_rule(self, rule: str) -> set[str]:
        """Every key ever queued for `rule`: one query per timer tick instead of one per mention and destination."""
        return {r["key"] for r in self.db.query("SELECT key FROM outbox WHERE rule = ?", (rule,))}

    def known(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` were ever queued (the escalation timers' "already told" check, through the key index)."""
        if not keys:
            return set()
        rows = self.db.query(f"SELECT key FROM outbox WHERE key IN ({marks(keys)})", tuple(keys))  # noqa: S608
        return {r["key"] for r in rows}

    def destinations_due(self, now: datetime, *, holder: str | None = None) -> list[str]:
        """Destinations with rows due; with `holder`, only rows that instance may claim (see claim_due)."""
        if holder is None:
            rows = self.db.query(
                "SELECT DISTINCT destination FROM outbox WHERE state = 'pending' AND due_at <= ? ORDER BY destination",
                (to_db(now),),
            )
        else:
            rows = self.db.query(
                f"SELECT DISTINCT destination FROM outbox WHERE state = 'pending' AND due_at <= ? AND {_CLAIMABLE} "  # noqa: S608
                "ORDER BY destination",
                (to_db(now), holder, to_db(now)),
            )
        return [r["destination"] for r in rows]

    def next_due_at(self, now: datetime) -> datetime | None:
        """When the next pending row that is not yet due becomes due (its group_wait or retry ends): the daemon
        wakes then instead of at its next tick. Rows due already are the tick's (a destination backing off)."""
        rows = self.db.query(
            "SELECT MIN(due_at) AS due FROM outbox WHERE state = 'pending' AND due_at > ?", (to_db(now),)
        )
        return from_db(rows[0]["due"]) if rows and rows[0]["due"] is not None else None

    def pending(self, destination: str) -> list[OutboxRow]:
        rows = self.db.query(
            "SELECT * FROM outbox WHERE state = 'pending' AND destination = ? ORDER BY id", (destination,)
        )
        return [_row(r) for r in rows]

    def all_pending(self) -> list[OutboxRow]:
        return [_row(r) for r in self.db.query("SELECT * FROM outbox WHERE state = 'pending' ORDER BY id")]

    def claim(self, ids: list[int], send_key: str) -> None:
        """Record, before sending, which message these rows go in: a resend after a crash reuses the key."""
        for part in chunks(ids):
            self.db.execute(
                f"UPDATE outbox SET send_key = ? WHERE id IN ({marks(part)}) AND state = 'pending'",  # noqa: S608
                (send_key, *part),
            )

    def claim_due(
        self, destination: str, holder: str, now: datetime, ttl: timedelta, *, limit: int = 500
    ) -> list[OutboxRow]:
        """Take the rows due for `destination` that no other instance holds, for `ttl`, and return them (with the
        ones `holder` held already, renewed), oldest first. Two instances never get the same row; a row whose
        holder died is taken over once its claim expired. The claim is one statement: on PostgreSQL the rows
        another instance is claiming at this moment are skipped (FOR UPDATE SKIP LOCKED), on SQLite the writer
        lock orders the two."""
        rows = self.db.query(
            "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN ("  # noqa: S608
            f"SELECT id FROM outbox WHERE destination = ? AND state = 'pending' AND due_at <= ? AND {_CLAIMABLE} "
            f"ORDER BY id LIMIT ?{self.db.skip_locked}) AND state = 'pending' AND {_CLAIMABLE} RETURNING *",
            (holder, to_db(now + ttl), destination, to_db(now), holder, to_db(now), limit, holder, to_db(now)),
        )
        return sorted((_row(r) for r in rows), key=lambda row: row.id)

    def release_claims(self, holder: str, ids: Sequence[int] | None = None) -> int:
        """Give back what `holder` claimed (all, or these rows): another instance may take them at once."""
        where, params = "claimed_by = ?", list[object]([holder])
        if ids is not None:
            if not ids:
                return 0
            where += f" AND id IN ({marks(ids)})"
            params.extend(ids)
        cursor = self.db.execute(
            f"UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE {where} AND state = 'pending'",  # noqa: S608
            tuple(params),
        )
        return cursor.rowcount

    def mark_sent(self, ids: list[int], now: datetime, message_id: int) -> None:
        for part in chunks(ids):
            self.db.execute(
                f"UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, message_id = ? "  # noqa: S608
                f"WHERE id IN ({marks(part)}) AND state = 'pending'",
                (to_db(now), message_id, *part),
            )

    def postpone(self, ids: list[int], until: datetime, *, error: str | None = None, attempt: bool = False) -> None:
        for part in chunks(ids):
            self.db.execute(
                f"UPDATE outbox SET due_at = ?, last_error = COALESCE(?, last_error), "  # noqa: S608
                f"attempts = attempts + ?, claimed_by = NULL, claimed_until = NULL WHERE id IN ({marks(part)})",
                (to_db(until), error, int(attempt), *part),
            )

    def mark_cancelled(self, ids: list[int], reason: str) -> None:
        """Not sent and not to be: the mention was answered before the alert was due (not a failure)."""
        self.db.execute(
            f"UPDATE outbox SET state = 'cancelled', last_error = ? WHERE id IN ({marks(ids)})",  # noqa: S608
            (reason, *ids),
        )

    def mark_failed(self, ids: list[int], error: str) -> None:
        for part in chunks(ids):
            self.db.execute(
                "UPDATE outbox SET state = 'failed', last_error = ?, attempts = attempts + 1 "  # noqa: S608
                f"WHERE id IN ({marks(part)})",
                (error, *part),
            )

    def depth(self) -> dict[str, int]:
        rows = self.db.query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
        return {r["state"]: int(r["n"]) for r in rows}

    # ----------------------------------------------------------------------------------- the notification log

    def log_delivery(self, destination: str, now: datetime, items: int, title: str) -> int:
        row = self.db.one(
            "INSERT INTO deliveries (destination, sent_at, items, title) VALUES (?, ?, ?, ?) RETURNING id",
            (destination, to_db(now), items, title),
        )
        assert row is not None
        return int(row["id"])

    def deliveries_since(self, destination: str, since: datetime) -> list[datetime]:
        rows = self.db.query(
            "SELECT sent_at FROM deliveries WHERE destination = ? AND sent_at > ? ORDER BY sent_at",
            (destination, to_db(since)),
        )
        return [t for t in (from_db(r["sent_at"]) for r in rows) if t is not None]

    def notification_log(self, destination: str, since: datetime) -> list[Delivery]:
        """What `destination` accepted after `since`, oldest first."""
        rows = self.db.query(
            "SELECT * FROM deliveries WHERE destination = ? AND sent_at > ? ORDER BY id", (destination, to_db(since))
        )
        found = []
        for r in rows:
            sent = from_db(r["sent_at"])
            assert sent is not None
            found.append(Delivery(r["destination"], sent, int(r["items"]), r["title"]))
        return found

    def last_delivery(self) -> tuple[str, datetime] | None:
        row = self.db.one("SELECT destination, sent_at FROM deliveries ORDER BY id DESC LIMIT 1")
        if row is None:
            return None
        sent = from_db(row["sent_at"])
        assert sent is not None
        return row["destination"], sent

    # ----------------------------------------------------------------------------------- destinations' health

    def health(self, name: str) -> DestinationHealth:
        row = self.db.one("SELECT * FROM destinations WHERE name = ?", (name,))
        if row is None:
            return DestinationHealth(name, 0, None, None, False, None)
        return DestinationHealth(
            name,
            int(row["consecutive_failures"]),
            from_db(row["failing_since"]),
            row["last_error"],
            bool(row["broken_notified"]),
            from_db(row["next_attempt_at"]),
        )

    def record_destination_failure(
        self, name: str, error: str, now: datetime, retry_in: timedelta
    ) -> DestinationHealth:
        self.db.execute(
            "INSERT INTO destinations (name, consecutive_failures, failing_since, last_error, next_attempt_at) "
            "VALUES (?, 1, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "consecutive_failures = destinations.consecutive_failures + 1, "
            "failing_since = COALESCE(destinations.failing_since, excluded.failing_since), "
            "last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at",
            (name, to_db(now), error, to_db(now + retry_in)),
        )
        return self.health(name)

    def record_destination_success(self, name: str) -> DestinationHealth:
        """Back to healthy; returns the health *before*, so the caller can tell whether it just healed."""
        before = self.health(name)
        self.db.execute(
            "UPDATE destinations SET consecutive_failures = 0, failing_since = NULL, last_error = NULL, "
            "broken_notified = 0, next_attempt_at = NULL WHERE name = ?",
            (name,),
        )
        return before

    def set_broken_notified(self, name: str) -> None:
        self.db.execute("UPDATE destinations SET broken_notified = 1 WHERE name = ?", (name,))


def _row(r: Row) -> OutboxRow:
    created, due = from_db(r["created_at"]), from_db(r["due_at"])
    assert created is not None and due is not None
    return OutboxRow(
        id=r["id"],
        key=r["key"],
        destination=r["destination"],
        rule=r["rule"],
        mention_id=r["mention_id"],
        priority=r["priority"],
        reason=r["reason"],
        subject=r["subject"],
        body=r["body"],
        created_at=created,
        due_at=due,
        state=r["state"],
        attempts=int(r["attempts"]),
        last_error=r["last_error"],
        send_key=r["send_key"],
        frozen=bool(r["frozen"]),
        html=r["html"],
        sent_at=from_db(r["sent_at"]),
        claimed_by=r["claimed_by"],
        claimed_until=from_db(r["claimed_until"]),
    )
