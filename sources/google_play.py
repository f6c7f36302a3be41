"""The owner's Google Play reviews, from the Play Developer API (`reviews.list`), with the developer's replies.

A review whose comments include a `developerComment` was answered on Play, so its mention becomes `responded` with
the reply time. The API returns only reviews created or edited in the last week, newest activity first, so the
source should run at least daily. Authentication is a service account (JWT bearer grant) that was granted access
to the app in the Play Console; the access token is kept in memory until shortly before it expires.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig
from sources.bearer import GoogleAPISource
from sources.cursors import HighWater, activity
from sources.http import HttpFetcher
from sources.items import MAX_PAGES, Batch, collect, expect
from sources.numbers import engagement, rating
from sources.times import parse_time

API = "https://androidpublisher.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/androidpublisher"


class GooglePlayConfig(APISourceConfig):
    package_name: str
    service_account: str  # the JSON key's text, or a path to it


def parse(data: Any, package_name: str | None = None) -> tuple[Item, ...]:
    """Reviews of a `reviews.list` response."""
    return parse_batch(data, package_name).items


def parse_batch(data: Any, package_name: str | None = None) -> Batch:
    body = expect(data, dict, "google play reviews")
    reviews = expect(body.get("reviews", []), list, "google play reviews list")  # absent when there are none
    pagination = body.get("tokenPagination") if isinstance(body.get("tokenPagination"), dict) else {}
    token = pagination.get("nextPageToken")
    return collect(reviews, lambda r: _item(r, package_name), token if isinstance(token, str) and token else None)


def _when(stamp: Any) -> Any:
    """`{"seconds": "1452211023", "nanos": 815000000}`, the protobuf Timestamp as JSON."""
    return stamp.get("seconds") if isinstance(stamp, dict) else None


def _item(review: dict[str, Any], package_name: str | None) -> Item:
    comments = review["comments"]
    user = next((c["userComment"] for c in comments if "userComment" in c), None)
    if user is None:
        raise ValueError("a Play review without the user's comment")
    developer = next((c["developerComment"] for c in comments if "developerComment" in c), None)
    stars = rating(user.get("starRating"), 5.0)
    if stars is None:
        raise ValueError("a Play review always has a star rating")
    review_id = str(review["reviewId"])
    language = str(user.get("reviewerLanguage") or "").replace("_", "-").split("-")[0].lower() or None
    url = f"https://play.google.com/store/apps/details?id={quote(package_name or '')}&reviewId={quote(review_id)}"
    return Item(
        external_id=review_id,
        url=url if package_name else "",
        # Play puts the (optional) title and the body in one text, separated by a tab.
        text=str(user.get("text") or "").replace("\t", "\n").strip(),
        author=str(review.get("authorName") or ""),
        published_at=parse_time(_when(user.get("lastModified"))),
        language=language,
        rating=stars,
        rating_scale=5.0,
        engagement=engagement(likes=user.get("thumbsUpCount"), dislikes=user.get("thumbsDownCount")),
        answered_at=parse_time(_when(developer.get("lastModified"))) if developer else None,
        reply_text=str(developer.get("text") or "") if developer else None,
        extra={"app_version": user.get("appVersionName"), "device": user.get("device")},
    )


class GooglePlaySource(GoogleAPISource[GooglePlayConfig]):
    kind = "google_play"
    Config = GooglePlayConfig
    secret_keys: ClassVar[tuple[str, ...]] = ("service_account",)
    api = API
    scope = SCOPE
    credentials_key = "service_account"

    def describe(self) -> str:
        return f"google_play reviews of {self.config.package_name}"

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        url = f"{self._base()}/androidpublisher/v3/applications/{quote(self.config.package_name, safe='')}/reviews"
        params: dict[str, str | int] = {"maxResults": 100}
        mark = HighWater.load(state.cursor)
        found: list[Item] = []
        skipped = 0
        for _ in range(MAX_PAGES):
            batch = parse_batch((await self._get(http, url, params)).json(), self.config.package_name)
            found += [i for i in batch.items if mark.is_new(activity(i), i.external_id)]
            skipped += batch.skipped
            reached = any(mark.since and (when := activity(i)) and when <= mark.since for i in batch.items)
            # The API holds one week at most, so the first run may read it all (bounded); later runs stop at the mark.
            if reached or batch.next_page is None:
                break
            params["token"] = batch.next_page
        cursor = mark.advance((activity(i), i.external_id) for i in found).dump() or dict(state.cursor)
        return FetchResult(tuple(found), SourceState(cursor=cursor), skipped=skipped)
