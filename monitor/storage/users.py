"""The people who use the web inbox: name, password hash, and the brands they may see.

Only the hash is stored (see monitor/passwords.py); `brands` empty means every brand. `session_epoch` goes into
every session cookie, so a new password or a removal ends the user's sessions everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from monitor.storage.database import Database, Row, from_db, to_db


@dataclass(frozen=True, slots=True)
class User:
    name: str
    password_hash: str
    brands: tuple[str, ...]  # empty: every brand
    notify: str | None
    created_at: datetime
    session_epoch: int

    def may_see(self, brand: str) -> bool:
        return not self.brands or brand in self.brands

    @property
    def restriction(self) -> tuple[str, ...] | None:
        """The brands this user is restricted to, or None for every brand (what storage queries take)."""
        return self.brands or None


class Users:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, password_hash: str, *, brands: list[str], notify: str | None, now: datetime) -> bool:
        """False when a user of that name exists already."""
        cursor = self.db.execute(
            "INSERT INTO users (name, password_hash, brands, notify, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (name) DO NOTHING",
            (name, password_hash, json.dumps(brands, ensure_ascii=False), notify, to_db(now)),
        )
        return cursor.rowcount > 0

    def get(self, name: str) -> User | None:
        row = self.db.one("SELECT * FROM users WHERE name = ?", (name,))
        return _user(row) if row else None

    def all(self) -> list[User]:
        return [_user(r) for r in self.db.query("SELECT * FROM users ORDER BY name")]

    def remove(self, name: str) -> bool:
        return self.db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0

    def set_password(self, name: str, password_hash: str) -> bool:
        """A new password ends every session of the user (the epoch moves on)."""
        cursor = self.db.execute(
            "UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE name = ?",
            (password_hash, name),
        )
        return cursor.rowcount > 0

    def rehash(self, name: str, password_hash: str) -> None:
        """The same password under newer hashing parameters (sessions stay)."""
        self.db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name))

    # --- failed logins, for the login page's rate limit -----------------------------------------------------------

    def failure(self, key: str, now: datetime) -> None:
        self.db.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", (key, to_db(now)))

    def failures(self, key: str, since: datetime) -> int:
        row = self.db.one("SELECT COUNT(*) AS n FROM login_failures WHERE key = ? AND at >= ?", (key, to_db(since)))
        return int(row["n"]) if row else 0

    def forget_failures(self, before: datetime) -> None:
        self.db.execute("DELETE FROM login_failures WHERE at < ?", (to_db(before),))

    def clear_failures(self, key: str) -> None:
        self.db.execute("DELETE FROM login_failures WHERE key = ?", (key,))


def _user(row: Row) -> User:
    created = from_db(row["created_at"])
    assert created is not None
    return User(
        name=row["name"],
        password_hash=row["password_hash"],
        brands=tuple(json.loads(row["brands"])),
        notify=row["notify"],
        created_at=created,
        session_epoch=int(row["session_epoch"]),
    )
