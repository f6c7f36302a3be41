"""Notes people write on a mention (the web inbox, `--note` on the command line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.storage.database import Database, from_db, to_db

MAX_NOTE = 4000  # characters; a note is for people, not for pasting a page


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    mention_id: int
    at: datetime
    author: str
    text: str


class Notes:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, mention_id: int, *, at: datetime, author: str, text: str) -> None:
        self.db.execute(
            "INSERT INTO notes (mention_id, at, author, text) VALUES (?, ?, ?, ?)",
            (mention_id, to_db(at), author, text[:MAX_NOTE]),
        )

    def of_mention(self, mention_id: int) -> list[Note]:
        rows = self.db.query("SELECT * FROM notes WHERE mention_id = ? ORDER BY at, id", (mention_id,))
        found = []
        for r in rows:
            at = from_db(r["at"])
            assert at is not None
            found.append(Note(r["id"], r["mention_id"], at, r["author"], r["text"]))
        return found
