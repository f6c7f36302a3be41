"""Google Maps reviews of one place, from the Places API Place Details (`result.reviews`).

Google returns at most 5 reviews per call. We ask for the newest (`reviews_sort=newest`) rather than the default
"most relevant", and remember the ids of the reviews already seen, because the same few come back on every call.
Reviews have no id of their own: the author's contributor URL plus the review time identifies one.
The API reports most errors with HTTP 200 and a `status` field, which `parse` turns into the usual error tree.
"""

from __future__ import annotations

from typing import Any, ClassVar

from monitor.errors import CredentialsError, FetchError, ParseError
from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig, Source
from sources.cursors import remember, seen_list, unseen
from sources.http import HttpFetcher
from sources.items import Batch, collect, expect, stable_id
from sources.numbers import rating
from sources.times import parse_time

API = "https://maps.googleapis.com"


class GooglePlacesConfig(APISourceConfig):
    place_id: str
    api_key: str
    language: str | None = None  # reviews in this language when Google has a translation; None = as written


def parse(data: Any) -> tuple[Item, ...]:
    """Reviews of a Place Details response."""
    return parse_batch(data).items


def parse_batch(data: Any) -> Batch:
    body = expect(data, dict, "google places details")
    status = body.get("status")
    # The API's own error message is not repeated: it is safe today, but it is text we do not control.
    if status == "REQUEST_DENIED":
        raise CredentialsError("google places refused the request (REQUEST_DENIED): check the API key and its APIs")
    if status == "OVER_QUERY_LIMIT":
        raise FetchError("google places: over the query limit (OVER_QUERY_LIMIT)", retryable=True)
    if status in ("NOT_FOUND", "INVALID_REQUEST"):
        raise FetchError(f"google places: {status} (check place_id)", retryable=False)
    if status == "ZERO_RESULTS":
        return Batch(())
    if status != "OK":
        raise ParseError(f"google places: unexpected status {str(status)[:40]!r}")
    place = expect(body.get("result"), dict, "google places result")
    reviews = expect(place.get("reviews", []), list, "google places reviews")
    return collect(reviews, lambda r: _item(r, place))


def _item(review: dict[str, Any], place: dict[str, Any]) -> Item:
    author = str(review["author_name"])
    when = parse_time(review.get("time"))
    stars = rating(review.get("rating"), 5.0)
    if stars is None:
        raise ValueError("a Google review always has a rating")
    return Item(
        external_id=stable_id(review.get("author_url") or author, review.get("time")),
        url=str(place.get("url") or ""),  # the place on Google Maps; single reviews have no public link
        text=str(review.get("text") or ""),
        author=author,
        published_at=when,
        language=review.get("language") or None,
        rating=stars,
        rating_scale=5.0,
        extra={"place": place.get("name"), "translated": bool(review.get("translated"))},
    )


class GooglePlacesSource(Source[GooglePlacesConfig]):
    kind = "google_places"
    Config = GooglePlacesConfig
    secret_keys: ClassVar[tuple[str, ...]] = ("api_key",)

    def describe(self) -> str:
        return f"google_places reviews of place {self.config.place_id}"

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        url = (self.config.base_url or API).rstrip("/") + "/maps/api/place/details/json"
        params: dict[str, str | int] = {
            "place_id": self.config.place_id,
            "fields": "name,url,rating,user_ratings_total,reviews",
            "reviews_sort": "newest",
            "key": self.config.api_key,  # a query parameter by API design; HttpFetcher never shows query strings
        }
        if self.config.language:
            params["language"] = self.config.language
        batch = parse_batch((await http.get(url, params=params)).json())
        seen = seen_list(state.cursor)
        fresh = unseen(batch.items, seen)
        return FetchResult(fresh, SourceState(cursor={"seen": remember(seen, fresh)}), skipped=batch.skipped)
