"""The owner's replies to a mention, and the bookkeeping that sends each one once (migration 0009).

A reply box on the mention page carries a one-time `key`. Sending starts by claiming it:

    claim = Replies(db).claim(mention_id, key, text=..., template=..., via="google_business", actor=..., now=now)
    claim.go      True: this request sends it (the row is 'sending'); then `sent()`, `refused()` or `uncertain()`
    claim.reply   the row: after a double tap, a resent form or a second instance, the reply already under way or
                  sent, which the page shows instead of sending again

At most one reply per mention is live ('sending', 'uncertain' or 'sent'): a unique index says so, so two instances
serving the same page cannot both send. An 'uncertain' reply (the API did not answer: a timeout, a 5xx) is retried
with the same key and the same text; a 'sending' row older than STALE is one whose process died mid-request, and is
uncertain too. A 'refused' reply (the API said no) is kept with the reason and blocks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from monitor.storage.database import Database, Row, from_db, to_db

ReplyState = Literal["sending", "uncertain", "sent", "refused"]
LIVE = ("sending", "uncertain", "sent")
STALE = timedelta(minutes=5)  # longer than any request's deadline: a 'sending' row this old lost its process
BY_HAND = "by hand"  # `via` of a reply written at the source, not sent through an API


@dataclass(frozen=True, slots=True)
class Reply:
    id: int
    mention_id: int
    key: str
    text: str
    template: str | None
    via: str  # the source kind whose API sent it ("google_business"), or BY_HAND
    actor: str
    state: ReplyState
    reason: str | None
    attempts: int
    created_at: datetime
    tried_at: datetime | None
    sent_at: datetime | None

    def in_flight(self, now: datetime) -> bool:
        return self.state == "sending" and self.tried_at is not None and now - self.tried_at < STALE


@dataclass(frozen=True, slots=True)
class Claim:
    go: bool  # this caller sends the reply now
    reply: Reply


class Replies:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(
        self, mention_id: int, key: str, *, text: str, template: str | None, via: str, actor: str, now: datetime
    ) -> Claim:
        """Start sending the reply with this `key`, or say why not: see the module's docstring."""
        with self.db.transaction():
            mine = self.by_key(key)
            if mine is not None and mine.mention_id != mention_id:
                return Claim(False, mine)  # a key from another mention's page: never sent for this one
            if mine is not None:
                if mine.state == "sent" or mine.in_flight(now):
                    return Claim(False, mine)
                if mine.state == "refused":  # the same box sent again after a refusal: a new try with its text
                    live = self.live(mention_id)
                    if live is not None:
                        return Claim(False, live)
                    self.db.execute(
                        "UPDATE replies SET text = ?, template = ?, actor = ? WHERE id = ?",
                        (text, template, actor, mine.id),
                    )
                return self._take(mine, now)
            live = self.live(mention_id)
            if live is not None:
                return Claim(False, live)
            row = self.db.one(
                "INSERT INTO replies (mention_id, key, text, template, via, actor, state, attempts, created_at, "
                "tried_at) VALUES (?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                (mention_id, key, text, template, via, actor, to_db(now), to_db(now)),
            )
            if row is None:  # another request claimed it between our read and our write
                again = self.by_key(key) or self.live(mention_id)
                assert again is not None
                return Claim(False, again)
            made = self.get(int(row["id"]))
            assert made is not None
            return Claim(True, made)

    def _take(self, reply: Reply, now: datetime) -> Claim:
        """uncertain / refused / a stale 'sending' -> 'sending' by this caller, if nobody else took it first."""
        taken = self.db.execute(
            "UPDATE replies SET state = 'sending', attempts = attempts + 1, tried_at = ?, reason = NULL "
            "WHERE id = ? AND state = ? AND (tried_at IS NULL OR tried_at = ?)",
            (to_db(now), reply.id, reply.state, to_db(reply.tried_at) if reply.tried_at else None),
        ).rowcount
        current = self.get(reply.id)
        assert current is not None
        return Claim(taken == 1, current)

    def sent(self, reply_id: int, *, at: datetime) -> None:
        self.db.execute(
            "UPDATE replies SET state = 'sent', sent_at = ?, reason = NULL WHERE id = ?", (to_db(at), reply_id)
        )

    def refused(self, reply_id: int, reason: str) -> None:
        self.db.execute("UPDATE replies SET state = 'refused', reason = ? WHERE id = ?", (reason, reply_id))

    def uncertain(self, reply_id: int, reason: str) -> None:
        self.db.execute("UPDATE replies SET state = 'uncertain', reason = ? WHERE id = ?", (reason, reply_id))

    def get(self, reply_id: int) -> Reply | None:
        row = self.db.one("SELECT * FROM replies WHERE id = ?", (reply_id,))
        return _reply(row) if row else None

    def by_key(self, key: str) -> Reply | None:
        row = self.db.one("SELECT * FROM replies WHERE key = ?", (key,))
        return _reply(row) if row else None

    def live(self, mention_id: int) -> Reply | None:
        """The mention's reply under way or sent, if there is one."""
        row = self.db.one(
            "SELECT * FROM replies WHERE mention_id = ? AND state IN ('sending', 'uncertain', 'sent')", (mention_id,)
        )
        return _reply(row) if row else None

    def of_mention(self, mention_id: int) -> list[Reply]:
        return [
            _reply(r) for r in self.db.query("SELECT * FROM replies WHERE mention_id = ? ORDER BY id", (mention_id,))
        ]


def _reply(row: Row) -> Reply:
    created = from_db(row["created_at"])
    assert created is not None
    return Reply(
        id=int(row["id"]),
        mention_id=int(row["mention_id"]),
        key=row["key"],
        text=row["text"],
        template=row["template"],
        via=row["via"],
        actor=row["actor"],
        state=row["state"],
        reason=row["reason"],
        attempts=int(row["attempts"]),
        created_at=created,
        tried_at=from_db(row["tried_at"]),
        sent_at=from_db(row["sent_at"]),
    )
