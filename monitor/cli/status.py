"""`mention-monitor status`: sources' health, the outbox's depth, destinations that fail, the last alert and digest."""

from __future__ import annotations

from monitor.cli.context import Context
from monitor.cli.present import ago, out
from monitor.service.parts import open_db
from monitor.storage.digests import Digests
from monitor.storage.instances import Instances
from monitor.storage.mentions import Mentions
from monitor.storage.outbox import Outbox
from monitor.storage.schedule import Schedule


def command(ctx: Context) -> int:
    config = ctx.load()
    db = open_db(config)
    now = ctx.clock.now()
    try:
        schedule, outbox = Schedule(db), Outbox(db)
        out(f"{'source':24} {'last success':20} {'errors':>6} {'next check':20} last error")
        for h in schedule.all_health():
            out(
                f"{h.name:24} {ago(h.last_success_at, now):20} {h.consecutive_errors:>6} "
                f"{ago(h.next_check_at, now):20} {config.redact(h.last_error or '')[:80]}"
            )
        depth = outbox.depth()
        out(
            f"outbox: {depth.get('pending', 0)} pending, {depth.get('sent', 0)} sent, {depth.get('failed', 0)} failed, "
            f"{depth.get('cancelled', 0)} cancelled (answered before they were due)"
        )
        for name in config.destinations:
            health = outbox.health(name)
            if health.consecutive_failures:
                out(
                    f"  destination {name}: failing {health.consecutive_failures}x: "
                    f"{config.redact(health.last_error or '')}"
                )
        last = outbox.last_delivery()
        out(f"last alert: {ago(last[1], now)} to {last[0]}" if last else "last alert: never")
        digest = Digests(db).last_sent()
        out(f"last digest: {ago(digest[0], now)} to {digest[1]}" if digest else "last digest: never")
        out(f"mentions stored: {Mentions(db).count()}")
        instances = Instances(db).all(now)
        out(f"instances: {len(instances) or 'none running'}")
        for i in instances:
            held = ", ".join(i.leases) or "nothing"
            claims = f", {i.outbox_claims} outbox rows" if i.outbox_claims else ""
            beat, since = ago(i.heartbeat_at, now), ago(i.started_at, now)
            out(f"  {i.id:40} heartbeat {beat:14} up since {since:14} holds {held}{claims}")
    finally:
        db.close()
    return 0
