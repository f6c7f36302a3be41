"""`mention-monitor ack|respond|resolve|ignore|not-about-us|followed-up ID [--note TEXT]` and `assign ID USER`: tell
the monitor what was done about a mention. Through monitor/workflow.py, as the web inbox does, so both record the same
events; the command line acts as the user "cli"."""

from __future__ import annotations

from monitor import workflow
from monitor.cli.context import Context
from monitor.cli.present import out
from monitor.errors import MonitorError
from monitor.service.parts import open_db
from monitor.storage.database import Database
from monitor.storage.mentions import Mentions
from monitor.storage.users import Users

ACTOR, VIA = "cli", "the command line"

# The command -> the workflow's action.
ACTION_OF = {
    "ack": "acknowledge",
    "respond": "respond",
    "resolve": "resolve",
    "ignore": "ignore",
    "not-about-us": "not-about-us",
    "followed-up": "follow-up-done",
}


def command(ctx: Context) -> int:
    args = ctx.args
    db = open_db(ctx.load())
    try:
        if args.command == "assign":
            return _assign(ctx, db)
        action = ACTION_OF[args.command]
        before = workflow.act(db, args.mention_id, action, now=ctx.clock.now(), actor=ACTOR, note=args.note, via=VIA)
    finally:
        db.close()
    out(f"mention {args.mention_id}: {before.status} -> {workflow.ACTIONS[action]}")
    return 0


def _assign(ctx: Context, db: Database) -> int:
    args = ctx.args
    user = None if args.user == "-" else args.user
    if user is not None and Users(db).get(user) is None:
        known = ", ".join(u.name for u in Users(db).all()) or "none yet"
        raise MonitorError(f"no user named {user!r} (users: {known}; `mention-monitor users add` adds one)")
    before = Mentions(db).get(args.mention_id)
    workflow.assign(db, args.mention_id, user, now=ctx.clock.now(), actor=ACTOR)  # no such mention: exit 1
    was = before.assignee if before is not None and before.assignee else "nobody"
    out(f"mention {args.mention_id}: assigned to {user or 'nobody'} (was: {was})")
    return 0
