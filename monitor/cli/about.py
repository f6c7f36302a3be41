"""`mention-monitor about-us ID [--note TEXT]`: the owner says a mention is about the brand after all.

The opposite of `not-about-us`: a mention held back as not about its brand (status `irrelevant`, or `ignored` by
"not about us") comes back as `new`; its held-back record stays, marked released. The correction is the event
`about_us`, which the brand's relevance model learns from (monitor/relevance.py) the next time the daemon ingests,
so similar items are no longer held back. Nothing is alerted now: the owner is looking at it already.
"""

from __future__ import annotations

from datetime import datetime

from monitor.cli.context import Context
from monitor.cli.present import out
from monitor.errors import MonitorError
from monitor.model import Mention
from monitor.service.parts import open_db
from monitor.storage.database import Database
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions
from monitor.storage.notes import Notes
from monitor.storage.relevance import ABOUT_US, Relevance

ACTOR, VIA = "cli", "the command line"
# What "about us" undoes: held back by the matcher or its model, or set aside by "not about us".
BROUGHT_BACK = frozenset({"irrelevant", "ignored"})


def command(ctx: Context) -> int:
    args = ctx.args
    db = open_db(ctx.load())
    try:
        before = about_us(db, args.mention_id, now=ctx.clock.now(), actor=ACTOR, note=args.note, via=VIA)
        after = Mentions(db).get(args.mention_id)
    finally:
        db.close()
    status = after.status if after is not None else before.status
    out(f"mention {args.mention_id}: {before.status} -> {status} (about {before.brand}; its matching learns this)")
    return 0


def about_us(db: Database, mention_id: int, *, now: datetime, actor: str, note: str = "", via: str = "") -> Mention:
    """Record that the mention is about its brand, and bring it back if it was held back; returns it as it was."""
    mention = Mentions(db).get(mention_id)
    if mention is None:
        raise MonitorError(f"no mention with id {mention_id}")
    with db.transaction():
        if mention.status in BROUGHT_BACK:
            Mentions(db).set_status(mention_id, "new", now)
            Relevance(db).release(mention_id, now, actor)
        Events(db).add(ABOUT_US, at=now, mention_id=mention_id, reason=f"from {via}" if via else "", actor=actor)
        if note.strip():
            Notes(db).add(mention_id, at=now, author=actor, text=note.strip())
    return mention
