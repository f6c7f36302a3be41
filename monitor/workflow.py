"""Working a mention to the end: its status, notes, assignee, and the timeline of what happened to it.

The one place that changes a mention on a person's behalf, for the web inbox and the command line alike, so both
record the same events (with who did it) in one transaction. Reading functions build what the mention page and
`mentions show` display. `deadline` is when a complaint's answer is due: the [response] promise (`Config.promise`,
monitor/hours.py) counted from when the mention was first seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.errors import MonitorError
from monitor.hours import Promise
from monitor.model import Mention, Status
from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.followups import FollowUps
from monitor.storage.mentions import Mentions
from monitor.storage.notes import Notes
from monitor.storage.replies import BY_HAND, Replies, Reply

# What a person can do to a mention -> the status it gets. `not-about-us` holds back a homonym.
ACTIONS: dict[str, Status] = {
    "acknowledge": "acknowledged",
    "respond": "responded",
    "resolve": "resolved",
    "ignore": "ignored",
    "reopen": "acknowledged",
    "not-about-us": "ignored",
    "follow-up-done": "resolved",  # only from `follow_up`: the customer was asked whether all is well
}


UNANSWERED: frozenset[str] = frozenset({"new", "alerted", "acknowledged"})


def is_complaint(mention: Mention) -> bool:
    """Negative: by its text, or at most 2 of 5 stars. What the response promise covers, whatever its status."""
    if mention.label == "negative":
        return True
    return mention.rating is not None and mention.rating <= (mention.rating_scale or 5) * 0.4


def needs_answer(mention: Mention) -> bool:
    """A complaint not answered yet (storage's ATTENTION, in Python)."""
    return mention.status in UNANSWERED and is_complaint(mention)


def answer_due(mention: Mention, promise: Promise) -> datetime | None:
    """When the answer to a complaint is (or was) due, whatever its status now: `promise` counted from first seen."""
    return promise.deadline(mention.fetched_at) if is_complaint(mention) else None


def deadline(mention: Mention, promise: Promise) -> datetime | None:
    """When the answer is due, for a mention that needs one ([response]: `Config.promise`)."""
    return promise.deadline(mention.fetched_at) if needs_answer(mention) else None


class NotFound(MonitorError):
    pass


class NotWaiting(MonitorError):
    """`follow-up-done` on a mention that is not waiting for its follow-up (pressed twice, or never back)."""


def _get(db: Database, mention_id: int) -> Mention:
    mention = Mentions(db).get(mention_id)
    if mention is None:
        raise NotFound(f"no mention with id {mention_id}")
    return mention


def act(
    db: Database, mention_id: int, action: str, *, now: datetime, actor: str, note: str = "", via: str = ""
) -> Mention:
    """Apply `action` (a key of ACTIONS); returns the mention as it was before. Recorded as an event by `actor`
    (`via`: "the web inbox", "the command line", "the link in an alert"); a note becomes a note on the mention."""
    status = ACTIONS[action]
    mention = _get(db, mention_id)
    mentions, events = Mentions(db), Events(db)
    if action == "follow-up-done":
        return _followed_up(db, mention, now=now, actor=actor, note=note, via=via)
    with db.transaction():
        mentions.set_status(mention_id, status, now)
        if status == "responded":
            mentions.set_answered(mention_id, now, now)  # the first answer's time counts, not a later one
        event = "not_about_us" if action == "not-about-us" else ("reopened" if action == "reopen" else status)
        events.add(event, at=now, mention_id=mention_id, reason=f"from {via}" if via else "", actor=actor)
        if note.strip():
            Notes(db).add(mention_id, at=now, author=actor, text=note.strip())
    return mention


def _followed_up(db: Database, mention: Mention, *, now: datetime, actor: str, note: str, via: str) -> Mention:
    """follow_up -> resolved, once: a second press (a double tap, a stale page) changes nothing and says so."""
    assert mention.id is not None
    with db.transaction():
        if not FollowUps(db).done(mention.id, now):
            raise NotWaiting(f"mention {mention.id} is not waiting for a follow-up (it is {mention.status})")
        Events(db).add("followed_up", at=now, mention_id=mention.id, reason=f"from {via}" if via else "", actor=actor)
        if note.strip():
            Notes(db).add(mention.id, at=now, author=actor, text=note.strip())
    return mention


def add_note(db: Database, mention_id: int, text: str, *, now: datetime, actor: str) -> None:
    text = text.strip()
    if not text:
        raise MonitorError("a note needs some text")
    _get(db, mention_id)
    with db.transaction():
        Notes(db).add(mention_id, at=now, author=actor, text=text)


def assign(db: Database, mention_id: int, user: str | None, *, now: datetime, actor: str) -> None:
    _get(db, mention_id)
    with db.transaction():
        Mentions(db).assign(mention_id, user)
        Events(db).add(
            "assigned", at=now, mention_id=mention_id, reason=f"to {user}" if user else "unassigned", actor=actor
        )


def replied(db: Database, reply: Reply, *, at: datetime | None, now: datetime, where: str) -> None:
    """A reply was sent (through `where`'s API, or by hand at the source): the mention is `responded` as of `at`
    (the time the API gave, else now), in the same transaction as the reply's own record."""
    with db.transaction():
        Replies(db).sent(reply.id, at=at or now)
        Mentions(db).set_answered(reply.mention_id, at or now, now)
        how = "by hand at the source" if reply.via == BY_HAND else f"on {where}"
        Events(db).add("replied", at=now, mention_id=reply.mention_id, reason=how, actor=reply.actor)


def reply_failed(db: Database, reply: Reply, reason: str, *, now: datetime, for_good: bool) -> None:
    """The API refused the reply (`for_good`) or did not answer: the reply and why are kept, the mention unchanged."""
    with db.transaction():
        if for_good:
            Replies(db).refused(reply.id, reason)
        else:
            Replies(db).uncertain(reply.id, reason)
        Events(db).add("reply_failed", at=now, mention_id=reply.mention_id, reason=reason, actor=reply.actor)


@dataclass(frozen=True, slots=True)
class Moment:
    """One line of a mention's timeline."""

    at: datetime
    kind: str  # "ingested", "matched", "alerted", "note", "acknowledged", ...
    text: str  # in plain words
    actor: str | None = None
    words: str = ""  # what was written, shown under the line: a reply's text


_WORDS = {
    "ingested": "first seen",
    "held_back": "held back: {reason}",
    "about_us": "marked about us",
    "matched": "matched rule {rule}",
    "suppressed": "rule {rule}: not sent ({reason})",
    "held": "alert to {destination} held: {reason}",
    "alerted": "alert sent to {destination} ({rule})",
    "delivery_failed": "alert to {destination} failed: {reason}",
    "acknowledged": "acknowledged",
    "responded": "marked responded",
    "resolved": "resolved",
    "ignored": "ignored",
    "reopened": "reopened",
    "not_about_us": "marked not about us",
    "assigned": "assigned {reason}",
    "escalated": "escalated: {reason}",
    "follow_up": "back for a follow-up: {reason}",
    "followed_up": "followed up",
    "replied": "replied {reason}",
    "reply_failed": "reply not sent: {reason}",
}


def timeline(db: Database, mention_id: int) -> list[Moment]:
    """What happened to the mention, oldest first: rule decisions, alerts, status changes, notes."""
    moments: list[Moment] = []
    sent = next((r for r in Replies(db).of_mention(mention_id) if r.state == "sent"), None)
    for e in Events(db).of_mention(mention_id):
        template = _WORDS.get(e.type, e.type.replace("_", " "))
        text = template.format(rule=e.rule or "", destination=e.destination or "", reason=e.reason or "")
        answered = ("acknowledged", "responded", "resolved", "ignored", "reopened", "not_about_us", "followed_up")
        if e.type in answered and e.reason:
            text = f"{text} ({e.reason})"
        words = sent.text if e.type == "replied" and sent is not None else ""
        moments.append(Moment(e.at, e.type, text, e.actor, words))
    for n in Notes(db).of_mention(mention_id):
        moments.append(Moment(n.at, "note", n.text, n.author))
    return sorted(moments, key=lambda m: m.at)
