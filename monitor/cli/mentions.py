"""`mention-monitor mentions list`: stored mentions, newest first, as a table or as JSON for scripts."""

from __future__ import annotations

import json
import sys

from monitor.cli.context import Context
from monitor.cli.present import MENTION_HEADER, mention_row, out
from monitor.service.app import open_db
from monitor.storage.mentions import Mentions


def command(ctx: Context) -> int:
    args = ctx.args
    config = ctx.load()
    since = ctx.clock.now() - ctx.duration("--since", args.since) if args.since else None
    db = open_db(config)
    try:
        rows = Mentions(db).list(status=args.status, since=since, brand=args.brand, limit=args.limit)
    finally:
        db.close()
    if args.json:
        sys.stdout.write(json.dumps([m.as_json() for m in rows], ensure_ascii=False, indent=2) + "\n")
        return 0
    out(MENTION_HEADER)
    for m in rows:
        out(mention_row(m))
    out(f"({len(rows)} mentions)")
    return 0
