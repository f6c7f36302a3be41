"""A reply is sent once: the claim on a reply box's key, one live reply per mention, retries of uncertain ones — on
SQLite and PostgreSQL, and between two connections as two instances would hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from monitor.storage.database import Database
from monitor.storage.mentions import Mentions
from monitor.storage.replies import STALE, Claim, Replies
from tests.factories import NOW, make_mention


def _mention(db: Database, n: int = 1) -> int:
    with db.transaction():
        stored = Mentions(db).insert(make_mention(None, external_id=f"r{n}", fingerprint=f"fp{n}"))
    assert stored.id is not None
    return stored.id


def _claim(db: Database, mention_id: int, key: str, text: str = "Sorry!", at: timedelta = timedelta(0)) -> Claim:
    return Replies(db).claim(
        mention_id, key, text=text, template="apology", via="google_business", actor="mika", now=NOW + at
    )


def test_a_double_tap_sends_once_and_a_second_box_never_sends(db: Database) -> None:
    m = _mention(db)
    first = _claim(db, m, "key-1")
    assert first.go and first.reply.state == "sending" and first.reply.attempts == 1
    assert not _claim(db, m, "key-1").go  # the same box again, while it is being sent
    Replies(db).sent(first.reply.id, at=NOW)
    again = _claim(db, m, "key-1")
    assert not again.go and again.reply.state == "sent"
    other = _claim(db, m, "key-2", text="Another answer")
    assert not other.go and other.reply.id == first.reply.id  # the mention is answered: the live reply is shown
    assert [r.text for r in Replies(db).of_mention(m)] == ["Sorry!"]


def test_an_uncertain_reply_is_retried_with_its_own_text_and_a_refused_one_blocks_nothing(db: Database) -> None:
    m = _mention(db)
    first = _claim(db, m, "key-1", text="Sorry about the cake")
    Replies(db).uncertain(first.reply.id, "Google did not answer in time")
    assert not _claim(db, m, "key-2").go  # another box waits for the uncertain one
    retry = _claim(db, m, "key-1", text="ignored: the kept text is what is retried", at=timedelta(minutes=1))
    assert retry.go and retry.reply.attempts == 2 and retry.reply.text == "Sorry about the cake"
    Replies(db).refused(retry.reply.id, "Google did not accept this reply")
    fresh = _claim(db, m, "key-3", text="A better reply")
    assert fresh.go and fresh.reply.text == "A better reply"


def test_a_send_whose_process_died_is_taken_over_only_after_it_went_stale(db: Database) -> None:
    m = _mention(db)
    _claim(db, m, "key-1")
    assert not _claim(db, m, "key-1", at=STALE - timedelta(seconds=1)).go
    taken = _claim(db, m, "key-1", at=STALE + timedelta(seconds=1))
    assert taken.go and taken.reply.attempts == 2


def test_a_key_from_another_mentions_page_sends_nothing_for_this_one(db: Database) -> None:
    a, b = _mention(db, 1), _mention(db, 2)
    _claim(db, a, "key-1")
    stolen = _claim(db, b, "key-1")
    assert not stolen.go and stolen.reply.mention_id == a
    assert Replies(db).of_mention(b) == []


def test_two_instances_claiming_the_same_mention_one_sends(connect: Callable[[], Database]) -> None:
    one, two = connect(), connect()
    m = _mention(one)
    claims = [_claim(one, m, "key-a"), _claim(two, m, "key-b")]
    assert [c.go for c in claims] == [True, False]
    assert claims[1].reply.key == "key-a"
