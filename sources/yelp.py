"""Yelp reviews of one business, from the Fusion API `GET /v3/businesses/{id}/reviews` (Bearer API key).

Fusion serves at most three review *excerpts* per business (the text is cut, the `url` leads to the full review),
so the cursor remembers the ids already seen. `time_created` is "YYYY-MM-DD hh:mm:ss" in Pacific time, per Yelp's
documentation. `parse` also reads the retired v2 business response (its `reviews` array of excerpts, unix times),
which is the only real captured Yelp review body we have.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig, Source
from sources.cursors import remember, seen_list, unseen
from sources.http import HttpFetcher
from sources.items import Batch, collect, expect
from sources.numbers import rating
from sources.times import parse_time

API = "https://api.yelp.com"
PACIFIC = ZoneInfo("America/Los_Angeles")


class YelpConfig(APISourceConfig):
    business_id: str  # the id or alias, e.g. "urban-curry-san-francisco"
    api_key: str
    locale: str | None = None  # e.g. "ja_JP": reviews in that language


def parse(data: Any) -> tuple[Item, ...]:
    """Reviews of a Fusion `/reviews` response (or of a legacy v2 business response)."""
    return parse_batch(data).items


def parse_batch(data: Any) -> Batch:
    body = expect(data, dict, "yelp reviews")
    business_url = str(body.get("url") or "")  # v2 business responses: the reviews have no url of their own
    reviews = expect(body.get("reviews"), list, "yelp reviews list")
    return collect(reviews, lambda r: _item(r, business_url))


def _item(review: dict[str, Any], business_url: str) -> Item:
    user = review.get("user") or {}
    stars = rating(review.get("rating"), 5.0)
    if stars is None:
        raise ValueError("a Yelp review always has a rating")
    return Item(
        external_id=str(review["id"]),
        url=str(review.get("url") or business_url),
        text=str(review.get("text") or review.get("excerpt") or ""),
        author=str(user.get("name") or ""),
        published_at=parse_time(review.get("time_created"), naive_tz=PACIFIC),
        rating=stars,
        rating_scale=5.0,
        extra={"excerpt": True},  # Fusion never gives the whole text
    )


class YelpSource(Source[YelpConfig]):
    kind = "yelp"
    Config = YelpConfig
    secret_keys: ClassVar[tuple[str, ...]] = ("api_key",)

    def describe(self) -> str:
        return f"yelp reviews of {self.config.business_id}"

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        base = (self.config.base_url or API).rstrip("/")
        url = f"{base}/v3/businesses/{quote(self.config.business_id, safe='')}/reviews"
        params: dict[str, str | int] = {"limit": 20, "sort_by": "newest"}
        if self.config.locale:
            params["locale"] = self.config.locale
        response = await http.get(url, params=params, headers={"Authorization": f"Bearer {self.config.api_key}"})
        batch = parse_batch(response.json())
        seen = seen_list(state.cursor)
        fresh = unseen(batch.items, seen)
        language = self.config.locale.split("_")[0] if self.config.locale else None
        if language:
            fresh = tuple(_with_language(i, language) for i in fresh)
        return FetchResult(fresh, SourceState(cursor={"seen": remember(seen, fresh)}), skipped=batch.skipped)


def _with_language(item: Item, language: str) -> Item:
    return replace(item, language=language)
