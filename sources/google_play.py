"""The owner's Google Play reviews, from the Play Developer API (`reviews.list`), with the developer's replies.

A review whose comments include a `developerComment` was answered on Play, so its mention becomes `responded` with
the reply time. The API returns only reviews created or edited in the last week, newest activity first, so the
source should run at least daily. Authentication is a service account (JWT bearer grant) that was granted access
to the app in the Play Console; the access token is kept in memory until shortly before it expires.

The owner can answer from the inbox (`reply`, `sources.replies.Answerable`): `reviews.reply` sets the developer's
reply, replacing an earlier one, so sending the same text again after an uncertain attempt is safe. Play rejects
replies longer than 350 characters; we refuse them before sending.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from monitor.errors import FetchError
from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig
from sources.bearer import GoogleAPISource
from sources.cursors import HighWater, activity
from sources.http import HttpFetcher
from sources.items import MAX_PAGES, Batch, collect, expect
from sources.numbers import engagement, rating
from sources.replies import check_text, reply_error, reply_json
from sources.times import parse_time

API = "https://androidpublisher.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/androidpublisher"
REPLY_LIMIT = 350  # reviews.reply: "Replies of more than approximately 350 characters will be rejected."


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
    reply_limit: ClassVar[int | None] = REPLY_LIMIT
    where: ClassVar[str] = "Google Play"

    def describe(self) -> str:
        return f"google_play reviews of {self.config.package_name}"

    def _reviews_url(self) -> str:
        return f"{self._base()}/androidpublisher/v3/applications/{quote(self.config.package_name, safe='')}/reviews"

    async def reply(self, http: HttpFetcher, external_id: str, text: str) -> datetime | None:
        """POST the developer's reply (`reviews.reply`); returns its `lastEdited` time (whole seconds, as `fetch`
        reads the reply's time)."""
        check_text(text, self.reply_limit, self.where)
        # The review id ("gp:AOqp...") is one path segment, percent-encoded like a URI template's `{reviewId}`.
        url = f"{self._reviews_url()}/{quote(external_id, safe='')}:reply"
        try:
            response = await self._send(http, "POST", url, {"replyText": text})
        except FetchError as exc:
            raise reply_error(exc, self.where) from exc
        body = reply_json(response)
        result = body.get("result") if isinstance(body, dict) else None
        return parse_time(_when(result.get("lastEdited"))) if isinstance(result, dict) else None

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        url = self._reviews_url()
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
