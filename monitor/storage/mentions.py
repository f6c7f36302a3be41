"""Mentions, their sightings (dedup), and their answer status."""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.model import Mention
from monitor.storage.database import Database, Row, from_db, marks, to_db

# Spelled out before the class: inside it, `list` names the method.
MentionList = list[Mention]
Names = list[str]
MAX_ID = 2**63 - 1  # the largest id SQLite and PostgreSQL (bigint) store

# The columns a new mention is stored with (the rest have defaults: assignee, ...).
_COLUMNS = (
    "source", "kind", "external_id", "url", "title", "text", "author", "published_at", "fetched_at", "language",
    "rating", "rating_scale", "brand", "sentiment", "label", "status", "status_changed_at", "fingerprint",
    "engagement", "answered_at", "aspects",
)  # fmt: skip
_INSERT = f"INSERT INTO mentions ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) RETURNING id"  # noqa: S608
_SIGHTING_COLUMNS = ("source", "external_id", "mention_id", "seen_at")
_SIGHTING = (
    "INSERT INTO sightings (source, external_id, mention_id, seen_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (source, external_id) DO NOTHING"
)
# Values per IN list of a dedup query: far inside both backends' limits on parameters (SQLite 32,766, PostgreSQL
# 65,535).
ROWS_PER_STATEMENT = 200

# Needs an answer: not answered yet, and negative (by its text, or at most 2 of 5 stars).
ATTENTION = (
    "status IN ('new', 'alerted', 'acknowledged') AND (label = 'negative' OR "
    "(rating IS NOT NULL AND rating <= COALESCE(rating_scale, 5) * 0.4))"
)


@dataclass(frozen=True)
class InboxQuery:
    """What the inbox shows: filters (None or "" = any), a search text, and which page."""

    brand: str | None = None
    status: str | None = None
    source: str | None = None
    label: str | None = None
    language: str | None = None
    assignee: str | None = None  # "-" = nobody
    attention: bool = False  # only what needs an answer
    search: str = ""
    page: int = 0
    per_page: int = 25


@dataclass(frozen=True, slots=True)
class Known:
    """What the database holds of a batch of items from one source (`Mentions.known`): the mention each is a sighting
    of, by external id; and the first mention (lowest id) with each URL and with each content fingerprint."""

    sightings: dict[str, int]
    urls: dict[str, int]
    fingerprints: dict[str, int]


class Mentions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def find_duplicate(self, source: str, external_id: str, url: str | None, fingerprint: str) -> int | None:
        """The id of a stored mention this item is another sighting of: same item, same page, or same story.

        `url` is only given where it identifies one story (a news article); review and comment sources often give
        every item the same page URL, so for them only the id and the content fingerprint count.
        """
        self.db.exclusive(f"mention:{fingerprint}")  # another instance storing the same story waits for us
        if url:
            self.db.exclusive(f"mention-url:{url}")
        row = self.db.one(
            "SELECT mention_id FROM sightings WHERE source = ? AND external_id = ?", (source, external_id)
        )
        if row:
            return int(row["mention_id"])
        if url:
            row = self.db.one("SELECT id FROM mentions WHERE url = ? ORDER BY id LIMIT 1", (url,))
            if row:
                return int(row["id"])
        row = self.db.one("SELECT id FROM mentions WHERE fingerprint = ? ORDER BY id LIMIT 1", (fingerprint,))
        return int(row["id"]) if row else None

    def lock_stories(self, fingerprints: Iterable[str], urls: Iterable[str]) -> None:
        """Inside a transaction: `find_duplicate`'s locks for a whole batch, in one statement. Every instance takes
        them in one order (the fingerprints sorted, then the URLs sorted; `find_duplicate` too takes a fingerprint
        before a URL), so two instances storing overlapping batches never wait for each other in a circle."""
        keys = [f"mention:{f}" for f in sorted(set(fingerprints))]
        keys += [f"mention-url:{u}" for u in sorted({u for u in urls if u})]
        self.db.exclusive(*keys)

    def known(
        self, source: str, external_ids: Collection[str], urls: Collection[str], fingerprints: Collection[str]
    ) -> Known:
        """What `find_duplicate` looks up, for a whole batch of one source's items: one query per
        ROWS_PER_STATEMENT items rather than up to three per item."""
        found = Known({}, {}, {})
        ids, links, prints = list(external_ids), [u for u in urls if u], list(fingerprints)
        for start in range(0, max(len(ids), len(links), len(prints)), ROWS_PER_STATEMENT):
            part = slice(start, start + ROWS_PER_STATEMENT)
            some_ids, some_links, some_prints = ids[part], links[part], prints[part]
            rows = self.db.query(
                "SELECT 's' AS kind, external_id AS value, mention_id AS id FROM sightings "  # noqa: S608
                f"WHERE source = ? AND external_id IN ({marks(some_ids)}) "
                f"UNION ALL SELECT 'u', url, MIN(id) FROM mentions WHERE url IN ({marks(some_links)}) GROUP BY url "
                "UNION ALL SELECT 'f', fingerprint, MIN(id) FROM mentions "
                f"WHERE fingerprint IN ({marks(some_prints)}) GROUP BY fingerprint",
                (source, *some_ids, *some_links, *some_prints),
            )
            table = {"s": found.sightings, "u": found.urls, "f": found.fingerprints}
            for row in rows:
                table[row["kind"]][row["value"]] = int(row["id"])
        return found

    def add_sighting(self, mention_id: int, source: str, external_id: str, now: datetime) -> bool:
        """Record that `source` showed this mention; False when that sighting was already known."""
        cursor = self.db.execute(_SIGHTING, (source, external_id, mention_id, to_db(now)))
        return cursor.rowcount > 0

    def add_sightings(self, sightings: Sequence[tuple[int, str, str, datetime]]) -> None:
        """`add_sighting` for each (mention id, source, external id, now), in order, in one statement."""
        rows = [(source, external_id, mention_id, to_db(at)) for mention_id, source, external_id, at in sightings]
        self.db.insert_rows("sightings", _SIGHTING_COLUMNS, rows, suffix="ON CONFLICT (source, external_id) DO NOTHING")

    def insert(self, m: Mention) -> Mention:
        row = self.db.one(_INSERT, _values(m))
        assert row is not None
        mention_id = int(row["id"])
        self.add_sighting(mention_id, m.source, m.external_id, m.fetched_at)
        return m.replace(id=mention_id)

    def insert_many(self, mentions: Sequence[Mention]) -> list[Mention]:
        """`insert` for each of `mentions`, in order, in one statement (and one for their sightings). No two may share
        a source and external id (they would be one mention)."""
        if len({(m.source, m.external_id) for m in mentions}) != len(mentions):
            raise ValueError("two new mentions share a source and external id")
        rows = self.db.insert_rows(
            "mentions", _COLUMNS, [_values(m) for m in mentions], suffix="RETURNING id, source, external_id"
        )
        ids = {(r["source"], r["external_id"]): int(r["id"]) for r in rows}  # RETURNING's order is not promised
        stored = [m.replace(id=ids[m.source, m.external_id]) for m in mentions]
        self.add_sightings([(ids[m.source, m.external_id], m.source, m.external_id, m.fetched_at) for m in mentions])
        return stored

    def get(self, mention_id: int) -> Mention | None:
        if not 0 < mention_id <= MAX_ID:  # /m/99999999999999999999: no such mention (SQLite cannot even compare it)
            return None
        row = self.db.one("SELECT * FROM mentions WHERE id = ?", (mention_id,))
        return _mention(row) if row else None

    def list(
        self,
        *,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        brand: str | None = None,
        limit: int | None = None,
        held: bool = False,  # with the mentions held back as not about the brand
        aspect: str | None = None,
    ) -> MentionList:
        clauses: list[str] = []
        params: list[str | None] = []
        if aspect:
            # A JSON array of names: the quoted name, with LIKE's wildcards escaped ("order_delivery" has one).
            clauses.append("aspects LIKE ? ESCAPE '\\'")
            params.append("%" + json.dumps(aspect).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if status:
            clauses.append("status = ?")
            params.append(status)
        elif not held:  # held back as not about the brand: only when asked for (spikes, digests skip them)
            clauses.append("status != 'irrelevant'")
        if since:
            clauses.append("published_at >= ?")
            params.append(to_db(since))
        if until:
            clauses.append("published_at < ?")
            params.append(to_db(until))
        if brand:
            clauses.append("brand = ?")
            params.append(brand)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        tail = f" LIMIT {int(limit)}" if limit else ""
        rows = self.db.query(f"SELECT * FROM mentions {where} ORDER BY published_at DESC, id DESC{tail}", tuple(params))  # noqa: S608
        return [_mention(r) for r in rows]

    def unanswered(self, statuses: tuple[str, ...] = ("new", "alerted", "acknowledged")) -> MentionList:
        rows = self.db.query(
            f"SELECT * FROM mentions WHERE status IN ({marks(statuses)}) ORDER BY published_at",  # noqa: S608
            statuses,
        )
        return [_mention(r) for r in rows]

    def seen_between(
        self, after: datetime, until: datetime, *, after_id: int | None = None, limit: int = 500
    ) -> MentionList:
        """A page of the mentions first seen after `after` and at or before `until`, oldest first (by first-seen,
        then id); the next page: `after` and `after_id` of the last one returned. What an escalation timer reads,
        through the first-seen index (migration 0008) alone: a status condition here would tempt SQLite's planner
        onto the status index, which holds nearly every mention, so the caller picks statuses from the page."""
        later = "fetched_at > ?" if after_id is None else "fetched_at >= ? AND (fetched_at > ? OR id > ?)"
        params: tuple[object, ...] = (to_db(after),) if after_id is None else (to_db(after), to_db(after), after_id)
        rows = self.db.query(
            f"SELECT * FROM mentions WHERE {later} AND fetched_at <= ? ORDER BY fetched_at, id LIMIT ?",  # noqa: S608
            (*params, to_db(until), limit),
        )
        return [_mention(r) for r in rows]

    def inbox(self, view: InboxQuery, *, brands: Sequence[str] | None) -> tuple[MentionList, int]:
        """One page of the inbox and the number of mentions matching in all.

        Order: unanswered negative mentions (a negative label, or at most 2 of 5 stars) first, the one first seen
        earliest (whose response deadline comes first) on top; then everything else, newest first. `brands` is the
        viewer's restriction (None: every brand).
        """
        clauses: list[str] = []
        params: list[object] = []
        if brands is not None:
            if not brands:
                return [], 0
            clauses.append(f"brand IN ({marks(brands)})")
            params.extend(brands)
        for column, value in (
            ("brand", view.brand),
            ("status", view.status),
            ("source", view.source),
            ("label", view.label),
            ("language", view.language),
        ):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if view.assignee == "-":
            clauses.append("assignee IS NULL")
        elif view.assignee:
            clauses.append("assignee = ?")
            params.append(view.assignee)
        if view.attention:
            clauses.append(f"({ATTENTION})")
        if view.search:
            pattern = "%" + view.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            # LIKE ignores ASCII case in SQLite and none in PostgreSQL: LOWER on both sides makes both ignore it.
            like = "LOWER({}) LIKE LOWER(?) ESCAPE '\\'"
            clauses.append(f"({like.format('title')} OR {like.format('text')} OR {like.format('author')})")
            params.extend([pattern] * 3)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        total_row = self.db.one(f"SELECT COUNT(*) AS n FROM mentions {where}", tuple(params))  # noqa: S608
        # A subquery, because PostgreSQL's ORDER BY cannot use an output column (bucket) inside an expression.
        rows = self.db.query(
            f"SELECT * FROM (SELECT *, CASE WHEN {ATTENTION} THEN 0 ELSE 1 END AS bucket FROM mentions {where}) AS m "  # noqa: S608
            "ORDER BY bucket, CASE WHEN bucket = 0 THEN fetched_at END, published_at DESC, id DESC LIMIT ? OFFSET ?",
            (*params, view.per_page, view.per_page * view.page),
        )
        return [_mention(r) for r in rows], int(total_row["n"]) if total_row else 0

    def by_author(self, mention: Mention, *, limit: int = 10) -> MentionList:
        """The same author's other mentions on the same kind of source, newest first (a returning voice)."""
        if not mention.author:
            return []
        rows = self.db.query(
            "SELECT * FROM mentions WHERE kind = ? AND author = ? AND id != ? ORDER BY published_at DESC LIMIT ?",
            (mention.kind, mention.author, mention.id, limit),
        )
        return [_mention(r) for r in rows]

    def assign(self, mention_id: int, user: str | None) -> None:
        self.db.execute("UPDATE mentions SET assignee = ? WHERE id = ?", (user, mention_id))

    def values(self, column: str, *, brands: Sequence[str] | None) -> Names:
        """The distinct values of a filter column (source, language, label...), for the inbox's filter menus."""
        if column not in ("source", "language", "label", "status", "brand", "assignee"):
            raise ValueError(f"not a filter column: {column}")
        where, params = f"WHERE {column} IS NOT NULL", list[str]()
        if brands is not None:
            where += f" AND brand IN ({marks(brands)})"
            params = list(brands)
        rows = self.db.query(f"SELECT DISTINCT {column} AS v FROM mentions {where} ORDER BY v LIMIT 200", tuple(params))  # noqa: S608
        return [str(r["v"]) for r in rows]

    def set_status(self, mention_id: int, status: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE mentions SET status = ?, status_changed_at = ? WHERE id = ?", (status, to_db(now), mention_id)
        )

    def mark_alerted(self, ids: Sequence[int], now: datetime) -> None:
        """new -> alerted, decided in the UPDATE itself, so an ack that arrived during the send is never undone."""
        self.db.execute(
            "UPDATE mentions SET status = 'alerted', status_changed_at = ? "  # noqa: S608
            f"WHERE status = 'new' AND id IN ({marks(ids)})",
            (to_db(now), *ids),
        )

    def unanswered_of(self, ids: Collection[int]) -> set[int]:
        """Those of `ids` that are stored and not answered on the platform yet."""
        found: set[int] = set()
        wanted = list(ids)
        for start in range(0, len(wanted), ROWS_PER_STATEMENT):
            part = wanted[start : start + ROWS_PER_STATEMENT]
            rows = self.db.query(
                f"SELECT id FROM mentions WHERE answered_at IS NULL AND id IN ({marks(part)})",  # noqa: S608
                tuple(part),
            )
            found.update(int(r["id"]) for r in rows)
        return found

    def set_answered(self, mention_id: int, answered_at: datetime, now: datetime) -> None:
        """The owner answered on the platform: the mention is responded, at the platform's reply time."""
        self.db.execute(
            "UPDATE mentions SET answered_at = COALESCE(answered_at, ?), status = CASE WHEN status IN "
            "('resolved', 'ignored') THEN status ELSE 'responded' END, status_changed_at = ? WHERE id = ?",
            (to_db(answered_at), to_db(now), mention_id),
        )

    def count(self) -> int:
        row = self.db.one("SELECT COUNT(*) AS n FROM mentions")
        return int(row["n"]) if row else 0


def _values(m: Mention) -> tuple[object, ...]:
    """A new mention's values, in the order of _COLUMNS."""
    return (
        m.source,
        m.kind,
        m.external_id,
        m.url,
        m.title,
        m.text,
        m.author,
        to_db(m.published_at),
        to_db(m.fetched_at),
        m.language,
        m.rating,
        m.rating_scale,
        m.brand,
        m.sentiment,
        m.label,
        m.status,
        to_db(m.status_changed_at),
        m.fingerprint,
        json.dumps(m.engagement, sort_keys=True),
        to_db(m.answered_at),
        json.dumps(list(m.aspects)),
    )


def _mention(row: Row) -> Mention:
    published = from_db(row["published_at"])
    fetched = from_db(row["fetched_at"])
    assert published is not None and fetched is not None
    return Mention(
        id=row["id"],
        source=row["source"],
        kind=row["kind"],
        external_id=row["external_id"],
        url=row["url"],
        title=row["title"],
        text=row["text"],
        author=row["author"],
        published_at=published,
        fetched_at=fetched,
        language=row["language"],
        rating=row["rating"],
        rating_scale=row["rating_scale"],
        brand=row["brand"],
        sentiment=row["sentiment"],
        label=row["label"],
        status=row["status"],
        fingerprint=row["fingerprint"],
        engagement={} if row["engagement"] == "{}" else json.loads(row["engagement"]),
        answered_at=from_db(row["answered_at"]),
        status_changed_at=from_db(row["status_changed_at"]),
        assignee=row["assignee"],
        aspects=_aspects(row["aspects"]),
    )


@functools.lru_cache(maxsize=1024)
def _aspects(text: str | None) -> tuple[str, ...]:
    """A stored JSON list of aspects: a few combinations come back on every row (`mentions list` reads one a row)."""
    return tuple(json.loads(text)) if text and text != "[]" else ()
