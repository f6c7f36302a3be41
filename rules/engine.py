"""The rule engine: per-mention rules at ingest, "still unanswered" escalations on a timer.

Every decision is stored as an event with its reason; a match queues outbox rows (one per destination) in the
caller's transaction. Decisions are pure functions of the mention and `now` (`evaluate`), so `rules test` can replay
history through exactly the code the daemon runs, writing nothing.

Escalations (`unanswered_after`): a rule fires for a mention still `new` or `alerted` once its delay has passed
since the mention was first seen: a wall-clock duration ("24h"), the [response] deadline ("within") or business
time ("4h business"), each a `monitor.hours.Promise`. The timer never reads the whole history: each step keeps a
mark in the database (storage/timers.py) and asks storage for the mentions first seen between the mark and the
latest first-seen whose delay has passed (`Promise.due_since`), through the first-seen index; so a pass costs what
became due since the previous one. The outbox key (mention, rule, destination) makes a second alert impossible.

The escalation path of an assigned mention: with `escalate_after`, its escalation goes first to the assignee's own
destination (`users.notify`, a [destinations] name) only, and to the rule's `notify` destinations when it is still
unanswered `escalate_after` later (counted on the rule's clock: business time for "within" and "... business").
Without `escalate_after`, the assignee's destination is told along with the rule's. A mention nobody is assigned
to, or whose assignee has no usable destination, escalates to the rule's destinations at once. Each destination is
told once per mention and rule (the assignee's step has a key of its own).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config import Config, Destination
from monitor.config import Rule as RuleConfig
from monitor.errors import ConfigError
from monitor.hours import Promise, amount_words
from monitor.model import Mention
from monitor.storage.events import Events, NewEvent
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import NewAlert, Outbox
from monitor.storage.timers import TimerMark, TimerMarks
from monitor.storage.users import Users
from rules.expressions import Condition, ExpressionError, compile_condition, mention_fields
from rules.followups import FollowUpTimer

# Statuses at which an "unanswered" escalation still fires: nobody has acknowledged or answered yet.
ESCALATE_STATUSES = ("new", "alerted")
# How far back a new escalation step looks (a new rule, a first start); older unanswered mentions were escalated
# long ago or never will be.
ESCALATION_HORIZON = timedelta(days=30)
# A step's mark stays this far behind `now`, so that a mention stored a little after it was first seen (a slow
# poll, another instance's clock) is still read by a rule with a very short delay.
SETTLE = timedelta(minutes=10)
PAGE = 500  # mentions read at a time
PAGES_PER_PASS = 2  # per escalation step and pass: a pass stays short while a backlog is caught up


@dataclass(frozen=True)
class CompiledRule:
    name: str
    condition: Condition
    notify: tuple[str, ...]
    priority: str
    # The escalation's length, as the alert says it ("unanswered for 24 h"); None for a rule that fires at ingest.
    unanswered_after: timedelta | None
    # When the escalation fires, counted from first seen (wall clock or business hours); None: at ingest.
    clock: Promise | None = None
    escalate_after: timedelta | None = None  # the second step of an assigned mention's escalation
    delay: str = ""  # unanswered_after as written: "24h", "within", "4h business"

    @property
    def is_escalation(self) -> bool:
        return self.clock is not None

    def steps(self) -> list[tuple[str, Promise]]:
        """The escalation's steps and when each fires: "deadline", then "owner" (with `escalate_after`)."""
        if self.clock is None:
            return []
        steps = [("deadline", self.clock)]
        if self.escalate_after is not None:
            steps.append(("owner", self.clock.longer(self.escalate_after)))
        return steps


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
    delay = rule.unanswered_after
    clock = delay.clock(config.promise) if delay is not None else None
    return CompiledRule(
        rule.name,
        condition,
        tuple(rule.notify),
        rule.priority,
        clock.within if clock is not None else None,
        clock,
        rule.escalate_after,
        str(delay) if delay is not None else "",
    )


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


def assignee_key(mention_id: int, rule: str, destination: str) -> str:
    """The first step of an assigned mention's escalation, to the assignee: a key of its own, so that the rule's
    own step can still tell the same destination later (an owner who assigned a complaint to themselves)."""
    return f"{alert_key(mention_id, rule, destination)}:assignee"


# Where one escalation step sends: (destination, outbox key) pairs, and what the reason adds.
Targets = list[tuple[str, str]]
# A decision to record, and where it sends (None: the rule's destinations, under the plain key).
Decided = tuple[Mention, Decision, Targets | None]


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
        follow_ups: FollowUpTimer | None = None,
    ) -> None:
        self.rules = rules
        self.destinations = destinations
        self.muted = muted
        self.competitors = competitors
        self.max_age = max_age
        self.outbox = outbox
        self.events = events
        self.mentions = mentions
        self.follow_ups = follow_ups
        self.marks = TimerMarks(outbox.db)
        self.users = Users(outbox.db)

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

    def on_new_mentions(self, mentions: Sequence[Mention], now: datetime) -> None:
        """Called by the pipeline inside the transaction that stored the mentions (a poll's new ones, in order)."""
        self._record([(mention, decision, None) for mention in mentions for decision in self.decisions(mention)], now)

    def escalate(self, now: datetime) -> int:
        """Queue the "still unanswered" alerts whose time has come, and bring back the complaints due for a
        follow-up. Returns how many alerts were queued."""
        queued = 0
        for rule in self.rules:
            for step, clock in rule.steps():
                queued += self._step(rule, step, clock, now)
        if self.follow_ups is not None:
            queued += self.follow_ups.check(now)
        return queued

    def _step(self, rule: CompiledRule, step: str, clock: Promise, now: datetime) -> int:
        """One escalation step of one rule: the mentions first seen since the step's mark whose time has come, at
        most PAGES_PER_PASS pages of them (a backlog, after an upgrade or an outage, is caught up over a few
        passes rather than in one long one)."""
        name = f"escalation:{rule.name}:{step}"
        cutoff = clock.due_since(now)
        mark = self.marks.get(name) or TimerMark(now - ESCALATION_HORIZON)
        if cutoff < mark.until or (cutoff == mark.until and mark.after_id is None):
            return 0
        queued = 0
        users: dict[str, tuple[str, str] | None] = {}  # the pass's look-ups of assignees' destinations
        with self.outbox.db.transaction():
            position = mark
            for _ in range(PAGES_PER_PASS):
                page = self.mentions.seen_between(position.until, cutoff, after_id=position.after_id, limit=PAGE)
                waiting = [m for m in page if m.status in ESCALATE_STATUSES]
                queued += self._escalate_page(rule, step, clock, waiting, now, users)
                if page:
                    position = TimerMark(page[-1].fetched_at, page[-1].id)
                if len(page) < PAGE:  # all read up to the cutoff
                    settled = min(cutoff, now - SETTLE)
                    position = TimerMark(settled) if settled > position.until else position
                    break
            self.marks.set(name, position)
        return queued

    def _escalate_page(
        self,
        rule: CompiledRule,
        step: str,
        clock: Promise,
        page: list[Mention],
        now: datetime,
        users: dict[str, tuple[str, str] | None],
    ) -> int:
        planned: list[tuple[Mention, Targets, str]] = []
        for mention in page:
            assert mention.id is not None
            if clock.deadline(mention.fetched_at) > now:
                continue  # cannot happen (storage asked for exactly these), but never alert early
            assignee = self._assignee(mention, users)
            if step == "owner":
                targets = [(d, alert_key(mention.id, rule.name, d)) for d in rule.notify]
                note = f"still unanswered {amount_words(rule.escalate_after or timedelta(0))} after its deadline"
            elif assignee is not None and rule.escalate_after is not None:
                user, dest = assignee
                targets = [(dest, assignee_key(mention.id, rule.name, dest))]
                note = (
                    f"to {user}, its assignee, first; to {', '.join(rule.notify)} if still unanswered "
                    f"{amount_words(rule.escalate_after)} later"
                )
            else:
                extra = [assignee[1]] if assignee is not None and assignee[1] not in rule.notify else []
                targets = [(d, alert_key(mention.id, rule.name, d)) for d in (*rule.notify, *extra)]
                note = f"assigned to {assignee[0]}" if assignee is not None else self._unreachable(mention)
            planned.append((mention, targets, note))
        known = self.outbox.known([key for _, targets, _ in planned for _, key in targets])
        decided: list[Decided] = []
        for mention, targets, note in planned:
            targets = [(d, k) for d, k in targets if k not in known]
            if not targets:
                continue  # told before
            decision = self._evaluate(rule, mention)
            if not decision.fire:
                continue  # condition false, or suppressed (muted, competitor, backlog: recorded at ingest)
            reason = f"{decision.reason}; {self._overdue(rule, mention, now)}"
            decided.append((mention, Decision(rule, True, f"{reason}; {note}" if note else reason), targets))
        return self._record(decided, now)

    def _assignee(self, mention: Mention, users: dict[str, tuple[str, str] | None]) -> tuple[str, str] | None:
        """(user, destination) of the mention's assignee, when they have a destination the config knows."""
        name = mention.assignee
        if not name:
            return None
        if name not in users:
            user = self.users.get(name)
            dest = user.notify if user is not None else None
            users[name] = (name, dest) if dest is not None and dest in self.destinations else None
        return users[name]

    @staticmethod
    def _unreachable(mention: Mention) -> str:
        if not mention.assignee:
            return ""
        return f"assigned to {mention.assignee}, who has no destination to be told at"

    @staticmethod
    def _overdue(rule: CompiledRule, mention: Mention, now: datetime) -> str:
        clock = rule.clock
        assert clock is not None
        if clock.hours is None:
            hours = (now - mention.fetched_at).total_seconds() / 3600
            return f"unanswered for {hours:.0f}h"
        due = clock.deadline(mention.fetched_at).astimezone(clock.hours.zone)
        what = "its response deadline" if rule.delay == "within" else f"{amount_words(clock.within)} of business hours"
        return f"unanswered past {what} ({due:%a %d %b %H:%M})"

    def _record(self, decided: Sequence[Decided], now: datetime) -> int:
        """Record the decisions, in order: an event each (none for "condition false"), and for those that fire an
        alert per destination, or an event saying it was a duplicate. One statement queues the alerts, then one batch
        adds the events, in the order they happened. Returns how many alerts were queued."""
        sends: list[tuple[Mention, Decision, Targets]] = []
        alerts: list[NewAlert] = []
        for mention, decision, targets in decided:
            assert mention.id is not None
            if targets is None:
                targets = [(d, alert_key(mention.id, decision.rule.name, d)) for d in decision.rule.notify]
            sends.append((mention, decision, targets if decision.fire else []))
            if decision.fire:
                alerts += [self._alert(mention, decision, dest, key, now) for dest, key in targets]
        results = self.outbox.enqueue_many(alerts)
        queued = iter(results)
        events: list[NewEvent] = []
        for mention, decision, targets in sends:
            rule = decision.rule.name
            if not decision.fire:
                if decision.reason != "condition false":
                    events.append(NewEvent("suppressed", now, mention.id, rule, reason=decision.reason))
                continue
            events.append(NewEvent("matched", now, mention.id, rule, reason=decision.reason))
            for dest, _ in targets:
                if not next(queued):
                    duplicate = "suppressed: duplicate (already alerted for this rule and destination)"
                    events.append(NewEvent("suppressed", now, mention.id, rule, dest, duplicate))
        self.events.add_many(events)
        return sum(results)

    def _alert(self, mention: Mention, decision: Decision, dest: str, key: str, now: datetime) -> NewAlert:
        wait = self.destinations[dest].group_wait
        rule = decision.rule
        return NewAlert(key, dest, rule.name, now, now + wait, mention.id, rule.priority, decision.reason)


def replay(engine: RuleEngine, mentions: Iterable[Mention]) -> list[tuple[Mention, Decision]]:
    """`rules test`: every decision the rules would make about stored mentions, sending and writing nothing."""
    out = []
    for mention in mentions:
        for decision in [*engine.decisions(mention), *engine.decisions(mention, escalations=True)]:
            if decision.fire or decision.reason != "condition false":
                out.append((mention, decision))
    return out
