"""Every field a stranger controls is bounded where the item is made (sources/bounds.py has the table), whatever
the source kind: what reaches matching, scoring, the database and an alert is never unbounded, never invisible."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from monitor.model import Item
from sources import bounds, rss
from sources.items import collect, item_from_json, item_to_json
from sources.text import MAX_MARKUP, html_to_text

LONG_ID = "tag:news.example,2026:" + "9" * 600

# (what a stranger sent, as Item keywords) -> (the field, what the item holds)
CASES: list[tuple[str, dict[str, Any], str, Any]] = [
    ("long title", {"title": "Acme " * 1_000}, "title", ("Acme " * 200)[: bounds.MAX_TITLE - 1].rstrip() + "…"),
    ("title on one line", {"title": "Acme\n\tCoffee\r\n opens"}, "title", "Acme Coffee opens"),
    ("long text", {"text": "x" * 50_000}, "text", "x" * (bounds.MAX_TEXT - 1) + "…"),
    ("text keeps its lines", {"text": "Line one\n\nLine\ttwo"}, "text", "Line one\n\nLine\ttwo"),
    ("long author", {"author": "A" * 500}, "author", "A" * (bounds.MAX_AUTHOR - 1) + "…"),
    ("author on one line", {"author": "Eve\nAdmin"}, "author", "Eve Admin"),
    ("long reply", {"reply_text": "r" * 30_000}, "reply_text", "r" * (bounds.MAX_TEXT - 1) + "…"),
    ("no reply stays none", {"reply_text": None}, "reply_text", None),
    ("bidi override", {"title": "Acme \u202egnp.exe"}, "title", "Acme gnp.exe"),
    ("bidi isolates", {"text": "a\u2066b\u2069c\u202ad\u202ce"}, "text", "abcde"),
    ("terminal escape", {"text": "Acme \x1b[31mred\x1b[0m\x07"}, "text", "Acme [31mred[0m"),
    ("C1 controls", {"author": "Eve\x85\x9bX"}, "author", "EveX"),
    ("NUL", {"title": "Acme\x00Coffee"}, "title", "AcmeCoffee"),
    ("lone surrogate", {"text": "Acme \ud800 coffee"}, "text", "Acme \ufffd coffee"),
    ("javascript: link", {"url": "javascript:alert(document.cookie)"}, "url", ""),
    ("JavaScript: link", {"url": " JaVaScRiPt:alert(1)"}, "url", ""),
    ("data: link", {"url": "data:text/html,<script>alert(1)</script>"}, "url", ""),
    ("relative link", {"url": "/posts/1"}, "url", ""),
    ("link without host", {"url": "https:///posts/1"}, "url", ""),
    ("link with a bad port", {"url": "https://acme.example:99999999999/x"}, "url", ""),
    ("disguised link", {"url": "https://bank.example@evil.example/login"}, "url", "https://evil.example/login"),
    (
        "link with a password",
        {"url": "https://u:p@acme.example:8443/x?q=1#f"},
        "url",
        "https://acme.example:8443/x?q=1#f",
    ),
    ("link with a space", {"url": "https://acme.example/a b"}, "url", "https://acme.example/a%20b"),
    ("link with a newline", {"url": "https://acme.example/a\nSet-Cookie: x"}, "url", ""),
    ("very long link", {"url": "https://acme.example/" + "a" * 3_000}, "url", ""),
    ("ordinary link", {"url": "https://acme.example/posts/1?id=2"}, "url", "https://acme.example/posts/1?id=2"),
    ("long id", {"external_id": LONG_ID}, "external_id", "sha256:" + hashlib.sha256(LONG_ID.encode()).hexdigest()),
    ("ordinary id", {"external_id": "t3_abc"}, "external_id", "t3_abc"),
    ("language tag", {"language": "pt-BR"}, "language", "pt-BR"),
    ("language junk", {"language": "en; DROP TABLE"}, "language", None),
    ("language too long", {"language": "en-" + "a" * 40}, "language", None),
    ("language of the wrong type", {"language": {"code": "en"}}, "language", None),
    ("long extra", {"extra": {"display_name": "n" * 5_000}}, "extra", {"display_name": "n" * 999 + "…"}),
    ("extra controls", {"extra": {"name": ["Eve\u202e", 3]}}, "extra", {"name": ["Eve", 3]}),
]


@pytest.mark.parametrize(("sent", "field", "held"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_stranger_controlled_field_is_bounded(sent: dict[str, Any], field: str, held: Any) -> None:
    item = bounds.bounded(Item(**{"external_id": "1", "url": "", **sent}))
    assert getattr(item, field) == held


def test_an_item_within_every_bound_is_returned_as_it_is() -> None:
    item = Item(
        external_id="1",
        url="https://acme.example/1",
        title="Acme",
        text="Good\ncoffee",
        author="Kenji",
        language="ja",
        extra={"display_name": "K"},
    )
    assert bounds.bounded(item) is item


def test_a_response_yields_at_most_max_items_and_counts_the_rest_as_skipped() -> None:
    batch = collect(range(bounds.MAX_ITEMS + 250), lambda n: Item(external_id=str(n), url="", text=f"post {n}"))
    assert len(batch.items) == bounds.MAX_ITEMS and batch.skipped == 250
    assert batch.items[-1].external_id == str(bounds.MAX_ITEMS - 1)


def test_an_item_that_breaks_a_bound_badly_is_skipped_not_fatal() -> None:
    def convert(n: int) -> Item:
        return Item(external_id=str(n), url="", title=None if n == 1 else "ok")  # type: ignore[arg-type]

    batch = collect(range(3), convert)
    assert [i.external_id for i in batch.items] == ["0", "2"] and batch.skipped == 1


def test_a_huge_feed_yields_its_newest_entries_whatever_their_order() -> None:
    now = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    numbers = [*range(0, 1_200, 2), *range(1, 1_200, 2)]  # neither oldest nor newest first
    entries = "".join(
        f"<item><title>Acme {n}</title><link>https://acme.example/{n}</link>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=n), usegmt=True)}</pubDate></item>"
        for n in numbers
    )
    items, skipped = rss.parse(f'<rss version="2.0"><channel>{entries}</channel></rss>'.encode())
    assert skipped == 1_200 - bounds.MAX_ITEMS
    assert sorted(int(i.title.split()[1]) for i in items) == list(range(bounds.MAX_ITEMS))


def test_html_to_text_reads_a_bounded_amount_of_markup() -> None:
    assert html_to_text("<p>" + "a" * (MAX_MARKUP * 3) + "</p>") == "a" * (MAX_MARKUP - 3)


def test_items_cross_the_worker_boundary_unchanged() -> None:
    item = Item(
        external_id="1",
        url="https://acme.example/1",
        title="Acme",
        text="ok",
        published_at=datetime(2026, 11, 16, 9, 0, tzinfo=UTC),
        answered_at=datetime(2026, 11, 17, 1, 2, 3, tzinfo=UTC),
        rating=4.0,
        rating_scale=5.0,
        engagement={"likes": 3},
        reply_text="Thanks",
        extra={"display_name": "K", "bot": False},
    )
    assert item_from_json(item_to_json(item)) == item
