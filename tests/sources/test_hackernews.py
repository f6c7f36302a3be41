from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.errors import HTTPStatusError, ParseError
from monitor.model import SourceState
from sources.hackernews import HackerNewsConfig, HackerNewsSource, parse, parse_batch
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import json_reply, real_json, run

BRAND = "hackernews_algolia/ajt10_hn_search_query-anthropic_2026-08-08.json"
BY_DATE = "hackernews_algolia/krugis_hn_search_by_date_query-AI_2026-08-09.json"


def test_parse_brand_query_stories_with_points_and_comment_counts() -> None:
    items = parse(real_json(BRAND))
    first = items[0]
    assert first.title == "Anthropic acquires Bun"
    assert first.external_id == "46124267"
    assert first.url == "https://news.ycombinator.com/item?id=46124267"
    assert first.author == "ryanvogel"
    assert first.engagement == {"score": 2192, "replies": 1072}
    assert first.published_at == datetime(2025, 12, 2, 18, 5, 44, tzinfo=UTC)
    assert first.extra["link"] == "https://bun.com/blog/bun-joins-anthropic"


def test_parse_story_text_is_plain_text_with_entities_decoded() -> None:
    items = parse(real_json(BY_DATE))
    assert len(items) == 5
    ask = next(i for i in items if i.external_id == "49232797")
    assert ask.text.startswith("I'm realising that Google's AI mode is the fastest")
    assert "&#x27;" not in ask.text and "<p>" not in ask.text
    show = next(i for i in items if i.external_id == "49232466")
    assert "https://tokenspend.dev/" in show.text and "<a" not in show.text


def test_parse_comment_hit_and_a_broken_hit_is_skipped() -> None:
    comment = {
        "_tags": ["comment", "author_pat", "story_1"],
        "author": "pat",
        "comment_text": "Acme Coffee&#x27;s beans were stale <i>again</i>.",
        "created_at_i": 1786293200,
        "objectID": "77",
        "story_title": "Ask HN: best coffee?",
        "points": None,
    }
    batch = parse_batch({"hits": [comment, {"title": "no objectID"}], "page": 0, "nbPages": 1})
    assert batch.skipped == 1 and batch.next_page is None
    (item,) = batch.items
    assert item.text == "Acme Coffee's beans were stale again."
    assert item.title == "Ask HN: best coffee?"
    with pytest.raises(ParseError):
        parse(["not", "a", "search", "response"])


def _hits(*ids: int, page: int = 0, pages: int = 1) -> dict[str, Any]:
    hits = [
        {"objectID": str(n), "title": f"Acme {n}", "author": "a", "created_at_i": n, "_tags": ["story"]} for n in ids
    ]
    return {"hits": hits, "page": page, "nbPages": pages, "hitsPerPage": 100}


def test_fetch_asks_search_by_date_and_then_only_since_the_newest_seen(server: LoopbackServer) -> None:
    source = HackerNewsSource(
        HackerNewsConfig(name="hn", kind="hackernews", query="Acme Coffee", base_url=server.url())
    )
    server.route("/api/v1/search_by_date", json_reply(_hits(1786293200, 1786290000, pages=50)))
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 2
    sent = server.requests[0].query
    assert sent["query"] == ["Acme Coffee"] and sent["tags"] == ["(story,comment)"]
    assert "numericFilters" not in sent and len(server.requests) == 1  # first run: newest page only

    # The overlap re-asks ten minutes before the high-water mark; what was already seen is not repeated.
    server.route("/api/v1/search_by_date", json_reply(_hits(1786293500, 1786293200)))
    second = run(lambda http: source.fetch(http, first.state))
    assert server.requests[-1].query["numericFilters"] == [f"created_at_i>{1786293200 - 600}"]
    assert [i.external_id for i in second.items] == ["1786293500"]
    assert second.state.cursor["created_at_i"] == 1786293500


def test_fetch_pages_are_bounded(server: LoopbackServer) -> None:
    def page(req: Any) -> Reply:
        n = int(req.query["page"][0])
        return json_reply(_hits(1786300000 - n, page=n, pages=40))

    server.route("/api/v1/search_by_date", page)
    source = HackerNewsSource(HackerNewsConfig(name="hn", kind="hackernews", query="x", base_url=server.url()))
    result = run(lambda http: source.fetch(http, SourceState(cursor={"created_at_i": 1786200000, "seen": []})))
    assert [r.query["page"] for r in server.requests] == [["0"], ["1"], ["2"], ["3"], ["4"]]
    assert len(result.items) == 5


def test_rate_limited_search_is_a_retryable_error_with_retry_after(server: LoopbackServer) -> None:
    server.route("/api/v1/search_by_date", Reply(429, b"Too Many Requests", {"Retry-After": "30"}))
    source = HackerNewsSource(HackerNewsConfig(name="hn", kind="hackernews", query="x", base_url=server.url()))
    with pytest.raises(HTTPStatusError) as caught:
        run(lambda http: source.fetch(http, SourceState()))
    assert caught.value.retryable and caught.value.retry_after == 30.0


def test_a_lone_surrogate_or_an_absurd_number_costs_one_field_not_the_poll(server: LoopbackServer) -> None:
    # JSON may escape a lone surrogate ("\ud800") that UTF-8, and so the database, cannot store.
    odd: dict[str, Any] = {"objectID": "2", "title": "Acme \ud800 Coffee", "author": "b\udfff", "_tags": ["story"]}
    odd |= {"points": float("inf"), "created_at_i": 1e20}  # sent as `Infinity` and `1e+20`
    server.route("/api/v1/search_by_date", json_reply({"hits": [_hits(1786293200)["hits"][0], odd], "nbPages": 1}))
    source = HackerNewsSource(HackerNewsConfig(name="hn", kind="hackernews", query="x", base_url=server.url()))
    result = run(lambda http: source.fetch(http, SourceState()))
    assert result.skipped == 0
    good, kept = result.items
    assert good.title == "Acme 1786293200"
    assert (kept.title, kept.author) == ("Acme \ufffd Coffee", "b\ufffd")
    assert kept.engagement == {} and kept.published_at is None  # unreadable, so left out rather than guessed
