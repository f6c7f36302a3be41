"""A mention's complaint aspects on both backends: stored and read back as given, `list(aspect=...)` finds exactly the
mentions with that aspect, and a database from before migration 0007 upgrades with none on its old rows."""

from __future__ import annotations

from monitor.storage.database import Database, open_database
from monitor.storage.mentions import Mentions
from tests.factories import make_mention


def test_aspects_read_back_as_stored(db: Database) -> None:
    mentions = Mentions(db)
    stored = mentions.insert(
        make_mention(None, external_id="a", fingerprint="fa", label="negative", aspects=("staff", "waiting"))
    )
    plain = mentions.insert(make_mention(None, external_id="b", fingerprint="fb"))
    assert stored.id is not None and plain.id is not None
    assert mentions.get(stored.id) == stored
    assert mentions.get(stored.id).aspects == ("staff", "waiting")  # type: ignore[union-attr]
    assert mentions.get(plain.id).aspects == ()  # type: ignore[union-attr]


def test_listing_by_aspect_finds_only_that_aspect(db: Database) -> None:
    mentions = Mentions(db)
    given = {
        "a": ("staff", "waiting"),
        "b": ("waiting",),
        "c": ("price",),
        "d": (),
        "e": ("wait_time",),  # a name from [aspects] with LIKE's wildcard "_" in it
        "f": ("waitxtime",),
    }
    for key, aspects in given.items():
        mentions.insert(make_mention(None, external_id=key, fingerprint=f"f{key}", aspects=aspects))
    assert sorted(m.external_id for m in mentions.list(aspect="waiting")) == ["a", "b"]
    assert [m.external_id for m in mentions.list(aspect="price")] == ["c"]
    assert [m.external_id for m in mentions.list(aspect="wait_time")] == ["e"]
    assert mentions.list(aspect="wait") == []  # a name, not a part of one
    assert len(mentions.list()) == len(given)


def test_mentions_stored_before_aspects_existed_have_none(url: str) -> None:
    old = open_database(url, migrate=False)
    try:
        old.migrate(target=6)
        old.execute(
            "INSERT INTO mentions (source, kind, external_id, url, title, text, author, published_at, fetched_at, "
            "brand, label, fingerprint) VALUES ('blogs', 'rss', 'e1', 'https://example.com/1', 'Slow', "
            "'Waited an hour', 'taro', '2026-11-16T06:00:00.000000Z', '2026-11-16T09:00:00.000000Z', 'Acme Coffee', "
            "'negative', 'f1')"
        )
    finally:
        old.close()
    db = open_database(url)
    try:
        [mention] = Mentions(db).list()
        assert mention.aspects == ()
        assert Mentions(db).list(aspect="waiting") == []
    finally:
        db.close()
