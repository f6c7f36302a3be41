"""Brand relevance: why a mention was held back as not about its brand, and what the owner taught.

A held-back mention is stored like any other, with status 'irrelevant', and a `held_back` row with the reason;
`release` (`mention-monitor about-us`) keeps that row and notes when and by whom it was brought back. The owner's
corrections are events: 'not_about_us' (monitor.workflow's "not about us", from the command line or the inbox)
and 'about_us'; the latest one for a mention counts. `lessons` reads, per brand, what the relevance models learn
from (monitor/relevance.py), and `taught` says whether anything new was taught since they last learned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.relevance import Example, Lessons
from monitor.storage.database import Database, Row, from_db, marks, to_db

NOT_ABOUT_US, ABOUT_US, HELD_BACK = "not_about_us", "about_us", "held_back"
IRRELEVANT = "irrelevant"
# The most recent uncorrected items of each kind a brand's models learn from.
EXAMPLES_PER_BRAND = 500


@dataclass(frozen=True, slots=True)
class Hold:
    mention_id: int
    reason: str
    held_at: datetime
    released_at: datetime | None
    released_by: str | None


class Relevance:
    def __init__(self, db: Database) -> None:
        self.db = db

    def hold(self, mention_id: int, reason: str, at: datetime) -> None:
        self.db.execute(
            "INSERT INTO held_back (mention_id, reason, held_at) VALUES (?, ?, ?) "
            "ON CONFLICT (mention_id) DO UPDATE SET reason = excluded.reason, held_at = excluded.held_at, "
            "released_at = NULL, released_by = NULL",
            (mention_id, reason, to_db(at)),
        )

    def release(self, mention_id: int, at: datetime, by: str) -> None:
        self.db.execute(
            "UPDATE held_back SET released_at = ?, released_by = ? WHERE mention_id = ?", (to_db(at), by, mention_id)
        )

    def get(self, mention_id: int) -> Hold | None:
        row = self.db.one("SELECT * FROM held_back WHERE mention_id = ?", (mention_id,))
        return _hold(row) if row else None

    def reasons(self, mention_ids: Sequence[int]) -> dict[int, str]:
        """Why each of these mentions was held back (those that were)."""
        if not mention_ids:
            return {}
        rows = self.db.query(
            f"SELECT mention_id, reason FROM held_back WHERE mention_id IN ({marks(mention_ids)})",  # noqa: S608
            tuple(mention_ids),
        )
        return {int(r["mention_id"]): str(r["reason"]) for r in rows}

    def taught(self) -> int:
        """Grows with every correction the owner makes: a model that learned at an older value is out of date."""
        row = self.db.one("SELECT MAX(id) AS n FROM events WHERE type IN (?, ?)", (NOT_ABOUT_US, ABOUT_US))
        return int(row["n"]) if row and row["n"] is not None else 0

    def corrections(self) -> dict[int, bool]:
        """mention id -> the owner's latest word on it: True "about us", False "not about us"."""
        rows = self.db.query(
            "SELECT mention_id, type FROM events WHERE type IN (?, ?) AND mention_id IS NOT NULL ORDER BY id",
            (NOT_ABOUT_US, ABOUT_US),
        )
        return {int(r["mention_id"]): r["type"] == ABOUT_US for r in rows}

    def lessons(self, brands: Sequence[str], *, limit: int = EXAMPLES_PER_BRAND) -> dict[str, Lessons]:
        """What each brand's models learn from: the owner's corrections, and the latest uncorrected mentions kept
        and held back."""
        said = self.corrections()
        corrected: dict[int, tuple[str, Example]] = {}
        ids = list(said)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in self.db.query(
                f"SELECT id, brand, title, text, url FROM mentions WHERE id IN ({marks(chunk)}) ORDER BY id",  # noqa: S608
                tuple(chunk),
            ):
                corrected[int(row["id"])] = (str(row["brand"]), _example(row))
        found: dict[str, Lessons] = {}
        for brand in brands:
            mine = {i: e for i, (b, e) in corrected.items() if b == brand}
            kept = self._uncorrected(brand, "status != ?", mine, limit)
            held = self._uncorrected(brand, "status = ?", mine, limit)
            found[brand] = Lessons(
                not_about=[e for i, e in mine.items() if not said[i]],
                about=[e for i, e in mine.items() if said[i]],
                kept=kept,
                held=held,
            )
        return found

    def _uncorrected(self, brand: str, status: str, corrected: dict[int, Example], limit: int) -> list[Example]:
        rows = self.db.query(
            f"SELECT id, title, text, url FROM mentions WHERE brand = ? AND {status} ORDER BY id DESC LIMIT ?",  # noqa: S608
            (brand, IRRELEVANT, limit + len(corrected)),
        )
        return [_example(r) for r in rows if int(r["id"]) not in corrected][:limit]


def _example(row: Row) -> Example:
    return Example(str(row["title"]), str(row["text"]), str(row["url"]))


def _hold(row: Row) -> Hold:
    held_at = from_db(row["held_at"])
    assert held_at is not None
    return Hold(int(row["mention_id"]), row["reason"], held_at, from_db(row["released_at"]), row["released_by"])
