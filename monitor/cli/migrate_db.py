"""`mention-monitor migrate-db --to postgresql://...`: copy the SQLite database into an empty PostgreSQL database.

Every table is copied with its ids (mentions, sightings, events, the outbox and its files, the notification log,
destinations' and sources' state, spikes, digests, users, notes, failed logins); the PostgreSQL sequences then
follow the copied ids. The SQLite database is first brought to the current schema, as the daemon would on start,
and its writer lock is held during the copy, so no daemon can change it meanwhile. Each table's rows are counted
on both sides and printed; a difference exits 1. A target that holds any row is refused, and a failed copy leaves
the target empty (one transaction).
"""

from __future__ import annotations

from pathlib import Path

from monitor.cli.context import Context, UsageError
from monitor.cli.present import out
from monitor.errors import StorageError
from monitor.storage.database import is_postgresql, open_database
from monitor.storage.lock import WriterLock
from monitor.storage.transfer import copy_database


def command(ctx: Context) -> int:
    target_url: str = ctx.args.to
    if not is_postgresql(target_url):
        raise UsageError("migrate-db --to takes a PostgreSQL URL: postgresql://user@host/dbname")
    given: Path | None = getattr(ctx.args, "source", None)
    source_path = str(given) if given is not None else ctx.load().monitor.database
    if is_postgresql(source_path):
        raise UsageError("the configured database is PostgreSQL already; migrate-db copies a SQLite database")
    if not Path(source_path).is_file():
        raise StorageError(f"no SQLite database at {source_path}")
    lock = WriterLock.acquire(source_path)  # a running daemon would change the database under the copy
    try:
        source = open_database(source_path)
        try:
            target = open_database(target_url)
        except StorageError:
            source.close()
            raise
        try:
            out(f"copying {source.location} (schema version {source.version}) to {target.location}")
            counts = copy_database(source, target)
        finally:
            source.close()
            target.close()
    finally:
        if lock is not None:
            lock.release()
    out(f"{'table':16} {'SQLite':>10} {'PostgreSQL':>10}")
    for count in counts:
        out(f"{count.table:16} {count.source:>10} {count.target:>10}{'' if count.ok else '  MISMATCH'}")
    wrong = [c.table for c in counts if not c.ok]
    if wrong:
        out(f"the copy is incomplete: {', '.join(wrong)} differ")
        return 1
    out(f'copied {sum(c.source for c in counts)} rows; to use it, set in [monitor]: database = "{target.location}"')
    return 0
