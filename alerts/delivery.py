"""The delivery worker: takes due outbox rows, groups them per destination, sends, and records what was accepted.

Order per destination: hold back what quiet hours say must wait (never dropped), group the rest into messages,
and for each message: hold it and every one after it when the rate limit says so (each message sent counts once,
however many alerts it groups: no rolling hour sees more than `rate_limit` messages to one destination) or, for SMS
and push, when the last one was less than a minute ago (policy.MIN_SPACING), record which rows it holds under a
message key, send it in a worker thread (Apprise blocks), then in one transaction: log the delivery, mark the rows
sent, move the mentions to `alerted`. A retryable failure rests the destination on the one backoff, or longer when
the destination said so in Retry-After (policy.py caps it).

Grouping (`group`): a message groups as many alerts as its channel's form lists (e-mail 100, a webhook 50), and at
least GROUP_AT_LEAST (an SMS lists 3 of them and counts the others). A burst that would need more messages than
`policy.burst_budget` allows (half of what the hour has left; one for SMS and push) is packed into that many, the
last one listing what its form shows and counting the rest ("+N more" with the command that lists them): the whole
burst is delivered at once, nothing is held an hour for the rate limit, and the next alert still has room.

Alerts about mentions are rendered here, at send time, and grouped; operator notices are rendered here too, one
message each. A frozen row (the digest, see monitor/storage/outbox.py) is one message sent as it was queued, with its
files; it goes through the same stages: quiet hours hold it unless it is high priority, the rate limit counts it, a
failure backs the destination off, and the notification log records it once the destination accepted it.

A crash (or a timeout) after the destination accepted a message and before that transaction means the message is
sent again. It is sent again *as the same message*: the rows recorded under a key are resent together, first, under
that key, which travels with the message (HTTP `Idempotency-Key`, e-mail `X-Mention-Monitor-Key`), so the receiving
side can recognise the repeat. No sender can close that window alone; this makes it visible and deduplicable.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Protocol
from zoneinfo import ZoneInfo

from alerts.notices import DESTINATION_BROKEN, DESTINATION_RULE, Notices
from alerts.policy import RATE_WINDOW, burst_budget, held_until, quiet_until, retry_delay
from alerts.render import AlertItem, MentionLink, Message, render, render_notice, shown_at_most
from monitor import workflow
from monitor.backoff import parse_retry_after
from monitor.config import Destination
from monitor.hours import Promise
from monitor.model import ANSWERED_STATUSES, Mention
from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox, OutboxFile, OutboxRow, chunks

log = logging.getLogger(__name__)

# The fewest alerts a message groups, for channels whose form lists fewer (SMS 3, push 5, Slack and chat 10): the
# others are counted in it ("+N more"). E-mail and webhooks group as many as they list (render.shown_at_most).
GROUP_AT_LEAST = 25


class SendResultLike(Protocol):
    """A sender's answer; one may also carry `retry_after` (str | None), the destination's Retry-After as it sent
    it (alerts.apprise_adapter.SendResult does)."""

    @property
    def ok(self) -> bool: ...
    @property
    def retryable(self) -> bool: ...
    @property
    def detail(self) -> str: ...


class Sender(Protocol):
    """What the worker needs of a destination (alerts.apprise_adapter.AppriseDestination is one). `attachments`
    are files (filename, mimetype, data) sent with the message where the channel can carry them (the digest's
    charts by e-mail)."""

    @property
    def channel(self) -> str: ...

    def send(self, message: Message, *, attachments: Sequence[tuple[str, str, bytes]] = ()) -> SendResultLike: ...


@dataclass
class DeliveryReport:
    sent_messages: int = 0
    sent_items: int = 0
    failed: int = 0
    held: int = 0
    cancelled: int = 0
    messages: list[tuple[str, Message]] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)  # destinations another instance is sending now
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # (destination, alerts, why): refused for good


_NO_ESCALATIONS: Mapping[str, timedelta] = MappingProxyType({})


class Deliverer:
    """`escalation_rules` maps each "unanswered after" rule's name to its delay (the alert says "unanswered for
    24 h", and an acknowledged mention cancels it); `ack_link` makes the signed link to a mention's page in the web
    inbox (None without [web]: the alert shows `ack_command` instead); `templates` is a directory whose alert
    templates override the shipped ones (render.py)."""

    def __init__(
        self,
        *,
        db: Database,
        destinations: Mapping[str, Destination],
        senders: Mapping[str, Sender],
        zone: ZoneInfo,
        escalation_rules: Mapping[str, timedelta] = _NO_ESCALATIONS,
        ack_command: str = "mention-monitor ack {id}",
        ack_link: MentionLink | None = None,
        templates: Path | None = None,
        may_deliver: Callable[[str, datetime], bool] | None = None,
        promise: Promise | None = None,
    ) -> None:
        self.db = db
        self.destinations = destinations
        self.senders = senders
        self.zone = zone
        self.escalation_rules = escalation_rules
        self.ack_command = ack_command
        self.ack_link = ack_link
        self.templates = templates
        # Whether this process may send a destination's rows now (another instance on a shared database may be
        # sending them: see monitor/service/cluster.py). None: always.
        self.may_deliver = may_deliver or (lambda _name, _now: True)
        # [response]: when a complaint's answer is due, which its alert says ("due by Mon 10:00"). None: not said.
        self.promise = promise
        self.outbox = Outbox(db)
        self.events = Events(db)
        self.mentions = Mentions(db)

    async def deliver_due(self, now: datetime, *, flush: bool = False) -> DeliveryReport:
        """Send what is due. `flush` (run --once, demo) does not wait out group_wait or a retry backoff."""
        report = DeliveryReport()
        names = (
            sorted({r.destination for r in self.outbox.all_pending()}) if flush else self.outbox.destinations_due(now)
        )
        for name in names:
            if name not in self.senders:
                continue  # a destination removed from the config: its rows wait until it is back
            if not self.may_deliver(name, now):
                report.elsewhere.append(name)
                continue
            await self._deliver(name, now, flush, report)
        return report

    async def deliver_now(self, ids: Collection[int], now: datetime) -> DeliveryReport:
        """Send these pending rows now (`digest --send`), through the same stages, without waiting out a
        destination's backoff; the other rows are left to the daemon."""
        report = DeliveryReport()
        chosen = set(ids)
        for name in sorted({r.destination for r in self.outbox.all_pending() if r.id in chosen}):
            if name in self.senders and self.may_deliver(name, now):
                await self._deliver(name, now, True, report, only=chosen)
        return report

    async def _deliver(
        self, name: str, now: datetime, flush: bool, report: DeliveryReport, only: Collection[int] | None = None
    ) -> None:
        health = self.outbox.health(name)
        if not flush and health.next_attempt_at and now < health.next_attempt_at:
            return
        pending = [r for r in self.outbox.pending(name) if only is None or r.id in only]
        rows, mentions = self._live_rows(pending, now, report)
        rows = self._quiet(name, rows, now, report)
        limit = self.destinations[name].rate_limit
        channel = self.senders[name].channel
        sent_recently = self.outbox.deliveries_since(name, now - RATE_WINDOW)
        done: set[int] = set()
        size = max(GROUP_AT_LEAST, shown_at_most(channel))
        for batch in group(rows, size=size, messages=burst_budget(sent_recently, limit, channel, now)):
            for message, message_rows in self._messages(batch, mentions, name, now):
                if not self.may_deliver(name, now):  # renews this instance's turn; lost it: another sends the rest
                    return
                held = held_until(sent_recently, limit, channel, now)
                if held is not None:  # this message and the rest wait: for the hour's oldest to age out, or spacing
                    until, why = held
                    self._hold([r for r in rows if r.id not in done], until, why, now, report)
                    return
                key = message_rows[0].send_key or message_key(message_rows)
                if any(r.send_key != key for r in message_rows):
                    with self.db.transaction():
                        self.outbox.claim([r.id for r in message_rows], key)
                if not await self._send(name, dataclasses.replace(message, key=key), message_rows, now, report):
                    return
                sent_recently.append(now)
                done.update(r.id for r in message_rows)

    def _live_rows(
        self, rows: list[OutboxRow], now: datetime, report: DeliveryReport
    ) -> tuple[list[OutboxRow], dict[int, Mention]]:
        """Drop rows whose mention was answered meanwhile: nobody needs an alert about a handled complaint.
        Also returns the live rows' mentions, read once for the whole pass."""
        live = []
        handled: list[tuple[OutboxRow, str]] = []  # (row, the mention's status)
        mentions: dict[int, Mention] = {}
        for row in rows:
            mention = self.mentions.get(row.mention_id) if row.mention_id is not None else None
            if mention is not None and (
                mention.status in ANSWERED_STATUSES
                or (row.rule in self.escalation_rules and mention.status == "acknowledged")
            ):
                handled.append((row, mention.status))
                continue
            live.append(row)
            if mention is not None and mention.id is not None:
                mentions[mention.id] = mention
        if handled:
            with self.db.transaction():  # one for all of them: a burst answered meanwhile is one write, not hundreds
                for row, status in handled:
                    self.outbox.mark_cancelled([row.id], f"cancelled: mention already {status}")
                    self.events.add(
                        "suppressed",
                        at=now,
                        mention_id=row.mention_id,
                        rule=row.rule,
                        destination=row.destination,
                        reason=f"suppressed: mention was {status} before the alert was due",
                    )
            report.cancelled += len(handled)
        return live, mentions

    def _quiet(self, name: str, rows: list[OutboxRow], now: datetime, report: DeliveryReport) -> list[OutboxRow]:
        """Hold what quiet hours say must wait (high priority rings through); return the rest."""
        hours = self.promise.hours if self.promise is not None else None
        quiet = quiet_until(self.destinations[name].quiet_hours, now, self.zone, hours)
        if quiet is None:
            return rows
        # A message already put together (it has a key) waits whole when any of it must, to go out as it was.
        waiting = {_message_of(r) for r in rows if r.priority != "high"}
        held = [r for r in rows if _message_of(r) in waiting]
        local = quiet.astimezone(self.zone)
        why = f"closed until {local:%a %H:%M}" if self.destinations[name].quiet_hours == "closed" else None
        self._hold(held, quiet, f"held: {why or f'quiet hours until {local:%H:%M}'}", now, report)
        return [r for r in rows if _message_of(r) not in waiting]

    def _hold(self, rows: list[OutboxRow], until: datetime, reason: str, now: datetime, report: DeliveryReport) -> None:
        if not rows:
            return
        with self.db.transaction():
            for row in rows:
                if row.last_error != reason:
                    self.events.add(
                        "held",
                        at=now,
                        mention_id=row.mention_id,
                        rule=row.rule,
                        destination=row.destination,
                        reason=reason,
                    )
            self.outbox.postpone([r.id for r in rows], until, error=reason)
        report.held += len(rows)

    def _messages(
        self, rows: list[OutboxRow], mentions: Mapping[int, Mention], name: str, now: datetime
    ) -> list[tuple[Message, list[OutboxRow]]]:
        channel = self.senders[name].channel
        out: list[tuple[Message, list[OutboxRow]]] = []
        items, item_rows = [], []
        for row in rows:
            if row.frozen:
                out.append((Message(row.subject or row.rule, row.body or row.reason, row.html), [row]))
                continue
            if row.mention_id is None:
                out.append((render_notice(row.subject or row.rule, row.body or row.reason, channel), [row]))
                continue
            mention = mentions.get(row.mention_id)
            if mention is None:
                continue
            due = workflow.deadline(mention, self.promise) if self.promise is not None else None
            back = mention.status == "follow_up"  # a follow-up reminder: the complaint was resolved, now due again
            items.append(
                AlertItem(mention, row.rule, row.reason, self.escalation_rules.get(row.rule), due, follow_up=back)
            )
            item_rows.append(row)
        if items:
            message = render(
                items,
                channel,
                ack_command=self.ack_command,
                ack_link=self.ack_link,
                now=now,
                templates=self.templates,
                zone=self.zone,
            )
            out.insert(0, (message, item_rows))
        return out

    async def _send(
        self, name: str, message: Message, rows: list[OutboxRow], now: datetime, report: DeliveryReport
    ) -> bool:
        sender = self.senders[name]
        files = self._files(rows)
        result = await asyncio.to_thread(functools.partial(sender.send, message, attachments=files))
        ids = [r.id for r in rows]
        if result.ok:
            with self.db.transaction():
                message_id = self.outbox.log_delivery(name, now, len(rows), message.title)
                self.outbox.mark_sent(ids, now, message_id)
                for part in chunks([r.mention_id for r in rows if r.mention_id is not None]):
                    self.mentions.mark_alerted(part, now)  # a packed burst: thousands of ids, in a few statements
                for row in rows:
                    self.events.add(
                        "alerted",
                        at=now,
                        mention_id=row.mention_id,
                        rule=row.rule,
                        destination=name,
                        reason=row.reason,
                    )
                before = self.outbox.record_destination_success(name)
                if before.broken_notified:
                    self._notify_others(
                        name, f"Destination {name} works again", "Alerts to it are delivered again.", now
                    )
            report.sent_messages += 1
            report.sent_items += len(rows)
            report.messages.append((name, message))
            log.debug("%s accepted message %s (%d alerts)", name, message.key, len(rows))
            return True
        asked = _asked(result, now)
        with self.db.transaction():
            failures = self.outbox.health(name).consecutive_failures + 1
            health = self.outbox.record_destination_failure(
                name, result.detail, now, retry_delay(failures, asked=asked)
            )
            if result.retryable:
                assert health.next_attempt_at is not None
                self.outbox.postpone(ids, health.next_attempt_at, error=result.detail, attempt=True)
                log.warning(
                    "destination %s failed (%s); retrying at %s%s",
                    name,
                    result.detail,
                    health.next_attempt_at,
                    f" (it asked to wait {asked:g}s)" if asked is not None else "",
                )
            else:
                self.outbox.mark_failed(ids, result.detail)
                for row in rows:
                    self.events.add(
                        "delivery_failed",
                        at=now,
                        mention_id=row.mention_id,
                        rule=row.rule,
                        destination=name,
                        reason=f"permanent failure: {result.detail}",
                    )
                log.error("destination %s refused the alert permanently: %s", name, result.detail)
                report.refused.append((name, len(rows), result.detail))
            lasting = DESTINATION_BROKEN.holds(health.consecutive_failures, health.failing_since or now, now)
            if not health.broken_notified and (not result.retryable or lasting):
                self.outbox.set_broken_notified(name)
                self._notify_others(
                    name,
                    f"Destination {name} is failing",
                    f"Alerts to {name} have failed since {health.failing_since or now:%Y-%m-%d %H:%M} UTC: "
                    f"{result.detail}. They are kept and will be delivered when it works again.",
                    now,
                )
        report.failed += len(rows)
        return False

    def _files(self, rows: list[OutboxRow]) -> list[OutboxFile]:
        """The files of the frozen rows of a message (a digest's charts), in order."""
        return [f for row in rows if row.frozen for f in self.outbox.files(row.id)]

    def _notify_others(self, broken: str, subject: str, body: str, now: datetime) -> None:
        notices = Notices(self.outbox, list(self.senders))
        key = f"notice:{broken}:{subject}:{now.isoformat()}"
        notices.tell(key, subject, body, now, rule=DESTINATION_RULE, about=broken, high=True)


def _asked(result: SendResultLike, now: datetime) -> float | None:
    """The seconds from `now` a retryable failure's destination asked us to wait (Retry-After)."""
    value = getattr(result, "retry_after", None)  # senders that cannot tell (the demo's printer) have none
    return parse_retry_after(value, now) if result.retryable and isinstance(value, str) else None


def group(rows: Sequence[OutboxRow], *, size: int, messages: int) -> list[list[OutboxRow]]:
    """One destination's rows in the groups that become its messages, in order. Rows put in a message before (a
    crash or a failed attempt: they have a key) go first, as they were. The others follow in order, `size` alerts
    about mentions to a group, with the operator notices and frozen rows among them (each becomes a message of its
    own). When that would make more than `messages` messages in all, the alerts are packed into the messages left
    (at least one), the last group taking all the rest: its message lists what its form shows and counts the others,
    so none is lost and none waits."""
    claimed: dict[str, list[OutboxRow]] = {}
    for row in rows:
        if row.send_key is not None:
            claimed.setdefault(row.send_key, []).append(row)
    fresh = [r for r in rows if r.send_key is None]
    alerts = sum(1 for r in fresh if _grouped(r))
    room = max(1, messages - len(claimed) - (len(fresh) - alerts))
    groups = min(-(-alerts // size), room)  # the last of them takes what is left
    batches = list(claimed.values())
    current: list[OutboxRow] = []
    count = 0
    for row in fresh:
        if _grouped(row) and count == size and len(batches) - len(claimed) < groups - 1:
            batches.append(current)
            current, count = [], 0
        current.append(row)
        count += _grouped(row)
    if current:
        batches.append(current)
    return batches


def _grouped(row: OutboxRow) -> bool:
    """An alert about a mention, rendered with the others of its message (a notice or a frozen row goes alone)."""
    return row.mention_id is not None and not row.frozen


def _message_of(row: OutboxRow) -> str:
    """The message a row is already in (its key), or a message of its own."""
    return row.send_key or f"row:{row.id}"


def message_key(rows: list[OutboxRow]) -> str:
    """A message's key, from the outbox keys of its rows: stable, opaque, and the same for the same rows."""
    digest = hashlib.sha256("\n".join(sorted(r.key for r in rows)).encode()).hexdigest()
    return f"mm-{digest[:32]}"
