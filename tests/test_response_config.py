"""[response] and the escalation keys of [[rules]] as monitor.toml says them: what a valid one means, and each mistake
with the message a user should see (file, table, key, what was expected)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.hours import Delay
from monitor.service.app import check, load
from rules.engine import compile_rules
from tests.test_config import BASE, error_of, write

RESPONSE = """
[response]
within = "1h"
business_hours = { mon-fri = "09:00-12:00, 13:00-18:00", sat = "10:00-16:00" }
holidays = [2026-12-25, "2027-01-01"]
follow_up_after = "3d"
follow_up_notify = ["phone"]
"""
ESCALATION = '\n[[rules]]\nname = "late"\nwhen = "true"\nnotify = ["phone"]\nunanswered_after = "within"\n'


def test_a_response_promise_and_its_rules_load(tmp_path: Path) -> None:
    text = BASE + ESCALATION + 'escalate_after = "4h"\n' + RESPONSE
    config = load(write(tmp_path, text), environ={})
    r = config.response
    assert r.within == timedelta(hours=1) and r.follow_up_after == timedelta(days=3)
    assert r.holidays == [date(2026, 12, 25), date(2027, 1, 1)] and r.follow_up_notify == ["phone"]
    assert r.business_hours is not None and r.business_hours[0] == ((540, 720), (780, 1080))
    promise = config.promise
    assert promise.hours is not None and promise.hours.zone.key == "Asia/Tokyo"
    # Saturday 2026-11-14 22:00 in Tokyo: due Monday 10:00 (09:00 + 1 h).
    assert promise.deadline(datetime(2026, 11, 14, 13, 0, tzinfo=UTC)) == datetime(2026, 11, 16, 1, 0, tzinfo=UTC)
    late = config.rules[1]
    assert late.unanswered_after == Delay(None, business=True) and late.escalate_after == timedelta(hours=4)
    (_, compiled) = compile_rules(config)
    assert compiled.clock == promise and compiled.unanswered_after == timedelta(hours=1)
    assert [step for step, _ in compiled.steps()] == ["deadline", "owner"]
    check(config)


def test_without_response_the_promise_is_a_day_by_the_wall_clock(tmp_path: Path) -> None:
    config = load(write(tmp_path, BASE + ESCALATION.replace('"within"', '"24h"')), environ={})
    assert config.promise.hours is None and config.promise.within == timedelta(hours=24)
    (_, compiled) = compile_rules(config)
    assert compiled.clock == config.promise and str(config.rules[1].unanswered_after) == "24h"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (RESPONSE.replace('"1h"', '"0s"'), "[response]: key 'within': must be longer than zero"),
        (RESPONSE.replace("within =", "withn ="), "[response]: unknown key 'withn' (did you mean 'within'?)"),
        (
            RESPONSE.replace('sat = "10:00-16:00"', 'sat = "16:00-10:00"'),
            "[response]: key 'business_hours': sat: '16:00-10:00' closes before it opens",
        ),
        (
            RESPONSE.replace("mon-fri =", "mon-fry ="),
            "[response]: key 'business_hours': 'mon-fry' is not a day or a range of days",
        ),
        (
            '\n[response]\nbusiness_hours = "09:00-18:00"\n',
            "[response]: key 'business_hours': write business hours as a table such as { mon-fri = ",
        ),
        ("\n[response]\nholidays = [2026-12-25]\n", "[response]: key 'holidays': holidays are closed days of"),
        (
            '\n[response]\nfollow_up_notify = ["phone"]\n',
            "[response]: key 'follow_up_notify': a reminder needs follow_up_after",
        ),
        (
            RESPONSE.replace('follow_up_notify = ["phone"]', 'follow_up_notify = ["phon"]'),
            "[response]: key 'follow_up_notify': no destination named 'phon' (did you mean 'phone'?)",
        ),
        (
            ESCALATION.replace('unanswered_after = "within"', 'escalate_after = "4h"'),
            "[[rules]] #2 ('late'): key 'escalate_after': the second step of an unanswered_after rule",
        ),
        (
            ESCALATION.replace('"within"', '"4h business"'),
            "[[rules]] 'late': key 'unanswered_after': '4h business' counts business hours, and [response] has no "
            "business_hours",
        ),
        (
            ESCALATION.replace('"within"', '"whenever"'),
            "[[rules]] #2 ('late'): key 'unanswered_after': 'whenever' is not a duration (write e.g. \"24h\" by the "
            'clock, "4h business" in business hours, or "within" for the [response] deadline)',
        ),
    ],
)
def test_each_mistake_names_the_table_and_key(tmp_path: Path, text: str, expected: str) -> None:
    message = error_of(tmp_path, BASE + text)
    assert str(tmp_path / "monitor.toml") in message
    assert expected in message


def test_check_says_the_promise_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, BASE + ESCALATION + RESPONSE)
    assert main(["--config", str(path), "check"]) == 0
    out = capsys.readouterr().out
    assert (
        "response: an answer within 1h of business hours (mon-fri 09:00-12:00, 13:00-18:00; sat 10:00-16:00 "
        "(Asia/Tokyo), 2 holidays); a resolved complaint back for a follow-up after 3d" in out
    )
    assert "late: when 'true' -> phone (normal, unanswered after within)" in out
