"""Hacker News stories and comments that mention the query, from the Algolia HN Search API (`search_by_date`).

The cursor is the newest `created_at_i` seen plus the ids seen lately. We ask for a little before the high-water
mark (`OVERLAP`) because Algolia indexes some items a few minutes after their creation time: a strict
`created_at_i > newest` would miss those for good. The overlap's repeats are dropped by id.
"""

from __future__ import annotations

from typing import Any

from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig, Source
from sources.cursors import remember, seen_list, unseen
from sources.http import HttpFetcher
from sources.items import MAX_PAGES, Batch, collect, expect
from sources.numbers import engagement, to_int
from sources.text import html_to_text
from sources.times import parse_time

API = "https://hn.algolia.com"
ITEM_URL = "https://news.ycombinator.com/item?id="
OVERLAP = 600  # seconds re-asked before the high-water mark, for late-indexed items


class HackerNewsConfig(APISourceConfig):
    query: str


def parse(data: Any) -> tuple[Item, ...]:
    """Items of an Algolia HN search response: stories and comments."""
    return parse_batch(data).items


def parse_batch(data: Any) -> Batch:
    body = expect(data, dict, "hacker news search")
    hits = expect(body.get("hits"), list, "hacker news hits")
    page, pages = to_int(body.get("page")), to_int(body.get("nbPages"))
    more = page is not None and pages is not None and page + 1 < pages
    return collect(hits, _item, str(page + 1) if more and page is not None else None)


def _item(hit: dict[str, Any]) -> Item:
    object_id = str(hit["objectID"])
    tags = hit.get("_tags") or []
    if "comment" in tags or hit.get("comment_text"):
        title = str(hit.get("story_title") or "")
        text = html_to_text(hit.get("comment_text"))
        counts = engagement(score=hit.get("points"))
    else:
        title = str(hit.get("title") or "")
        text = html_to_text(hit.get("story_text"))
        counts = engagement(score=hit.get("points"), replies=hit.get("num_comments"))
    link = hit.get("url") or hit.get("story_url")
    return Item(
        external_id=object_id,
        url=ITEM_URL + object_id,
        title=title,
        text=text,
        author=str(hit.get("author") or ""),
        published_at=parse_time(hit.get("created_at_i") or hit.get("created_at")),
        engagement=counts,
        extra={"link": link} if link else {},
    )


class HackerNewsSource(Source[HackerNewsConfig]):
    kind = "hackernews"
    Config = HackerNewsConfig

    def describe(self) -> str:
        return f"hackernews search {self.config.query!r}"

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        url = (self.config.base_url or API).rstrip("/") + "/api/v1/search_by_date"
        newest = to_int(state.cursor.get("created_at_i"))
        seen = seen_list(state.cursor)
        params: dict[str, str | int] = {"query": self.config.query, "tags": "(story,comment)", "hitsPerPage": 100}
        if newest is not None:
            params["numericFilters"] = f"created_at_i>{newest - OVERLAP}"
        found: list[Item] = []
        skipped = 0
        for page in range(MAX_PAGES):
            params["page"] = page
            batch = parse_batch((await http.get(url, params=params)).json())
            found += unseen(batch.items, seen + [i.external_id for i in found])
            skipped += batch.skipped
            # First run: the newest page only, not the whole history of the query.
            if newest is None or batch.next_page is None:
                break
        times = [int(i.published_at.timestamp()) for i in found if i.published_at]
        cursor: dict[str, Any] = {"seen": remember(seen, found)}
        if times or newest is not None:
            cursor["created_at_i"] = max([*times, newest or 0])
        return FetchResult(tuple(found), SourceState(cursor=cursor), skipped=skipped)
