"""The rule engine: per-mention rules at ingest, "still unanswered after N hours" escalations on a timer.

Every decision is stored as an event with its reason; a match queues outbox rows (one per destination) in the
caller's transaction. Decisions are pure functions of the mention and `now` (`evaluate`), so `rules test` can replay
history through exactly the code the daemon runs, writing nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config import Config, Destination
from monitor.config import Rule as RuleConfig
from monitor.errors import ConfigError
from monitor.model import Mention
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from rules.expressions import Condition, ExpressionError, compile_condition, mention_fields

# Statuses at which an "unanswered" escalation still fires: nobody has acknowledged or answered yet.
ESCALATE_STATUSES = ("new", "alerted")
# How far back the escalation timer looks; older unanswered mentions were escalated long ago or never will be.
ESCALATION_HORIZON = timedelta(days=30)


@dataclass(frozen=True)
class CompiledRule:
    name: str
    condition: Condition
    notify: tuple[str, ...]
    priority: str
    unanswered_after: timedelta | None

    @property
    def is_escalation(self) -> bool:
        return self.unanswered_after is not None


@dataclass(frozen=True)
class Decision:
    """What a rule says about a mention: `fire` with a reason, or not, with the reason it was held back."""

    rule: CompiledRule
    fire: bool
    reason: str


def compile_rules(config: Config) -> tuple[CompiledRule, ...]:
    compiled = []
    for rule in config.rules:
        if rule.kind != "mention":
            continue
        compiled.append(_compile(rule, config))
    return tuple(compiled)


def _compile(rule: RuleConfig, config: Config) -> CompiledRule:
    try:
        condition = compile_condition(rule.when)
    except ExpressionError as exc:
        raise ConfigError(f"{config.path}: [[rules]] {rule.name!r}: key 'when': {exc}") from None
    return CompiledRule(rule.name, condition, tuple(rule.notify), rule.priority, rule.unanswered_after)


def evaluate(
    rule: CompiledRule, mention: Mention, *, muted: bool, competitor: bool, max_age: timedelta | None = None
) -> Decision:
    """Does `rule` fire for `mention`? Pure: no storage, no clock."""
    fields = mention_fields(mention)
    if not rule.condition.evaluate(fields):
        return Decision(rule, False, "condition false")
    if max_age is not None and mention.published_at < mention.fetched_at - max_age:
        days = (mention.fetched_at - mention.published_at).days
        return Decision(rule, False, f"suppressed: backlog, published {days} days before it was first seen")
    if competitor:
        return Decision(rule, False, f"suppressed: {mention.brand!r} is a competitor (counted, never alerted)")
    if muted:
        return Decision(rule, False, f"suppressed: brand {mention.brand!r} is muted")
    return Decision(rule, True, f"matched rule {rule.name!r} because {rule.condition.explain(fields)}")


def alert_key(mention_id: int, rule: str, destination: str) -> str:
    return f"m{mention_id}:{rule}:{destination}"


class RuleEngine:
    def __init__(
        self,
        rules: tuple[CompiledRule, ...],
        *,
        destinations: Mapping[str, Destination],
        muted: frozenset[str],
        competitors: frozenset[str],
        max_age: timedelta | None = None,
        outbox: Outbox,
        events: Events,
        mentions: Mentions,
    ) -> None:
        self.rules = rules
        self.destinations = destinations
        self.muted = muted
        self.competitors = competitors
        self.max_age = max_age
        self.outbox = outbox
        self.events = events
        self.mentions = mentions

    def decisions(self, mention: Mention, *, escalations: bool = False) -> list[Decision]:
        chosen = [r for r in self.rules if r.is_escalation == escalations]
        return [self._evaluate(r, mention) for r in chosen]

    def _evaluate(self, rule: CompiledRule, mention: Mention) -> Decision:
        return evaluate(
            rule,
            mention,
            muted=mention.brand in self.muted,
            competitor=mention.brand in self.competitors,
            max_age=self.max_age,
        )

    def on_new_mention(self, mention: Mention, now: datetime) -> None:
        """Called by the pipeline inside the transaction that stored the mention."""
        for decision in self.decisions(mention):
            self._record(mention, decision, now)

    def escalate(self, now: datetime) -> int:
        """Queue "still unanswered" alerts whose time has come. Returns how many were queued."""
        queued = 0
        escalation_rules = [r for r in self.rules if r.is_escalation]
        if not escalation_rules:
            return 0
        queued_keys = {rule.name: self.outbox.keys_for_rule(rule.name) for rule in escalation_rules}
        for mention in self.mentions.unanswered(ESCALATE_STATUSES):
            assert mention.id is not None
            if mention.fetched_at < now - ESCALATION_HORIZON:
                continue
            for rule in escalation_rules:
                assert rule.unanswered_after is not None
                if now - mention.fetched_at < rule.unanswered_after:
                    continue
                if all(alert_key(mention.id, rule.name, d) in queued_keys[rule.name] for d in rule.notify):
                    continue
                decision = self._evaluate(rule, mention)
                if not decision.fire:
                    continue  # condition false (re-checked cheaply next tick) or suppressed (recorded at ingest)
                hours = (now - mention.fetched_at).total_seconds() / 3600
                decision = Decision(rule, True, f"{decision.reason}; unanswered for {hours:.0f}h")
                with self.outbox.db.transaction():
                    queued += self._record(mention, decision, now)
        return queued

    def _record(self, mention: Mention, decision: Decision, now: datetime) -> int:
        assert mention.id is not None
        if not decision.fire:
            if decision.reason != "condition false":
                self.events.add(
                    "suppressed", at=now, mention_id=mention.id, rule=decision.rule.name, reason=decision.reason
                )
            return 0
        queued = 0
        self.events.add("matched", at=now, mention_id=mention.id, rule=decision.rule.name, reason=decision.reason)
        for dest in decision.rule.notify:
            wait = self.destinations[dest].group_wait
            if self.outbox.enqueue(
                alert_key(mention.id, decision.rule.name, dest),
                destination=dest,
                rule=decision.rule.name,
                now=now,
                due_at=now + wait,
                mention_id=mention.id,
                priority=decision.rule.priority,
                reason=decision.reason,
            ):
                queued += 1
            else:
                self.events.add(
                    "suppressed",
                    at=now,
                    mention_id=mention.id,
                    rule=decision.rule.name,
                    destination=dest,
                    reason="suppressed: duplicate (already alerted for this rule and destination)",
                )
        return queued


def replay(engine: RuleEngine, mentions: Iterable[Mention]) -> list[tuple[Mention, Decision]]:
    """`rules test`: every decision the rules would make about stored mentions, sending and writing nothing."""
    out = []
    for mention in mentions:
        for decision in [*engine.decisions(mention), *engine.decisions(mention, escalations=True)]:
            if decision.fire or decision.reason != "condition false":
                out.append((mention, decision))
    return out
