"""`mention-monitor ack|respond|resolve|ignore ID [--note TEXT]`: tell the monitor a mention was handled."""

from __future__ import annotations

from monitor.cli.context import Context
from monitor.cli.present import out
from monitor.errors import MonitorError
from monitor.service.app import open_db
from monitor.storage.events import Events
from monitor.storage.mentions import Mentions

STATUS_OF = {"ack": "acknowledged", "respond": "responded", "resolve": "resolved", "ignore": "ignored"}


def command(ctx: Context) -> int:
    args = ctx.args
    config = ctx.load()
    db = open_db(config)
    status = STATUS_OF[args.command]
    now = ctx.clock.now()
    try:
        mentions = Mentions(db)
        mention = mentions.get(args.mention_id)
        if mention is None:
            raise MonitorError(f"no mention with id {args.mention_id}")
        with db.transaction():
            mentions.set_status(args.mention_id, status, now)
            if status == "responded":
                mentions.set_answered(args.mention_id, now, now)  # the first answer's time counts, not a later one
            Events(db).add(status, at=now, mention_id=args.mention_id, reason=args.note or "set from the command line")
    finally:
        db.close()
    out(f"mention {args.mention_id}: {mention.status} -> {status}")
    return 0
