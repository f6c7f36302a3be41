"""What the response promise's timers ask storage, on both backends: the unanswered mentions first seen in a range
(paged, through the first-seen index), which outbox keys exist, the timers' marks, and follow-ups that come back once
and are done once."""

from __future__ import annotations

from datetime import timedelta

from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.followups import FollowUps
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from monitor.storage.timers import TimerMark, TimerMarks
from tests.factories import NOW, make_mention

MINUTE = timedelta(minutes=1)


def add(mentions: Mentions, n: int, **changes: object) -> int:
    stored = mentions.insert(make_mention(None, external_id=f"r{n}", fingerprint=f"fp{n}", **changes))
    assert stored.id is not None
    return stored.id


def test_the_mentions_first_seen_in_a_range_in_pages(db: Database) -> None:
    mentions = Mentions(db)
    add(mentions, 0, fetched_at=NOW)  # at the mark: read by the previous pass
    same = [add(mentions, n, fetched_at=NOW + MINUTE) for n in range(1, 6)]  # five first seen at the same time
    answered = add(mentions, 6, fetched_at=NOW + 2 * MINUTE, status="acknowledged")
    last = add(mentions, 7, fetched_at=NOW + 3 * MINUTE, status="alerted")
    add(mentions, 8, fetched_at=NOW + 4 * MINUTE)  # after the cutoff
    whole = mentions.seen_between(NOW, NOW + 3 * MINUTE)
    assert [m.id for m in whole] == [*same, answered, last]
    first = mentions.seen_between(NOW, NOW + 3 * MINUTE, limit=3)
    rest = mentions.seen_between(first[-1].fetched_at, NOW + 3 * MINUTE, after_id=first[-1].id, limit=3)
    more = mentions.seen_between(rest[-1].fetched_at, NOW + 3 * MINUTE, after_id=rest[-1].id, limit=3)
    assert [m.id for m in first + rest + more] == [*same, answered, last] and len(more) == 1


def test_which_outbox_keys_exist(db: Database) -> None:
    outbox = Outbox(db)
    outbox.enqueue("m1:late:owner", destination="owner", rule="late", now=NOW, due_at=NOW, mention_id=None)
    assert outbox.known(["m1:late:owner", "m1:late:mika", "m2:late:owner"]) == {"m1:late:owner"}
    assert outbox.known([]) == set()


def test_a_timer_mark_is_kept_and_moved(db: Database) -> None:
    marks = TimerMarks(db)
    assert marks.get("escalation:late:deadline") is None
    marks.set("escalation:late:deadline", TimerMark(NOW, 41))  # stopped part-way through the mentions at NOW
    assert marks.get("escalation:late:deadline") == TimerMark(NOW, 41)
    marks.set("escalation:late:deadline", TimerMark(NOW + MINUTE))
    marks.set("follow-up", TimerMark(NOW - timedelta(days=3)))
    assert marks.get("escalation:late:deadline") == TimerMark(NOW + MINUTE)
    assert marks.get("follow-up") == TimerMark(NOW - timedelta(days=3))


def test_a_resolved_complaint_comes_back_once_and_is_done_once(db: Database) -> None:
    mentions, follow_ups, events = Mentions(db), FollowUps(db), Events(db)
    resolved = add(mentions, 1, status="resolved", status_changed_at=NOW - timedelta(days=3))
    recent = add(mentions, 2, status="resolved", status_changed_at=NOW - timedelta(days=1))
    open_one = add(mentions, 3, status="acknowledged", status_changed_at=NOW - timedelta(days=3))
    window = (NOW - timedelta(days=4), NOW - timedelta(days=3))
    assert follow_ups.resolved_between(*window) == [resolved]
    assert open_one not in follow_ups.resolved_between(NOW - timedelta(days=10), NOW)

    assert follow_ups.come_back(resolved, NOW)
    assert not follow_ups.come_back(resolved, NOW)  # already back
    back = mentions.get(resolved)
    assert back is not None and back.status == "follow_up" and back.status_changed_at == NOW

    assert not follow_ups.done(recent, NOW)  # not waiting for a follow-up
    assert follow_ups.done(resolved, NOW + MINUTE)
    assert not follow_ups.done(resolved, NOW + 2 * MINUTE)  # a second press
    events.add("followed_up", at=NOW + MINUTE, mention_id=resolved, actor="mika")
    done = mentions.get(resolved)
    assert done is not None and done.status == "resolved"
    # Resolved again, it never comes back a second time.
    assert follow_ups.resolved_between(NOW, NOW + timedelta(days=10)) == []
    assert not follow_ups.come_back(resolved, NOW + timedelta(days=4))

    assert follow_ups.done_count("Acme Coffee", NOW, NOW + timedelta(days=7)) == 1
    assert follow_ups.done_count("Acme Coffee", NOW + timedelta(days=1), NOW + timedelta(days=7)) == 0
    assert follow_ups.done_count("Other", NOW, NOW + timedelta(days=7)) == 0
