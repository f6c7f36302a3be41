"""When each spike rule last fired for each brand: the cool-down that makes one storm one alert."""

from __future__ import annotations

from datetime import datetime

from monitor.storage.database import Database, from_db, to_db


class Spikes:
    def __init__(self, db: Database) -> None:
        self.db = db

    def last_fired(self, rule: str, brand: str) -> datetime | None:
        row = self.db.one("SELECT last_fired_at FROM spikes WHERE rule = ? AND brand = ?", (rule, brand))
        return from_db(row["last_fired_at"]) if row else None

    def fired(self, rule: str, brand: str, at: datetime) -> None:
        self.db.execute(
            "INSERT INTO spikes (rule, brand, last_fired_at) VALUES (?, ?, ?) "
            "ON CONFLICT (rule, brand) DO UPDATE SET last_fired_at = excluded.last_fired_at",
            (rule, brand, to_db(at)),
        )
