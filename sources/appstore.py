"""App Store customer reviews from Apple's public feed, one or several storefronts (countries).

    {base}/{country}/rss/customerreviews/page={n}/id={app_id}/sortby=mostrecent/json

The feed holds at most 10 pages of 50 reviews; asking for page 11 returns the plain-text body
"CustomerReviews RSS page depth is limited to 10", and a page past the last review is a feed without `entry`. Both
mean "no more pages", not an error. Review ids grow over time, so the cursor is the newest id per storefront and
paging stops at the first page that reaches it.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, model_validator

from monitor.errors import HTTPStatusError, ParseError
from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig, Source
from sources.http import HttpFetcher
from sources.items import Batch, collect, expect
from sources.numbers import engagement, rating, to_int
from sources.text import html_to_text
from sources.times import parse_time

API = "https://itunes.apple.com"
DEPTH_LIMIT = b"CustomerReviews RSS page depth is limited"
LAST_PAGE = 10


class AppStoreConfig(APISourceConfig):
    app_id: str
    country: str | None = None
    countries: list[str] | None = None
    max_pages: int = Field(default=LAST_PAGE, ge=1, le=LAST_PAGE)

    @model_validator(mode="after")
    def _storefronts(self) -> AppStoreConfig:
        if not self.app_id.isdigit():
            raise ValueError("appstore: app_id is the number in the app's URL (apps.apple.com/.../id<app_id>)")
        if self.country and self.countries:
            raise ValueError("appstore: set `country` or `countries`, not both")
        return self

    def storefronts(self) -> list[str]:
        return [c.lower() for c in (self.countries or [self.country or "us"])]


def parse(body: bytes | Any, country: str | None = None) -> tuple[Item, ...]:
    """Reviews of one feed page (raw bytes or decoded JSON). The depth-limit body and the empty page give none."""
    return parse_batch(body, country).items


def parse_batch(body: bytes | Any, country: str | None = None) -> Batch:
    if isinstance(body, bytes):
        if body.lstrip().startswith(DEPTH_LIMIT):
            return Batch(())
        try:
            body = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ParseError("appstore: the reviews feed is neither JSON nor the page-depth notice") from None
    feed = expect(expect(body, dict, "appstore page").get("feed"), dict, "appstore feed")
    entries = feed.get("entry", [])
    if isinstance(entries, dict):  # a page with a single review has an object, not a list
        entries = [entries]
    return collect(expect(entries, list, "appstore entries"), lambda e: _item(e, country))


def _label(entry: dict[str, Any], key: str) -> Any:
    value = entry.get(key)
    return value.get("label") if isinstance(value, dict) else None


def _item(entry: dict[str, Any], country: str | None) -> Item | None:
    if "im:name" in entry:
        return None  # older feeds start with the app itself, not a review
    review_id = str(entry["id"]["label"])
    if not review_id.isdigit():
        raise ValueError("review ids are numbers; the cursor depends on it")
    content = entry.get("content") or {}
    kind = (content.get("attributes") or {}).get("type", "text")
    text = str(content.get("label") or "")
    link = entry.get("link") or {}
    if isinstance(link, list):
        link = link[0] if link else {}
    stars = rating(_label(entry, "im:rating"), 5.0)
    if stars is None:
        raise ValueError("a review without a star rating")
    return Item(
        external_id=review_id,
        url=str((link.get("attributes") or {}).get("href") or ""),  # Apple has no per-review permalink
        title=str(_label(entry, "title") or ""),
        text=html_to_text(text) if kind == "html" else text,
        author=str(entry["author"]["name"]["label"]),
        published_at=parse_time(_label(entry, "updated")),  # absent from current feeds: first-seen time then
        rating=stars,
        rating_scale=5.0,
        engagement=engagement(votes=_label(entry, "im:voteCount"), helpful=_label(entry, "im:voteSum")),
        extra={"version": _label(entry, "im:version"), "country": country},
    )


class AppStoreSource(Source[AppStoreConfig]):
    kind = "appstore"
    Config = AppStoreConfig

    def describe(self) -> str:
        return f"appstore reviews of app {self.config.app_id} in {', '.join(self.config.storefronts())}"

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        base = (self.config.base_url or API).rstrip("/")
        known = state.cursor.get("newest")
        newest: dict[str, str] = {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}
        found: list[Item] = []
        skipped = 0
        for country in self.config.storefronts():
            mark = to_int(newest.get(country))
            for page in range(1, self.config.max_pages + 1):
                url = f"{base}/{country}/rss/customerreviews/page={page}/id={self.config.app_id}/sortby=mostrecent/json"
                try:
                    body = (await http.get(url)).body
                except HTTPStatusError as exc:
                    # Past the depth limit Apple may answer with an error status instead of the notice.
                    if exc.status == 400 and page > 1:
                        break
                    raise
                batch = parse_batch(body, country)
                fresh = [i for i in batch.items if mark is None or int(i.external_id) > mark]
                found += fresh
                skipped += batch.skipped
                # First run: page 1 only. Later: stop at the page that reaches the newest review already seen.
                if mark is None or not batch.items or len(fresh) < len(batch.items):
                    break
            ids = [int(i.external_id) for i in found if i.extra.get("country") == country] + ([mark] if mark else [])
            if ids:
                newest[country] = str(max(ids))
        return FetchResult(tuple(found), SourceState(cursor={"newest": newest}), skipped=skipped)
