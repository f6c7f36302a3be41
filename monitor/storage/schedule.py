"""Sources' schedule state: due work, validators, cursors and error counters (survives restarts)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from monitor.model import SourceState
from monitor.storage.database import Database, from_db, marks, to_db


@dataclass(frozen=True, slots=True)
class SourceHealth:
    name: str
    kind: str
    next_check_at: datetime
    consecutive_errors: int
    last_error: str | None
    last_error_at: datetime | None
    last_success_at: datetime | None
    fetches_total: int
    errors_total: int
    items_total: int
    skipped_total: int
    broken_notified: bool


class Schedule:
    def __init__(self, db: Database) -> None:
        self.db = db

    def ensure(self, name: str, kind: str, now: datetime) -> None:
        """Make sure a configured source has a row; a new source is due at once."""
        self.db.execute(
            "INSERT INTO sources (name, kind, next_check_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind",
            (name, kind, to_db(now)),
        )

    def due(self, names: list[str], now: datetime) -> list[str]:
        """Configured sources whose next check has come, most overdue first."""
        if not names:
            return []
        rows = self.db.query(
            f"SELECT name FROM sources WHERE name IN ({marks(names)}) AND next_check_at <= ? ORDER BY next_check_at",  # noqa: S608
            (*names, to_db(now)),
        )
        return [row["name"] for row in rows]

    def next_due_at(self, names: list[str]) -> datetime | None:
        if not names:
            return None
        row = self.db.one(f"SELECT MIN(next_check_at) AS t FROM sources WHERE name IN ({marks(names)})", tuple(names))  # noqa: S608
        return from_db(row["t"]) if row else None

    def state(self, name: str) -> SourceState:
        row = self.db.one("SELECT etag, last_modified, cursor FROM sources WHERE name = ?", (name,))
        if row is None:
            return SourceState()
        return SourceState(etag=row["etag"], last_modified=row["last_modified"], cursor=json.loads(row["cursor"]))

    def record_success(
        self, name: str, state: SourceState, *, now: datetime, next_check_at: datetime, items: int, skipped: int
    ) -> None:
        self.db.execute(
            "UPDATE sources SET etag = ?, last_modified = ?, cursor = ?, next_check_at = ?, consecutive_errors = 0, "
            "last_success_at = ?, last_attempt_at = ?, fetches_total = fetches_total + 1, "
            "items_total = items_total + ?, skipped_total = skipped_total + ? WHERE name = ?",
            (
                state.etag,
                state.last_modified,
                json.dumps(state.cursor, sort_keys=True),
                to_db(next_check_at),
                to_db(now),
                to_db(now),
                items,
                skipped,
                name,
            ),
        )

    def record_failure(self, name: str, error: str, *, now: datetime, next_check_at: datetime) -> int:
        """Count a failed fetch; return the number of consecutive failures now."""
        self.db.execute(
            "UPDATE sources SET consecutive_errors = consecutive_errors + 1, last_error = ?, last_error_at = ?, "
            "last_attempt_at = ?, next_check_at = ?, fetches_total = fetches_total + 1, "
            "errors_total = errors_total + 1 "
            "WHERE name = ?",
            (error, to_db(now), to_db(now), to_db(next_check_at), name),
        )
        row = self.db.one("SELECT consecutive_errors FROM sources WHERE name = ?", (name,))
        return int(row["consecutive_errors"]) if row else 0

    def set_broken_notified(self, name: str, notified: bool) -> None:
        self.db.execute("UPDATE sources SET broken_notified = ? WHERE name = ?", (int(notified), name))

    def health(self, name: str) -> SourceHealth | None:
        rows = self._health("WHERE name = ?", (name,))
        return rows[0] if rows else None

    def all_health(self) -> list[SourceHealth]:
        return self._health("ORDER BY name", ())

    def _health(self, where: str, params: tuple[str, ...]) -> list[SourceHealth]:
        rows = self.db.query(f"SELECT * FROM sources {where}", params)  # noqa: S608
        return [
            SourceHealth(
                name=r["name"],
                kind=r["kind"],
                next_check_at=from_db(r["next_check_at"]),  # type: ignore[arg-type]
                consecutive_errors=r["consecutive_errors"],
                last_error=r["last_error"],
                last_error_at=from_db(r["last_error_at"]),
                last_success_at=from_db(r["last_success_at"]),
                fetches_total=r["fetches_total"],
                errors_total=r["errors_total"],
                items_total=r["items_total"],
                skipped_total=r["skipped_total"],
                broken_notified=bool(r["broken_notified"]),
            )
            for r in rows
        ]
