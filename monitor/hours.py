"""Business hours and the response promise: when the answer to a mention is due. Pure: no clock, no storage.

    week = parse_week({"mon-fri": "09:00-18:00", "sat": "10:00-16:00"})
    hours = BusinessHours(ZoneInfo("Europe/Paris"), week, holidays=frozenset({date(2026, 12, 25)}))
    promise = Promise(timedelta(hours=1), hours)
    promise.deadline(first_seen)   # when the answer is due
    promise.due_since(now)         # the latest first-seen time whose deadline has come by `now`

The promise's clock runs only while the business is open. `within` is an amount of *open* time counted from the
moment the mention was first seen: seen while open, the clock starts at once; seen while closed, it starts at the
next opening; it stops at each closing and goes on at the next opening; the deadline is the instant the open time
since first seen reaches `within`. A 1-star review first seen on Saturday at 22:00 at a café that is closed on
Sunday and opens on Monday at 09:00 is, with `within = "1h"`, due on Monday at 10:00; with `within = "24h"` and
09:00-18:00 days, almost three working days later. A deadline that lands exactly on a closing time is that
closing time (not the next opening).

Opening and closing times are local wall-clock times in the configured time zone, read day by day, so they stay
09:00 across a daylight-saving change; open time is real elapsed time, so an open range that spans a change (a
"00:00-24:00" Sunday in March) holds one hour less (or more). A local time that does not exist on the day clocks
go forward is read with the offset before the change (02:30 becomes 03:30), and one that happens twice when they
go back is the first of the two (Python's zoneinfo, PEP 495). A holiday is a whole local day closed. A day not
listed in the week is closed.

Without business hours (`hours=None`) the promise is plain wall-clock time: first seen + `within`.

The deadline only moves later when first-seen does (it is monotonic), which is what lets storage keep sorting by
first-seen and lets `due_since` turn "whose deadline has come" into one indexed range of first-seen times.

`Delay` is how an "unanswered after" rule says when it fires: a wall-clock duration ("24h"), the promise itself
("within"), or an amount of business time ("4h business").
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.durations import DurationTooLong, format_duration, parse_duration

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
DEFAULT_WITHIN = timedelta(hours=24)

# One open range of a day, in minutes since local midnight: [open, close), close at most 24:00.
Range = tuple[int, int]
# The week, Monday first: each day's open ranges, in order, not overlapping.
Week = tuple[tuple[Range, ...], ...]

_DAY_KEY = re.compile(r"([a-z]{3})(?:\s*-\s*([a-z]{3}))?")
_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


def parse_week(table: Mapping[str, str]) -> Week:
    """`{"mon-fri": "09:00-18:00", "sat": "10:00-12:00, 13:00-16:00", "sun": "closed"}` -> the Week.

    Keys are a day (`mon`..`sun`) or a range of days (`mon-fri`; `fri-mon` wraps over the weekend); each day once.
    Values are ranges `HH:MM-HH:MM` (closing after opening, `24:00` for midnight at the end of the day), several
    separated by commas, or `closed`. A day not listed is closed. Raises ValueError saying what is wrong."""
    days: list[tuple[Range, ...] | None] = [None] * 7
    for key, value in table.items():
        if not isinstance(value, str):
            raise ValueError(f'{key}: write the hours as a string such as "09:00-18:00" (got {value!r})')
        ranges = _ranges(key, value)
        for index in _days(key):
            if days[index] is not None:
                raise ValueError(f"{DAYS[index]} is listed twice")
            days[index] = ranges
    week = tuple(d or () for d in days)
    if not any(week):
        raise ValueError('the business is open on no day: list at least one day\'s hours, e.g. mon-fri = "09:00-18:00"')
    return week


def _days(key: str) -> list[int]:
    match = _DAY_KEY.fullmatch(key.strip().lower())
    if match is None or match[1] not in DAYS or (match[2] is not None and match[2] not in DAYS):
        raise ValueError(f"{key!r} is not a day or a range of days (write mon, tue, wed, thu, fri, sat, sun, mon-fri)")
    first = DAYS.index(match[1])
    last = DAYS.index(match[2]) if match[2] else first
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _ranges(key: str, value: str) -> tuple[Range, ...]:
    if value.strip().lower() == "closed":
        return ()
    found: list[Range] = []
    for part in value.split(","):
        match = _RANGE.fullmatch(part.strip())
        if match is None:
            raise ValueError(f'{key}: {part.strip()!r} is not a range of hours (write e.g. "09:00-18:00")')
        opens, closes = _minute(match[1], match[2], end=False), _minute(match[3], match[4], end=True)
        if opens is None or closes is None:
            raise ValueError(f"{key}: {part.strip()!r}: times of day go from 00:00 to 23:59 (24:00 only to close)")
        if closes <= opens:
            raise ValueError(
                f"{key}: {part.strip()!r} closes before it opens; a range past midnight is written as two "
                '(fri = "18:00-24:00", sat = "00:00-02:00")'
            )
        found.append((opens, closes))
    found.sort()
    for (_, close), (opens, _) in itertools.pairwise(found):
        if opens < close:
            raise ValueError(f"{key}: {value!r}: the ranges overlap")
    return tuple(found)


def _minute(hours: str, minutes: str, *, end: bool) -> int | None:
    h, m = int(hours), int(minutes)
    if end and (h, m) == (24, 0):
        return DAY_MINUTES
    return h * 60 + m if h <= 23 and m <= 59 else None


def format_week(week: Week) -> str:
    """The week back in the config's words, days with the same hours joined: "mon-fri 09:00-18:00; sat ..."."""
    parts: list[str] = []
    index = 0
    while index < 7:
        last = index
        while last + 1 < 7 and week[last + 1] == week[index]:
            last += 1
        if week[index]:
            days = DAYS[index] if last == index else f"{DAYS[index]}-{DAYS[last]}"
            ranges = ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in week[index])
            parts.append(f"{days} {ranges}")
        index = last + 1
    return "; ".join(parts)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """When the business is open: the week's ranges in local time of `zone`, minus whole-day `holidays`."""

    zone: ZoneInfo
    week: Week
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.week) != 7 or not any(self.week):
            raise ValueError("business hours need seven days, at least one of them open")

    def open_ranges(self, day: date) -> list[tuple[datetime, datetime]]:
        """The local day's open ranges as UTC instants (none on a holiday)."""
        if day in self.holidays:
            return []
        found = []
        for opens, closes in self.week[day.weekday()]:
            start, end = self._instant(day, opens), self._instant(day, closes)
            if end > start:
                found.append((start, end))
        return found

    def _instant(self, day: date, minute: int) -> datetime:
        if minute >= DAY_MINUTES:
            day, minute = day + timedelta(days=1), minute - DAY_MINUTES
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)
        return local.astimezone(UTC)

    def opens_next(self, moment: datetime) -> datetime | None:
        """None when the business is open at `moment`; otherwise when it opens next (None if never within a year)."""
        moment = moment.astimezone(UTC)
        today = moment.astimezone(self.zone).date()
        for offset in range(-1, 370):  # from yesterday: a range may run past midnight
            for start, end in self.open_ranges(today + timedelta(days=offset)):
                if start <= moment < end:
                    return None
                if start > moment:
                    return start
        return None

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The instant at which `amount` of open time has passed since `start`."""
        start = start.astimezone(UTC)  # arithmetic in real time (an aware local datetime adds wall time)
        if amount <= timedelta(0):
            return start
        remaining = amount
        for day in self._days(start, amount, step=1):
            for opens, closes in self.open_ranges(day):
                if closes <= start:
                    continue
                opens = max(opens, start)
                if closes - opens >= remaining:
                    return opens + remaining
                remaining -= closes - opens
        raise AssertionError("unreachable: _days ends only after enough open time")  # pragma: no cover

    def subtract(self, end: datetime, amount: timedelta) -> datetime:
        """The latest instant from which `amount` of open time has passed by `end`: `add(s, amount) <= end` holds
        exactly for the instants `s <= subtract(end, amount)`."""
        end = end.astimezone(UTC)
        if amount <= timedelta(0):
            return end
        remaining = amount
        for day in self._days(end, amount, step=-1):
            for opens, closes in reversed(self.open_ranges(day)):
                if opens >= end:
                    continue
                closes = min(closes, end)
                if closes - opens >= remaining:
                    return closes - remaining
                remaining -= closes - opens
        raise AssertionError("unreachable: _days ends only after enough open time")  # pragma: no cover

    def open_time(self, start: datetime, end: datetime) -> timedelta:
        """How much open time lies between `start` and `end`."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta(0)
        if end <= start:
            return total
        day, last = start.astimezone(self.zone).date() - timedelta(days=1), end.astimezone(self.zone).date()
        while day <= last:
            for opens, closes in self.open_ranges(day):
                total += max(timedelta(0), min(closes, end) - max(opens, start))
            day += timedelta(days=1)
        return total

    def _days(self, moment: datetime, amount: timedelta, *, step: int) -> Iterator[date]:
        """Local days from the one holding `moment` (the day before, too: a DST quirk may push a range over
        midnight), forwards or backwards, for as long as `amount` of open time can take: bounded, so that a bug can
        never loop for ever."""
        weekly = sum((b - a for day in self.week for a, b in day), 0)
        weeks = int(amount.total_seconds() / 60 / weekly) + 2 + len(self.holidays)  # each holiday may cost a week
        limit = 7 * weeks + 2
        day = moment.astimezone(self.zone).date() - timedelta(days=step)
        for _ in range(limit):
            yield day
            day += timedelta(days=step)

    def describe(self) -> str:
        text = f"{format_week(self.week)} ({self.zone.key})"
        if self.holidays:
            text += f", {len(self.holidays)} holiday{'s' if len(self.holidays) != 1 else ''}"
        return text


def amount_words(delta: timedelta) -> str:
    """A duration as people write promises: "24h" and "48h" rather than "1d" and "2d"; "3d", "1h30m"."""
    hours = delta.total_seconds() / 3600
    return f"{int(hours)}h" if hours.is_integer() and 0 < hours < 72 else format_duration(delta)


@dataclass(frozen=True, slots=True)
class Promise:
    """The promise to customers: an answer `within` this long after first seeing the mention, counted in business
    hours when `hours` is given, else by the wall clock (see the module docstring)."""

    within: timedelta = DEFAULT_WITHIN
    hours: BusinessHours | None = None

    def deadline(self, first_seen: datetime) -> datetime:
        if self.hours is None:
            return first_seen.astimezone(UTC) + self.within
        return self.hours.add(first_seen, self.within)

    def due_since(self, now: datetime) -> datetime:
        """The latest first-seen time whose deadline has come by `now`: `deadline(s) <= now` exactly when
        `s <= due_since(now)`."""
        if self.hours is None:
            return now.astimezone(UTC) - self.within
        return self.hours.subtract(now, self.within)

    def longer(self, extra: timedelta) -> Promise:
        """The same clock, `extra` more of it (a second escalation step)."""
        return dataclasses.replace(self, within=self.within + extra)

    def describe(self) -> str:
        """ "24h", or "1h of business hours (mon-fri 09:00-18:00 (Asia/Tokyo))"."""
        amount = amount_words(self.within)
        return amount if self.hours is None else f"{amount} of business hours ({self.hours.describe()})"


@dataclass(frozen=True, slots=True)
class Delay:
    """When an "unanswered after" rule fires, counted from first seen: `amount` of wall-clock time, `amount` of
    business time (`business`), or, when `amount` is None, at the response promise's deadline."""

    amount: timedelta | None
    business: bool = False

    def clock(self, promise: Promise) -> Promise:
        """This delay as a Promise of its own, given the configured one (whose business hours it may use)."""
        if self.amount is None:
            return promise
        return Promise(self.amount, promise.hours if self.business else None)

    @property
    def needs_hours(self) -> bool:
        return self.business and self.amount is not None

    def __str__(self) -> str:
        if self.amount is None:
            return WITHIN
        return f"{amount_words(self.amount)}{' business' if self.business else ''}"


WITHIN = "within"
_BUSINESS = re.compile(r"(.+?)\s+business", re.IGNORECASE)


def parse_delay(text: str) -> Delay:
    """ "24h" -> wall clock; "within" -> the response deadline; "4h business" -> 4 hours of business time."""
    cleaned = text.strip()
    if cleaned.lower() == WITHIN:
        return Delay(None, business=True)
    business = _BUSINESS.fullmatch(cleaned)
    try:
        amount = parse_duration(business[1] if business else cleaned)
    except DurationTooLong:
        raise
    except ValueError:
        raise ValueError(
            f'{text!r} is not a duration (write e.g. "24h" by the clock, "4h business" in business hours, or '
            '"within" for the [response] deadline)'
        ) from None
    if amount <= timedelta(0):
        raise ValueError(f"{text!r}: the delay must be longer than zero")
    return Delay(amount, business=business is not None)
