"""Mentions on both backends: stored as given, each story once, the inbox's order and filters, the author's history."""

from __future__ import annotations

from datetime import timedelta

from monitor.storage.database import Database
from monitor.storage.mentions import InboxQuery, Mentions
from tests.factories import NOW, make_mention


def add(mentions: Mentions, n: int, **changes: object) -> int:
    stored = mentions.insert(make_mention(None, external_id=f"r{n}", fingerprint=f"fp{n}", **changes))
    assert stored.id is not None
    return stored.id


def test_a_mention_reads_back_exactly_as_it_was_stored(db: Database) -> None:
    mentions = Mentions(db)
    given = make_mention(
        None,
        title="Jamais plus — アクメ珈琲",
        text="It's 100% cold; 'quoted' \"twice\" ? and \\ backslash",
        engagement={"likes": 3, "replies": 1},
        answered_at=NOW - timedelta(minutes=5),
        status_changed_at=NOW - timedelta(minutes=1),
        sentiment=-0.123456789,
        rating=None,
        rating_scale=None,
        language=None,
    )
    stored = mentions.insert(given)
    assert stored.id is not None
    assert mentions.get(stored.id) == stored
    assert stored.replace(id=None) == given
    assert mentions.get(stored.id + 1000) is None


def test_ids_grow_and_are_never_reused(db: Database) -> None:
    mentions = Mentions(db)
    ids = [add(mentions, n) for n in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_the_same_item_page_or_story_is_found_as_a_duplicate(db: Database) -> None:
    mentions = Mentions(db)
    first = add(mentions, 1, url="https://example.com/story")
    assert mentions.find_duplicate("app-store-jp", "r1", None, "other") == first  # the same item
    assert mentions.find_duplicate("news", "x9", "https://example.com/story", "other") == first  # the same page
    assert mentions.find_duplicate("news", "x9", None, "fp1") == first  # the same story, elsewhere
    assert mentions.find_duplicate("news", "x9", "https://example.com/other", "fp-other") is None


def test_a_sighting_is_recorded_once(db: Database) -> None:
    mentions = Mentions(db)
    first = add(mentions, 1)
    assert mentions.add_sighting(first, "news", "x9", NOW)
    assert not mentions.add_sighting(first, "news", "x9", NOW)
    assert not mentions.add_sighting(first, "app-store-jp", "r1", NOW)  # insert() recorded its own sighting
    assert mentions.find_duplicate("news", "x9", None, "unrelated") == first


def test_list_filters_and_orders_newest_first(db: Database) -> None:
    mentions = Mentions(db)
    old = add(mentions, 1, published_at=NOW - timedelta(days=3), brand="Acme Coffee")
    new = add(mentions, 2, published_at=NOW - timedelta(hours=1), brand="Acme Coffee", status="resolved")
    other = add(mentions, 3, published_at=NOW - timedelta(hours=2), brand="Rival Beans")
    assert [m.id for m in mentions.list()] == [new, other, old]
    assert [m.id for m in mentions.list(status="resolved")] == [new]
    assert [m.id for m in mentions.list(since=NOW - timedelta(days=1))] == [new, other]
    assert [m.id for m in mentions.list(until=NOW - timedelta(days=1))] == [old]
    assert [m.id for m in mentions.list(brand="Rival Beans")] == [other]
    assert [m.id for m in mentions.list(limit=1)] == [new]
    assert [m.id for m in mentions.unanswered()] == [old, other]
    assert mentions.count() == 3


def test_the_inbox_puts_unanswered_complaints_first_oldest_first(db: Database) -> None:
    mentions = Mentions(db)
    praise = add(mentions, 1, label="positive", rating=5.0, sentiment=0.8, published_at=NOW - timedelta(hours=1))
    late = add(mentions, 2, fetched_at=NOW - timedelta(hours=1), published_at=NOW - timedelta(hours=2))
    early = add(mentions, 3, fetched_at=NOW - timedelta(hours=5), published_at=NOW - timedelta(hours=6))
    two_stars = add(mentions, 4, label="neutral", rating=2.0, fetched_at=NOW - timedelta(hours=3))
    ten_point = add(mentions, 5, label="neutral", rating=5.0, rating_scale=10.0, fetched_at=NOW - timedelta(hours=2))
    answered = add(mentions, 6, status="responded", published_at=NOW - timedelta(minutes=5))
    page, total = mentions.inbox(InboxQuery(), brands=None)
    assert total == 6
    # Complaints by when they were first seen (whose deadline comes first), then the rest newest first.
    assert [m.id for m in page] == [early, two_stars, late, answered, praise, ten_point]
    attention, n = mentions.inbox(InboxQuery(attention=True), brands=None)
    assert [m.id for m in attention] == [early, two_stars, late] and n == 3
    assert ten_point not in {m.id for m in attention}  # 5 of 10 is not a bad rating


def test_the_inbox_filters_searches_and_pages(db: Database) -> None:
    mentions = Mentions(db)
    for n in range(7):
        add(mentions, n, published_at=NOW - timedelta(hours=n), label="positive", rating=5.0)
    cold = add(mentions, 10, title="COLD Latte", label="positive", rating=5.0)
    mentions.assign(cold, "hanako")
    percent = add(mentions, 11, text="100% wrong_order", label="positive", rating=5.0, source="reviews")
    first, total = mentions.inbox(InboxQuery(per_page=3), brands=None)
    second, _ = mentions.inbox(InboxQuery(per_page=3, page=1), brands=None)
    assert total == 9 and len(first) == 3 and len(second) == 3 and not {m.id for m in first} & {m.id for m in second}
    assert [m.id for m in mentions.inbox(InboxQuery(search="cold latte"), brands=None)[0]] == [cold]
    assert [m.id for m in mentions.inbox(InboxQuery(search="100%"), brands=None)[0]] == [percent]
    assert [m.id for m in mentions.inbox(InboxQuery(search="g_o"), brands=None)[0]] == [percent]  # _ is literal
    assert mentions.inbox(InboxQuery(search="x%y"), brands=None) == ([], 0)
    assert [m.id for m in mentions.inbox(InboxQuery(assignee="hanako"), brands=None)[0]] == [cold]
    assert cold not in {m.id for m in mentions.inbox(InboxQuery(assignee="-"), brands=None)[0]}
    assert [m.id for m in mentions.inbox(InboxQuery(source="reviews"), brands=None)[0]] == [percent]
    assert mentions.inbox(InboxQuery(), brands=["Rival Beans"]) == ([], 0)
    assert mentions.inbox(InboxQuery(), brands=[]) == ([], 0)
    assert mentions.inbox(InboxQuery(), brands=["Acme Coffee"])[1] == 9


def test_filter_menus_list_each_value_once(db: Database) -> None:
    mentions = Mentions(db)
    add(mentions, 1, language="ja")
    add(mentions, 2, language="en")
    add(mentions, 3, language="en", brand="Rival Beans")
    add(mentions, 4, language=None)
    assert mentions.values("language", brands=None) == ["en", "ja"]
    assert mentions.values("brand", brands=["Rival Beans"]) == ["Rival Beans"]
    assert mentions.values("brand", brands=[]) == []


def test_an_author_returning_is_seen_on_the_same_kind_of_source(db: Database) -> None:
    mentions = Mentions(db)
    now = mentions.get(add(mentions, 1, author="taro"))
    before = add(mentions, 2, author="taro", published_at=NOW - timedelta(days=30))
    add(mentions, 3, author="taro", kind="rss")
    add(mentions, 4, author="jiro")
    assert now is not None
    assert [m.id for m in mentions.by_author(now)] == [before]
    assert mentions.by_author(now.replace(author="")) == []


def test_status_assignee_and_the_owners_answer(db: Database) -> None:
    mentions = Mentions(db)
    a, b, c = add(mentions, 1), add(mentions, 2), add(mentions, 3)
    mentions.set_status(b, "acknowledged", NOW)
    mentions.mark_alerted([a, b], NOW + timedelta(minutes=1))
    got_a, got_b = mentions.get(a), mentions.get(b)
    assert got_a is not None and got_a.status == "alerted" and got_a.status_changed_at == NOW + timedelta(minutes=1)
    assert got_b is not None and got_b.status == "acknowledged"  # an ack during the send is never undone
    mentions.assign(c, "hanako")
    assert (got := mentions.get(c)) is not None and got.assignee == "hanako"
    mentions.assign(c, None)
    assert (got := mentions.get(c)) is not None and got.assignee is None
    mentions.set_answered(c, NOW - timedelta(hours=1), NOW)
    mentions.set_answered(c, NOW, NOW)  # the first answer's time stays
    assert (got := mentions.get(c)) is not None and (got.status, got.answered_at) == (
        "responded",
        NOW - timedelta(hours=1),
    )
    mentions.set_status(a, "resolved", NOW)
    mentions.set_answered(a, NOW, NOW)
    assert (got := mentions.get(a)) is not None and got.status == "resolved"


def test_text_with_a_nul_character_is_stored(db: Database) -> None:
    """PostgreSQL's text cannot hold NUL (SQLite's can): text from the internet with one is still stored."""
    mentions = Mentions(db)
    stored = mentions.insert(make_mention(None, text="before\x00after"))
    assert stored.id is not None
    got = mentions.get(stored.id)
    assert got is not None and got.text in ("before\x00after", "before\ufffdafter")
