"""Spike rules: "more negative mentions in the last hour than usual" — one alert per storm.

A spike fires for a brand when, within `window`, at least `min_count` mentions match `when` and their count is at
least `factor` times the brand's usual count for such a window (the mean over the trailing `baseline`). After it
fires, `cooldown` must pass before it can fire again, so one storm is one alert.

Defaults (documented in monitor.toml): window 1h, baseline 7d, factor 3, min_count 5, cooldown 6h.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config import Config, Destination
from monitor.durations import format_duration
from monitor.errors import ConfigError
from monitor.model import Mention
from monitor.storage.database import Database, to_db
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from monitor.storage.spikes import Spikes
from rules.expressions import Condition, ExpressionError, compile_condition, mention_fields


@dataclass(frozen=True)
class SpikeRule:
    name: str
    condition: Condition
    notify: tuple[str, ...]
    priority: str
    window: timedelta
    baseline: timedelta
    factor: float
    min_count: int
    cooldown: timedelta


@dataclass(frozen=True)
class SpikeVerdict:
    fire: bool
    count: int
    usual: float
    reason: str


def compile_spikes(config: Config) -> tuple[SpikeRule, ...]:
    out = []
    for rule in config.rules:
        if rule.kind != "spike":
            continue
        try:
            condition = compile_condition(rule.when)
        except ExpressionError as exc:
            raise ConfigError(f"{config.path}: [[rules]] {rule.name!r}: key 'when': {exc}") from None
        if rule.baseline < rule.window * 2:
            raise ConfigError(f"{config.path}: [[rules]] {rule.name!r}: key 'baseline' must be at least twice 'window'")
        out.append(
            SpikeRule(
                rule.name,
                condition,
                tuple(rule.notify),
                rule.priority,
                rule.window,
                rule.baseline,
                rule.factor,
                rule.min_count,
                rule.cooldown,
            )
        )
    return tuple(out)


def judge(rule: SpikeRule, mentions: list[Mention], now: datetime, last_fired: datetime | None) -> SpikeVerdict:
    """Pure: does this brand's history (matching mentions in the baseline + window) make a spike now?"""
    start = now - rule.window
    recent = [m for m in mentions if start <= m.published_at <= now]
    earlier = [m for m in mentions if now - rule.window - rule.baseline <= m.published_at < start]
    usual = len(earlier) / (rule.baseline / rule.window)
    count = len(recent)
    if count < rule.min_count:
        return SpikeVerdict(False, count, usual, f"{count} < min_count {rule.min_count}")
    if count < rule.factor * usual:
        return SpikeVerdict(False, count, usual, f"{count} is less than {rule.factor:g}x the usual {usual:.1f}")
    if last_fired is not None and now - last_fired < rule.cooldown:
        return SpikeVerdict(False, count, usual, f"suppressed: cool-down since {last_fired.isoformat()}")
    return SpikeVerdict(
        True,
        count,
        usual,
        f"{count} matching mentions in the last {format_duration(rule.window)}, usually {usual:.1f} "
        f"({rule.factor:g}x threshold)",
    )


class SpikeWatcher:
    def __init__(
        self,
        rules: tuple[SpikeRule, ...],
        *,
        brands: list[str],
        destinations: dict[str, Destination],
        db: Database,
    ) -> None:
        self.rules = rules
        self.brands = brands
        self.destinations = destinations
        self.db = db
        self.mentions = Mentions(db)
        self.outbox = Outbox(db)
        self.events = Events(db)
        self.spikes = Spikes(db)

    def check(self, now: datetime) -> int:
        fired = 0
        for rule in self.rules:
            since = now - rule.window - rule.baseline
            for brand in self.brands:
                history = [
                    m
                    for m in self.mentions.list(since=since, brand=brand)
                    if rule.condition.evaluate(mention_fields(m))
                ]
                verdict = judge(rule, history, now, self.spikes.last_fired(rule.name, brand))
                if not verdict.fire:
                    continue
                with self.db.transaction():
                    self.spikes.fired(rule.name, brand, now)
                    self.events.add("spike", at=now, rule=rule.name, reason=f"{brand}: {verdict.reason}")
                    for dest in rule.notify:
                        self.outbox.enqueue(
                            f"spike:{rule.name}:{brand}:{to_db(now)}:{dest}",
                            destination=dest,
                            rule=rule.name,
                            now=now,
                            due_at=now,
                            priority=rule.priority,
                            reason=verdict.reason,
                            subject=f"Spike for {brand}: {verdict.count} mentions in {format_duration(rule.window)}",
                            body=f"Rule {rule.name!r}: {verdict.reason}.\n"
                            "See: mention-monitor mentions list --since 1d",
                        )
                fired += 1
        return fired
