"""Follow-ups: a complaint resolved `[response] follow_up_after` ago comes back once into the inbox as `follow_up`.

Run by the daemon's timer pass (`RuleEngine.escalate`). Like the escalation steps it reads only what became due
since its previous pass: the mentions resolved between its mark and `now - follow_up_after` (storage/timers.py),
through the (status, status-changed) index. Only complaints come back (negative, or at most 2 of 5 stars:
`monitor.workflow.is_complaint`), and each at most once in its life (storage/followups.py); its coming back is an
event on its timeline, and, with `follow_up_notify`, one reminder per destination (outbox key
`followup:m{id}:{destination}`), cancelled by the delivery worker if it was followed up before the reminder went.

When the feature is switched on, the first pass only sets the mark: complaints resolved more than
`follow_up_after` before that do not come back all at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from monitor.config import Config, Destination
from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.followups import FollowUps
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from monitor.storage.timers import TimerMark, TimerMarks
from monitor.workflow import is_complaint

MARK = "follow-up"
RULE = "follow-up reminder"  # the outbox rows' rule: what the alert names


def reminder_key(mention_id: int, destination: str) -> str:
    return f"followup:m{mention_id}:{destination}"


class FollowUpTimer:
    def __init__(
        self, db: Database, *, after: timedelta, notify: Sequence[str], destinations: Mapping[str, Destination]
    ) -> None:
        self.db = db
        self.after = after
        self.notify = tuple(notify)
        self.destinations = destinations
        self.follow_ups = FollowUps(db)
        self.mentions = Mentions(db)
        self.events = Events(db)
        self.outbox = Outbox(db)
        self.marks = TimerMarks(db)

    def check(self, now: datetime) -> int:
        """Bring back the complaints resolved `after` ago; returns how many reminders were queued."""
        cutoff = now - self.after
        mark = self.marks.get(MARK)
        if mark is None:
            self.marks.set(MARK, TimerMark(cutoff))
            return 0
        if cutoff <= mark.until:
            return 0
        queued = 0
        with self.db.transaction():
            for mention_id in self.follow_ups.resolved_between(mark.until, cutoff):
                mention = self.mentions.get(mention_id)
                if mention is None or not is_complaint(mention) or not self.follow_ups.come_back(mention_id, now):
                    continue
                resolved = mention.status_changed_at or cutoff
                reason = f"resolved {_ago(now - resolved)} ago: ask the customer whether all is well"
                self.events.add("follow_up", at=now, mention_id=mention_id, reason=reason)
                for dest in self.notify:
                    queued += self.outbox.enqueue(
                        reminder_key(mention_id, dest),
                        destination=dest,
                        rule=RULE,
                        now=now,
                        due_at=now + self.destinations[dest].group_wait,
                        mention_id=mention_id,
                        reason=f"follow up: {reason}",
                    )
            self.marks.set(MARK, TimerMark(cutoff))
        return queued


def _ago(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days >= 2:
        return f"{days:.0f} days"
    return f"{delta.total_seconds() / 3600:.0f} h"


def follow_up_timer(config: Config, db: Database) -> FollowUpTimer | None:
    """The follow-up pass `[response]` asks for, or None without `follow_up_after`."""
    response = config.response
    if response.follow_up_after is None:
        return None
    return FollowUpTimer(
        db, after=response.follow_up_after, notify=response.follow_up_notify, destinations=config.destinations
    )
