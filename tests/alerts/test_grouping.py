"""How a destination's waiting alerts become messages (issue 23): as many to a message as its form lists, a burst
packed so that it never takes the whole hour, SMS and push at most one a minute, on the injected clock, with the
reason stored. Pure decisions first, then the delivery worker against a real ntfy-style HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.delivery import GROUP_AT_LEAST, group
from alerts.policy import burst_budget, held_until
from alerts.render import shown_at_most
from monitor.clock import FixedClock
from monitor.storage.events import Events
from monitor.storage.outbox import OutboxRow
from tests.apps import close, deliver, make_app
from tests.factories import make_mention
from tests.loopback import LoopbackServer, Reply

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def row(n: int, *, mention: bool = True, key: str | None = None) -> OutboxRow:
    return OutboxRow(
        id=n,
        key=f"k{n}",
        destination="owner",
        rule="bad review" if mention else "notice",
        mention_id=n if mention else None,
        priority="normal",
        reason="",
        subject=None,
        body=None,
        created_at=NOW,
        due_at=NOW,
        state="pending",
        attempts=0,
        last_error=None,
        send_key=key,
    )


def sizes(batches: list[list[OutboxRow]]) -> list[int]:
    return [len(b) for b in batches]


# --- pure decisions ------------------------------------------------------------------------------------------------


def test_each_form_groups_as_many_as_it_lists_and_never_fewer_than_25() -> None:
    assert {c: max(GROUP_AT_LEAST, shown_at_most(c)) for c in ("email", "webhook", "slack", "sms")} == {
        "email": 100,
        "webhook": 50,
        "slack": 25,
        "sms": 25,
    }


@pytest.mark.parametrize(
    ("alerts", "budget", "expected"),
    [
        (120, 10, [50, 50, 20]),  # fits: unchanged
        (1000, 10, [50] * 9 + [550]),  # packed: nine full, the tenth lists 50 and counts 500
        (1000, 1, [1000]),  # one message left: all in it
        (30, 0, [30]),  # rate-limited: grouped as usual, the rate limit holds it
    ],
)
def test_a_burst_is_packed_into_the_messages_it_may_take(alerts: int, budget: int, expected: list[int]) -> None:
    batches = group([row(n) for n in range(1, alerts + 1)], size=50, messages=budget)
    assert sizes(batches) == expected
    assert [r.id for b in batches for r in b] == list(range(1, alerts + 1))  # each once, in order


def test_messages_already_put_together_go_first_as_they_were_and_notices_are_never_packed() -> None:
    claimed = [row(1, key="mm-a"), row(2, key="mm-a"), row(3, key="mm-b")]
    notices = [row(4, mention=False), row(5, mention=False)]
    fresh = [row(n) for n in range(6, 206)]
    batches = group([*claimed, *notices, *fresh], size=50, messages=6)
    # 2 resent + 2 notices (each its own message) leave 2 messages for 200 alerts: 50, then the other 150
    assert [[r.id for r in b] for b in batches[:2]] == [[1, 2], [3]]
    assert [sum(r.mention_id is not None for r in b) for b in batches[2:]] == [50, 150]
    assert [r.id for r in batches[2][:2]] == [4, 5]


@pytest.mark.parametrize(
    ("sent", "channel", "expected"),
    [
        (0, "email", 10),
        (10, "email", 5),
        (15, "webhook", 3),
        (19, "webhook", 1),
        (20, "webhook", 1),  # none left: one message, which the rate limit then holds
        (0, "sms", 1),
        (0, "push", 1),
    ],
)
def test_a_burst_takes_at_most_half_of_what_the_hour_has_left(sent: int, channel: str, expected: int) -> None:
    recent = [NOW - timedelta(minutes=50) + n * timedelta(seconds=10) for n in range(sent)]
    assert burst_budget(recent, 20, channel, NOW) == expected


def test_sms_and_push_wait_a_minute_after_the_last_message_email_does_not() -> None:
    last = [NOW - timedelta(seconds=20)]
    assert held_until(last, 20, "email", NOW) is None
    assert held_until(last, 20, "webhook", NOW) is None
    assert held_until(last, 20, "sms", NOW) == (NOW + timedelta(seconds=40), "held: one SMS every 1m at most")
    assert held_until(last, 20, "push", NOW) == (
        NOW + timedelta(seconds=40),
        "held: one push notification every 1m at most",
    )
    assert held_until([NOW - MINUTE], 20, "sms", NOW) is None
    full = [NOW - timedelta(minutes=30)] * 20
    assert held_until(full, 20, "sms", NOW) == (NOW + timedelta(minutes=30), "held: rate limit of 20 messages an hour")


# --- the worker, against a real HTTP server ------------------------------------------------------------------------


def test_a_burst_to_a_phone_is_one_push_and_the_next_waits_a_minute_with_its_reason(
    tmp_path: Path, server: LoopbackServer
) -> None:
    server.route("/", Reply(200, b'{"id": "1"}', {"Content-Type": "application/json"}))
    clock = FixedClock(NOW)
    body = f"""
[[brands]]
name = "Acme Coffee"

[destinations]
phone = {{ url = "ntfy://127.0.0.1:{server.port}/acme", group_wait = "0s" }}

[[rules]]
name = "bad review"
when = "rating <= 2"
notify = ["phone"]
"""
    app = make_app(tmp_path, body, clock)

    def queue(first: int, count: int) -> None:
        now = clock.now()
        with app.db.transaction():
            for n in range(first, first + count):
                m = app.pipeline.mentions.insert(
                    make_mention(None, external_id=f"c{n}", fingerprint=f"c{n}", title=f"Complaint {n}", fetched_at=now)
                )
                assert m.id is not None
                app.deliverer.outbox.enqueue(
                    f"{m.id}:bad review:phone", destination="phone", rule="bad review", mention_id=m.id, now=now,
                    due_at=now, reason="rating 1 <= 2",
                )  # fmt: skip

    try:
        queue(0, 40)
        deliver(app)
        pushes = [json.loads(r.body) for r in server.requests]
        assert len(pushes) == 1  # forty complaints: one push, not eight
        assert "+35 more — list them: mention-monitor mentions list --status alerted" in pushes[0]["message"]
        assert app.deliverer.outbox.depth() == {"sent": 40}
        clock.advance(timedelta(seconds=20))
        queue(40, 1)
        deliver(app)
        assert len(server.requests) == 1  # twenty seconds after the last push: it waits
        held = {e.reason for e in Events(app.db).recent("held", NOW)}
        assert held == {"held: one push notification every 1m at most"}
        [waiting] = app.deliverer.outbox.pending("phone")
        assert waiting.due_at == NOW + MINUTE
        clock.advance(timedelta(seconds=40))
        deliver(app)
    finally:
        close(app)
    assert len(server.requests) == 2
    assert f"mention-monitor ack {waiting.mention_id}" in json.loads(server.requests[1].body)["message"]
