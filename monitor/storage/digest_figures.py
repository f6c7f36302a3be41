"""The digest's figures, counted by the database over the period: what alerts/digest/ turns into a digest.

The digest of a year-old installation reads a few hundred thousand mentions; none of them needs to become a Python
object for the counts. Each query here answers one part of the digest for one brand, aggregated in SQL (counts per
stretch of time, source and label; stars summed; aspects grouped; authors grouped), and the mentions the digest
quotes are fetched by LIMIT, ordered as the digest orders them. Plain SQL that SQLite and PostgreSQL share: `?`
placeholders, CASE for every conditional (no boolean columns, no LEAST/GREATEST), times compared as the stored
fixed-width UTC text.

What counts as the brand's history is what `Mentions.list(brand=...)` lists: every status but `irrelevant` (held
back as not about the brand). Stars are on a 5-point scale (`rating / rating_scale * 5`, a missing or zero scale
being 5), as `alerts.digest.figures.stars` says; a mention's *tone* is its sentiment, else its stars mapped onto
-1..1, else 0: how negative it is, the order of "worst" and "best" and of the recurring complaints' examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.model import Mention
from monitor.storage.database import Database, marks, to_db
from monitor.storage.mentions import Mentions

# A rating on the 5-point scale, NULL without one (or with a negative scale).
STARS = (
    "(CASE WHEN rating IS NULL THEN NULL "
    "WHEN rating_scale IS NULL OR rating_scale = 0 THEN rating / 5.0 * 5.0 "
    "WHEN rating_scale > 0 THEN rating / rating_scale * 5.0 END)"
)
TONE = (
    f"(CASE WHEN sentiment IS NOT NULL THEN sentiment WHEN {STARS} IS NOT NULL THEN ({STARS} - 3.0) / 2.0 ELSE 0.0 END)"
)
# A complaint: negative by its text, or at most 2 of 5 stars (monitor.workflow.is_complaint).
COMPLAINT = (
    "(label = 'negative' OR (rating IS NOT NULL AND "
    "rating <= (CASE WHEN rating_scale IS NULL OR rating_scale = 0 THEN 5.0 ELSE rating_scale END) * 0.4))"
)
# Answered, in the digest's sense: a platform reply, a responded/resolved event, or a status that says so.
ANSWERED = (
    "(m.answered_at IS NOT NULL OR m.status IN ('responded', 'resolved') OR EXISTS (SELECT 1 FROM events e "
    "WHERE e.mention_id = m.id AND e.type IN ('responded', 'resolved')))"
)
HISTORY = "brand = ? AND status != 'irrelevant'"
NO_ASPECTS = "('[]', '')"
ASPECTS_MIGRATION = 7  # migrations/0007_aspects.sql: from then on the pipeline stores every negative mention's aspects


@dataclass(frozen=True, slots=True)
class Tally:
    """The brand's mentions of one stretch of time (`bucket`: [boundaries[i], boundaries[i + 1])) with one source
    and one label: how many, how many with stars, and the sum of their stars."""

    bucket: int
    source: str
    label: str
    count: int
    rated: int
    stars: float


@dataclass(frozen=True, slots=True)
class Answered:
    """One answered mention of the period: when it was published and first seen, when it was first answered (the
    platform reply, the first responded/resolved event, else the status change), and whether it is a complaint."""

    published_at: datetime
    fetched_at: datetime
    first_response: datetime
    complaint: bool


@dataclass(frozen=True, slots=True)
class AnswerCounts:
    considered: int  # the period's mentions, not ignored
    resolved: int  # ... resolved, or resolved and back for a follow-up
    overdue: int  # ... complaints never answered whose deadline has come (first seen at or before `due_since`)


@dataclass(frozen=True, slots=True)
class Negative:
    """A negative mention of the period, as the recurring complaints need it: its stored aspects (a JSON list), and
    its title and text when it was stored before aspects existed (to be read again)."""

    id: int
    published_at: datetime
    tone: float
    aspects: str
    title: str | None
    text: str | None


@dataclass(frozen=True, slots=True)
class AspectTally:
    bucket: int
    aspects: str  # as stored: a JSON list
    count: int


@dataclass(frozen=True, slots=True)
class Bare:
    """A negative mention stored before aspects existed: read again."""

    bucket: int
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Author:
    """One author on one source over a stretch of time: their mentions, how many negative and positive, and when
    the newest was published (to pick which spelling of the name to show)."""

    source: str
    author: str
    count: int
    negative: int
    positive: int
    newest: datetime


def _bucket(column: str, boundaries: Sequence[datetime]) -> tuple[str, tuple[str | None, ...]]:
    """A CASE giving the index of the stretch [b[i], b[i+1]) that `column` falls in (the caller bounds the rows to
    [b[0], b[-1]))."""
    inner = boundaries[1:-1]
    if not inner:
        return "0", ()
    whens = " ".join(f"WHEN {column} < ? THEN {i}" for i in range(len(inner)))
    return f"CASE {whens} ELSE {len(inner)} END", tuple(to_db(b) for b in inner)


def _time(text: str) -> datetime:
    """A stored time (`to_db`'s fixed-width UTC text, which fromisoformat reads about 20 times faster than strptime)."""
    return datetime.fromisoformat(text)


class DigestFigures:
    def __init__(self, db: Database) -> None:
        self.db = db

    def tallies(self, brand: str, boundaries: Sequence[datetime]) -> list[Tally]:
        """The brand's mentions published in [boundaries[0], boundaries[-1]), counted per stretch between two
        consecutive boundaries, source and label."""
        bucket, params = _bucket("published_at", boundaries)
        rows = self.db.query(
            f"SELECT bucket, source, label, COUNT(*) AS n, COUNT(stars) AS rated, SUM(stars) AS stars FROM ("  # noqa: S608
            f"SELECT {bucket} AS bucket, source, label, {STARS} AS stars FROM mentions "
            f"WHERE {HISTORY} AND published_at >= ? AND published_at < ?) AS t GROUP BY bucket, source, label",
            (*params, brand, to_db(boundaries[0]), to_db(boundaries[-1])),
        )
        return [
            Tally(int(r["bucket"]), r["source"], r["label"], int(r["n"]), int(r["rated"]), float(r["stars"] or 0.0))
            for r in rows
        ]

    def extremes(self, brand: str, start: datetime, end: datetime, label: str, *, count: int) -> list[Mention]:
        """The `count` mentions of the period with this label whose tone is furthest from neutral: the lowest for
        "negative", else the highest; ties go to the newest."""
        order = "ASC" if label == "negative" else "DESC"
        return self._mentions(
            f"SELECT id FROM mentions WHERE {HISTORY} AND published_at >= ? AND published_at < ? AND label = ? "  # noqa: S608
            f"ORDER BY {TONE} {order}, published_at DESC, id DESC LIMIT ?",
            (brand, to_db(start), to_db(end), label, count),
        )

    def waiting(
        self, brand: str, statuses: Sequence[str], *, before: datetime, limit: int
    ) -> tuple[list[Mention], int]:
        """The brand's oldest `limit` mentions published before `before` with one of `statuses` (waiting for an
        answer), and how many there are in all."""
        where = f"brand = ? AND status IN ({marks(statuses)})"
        shown = self._mentions(
            f"SELECT id FROM mentions WHERE {where} AND published_at < ? ORDER BY published_at, id LIMIT ?",  # noqa: S608
            (brand, *statuses, to_db(before), limit),
        )
        if len(shown) < limit:
            return shown, len(shown)
        # All of them (the (brand, status) index alone), less the few published at or after `before` (clock skew).
        every = self.db.one(f"SELECT COUNT(*) AS n FROM mentions WHERE {where}", (brand, *statuses))  # noqa: S608
        later = self.db.one(
            f"SELECT COUNT(*) AS n FROM mentions WHERE {where} AND published_at >= ?",  # noqa: S608
            (brand, *statuses, to_db(before)),
        )
        return shown, (int(every["n"]) if every else 0) - (int(later["n"]) if later else 0)

    def answer_counts(self, brand: str, start: datetime, end: datetime, *, due_since: datetime) -> AnswerCounts:
        """The period's mentions not ignored, those resolved, and the complaints among them never answered whose
        deadline has come: first seen at or before `due_since` (`Promise.due_since(now)`)."""
        row = self.db.one(
            "SELECT COUNT(*) AS n, "  # noqa: S608
            "SUM(CASE WHEN m.status IN ('resolved', 'follow_up') THEN 1 ELSE 0 END) AS resolved, "
            f"SUM(CASE WHEN m.fetched_at <= ? AND {COMPLAINT} AND NOT {ANSWERED} THEN 1 ELSE 0 END) AS overdue "
            f"FROM mentions m WHERE {HISTORY} AND status != 'ignored' AND published_at >= ? AND published_at < ?",
            (to_db(due_since), brand, to_db(start), to_db(end)),
        )
        if row is None:
            return AnswerCounts(0, 0, 0)
        return AnswerCounts(int(row["n"]), int(row["resolved"] or 0), int(row["overdue"] or 0))

    def answered(self, brand: str, start: datetime, end: datetime) -> list[Answered]:
        """The period's answered mentions (not ignored), each with when it was first answered."""
        rows = self.db.query(
            "SELECT published_at, fetched_at, answered_at, status, status_changed_at, "  # noqa: S608
            "(SELECT MIN(e.at) FROM events e WHERE e.mention_id = m.id AND e.type IN ('responded', 'resolved')) "
            f"AS responded_at, CASE WHEN {COMPLAINT} THEN 1 ELSE 0 END AS complaint FROM mentions m "
            f"WHERE {HISTORY} AND status != 'ignored' AND published_at >= ? AND published_at < ? "
            f"AND {ANSWERED}",
            (brand, to_db(start), to_db(end)),
        )
        found = []
        for r in rows:
            first = min((t for t in (r["answered_at"], r["responded_at"]) if t is not None), default=None)
            if first is None:  # answered by its status alone: since its status changed
                first = r["status_changed_at"] or r["published_at"]
            found.append(Answered(_time(r["published_at"]), _time(r["fetched_at"]), _time(first), bool(r["complaint"])))
        return found

    def aspects_since(self) -> datetime | None:
        """When this database began storing aspects (migration 0007 was applied; None: never, or not recorded).

        A negative mention first seen since then has the aspects the pipeline found in it, none included; one seen
        before was stored without them, and is read again (`Negative`, `Bare`): the weeks before an upgrade count.
        """
        row = self.db.one("SELECT applied_at FROM schema_version WHERE version = ?", (ASPECTS_MIGRATION,))
        return _time(row["applied_at"]) if row and row["applied_at"] else None

    def _unread(self) -> tuple[str, tuple[str, ...]]:
        """The condition "stored without aspects, before aspects existed", and its parameter."""
        since = self.aspects_since()
        if since is None:
            return f"(aspects IN {NO_ASPECTS})", ()
        return f"(aspects IN {NO_ASPECTS} AND fetched_at < ?)", (to_db(since) or "",)

    def negatives(self, brand: str, start: datetime, end: datetime) -> list[Negative]:
        """The period's negative mentions: id, time, tone and stored aspects; title and text when stored before
        aspects existed."""
        unread, params = self._unread()
        rows = self.db.query(
            f"SELECT id, published_at, {TONE} AS tone, aspects, "  # noqa: S608
            f"CASE WHEN {unread} THEN title END AS title, CASE WHEN {unread} THEN text END AS text FROM mentions "
            f"WHERE {HISTORY} AND label = 'negative' AND published_at >= ? AND published_at < ?",
            (*params, *params, brand, to_db(start), to_db(end)),
        )
        return [
            Negative(int(r["id"]), _time(r["published_at"]), float(r["tone"]), r["aspects"], r["title"], r["text"])
            for r in rows
        ]

    def aspect_tallies(self, brand: str, boundaries: Sequence[datetime]) -> tuple[list[AspectTally], list[Bare]]:
        """The negative mentions of each stretch between two boundaries, counted per stored aspects (none is one
        value too); and those stored before aspects existed, with their title and text."""
        bucket, params = _bucket("published_at", boundaries)
        unread, since = self._unread()
        window = (brand, to_db(boundaries[0]), to_db(boundaries[-1]))
        where = f"{HISTORY} AND label = 'negative' AND published_at >= ? AND published_at < ?"
        grouped = self.db.query(
            f"SELECT bucket, aspects, COUNT(*) AS n FROM (SELECT {bucket} AS bucket, aspects FROM mentions "  # noqa: S608
            f"WHERE {where} AND NOT {unread}) AS t GROUP BY bucket, aspects",
            (*params, *window, *since),
        )
        bare = self.db.query(
            f"SELECT {bucket} AS bucket, title, text FROM mentions WHERE {where} AND {unread}",  # noqa: S608
            (*params, *window, *since),
        )
        return (
            [AspectTally(int(r["bucket"]), r["aspects"], int(r["n"])) for r in grouped],
            [Bare(int(r["bucket"]), r["title"], r["text"]) for r in bare],
        )

    def authors(self, brand: str, start: datetime, end: datetime) -> list[Author]:
        """The brand's authors of [start, end), per source and name as written."""
        rows = self.db.query(
            "SELECT source, author, COUNT(*) AS n, "  # noqa: S608
            "SUM(CASE WHEN label = 'negative' THEN 1 ELSE 0 END) AS negative, "
            "SUM(CASE WHEN label = 'positive' THEN 1 ELSE 0 END) AS positive, MAX(published_at) AS newest "
            f"FROM mentions WHERE {HISTORY} AND published_at >= ? AND published_at < ? GROUP BY source, author",
            (brand, to_db(start), to_db(end)),
        )
        return [
            Author(r["source"], r["author"], int(r["n"]), int(r["negative"]), int(r["positive"]), _time(r["newest"]))
            for r in rows
        ]

    def mentions(self, ids: Sequence[int]) -> list[Mention]:
        """Some mentions by id, in that order (what the digest quotes: a handful)."""
        found = (Mentions(self.db).get(i) for i in ids)
        return [m for m in found if m is not None]

    def _mentions(self, sql: str, params: tuple[object, ...]) -> list[Mention]:
        """The mentions whose ids `sql` selects, in its order."""
        return self.mentions([int(r["id"]) for r in self.db.query(sql, params)])
