"""An alert says when the answer is due, in the owner's time zone and as a phone would say it; an escalation whose
deadline has passed says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts.render import AlertItem, render
from tests.factories import make_mention

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY_9 = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo


@pytest.mark.parametrize(
    ("due", "said"),
    [
        (MONDAY_9 + timedelta(hours=1), "due by 10:00"),  # later today: the time alone
        (MONDAY_9 + timedelta(days=2, hours=1), "due by Wed 10:00"),  # this week: the day and the time
        (MONDAY_9 + timedelta(days=9), "due by Nov 25 09:00"),
        (MONDAY_9 - timedelta(days=2, hours=23), "past its deadline, due Fri 10:00"),  # an escalation, late
    ],
)
def test_every_channel_says_when_the_answer_is_due(due: datetime, said: str) -> None:
    item = AlertItem(make_mention(7), "bad review", "rating <= 2", due=due)
    for channel in ("sms", "push", "chat", "slack", "email"):
        message = render([item], channel, now=MONDAY_9, zone=TOKYO)
        assert said in message.body.replace("Due by", "due by").replace("Past its", "past its"), channel
    html = render([item], "email", now=MONDAY_9, zone=TOKYO).html
    assert html is not None and said[1:] in html


def test_without_a_due_time_nothing_is_said() -> None:
    message = render([AlertItem(make_mention(7), "any mention", "true")], "push", now=MONDAY_9, zone=TOKYO)
    assert "due" not in message.body
