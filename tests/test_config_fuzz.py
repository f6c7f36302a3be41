"""Config fuzzing (issue 18): a monitor.toml with odd values either loads or is refused with a ConfigError that names
the file (the CLI's exit 2), never another exception; and a config that `check` accepts (the same load +
`check_to_run` the `check` and `run` commands call) also builds the daemon's app and survives what the daemon does
with its values first (timers, schedules, quiet hours, the promise's deadlines, the web listener's address).

Documents are a valid skeleton with a few mutations (a value replaced by a string, a huge or negative number, a
wrong type, an odd time of day or duration, unicode, a nested table; a key removed or added; an entry repeated),
plus raw texts (deep nesting, broken TOML, bytes that are not UTF-8). Deterministic (derandomize), offline.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import math
import random
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from alerts.policy import quiet_until
from alerts.render import Message
from monitor.clock import FixedClock
from monitor.config import Config
from monitor.durations import parse_duration
from monitor.errors import ConfigError
from monitor.service.app import App, build, check_to_run, load, scorer_for
from monitor.service.daemon import timers
from monitor.service.scheduler import next_check_after_failure, next_check_after_success
from monitor.service.web.server import split_listen
from monitor.storage import open_database

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
ENV = {"INBOX_SECRET": "a-secret-of-32-characters-long!!"}

SKELETON: dict[str, Any] = {
    "monitor": {
        "database": "monitor.db",
        "timezone": "Asia/Tokyo",
        "default_interval": "15m",
        "user_agent": "mention-monitor test (+mailto:owner@example.com)",
        "max_body_bytes": 1048576,
        "request_deadline": "5s",
        "per_host_limit": 2,
        "max_backoff": "6h",
        "alert_max_age": "7d",
        "log_level": "info",
    },
    "brands": [
        {"name": "Acme Coffee", "terms": ["Acme Coffee", "@acmecoffee"], "exclude": ["Acme Corp"], "context": ["cafe"]},
        {"name": "Bean There", "terms": ["Bean There Cafe"], "role": "competitor"},
    ],
    "sources": [
        {"name": "blog", "kind": "rss", "url": "http://127.0.0.1:9/feed", "interval": "10m"},
        {
            "name": "store",
            "kind": "appstore",
            "app_id": "1234567890",
            "country": "jp",
            "brand": "Acme Coffee",
            "base_url": "http://127.0.0.1:9",
        },
        {"name": "page", "kind": "reviews", "url": "https://reviews.example.com/acme", "rating_scale": 5.0},
    ],
    "destinations": {
        "phone": {
            "url": "json://127.0.0.1:9/hook",
            "group_wait": "30s",
            "rate_limit": 10,
            "quiet_hours": {"start": "22:00", "end": "07:00"},
        },
        "mail": "mailto://owner:pw@127.0.0.1:9?to=owner@example.com&from=monitor@example.com",
    },
    "rules": [
        {"name": "bad review", "when": "sentiment <= -0.5 or rating <= 2", "notify": ["phone"], "priority": "high"},
        {
            "name": "late",
            "when": "label == 'negative'",
            "notify": ["phone"],
            "unanswered_after": "within",
            "escalate_after": "4h",
        },
        {
            "name": "storm",
            "kind": "spike",
            "when": "label == 'negative'",
            "notify": ["mail"],
            "window": "1h",
            "baseline": "7d",
            "factor": 3.0,
            "min_count": 5,
            "cooldown": "6h",
        },
    ],
    "digest": {"schedule": "mon 08:00", "period": "7d", "notify": ["mail"]},
    "response": {
        "within": "4h",
        "business_hours": {"mon-fri": "09:00-18:00", "sat": "10:00-12:00, 13:00-16:00"},
        "holidays": [date(2026, 12, 25)],
        "follow_up_after": "3d",
        "follow_up_notify": ["phone"],
    },
    "web": {
        "listen": "127.0.0.1:8787",
        "public_url": "https://inbox.example.com",
        "secret": "${INBOX_SECRET}",
        "link_ttl": "14d",
        "session_ttl": "12h",
    },
    "sentiment": {"backend": "light", "negative_threshold": 0.3},
    "aspects": {"waiting": ["took ages"]},
}

# ------------------------------------------------------------------------------------------------------ values
# Each strategy lists its most suspicious values first: hypothesis tries the simplest choice first, so every key's
# first example is its worst boundary (a zero duration, a port past 65535, hour 24).

_UNITS = st.sampled_from(["s", "m", "h", "d", "w", "", "x", " d"])
_DURATIONS = st.one_of(
    st.sampled_from(
        [
            "0s",
            "999999999999d",
            "1s",
            "59s",
            "1m",
            "-1s",
            "1h30m",
            "0.5s",
            "1e3s",
            "36500d",
            "36501d",
            "999999999999d",
            "9" * 400 + "d",
            "within",
            "WITHIN",
            "4h business",
            "0s business",
            "366d business",
            "999999999999d business",
            "",
            " ",
        ]
    ),
    st.builds(lambda n, unit: f"{n}{unit}", st.integers(0, 10**15), _UNITS),
    st.builds(lambda x, unit: f"{x}{unit}", st.floats(0, 1e6, allow_nan=False), _UNITS),
)
_CLOCKS = st.one_of(
    st.sampled_from(["25:00", "07:99", "24:00", "7:5", "07:30:00", "noon", "", "٠٧:٣٠"]),
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 99), st.integers(0, 99)),
    st.times(),
)
_RANGES = st.one_of(
    st.builds(
        lambda a, b: f"{a}-{b}", _CLOCKS.filter(lambda c: isinstance(c, str)), st.sampled_from(["18:00", "24:00"])
    ),
    st.sampled_from(["closed", "09:00-09:01", "00:00-24:00", "18:00-09:00", "09:00-12:00, 11:00-13:00", "9-5"]),
)
_WEEKS = st.dictionaries(
    st.sampled_from(["mon", "tue", "sat", "sun", "mon-fri", "fri-mon", "mon-sun", "xyz", "MON"]), _RANGES, max_size=3
)
_TEXT = st.text(max_size=40)
_INTS = st.one_of(
    st.sampled_from([0, 10**30, -1, 1, 1023, 1024, 10_000, 10_001, 2**28, 2**28 + 1, 10**9, 2**63 - 1]),
    st.integers(-(2**63), 2**63 - 1),
)
_FLOATS = st.one_of(st.sampled_from([0.0, math.inf, math.nan, -1.0, 1e308]), st.floats())
_SCALARS = st.one_of(_TEXT, _INTS, _FLOATS, st.booleans(), st.dates(), st.times(), _DURATIONS, _CLOCKS)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3))

# Values that say something about one key, tried as often as anything else there.
_FOR_KEY: dict[str, st.SearchStrategy[Any]] = {
    "start": _CLOCKS,
    "end": _CLOCKS,
    "business_hours": _WEEKS,
    "quiet_hours": st.one_of(st.just("closed"), st.fixed_dictionaries({"start": _CLOCKS, "end": _CLOCKS}), _TEXT),
    "listen": st.builds(
        lambda host, port: f"{host}:{port}",
        st.sampled_from(["127.0.0.1", "0.0.0.0", "localhost", "[::1]", "a\x00b"]),
        st.sampled_from([70000, 0, 1, 8787, 65535, 65536, 99999, 10**6]),
    ),
    "url": st.sampled_from(
        [
            "file:///etc/passwd",
            "http://",
            "https://x.example/feed",
            "ftp://x.example/",
            "gopher://x",
            "javascript:alert(1)",
            "json://127.0.0.1:9/other",
            "nosuchscheme://x",
            "${NOT_SET}",
        ]
    ),
    "public_url": st.sampled_from(["https://x.example", "http://", "ftp://x", "https://ä.example/inbox"]),
    "timezone": st.sampled_from(["UTC", "Europe/Paris", "Nowhere/City", "../../etc/passwd", "", "utc", "Etc/GMT+14"]),
    "database": st.sampled_from(["", "x.db", "sqlite:///x.db", "mysql://h/db", "a\x00b", ":memory:", "postgres:/"]),
    "schedule": st.one_of(
        st.sampled_from(["daily 25:00", "mon 08:00", "funday 08:00", "0 8 30 2 *", "0 8 29 2 *", "* * * * *", "0 8"]),
        _CLOCKS,
    ),
    "when": st.sampled_from(["true", "rating <= ", "sentiment < -2", "__import__('os')", "label == 'negative'", ""]),
    "kind": st.sampled_from(["rss", "spike", "mention", "appstore", "yelp", "nope", ""]),
    "notify": st.lists(st.sampled_from(["phone", "mail", "nobody", ""]), max_size=3),
    "user_agent": st.sampled_from(["café bot", "a\nb", "", " ", "x" * 600, "ok/1.0"]),
    "max_body_bytes": _INTS,
    "holidays": st.lists(st.one_of(st.dates(), _TEXT), max_size=3),
}


def like(original: Any) -> st.SearchStrategy[Any]:
    """A value of the same type as the skeleton's, but odd."""
    if isinstance(original, bool):
        return st.booleans()
    if isinstance(original, int):
        return _INTS
    if isinstance(original, float):
        return _FLOATS
    if isinstance(original, str):
        return st.one_of(_TEXT, _DURATIONS, _CLOCKS, st.just(original.upper()), st.just(original + "\x00"))
    if isinstance(original, date):
        return st.dates()
    if isinstance(original, list):
        return st.lists(like(original[0]) if original else _SCALARS, max_size=3)
    return st.dictionaries(_TEXT, _SCALARS, max_size=2)


def is_duration(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return value == "within" or bool(parse_duration(value))
    except ValueError:
        return False


def value_for(key: str, original: Any, *, wild: bool = True) -> st.SearchStrategy[Any]:
    """Values that are nearly right for this key (an odd duration, time, number or URL, the same type as the
    skeleton's); when `wild`, now and then anything at all."""
    special = [s for s in (_FOR_KEY.get(key), _DURATIONS if is_duration(original) else None) if s is not None]
    return st.one_of(*special, *special, like(original), *([_VALUES] if wild else []))


# ---------------------------------------------------------------------------------------------------- documents

Path_ = tuple[str | int, ...]


def nodes(tree: Any, at: Path_ = ()) -> Iterator[Path_]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield (*at, key)
            yield from nodes(value, (*at, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield (*at, index)
            yield from nodes(value, (*at, index))


def parent_of(tree: Any, path: Path_) -> Any:
    for step in path[:-1]:
        tree = tree[step]
    return tree


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and bool(value) and isinstance(value[0], dict))


# Every key of the skeleton that holds a value rather than tables, as a path: ("destinations", "phone",
# "quiet_hours", "start"). Whole tables are replaced and removed by `mutated`.
KEYS = [
    path
    for path in nodes(SKELETON)
    if isinstance(path[-1], str) and (path[-1] in _FOR_KEY or not _is_table(parent_of(SKELETON, path)[path[-1]]))
]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """The skeleton with one to four changes anywhere: a value replaced, a key removed or added, an entry repeated."""
    doc = copy.deepcopy(SKELETON)
    pick = draw(st.randoms(use_true_random=False))  # every key as likely as another (sampled_from favours the first)
    for _ in range(draw(st.sampled_from([1, 2, 2, 3, 4]))):
        path = pick.choice(list(nodes(doc)))
        parent, last = parent_of(doc, path), path[-1]
        op = draw(st.sampled_from(["set", "set", "set", "set", "delete", "add", "repeat"]))
        if op == "set":
            key = last if isinstance(last, str) else str(path[-2]) if len(path) > 1 else ""
            parent[last] = draw(value_for(key, parent[last]))
        elif op == "delete":
            del parent[last]
        elif op == "add" and isinstance(parent[last], dict):
            parent[last][draw(_TEXT)] = draw(_VALUES)
        elif op == "repeat" and isinstance(parent[last], list) and parent[last]:
            parent[last].append(copy.deepcopy(parent[last][0]))  # the same name twice
    return doc


def toml_string(text: str) -> str:
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{toml_string(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(doc: dict[str, Any]) -> bytes:
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in doc.items()).encode("utf-8")


_RAW = st.one_of(
    st.builds(lambda n: ("monitor = { timezone = " + "[" * n + "]" * n + " }\n").encode(), st.integers(1, 20_000)),
    st.builds(lambda n: ("aspects = " + "{ a = " * n + "1" + " }" * n + "\n").encode(), st.integers(1, 5_000)),
    st.sampled_from(
        [
            b"",
            b"[monitor]\n[monitor]\n",
            b"[[sources]]\nname = 1\n",
            b"sources = 3\n",
            b"destinations = [1, 2]\n",
            b"\xef\xbb\xbf[monitor]\n",
            b"\xff\xfe[monitor]\n",
            b"[monitor\n",
            b'monitor = "x"\n',
        ]
    ),
    st.binary(max_size=60),
    st.text(max_size=60).map(lambda t: t.encode("utf-8")),
)
DOCUMENTS = st.one_of(*[mutated().map(toml_document)] * 4, _RAW)  # a raw text one time in five


# ------------------------------------------------------------------------------------------------ the property


@dataclass(frozen=True)
class Accepted:
    ok: bool = True
    retryable: bool = False
    detail: str = "accepted"


class Recorder:
    """A destination that accepts everything: nothing leaves the machine."""

    channel = "webhook"

    def send(self, message: Message, *, attachments: Any = ()) -> Accepted:
        return Accepted()


_SCORERS: dict[Any, Any] = {}


@functools.cache
def empty_database() -> bytes:
    """A migrated, empty SQLite database, made once: each example starts from a copy (migrating a new one costs more
    than loading and checking a whole config)."""
    with tempfile.TemporaryDirectory() as name:
        open_database(str(Path(name) / "monitor.db")).close()
        return (Path(name) / "monitor.db").read_bytes()


def the_daemon_starts(config: Config, folder: Path) -> None:
    """What `run` does with an accepted config before and while it serves: build the app, then use its values."""
    clock = FixedClock(NOW)
    checked = check_to_run(config, clock)
    key = config.sentiment
    scorer = _SCORERS.get(key) or _SCORERS.setdefault(key, scorer_for(config))
    senders = {name: Recorder() for name in config.destinations}
    (folder / "monitor.db").write_bytes(empty_database())
    app = build(checked, clock, db=open_database(str(folder / "monitor.db")), scorer=scorer, senders=senders)
    try:
        use(app)
    finally:
        asyncio.run(app.aclose())


def use(app: App) -> None:
    config, now, rng = app.config, NOW, random.Random(0)
    asyncio.run(timers(app, flush=False))  # escalations (the promise's clocks), spikes, digest schedule, delivery
    for source in app.checked.sources:
        interval = app.interval(source)
        assert next_check_after_success(now, interval, rng) > now
        assert next_check_after_failure(now, interval, 30, config.monitor.max_backoff, rng) > now
    promise = config.promise
    for destination in config.destinations.values():
        quiet_until(destination.quiet_hours, now, config.monitor.zone, promise.hours)
    assert promise.deadline(now) >= now >= promise.due_since(now)
    for rule in app.checked.rules:
        for _, clock in rule.steps():  # each escalation step's deadline, and the pass that looks for due ones
            assert clock.deadline(now) >= now >= clock.due_since(now)
    if config.web is not None:
        _, port = split_listen(config.web.listen)
        assert 0 <= port <= 65535, config.web.listen


def verdict(text: bytes) -> str:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "monitor.toml"
        path.write_bytes(text)
        try:
            the_daemon_starts(load(path, environ=ENV), folder)
            return "daemon starts"
        except ConfigError as exc:
            assert str(path) in str(exc), f"the message names no file: {exc}"
            return f"refused: {exc}"


def test_the_skeleton_itself_is_accepted() -> None:
    assert verdict(toml_document(SKELETON)) == "daemon starts"


FUZZ = settings(
    deadline=None,
    derandomize=True,  # the same examples on every run and machine
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(FUZZ, max_examples=100)
@given(DOCUMENTS)
def test_any_document_is_refused_with_its_file_named_or_the_daemon_starts_with_it(text: bytes) -> None:
    event(verdict(text).split(":")[0])  # --hypothesis-show-statistics: how many got through to the daemon


@pytest.mark.parametrize("path", KEYS, ids=[".".join(map(str, p)) for p in KEYS])
@settings(FUZZ, max_examples=4)
@given(data=st.data())
def test_one_odd_value_in_any_key_is_refused_naming_it_or_the_daemon_starts_with_it(
    path: Path_, data: st.DataObject
) -> None:
    """One change at a time, near the right type, so that most get past the schema and reach the daemon: each key's
    odd values meet the code that uses them."""
    doc = copy.deepcopy(SKELETON)
    parent = parent_of(doc, path)
    parent[path[-1]] = data.draw(value_for(str(path[-1]), parent[path[-1]], wild=False))
    outcome = verdict(toml_document(doc))
    event(outcome.split(":")[0])
    assert outcome == "daemon starts" or re.search(r"key '[^']+'|\[\[?[a-z]+\]\]?", outcome), outcome
