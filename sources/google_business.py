"""The owner's Google reviews, from the Business Profile API (`accounts.locations.reviews.list`), with replies.

This is the complete, answer-aware feed of Google reviews: a review with a `reviewReply` was answered by the owner
on Google, so its mention becomes `responded` with the reply time and its escalations stop.

`credentials` is a Google JSON key, given as its text or a path: a service account (JWT bearer grant) or an
authorized user (refresh-token grant, what the Business Profile API usually needs because locations are managed by
people). Access tokens are cached in memory only, until shortly before they expire. With `base_url` set, the token
endpoint is `{base_url}/token` too, so tests and proxies see every request.

The owner can answer from the inbox (`reply`, `sources.replies.Answerable`): `reviews.updateReply` PUTs the reply,
creating or replacing it, so sending the same text again after an uncertain attempt is safe. The same
`business.manage` scope covers it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from monitor.errors import FetchError, ReplyRefused
from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig
from sources.bearer import GoogleAPISource
from sources.cursors import HighWater, activity
from sources.http import HttpFetcher
from sources.items import MAX_PAGES, Batch, collect, expect
from sources.replies import check_text, reply_error, reply_json
from sources.times import parse_time

API = "https://mybusiness.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/business.manage"
STARS = {"ONE": 1.0, "TWO": 2.0, "THREE": 3.0, "FOUR": 4.0, "FIVE": 5.0}
# Reviews have no public permalink in this API; this is where the owner reads and answers them.
REVIEWS_PAGE = "https://business.google.com/reviews"
# ReviewReply.comment: "The maximum length is 4096 bytes" (UTF-8), not characters, so `reply_limit` stays None.
REPLY_MAX_BYTES = 4096


class GoogleBusinessConfig(APISourceConfig):
    account_id: str
    location_id: str
    credentials: str


def parse(data: Any) -> tuple[Item, ...]:
    """Reviews of a `reviews.list` response, with the owner's reply when there is one."""
    return parse_batch(data).items


def parse_batch(data: Any) -> Batch:
    body = expect(data, dict, "google business reviews")
    reviews = expect(body.get("reviews", []), list, "google business reviews list")  # absent when there are none
    token = body.get("nextPageToken")
    return collect(reviews, _item, token if isinstance(token, str) and token else None)


def _item(review: dict[str, Any]) -> Item:
    reviewer = review.get("reviewer") or {}
    reply = review.get("reviewReply") if isinstance(review.get("reviewReply"), dict) else None
    stars = STARS.get(str(review.get("starRating")))
    return Item(
        external_id=str(review["reviewId"]),
        url=REVIEWS_PAGE,
        text=str(review.get("comment") or ""),  # a rating without text is still a review worth knowing about
        author="Anonymous" if reviewer.get("isAnonymous") else str(reviewer.get("displayName") or ""),
        published_at=parse_time(review.get("createTime")),
        rating=stars,
        rating_scale=5.0 if stars is not None else None,
        answered_at=parse_time(reply.get("updateTime")) if reply else None,
        reply_text=str(reply.get("comment") or "") if reply else None,
        extra={"name": review.get("name"), "updated_at": review.get("updateTime")},
    )


class GoogleBusinessSource(GoogleAPISource[GoogleBusinessConfig]):
    kind = "google_business"
    Config = GoogleBusinessConfig
    secret_keys: ClassVar[tuple[str, ...]] = ("credentials",)
    api = API
    scope = SCOPE
    credentials_key = "credentials"
    reply_limit: ClassVar[int | None] = None
    where: ClassVar[str] = "Google"

    def describe(self) -> str:
        return f"google_business reviews of location {self.config.location_id}"

    def _reviews_url(self) -> str:
        return f"{self._base()}/v4/accounts/{self.config.account_id}/locations/{self.config.location_id}/reviews"

    async def reply(self, http: HttpFetcher, external_id: str, text: str) -> datetime | None:
        """PUT the owner's reply (`reviews.updateReply`); returns the ReviewReply's `updateTime`."""
        check_text(text, self.reply_limit, self.where)
        size = len(text.encode("utf-8"))
        if size > REPLY_MAX_BYTES:
            raise ReplyRefused(f"Google accepts replies of at most {REPLY_MAX_BYTES} bytes; this one has {size}.")
        url = f"{self._reviews_url()}/{quote(external_id, safe='')}/reply"
        try:
            response = await self._send(http, "PUT", url, {"comment": text})
        except FetchError as exc:
            raise reply_error(exc, self.where) from exc
        body = reply_json(response)
        return parse_time(body.get("updateTime")) if isinstance(body, dict) else None

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        url = self._reviews_url()
        params: dict[str, str | int] = {"pageSize": 50, "orderBy": "updateTime desc"}
        mark = HighWater.load(state.cursor)
        found: list[Item] = []
        skipped = 0
        for _ in range(MAX_PAGES):
            batch = parse_batch((await self._get(http, url, params)).json())
            found += [i for i in batch.items if mark.is_new(activity(i), i.external_id)]
            skipped += batch.skipped
            updated = [parse_time(i.extra.get("updated_at")) or i.published_at for i in batch.items]
            reached = any(mark.since and when and when <= mark.since for when in updated)
            # First run: the newest page only. Later: page back until the reviews reach the mark.
            if mark.since is None or reached or batch.next_page is None:
                break
            params["pageToken"] = batch.next_page
        cursor = mark.advance((activity(i), i.external_id) for i in found).dump() or dict(state.cursor)
        return FetchResult(tuple(found), SourceState(cursor=cursor), skipped=skipped)
