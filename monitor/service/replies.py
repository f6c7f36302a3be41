"""Answering a mention from its page: through the source's owner API when it has one, else by hand at the source.

    desk = ReplyDesk(db, clock, http, answerers={"google-reviews": <GoogleBusinessSource>}, manual=manual)
    desk.channel(mention)                  -> the source that can post a reply for it, or None
    await desk.send(mention, key, text, template=..., actor=...)   -> Outcome

Each reply is sent once: `Replies.claim` (monitor/storage/replies.py) lets one request send the reply of one reply box
(`key`), and the database lets a mention have one live reply. The API is called outside any transaction; what it
said is then recorded (workflow.replied / reply_failed). A reply the API did not answer is kept as uncertain and sent
again, with the same text, when the owner presses Retry; the source's `reply` makes that retry safe (Google's
replies replace the previous one; the App Store's is looked up first).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from monitor import workflow
from monitor.clock import Clock
from monitor.model import Mention
from monitor.storage.database import Database
from monitor.storage.replies import BY_HAND, Replies, Reply
from rules.replies import Manual
from sources.http import HttpFetcher
from sources.replies import Answerable, ReplyRefused, ReplyUncertain

OutcomeKind = Literal["sent", "already", "busy", "refused", "uncertain"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind  # what the page says is worded there (pages.DONE, and the stored reply's reason)
    reply: Reply


@dataclass
class ReplyDesk:
    db: Database
    clock: Clock
    http: HttpFetcher
    answerers: Mapping[str, Answerable]  # source name -> the source, for sources whose kind can post a reply
    manual: Manual
    # Reply boxes being sent by this process: a double tap's second request waits for the first one's outcome and
    # shows it, instead of "being sent" (another instance's send shows "being sent").
    _sending: dict[str, asyncio.Future[Outcome | None]] = field(default_factory=dict)

    def channel(self, mention: Mention) -> Answerable | None:
        return self.answerers.get(mention.source)

    async def send(self, mention: Mention, key: str, text: str, *, template: str | None, actor: str) -> Outcome:
        """Post `text` as the reply to `mention` through its source's API (see the module's docstring)."""
        first = self._sending.get(key)
        if first is not None:
            outcome = await asyncio.shield(first)
            if outcome is not None:
                return outcome
        done: asyncio.Future[Outcome | None] = asyncio.get_running_loop().create_future()
        self._sending[key] = done
        result: Outcome | None = None
        try:
            result = await self._send(mention, key, text, template=template, actor=actor)
            return result
        finally:
            done.set_result(result)
            del self._sending[key]

    async def _send(self, mention: Mention, key: str, text: str, *, template: str | None, actor: str) -> Outcome:
        assert mention.id is not None
        channel = self.channel(mention)
        via = mention.kind if channel is not None else BY_HAND
        claim = Replies(self.db).claim(
            mention.id, key, text=text, template=template, via=via, actor=actor, now=self.clock.now()
        )
        if not claim.go:
            return _not_again(claim.reply, key)
        reply = claim.reply
        if channel is None:
            workflow.replied(self.db, reply, at=None, now=self.clock.now(), where="")
            return Outcome("sent", reply)
        try:
            at = await channel.reply(self.http, mention.external_id, reply.text)
        except ReplyRefused as refused:
            workflow.reply_failed(self.db, reply, refused.reason, now=self.clock.now(), for_good=True)
            return Outcome("refused", reply)
        except ReplyUncertain as unsure:
            workflow.reply_failed(self.db, reply, unsure.reason, now=self.clock.now(), for_good=False)
            return Outcome("uncertain", reply)
        workflow.replied(self.db, reply, at=at, now=self.clock.now(), where=channel.where)
        return Outcome("sent", reply)


def _not_again(reply: Reply, key: str) -> Outcome:
    if reply.state == "sent" and reply.key == key:  # this very box, sent a moment ago (a double tap, a resent form)
        return Outcome("sent", reply)
    if reply.state == "sent":
        return Outcome("already", reply)
    if reply.state == "uncertain":
        return Outcome("uncertain", reply)
    return Outcome("busy", reply)
