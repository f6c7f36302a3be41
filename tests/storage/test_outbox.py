"""The outbox on both backends: one row per key, the way a row goes (pending, claimed under a message key, sent,
held, cancelled, failed), the notification log, destinations' health."""

from __future__ import annotations

from datetime import timedelta

from monitor.storage.database import Database
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Delivery, Outbox, OutboxFile
from tests.factories import NOW, make_mention

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def queue(outbox: Outbox, key: str, destination: str = "owner_phone", **changes: object) -> int:
    kwargs: dict[str, object] = {"destination": destination, "rule": "bad review", "now": NOW, "due_at": NOW}
    kwargs.update(changes)
    assert outbox.enqueue(key, **kwargs)  # type: ignore[arg-type]
    row = outbox.find(key)
    assert row is not None
    return row.id


def test_a_key_is_queued_once(db: Database) -> None:
    outbox = Outbox(db)
    mention = Mentions(db).insert(make_mention(None))
    assert outbox.enqueue(
        "m1:bad review:owner_phone",
        destination="owner_phone",
        rule="bad review",
        now=NOW,
        due_at=NOW + timedelta(seconds=30),
        mention_id=mention.id,
        priority="high",
        reason="rating 1 of 5",
    )
    assert not outbox.enqueue(
        "m1:bad review:owner_phone", destination="owner_phone", rule="bad review", now=NOW, due_at=NOW
    )
    row = outbox.find("m1:bad review:owner_phone")
    assert row is not None
    assert (row.mention_id, row.priority, row.reason, row.state, row.attempts) == (
        mention.id,
        "high",
        "rating 1 of 5",
        "pending",
        0,
    )
    assert (row.created_at, row.due_at, row.frozen, row.send_key, row.claimed_by) == (
        NOW,
        NOW + timedelta(seconds=30),
        False,
        None,
        None,
    )
    assert outbox.keys_for_rule("bad review") == {"m1:bad review:owner_phone"}
    assert outbox.find("nothing") is None


def test_a_frozen_message_keeps_its_files_byte_for_byte(db: Database) -> None:
    outbox = Outbox(db)
    files = [("chart.png", "image/png", PNG), ("empty.bin", "application/octet-stream", b"\x00")]
    kwargs = {"destination": "owner_email", "rule": "digest", "now": NOW, "subject": "Weekly", "body": "text"}
    assert outbox.enqueue_message("digest:1", html="<p>1</p>", files=files, **kwargs)  # type: ignore[arg-type]
    assert not outbox.enqueue_message("digest:1", html="<p>2</p>", files=files[:1], **kwargs)  # type: ignore[arg-type]
    [row] = outbox.pending("owner_email")
    assert (row.frozen, row.html, row.subject) == (True, "<p>1</p>", "Weekly")
    assert outbox.files(row.id) == [OutboxFile(*f) for f in files]


def test_notices_go_to_each_destination_once(db: Database) -> None:
    outbox = Outbox(db)
    for _ in range(2):
        outbox.enqueue_notice("broken:x", ["a", "b"], rule="notice", subject="X is failing", body="since...", now=NOW)
    assert sorted(r.key for r in outbox.all_pending()) == ["broken:x:a", "broken:x:b"]


def test_due_pending_rows_by_destination(db: Database) -> None:
    outbox = Outbox(db)
    queue(outbox, "1", "b")
    queue(outbox, "2", "a")
    later = queue(outbox, "3", "c", due_at=NOW + timedelta(hours=1))
    assert outbox.destinations_due(NOW) == ["a", "b"]
    assert outbox.destinations_due(NOW + timedelta(hours=1)) == ["a", "b", "c"]
    assert [r.key for r in outbox.pending("a")] == ["2"]
    assert [r.id for r in outbox.pending("c")] == [later]


def test_the_daemon_knows_when_the_next_grouped_alert_is_due(db: Database) -> None:
    """It wakes then (monitor/service/daemon.py `_sleep`), not up to a tick later; a row due already is the tick's."""
    outbox = Outbox(db)
    assert outbox.next_due_at(NOW) is None
    queue(outbox, "now", "a")  # due already (a destination backing off): not a reason to wake sooner
    assert outbox.next_due_at(NOW) is None
    queue(outbox, "burst", "b", due_at=NOW + timedelta(seconds=30))  # its group_wait ends then
    queue(outbox, "retry", "c", due_at=NOW + timedelta(minutes=5))
    assert outbox.next_due_at(NOW) == NOW + timedelta(seconds=30)
    outbox.mark_cancelled([outbox.find("burst").id], "answered meanwhile")  # type: ignore[union-attr]
    assert outbox.next_due_at(NOW) == NOW + timedelta(minutes=5)


def test_a_row_goes_from_pending_to_sent_once(db: Database) -> None:
    outbox = Outbox(db)
    ids = [queue(outbox, "1"), queue(outbox, "2")]
    outbox.claim(ids, "mm-abc")
    assert {r.send_key for r in outbox.pending("owner_phone")} == {"mm-abc"}
    message = outbox.log_delivery("owner_phone", NOW, 2, "2 new complaints")
    outbox.mark_sent(ids, NOW, message)
    outbox.mark_sent(ids, NOW + timedelta(hours=1), message)  # a second time changes nothing
    outbox.claim(ids, "mm-other")  # nor does a claim of sent rows
    for key in ("1", "2"):
        row = outbox.find(key)
        assert row is not None and (row.state, row.sent_at, row.attempts, row.send_key) == ("sent", NOW, 1, "mm-abc")
    assert outbox.pending("owner_phone") == []
    assert outbox.depth() == {"sent": 2}


def test_held_cancelled_and_failed_rows(db: Database) -> None:
    outbox = Outbox(db)
    held, cancelled, failed = queue(outbox, "1"), queue(outbox, "2"), queue(outbox, "3")
    outbox.postpone([held], NOW + timedelta(hours=8), error="held: quiet hours")
    outbox.postpone([held], NOW + timedelta(hours=9), attempt=True)
    outbox.mark_cancelled([cancelled], "cancelled: mention already resolved")
    outbox.mark_failed([failed], "HTTP 400")
    row = outbox.find("1")
    assert row is not None and (row.due_at, row.last_error, row.attempts, row.state) == (
        NOW + timedelta(hours=9),
        "held: quiet hours",
        1,
        "pending",
    )
    assert outbox.destinations_due(NOW) == []
    assert outbox.depth() == {"pending": 1, "cancelled": 1, "failed": 1}
    assert (r := outbox.find("3")) is not None and (r.state, r.last_error, r.attempts) == ("failed", "HTTP 400", 1)


def test_the_notification_log(db: Database) -> None:
    outbox = Outbox(db)
    assert outbox.last_delivery() is None
    first = outbox.log_delivery("owner_phone", NOW, 1, "one")
    second = outbox.log_delivery("owner_phone", NOW + timedelta(minutes=10), 3, "three")
    outbox.log_delivery("owner_email", NOW + timedelta(minutes=20), 1, "mail")
    assert second > first
    assert outbox.deliveries_since("owner_phone", NOW - timedelta(hours=1)) == [NOW, NOW + timedelta(minutes=10)]
    assert outbox.deliveries_since("owner_phone", NOW) == [NOW + timedelta(minutes=10)]
    assert outbox.notification_log("owner_phone", NOW - timedelta(seconds=1)) == [
        Delivery("owner_phone", NOW, 1, "one"),
        Delivery("owner_phone", NOW + timedelta(minutes=10), 3, "three"),
    ]
    assert outbox.last_delivery() == ("owner_email", NOW + timedelta(minutes=20))


def test_a_destination_fails_is_noticed_once_and_heals(db: Database) -> None:
    outbox = Outbox(db)
    assert outbox.health("owner_phone").consecutive_failures == 0
    first = outbox.record_destination_failure("owner_phone", "HTTP 503", NOW, timedelta(minutes=1))
    second = outbox.record_destination_failure(
        "owner_phone", "timeout", NOW + timedelta(minutes=1), timedelta(minutes=2)
    )
    assert (first.consecutive_failures, first.failing_since) == (1, NOW)
    assert (second.consecutive_failures, second.failing_since, second.last_error, second.next_attempt_at) == (
        2,
        NOW,
        "timeout",
        NOW + timedelta(minutes=3),
    )
    outbox.set_broken_notified("owner_phone")
    before = outbox.record_destination_success("owner_phone")
    assert before.broken_notified and before.consecutive_failures == 2
    after = outbox.health("owner_phone")
    assert (after.consecutive_failures, after.failing_since, after.broken_notified, after.next_attempt_at) == (
        0,
        None,
        False,
        None,
    )
