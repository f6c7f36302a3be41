"""Copying a whole database into an empty one (`mention-monitor migrate-db`): every table, every row, ids kept.

Both databases are first at the same schema version (opening them migrates them). The copy reads the source in
one transaction (on SQLite that holds the writer lock, so nothing changes underneath) and writes the target in
one transaction, so a failed copy leaves the target as empty as it was. Then the target's id sequences are moved
past the copied ids, and every table's rows are counted on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from monitor.errors import StorageError
from monitor.storage.database import Database

# Parents before the tables that refer to them; any table not named here follows, by name.
ORDER = (
    "sources",
    "mentions",
    "sightings",
    "events",
    "outbox",
    "outbox_files",
    "deliveries",
    "destinations",
    "spikes",
    "digests",
    "users",
    "notes",
    "login_failures",
    "replies",
)

# What running daemons hold (their registrations and leases): not data. migrate-db runs only while no daemon uses the
# SQLite file (it takes the writer lock), so whatever is in these tables is stale, and copied it would stall the
# new cluster until the leases expired.
RUNTIME = ("instances", "leases")


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


def tables_in_order(names: set[str] | list[str]) -> list[str]:
    return [t for t in ORDER if t in names] + sorted(set(names) - set(ORDER))


def copy_database(
    source: Database, target: Database, *, batch: int = 500, progress: Callable[[str, int], None] | None = None
) -> list[TableCount]:
    """Copy every row of `source` into the empty `target`; returns each table's count on both sides.
    `progress(table, rows)` is told after each table."""
    if source.version != target.version:
        raise StorageError(
            f"the schema versions differ: {source.location} is at {source.version}, "
            f"{target.location} at {target.version}"
        )
    schema, theirs = source.schema(), target.schema()
    for table, columns in schema.items():
        if [c.name for c in columns] != [c.name for c in theirs.get(table, ())]:
            raise StorageError(f"table {table} has other columns in {target.location}")
    tables = tables_in_order([t for t in schema if t not in RUNTIME])
    filled = {t: n for t in tables if (n := target.count(t))}
    if filled:
        held = ", ".join(f"{n} {t}" for t, n in filled.items())
        raise StorageError(f"{target.location} is not empty ({held}); migrate-db copies into an empty database only")
    counted: dict[str, int] = {}
    with source.transaction(), target.transaction():
        for table in tables:
            names = [c.name for c in schema[table]]
            listed = ", ".join(names)
            insert = f"INSERT INTO {table} ({listed}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
            rows = 0
            for chunk in source.iterate(f"SELECT {listed} FROM {table}", size=batch):  # noqa: S608
                target.execute_many(insert, [tuple(r[n] for n in names) for r in chunk])
                rows += len(chunk)
            counted[table] = source.count(table)
            if progress is not None:
                progress(table, rows)
        target.reset_sequences()
    return [TableCount(t, counted[t], target.count(t)) for t in tables]
