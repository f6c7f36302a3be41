"""The response promise's clock (monitor/hours.py): a café's week, a holiday, both daylight-saving changes, and the
inverse the escalation timer asks storage with."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.hours import BusinessHours, Delay, Promise, parse_delay, parse_week

PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
# The café: weekdays 09:00-18:00, Saturday 10:00-16:00, closed on Sunday.
CAFE = parse_week({"mon-fri": "09:00-18:00", "sat": "10:00-16:00"})
HOUR = timedelta(hours=1)


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


def cafe(zone: ZoneInfo = PARIS, *holidays: date) -> BusinessHours:
    return BusinessHours(zone, CAFE, frozenset(holidays))


def test_a_saturday_night_complaint_is_due_at_monday_opening_plus_within() -> None:
    promise = Promise(HOUR, cafe())
    saturday_night = local(PARIS, 2026, 11, 14, 22, 0)
    assert promise.deadline(saturday_night) == local(PARIS, 2026, 11, 16, 10, 0)
    # The same complaint by the wall clock: due on Saturday at 23:00, when nobody is there.
    assert Promise(HOUR).deadline(saturday_night) == local(PARIS, 2026, 11, 14, 23, 0)


def test_the_clock_runs_only_while_open_across_days() -> None:
    promise = Promise(timedelta(hours=24), cafe())
    # Seen Thursday 17:00: 1 h Thursday, 9 h Friday, 6 h Saturday, 8 h Monday -> Monday 17:00.
    assert promise.deadline(local(PARIS, 2026, 11, 12, 17, 0)) == local(PARIS, 2026, 11, 16, 17, 0)
    # Seen while open, in the middle of a day: within the same day.
    assert Promise(2 * HOUR, cafe()).deadline(local(PARIS, 2026, 11, 16, 11, 30)) == local(PARIS, 2026, 11, 16, 13, 30)


def test_a_deadline_on_the_closing_time_is_that_closing_time() -> None:
    assert Promise(HOUR, cafe()).deadline(local(PARIS, 2026, 11, 13, 17, 0)) == local(PARIS, 2026, 11, 13, 18, 0)


def test_a_holiday_is_a_closed_day() -> None:
    christmas = cafe(PARIS, date(2026, 12, 25))  # a Friday
    seen = local(PARIS, 2026, 12, 24, 17, 30)
    assert Promise(HOUR, christmas).deadline(seen) == local(PARIS, 2026, 12, 26, 10, 30)  # Saturday
    assert Promise(HOUR, cafe()).deadline(seen) == local(PARIS, 2026, 12, 25, 9, 30)
    monday_holiday = cafe(PARIS, date(2026, 11, 16))
    assert Promise(HOUR, monday_holiday).deadline(local(PARIS, 2026, 11, 14, 22, 0)) == local(
        PARIS, 2026, 11, 17, 10, 0
    )


def test_opening_times_stay_local_across_both_daylight_saving_changes() -> None:
    promise = Promise(HOUR, cafe(BERLIN))
    # Clocks go forward on Sunday 29 March 2026: seen Saturday 22:00 CET (UTC+1), due Monday 10:00 CEST (UTC+2).
    due = promise.deadline(local(BERLIN, 2026, 3, 28, 22, 0))
    assert due == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert due.astimezone(BERLIN).hour == 10
    # Clocks go back on Sunday 25 October 2026: seen Saturday 22:00 CEST, due Monday 10:00 CET (UTC+1).
    due = promise.deadline(local(BERLIN, 2026, 10, 24, 22, 0))
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert due.astimezone(BERLIN).hour == 10


def test_open_time_is_real_time_on_the_day_the_clocks_change() -> None:
    """Open around the clock, business time is wall time: 24 h after Sunday 00:00 on the short day is Monday
    01:00 local, not Monday 00:00."""
    always = BusinessHours(BERLIN, parse_week({"mon-sun": "00:00-24:00"}))
    seen = local(BERLIN, 2026, 3, 29, 0, 0)
    promise = Promise(timedelta(hours=24), always)
    assert promise.deadline(seen) == seen.astimezone(UTC) + timedelta(hours=24) == local(BERLIN, 2026, 3, 30, 1, 0)
    assert always.open_time(seen, local(BERLIN, 2026, 3, 30, 0, 0)) == timedelta(hours=23)
    autumn = local(BERLIN, 2026, 10, 25, 0, 0)
    assert (
        promise.deadline(autumn) == autumn.astimezone(UTC) + timedelta(hours=24) == local(BERLIN, 2026, 10, 25, 23, 0)
    )


def test_without_business_hours_the_promise_is_the_wall_clock() -> None:
    seen = local(TOKYO, 2026, 11, 14, 22, 0)
    assert Promise().deadline(seen) == seen + timedelta(hours=24)
    assert Promise().due_since(seen) == seen - timedelta(hours=24)


@pytest.mark.parametrize(
    "within", [timedelta(minutes=1), HOUR, timedelta(hours=9), timedelta(hours=24), timedelta(days=20)]
)
@pytest.mark.parametrize("zone", [PARIS, BERLIN, TOKYO, ZoneInfo("America/New_York")])
def test_due_since_is_exactly_the_inverse_of_the_deadline(within: timedelta, zone: ZoneInfo) -> None:
    """What the escalation timer asks storage for: the mentions first seen at or before `due_since(now)` are exactly
    those whose deadline has come."""
    promise = Promise(within, cafe(zone, date(2026, 3, 30), date(2026, 11, 2)))
    rng = random.Random(f"{within}{zone.key}")
    start = datetime(2026, 3, 20, tzinfo=UTC)
    for _ in range(150):
        now = start + timedelta(minutes=rng.randrange(0, 300 * 24 * 60))
        edge = promise.due_since(now)
        assert promise.deadline(edge) <= now
        assert promise.deadline(edge + timedelta(microseconds=1)) > now
        seen = now - timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        assert (promise.deadline(seen) <= now) == (seen <= edge)


def test_the_deadline_never_moves_earlier_when_first_seen_moves_later() -> None:
    """So the inbox may keep sorting by first seen."""
    promise = Promise(3 * HOUR, cafe(BERLIN, date(2026, 3, 30)))
    seen = [datetime(2026, 3, 25, tzinfo=UTC) + timedelta(minutes=17 * i) for i in range(1500)]
    deadlines = [promise.deadline(s) for s in seen]
    assert deadlines == sorted(deadlines)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"mon": "18:00-09:00"}, "closes before it opens; a range past midnight is written as two"),
        ({"mon-fri": "9-5"}, "'9-5' is not a range of hours"),
        ({"mon": "09:00-25:00"}, "times of day go from 00:00 to 23:59 (24:00 only to close)"),
        ({"monday": "09:00-18:00"}, "'monday' is not a day or a range of days"),
        ({"mon-fri": "09:00-18:00", "fri": "10:00-12:00"}, "fri is listed twice"),
        ({"mon": "09:00-13:00, 12:00-18:00"}, "the ranges overlap"),
        ({"sun": "closed"}, "the business is open on no day"),
        ({}, "the business is open on no day"),
    ],
)
def test_a_bad_week_is_refused_with_what_is_wrong(table: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_week(table)


def test_a_week_with_a_lunch_break_a_late_night_and_a_weekend_range() -> None:
    week = parse_week({"tue-thu": "09:00-12:00, 13:00-18:00", "fri": "18:00-24:00", "sat-mon": "closed"})
    assert week[1] == week[3] == ((540, 720), (780, 1080))
    assert week[4] == ((1080, 1440),)
    assert week[5] == week[6] == week[0] == ()  # sat-mon wraps over the weekend


def test_delays_as_rules_write_them() -> None:
    assert parse_delay("24h") == Delay(timedelta(hours=24))
    assert parse_delay("within") == Delay(None, business=True)
    assert parse_delay("4h business") == Delay(timedelta(hours=4), business=True)
    assert str(parse_delay("4h business")) == "4h business" and str(parse_delay(" Within ")) == "within"
    promise = Promise(HOUR, cafe())
    assert parse_delay("within").clock(promise) == promise
    assert parse_delay("4h business").clock(promise) == Promise(4 * HOUR, promise.hours)
    assert parse_delay("4h").clock(promise) == Promise(4 * HOUR, None)
    for bad in ("1 day", "business", "0h", ""):
        with pytest.raises(ValueError, match=r"not a duration|longer than zero"):
            parse_delay(bad)
