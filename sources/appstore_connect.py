"""The owner's App Store reviews, from the App Store Connect API, with the developer's responses.

`GET /v1/apps/{app_id}/customerReviews?include=response&sort=-createdDate` is the complete feed (the public feed
stops at 500 reviews and has no dates), and a review with a `response` was answered by the owner, so its mention
becomes `responded` with the response time.

Authentication is a JWT signed with the team's ES256 API key (`key_id`, `issuer_id`, the `.p8` `private_key`), valid
at most 20 minutes; it is kept in memory and re-signed shortly before it expires.

The owner can answer from the inbox (`reply`, `sources.replies.Answerable`) with `POST /v1/customerReviewResponses`.
A review has at most one response and a second POST may be refused (409), so every attempt first reads the review's
response: the same text already there means an earlier attempt landed (success, nothing sent); another text means
someone answered elsewhere (refused, never overwritten from here).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from monitor.errors import FetchError, HTTPStatusError, ReplyRefused
from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig
from sources.bearer import BearerTokenSource
from sources.cursors import HighWater, activity
from sources.http import HttpFetcher
from sources.items import MAX_PAGES, Batch, collect, expect
from sources.numbers import rating
from sources.replies import check_text, reply_error, reply_json
from sources.times import parse_time
from sources.tokens import Token, sign_jwt

API = "https://api.appstoreconnect.apple.com"
LIFETIME = timedelta(minutes=20)  # Apple refuses tokens that live longer


class AppStoreConnectConfig(APISourceConfig):
    app_id: str
    issuer_id: str
    key_id: str
    private_key: str  # the .p8 file's PEM text


def parse(data: Any, app_id: str | None = None) -> tuple[Item, ...]:
    """Reviews of a `customerReviews` response, joined with their `customerReviewResponses` from `included`."""
    return parse_batch(data, app_id).items


def parse_batch(data: Any, app_id: str | None = None) -> Batch:
    body = expect(data, dict, "app store connect reviews")
    reviews = expect(body.get("data"), list, "app store connect data")
    included = body.get("included") if isinstance(body.get("included"), list) else []
    responses = {
        str(r.get("id")): r.get("attributes") or {}
        for r in included
        if isinstance(r, dict) and r.get("type") == "customerReviewResponses"
    }
    links = body.get("links") if isinstance(body.get("links"), dict) else {}
    next_url = links.get("next") if isinstance(links.get("next"), str) else None
    return collect(reviews, lambda r: _item(r, responses, app_id), next_url)


def _item(review: dict[str, Any], responses: dict[str, dict[str, Any]], app_id: str | None) -> Item:
    if review.get("type") != "customerReviews":
        raise ValueError("not a customer review")
    attributes = review["attributes"]
    link = ((review.get("relationships") or {}).get("response") or {}).get("data")
    response = responses.get(str(link.get("id"))) if isinstance(link, dict) else None
    stars = rating(attributes.get("rating"), 5.0)
    if stars is None:
        raise ValueError("a review without a star rating")
    return Item(
        external_id=str(review["id"]),
        url=f"https://apps.apple.com/app/id{app_id}?see-all=reviews" if app_id else "",
        title=str(attributes.get("title") or ""),
        text=str(attributes.get("body") or ""),
        author=str(attributes.get("reviewerNickname") or ""),
        published_at=parse_time(attributes.get("createdDate")),
        rating=stars,
        rating_scale=5.0,
        # A response waiting for Apple's review (PENDING_PUBLISH) still means the owner has answered.
        answered_at=parse_time(response.get("lastModifiedDate")) if response else None,
        reply_text=str(response.get("responseBody") or "") if response else None,
        extra={"territory": attributes.get("territory"), "response_state": response.get("state") if response else None},
    )


class AppStoreConnectSource(BearerTokenSource[AppStoreConnectConfig]):
    kind = "appstore_connect"
    Config = AppStoreConnectConfig
    secret_keys: ClassVar[tuple[str, ...]] = ("private_key",)
    reply_limit: ClassVar[int | None] = None
    where: ClassVar[str] = "the App Store"

    def describe(self) -> str:
        return f"appstore_connect reviews of app {self.config.app_id}"

    def _base(self) -> str:
        return (self.config.base_url or API).rstrip("/")

    async def reply(self, http: HttpFetcher, external_id: str, text: str) -> datetime | None:
        """Create the developer's response, unless an earlier attempt already did; returns its `lastModifiedDate`."""
        check_text(text, self.reply_limit, self.where)
        body = {
            "data": {
                "type": "customerReviewResponses",
                "attributes": {"responseBody": text},
                "relationships": {"review": {"data": {"type": "customerReviews", "id": external_id}}},
            }
        }
        try:
            existing = await self._response_to(http, external_id)
            if existing is not None:
                return _confirm(existing, text)
            try:
                created = await self._send(http, "POST", f"{self._base()}/v1/customerReviewResponses", body)
            except HTTPStatusError as exc:
                # Someone (or an attempt we lost track of) responded between our read and our POST.
                existing = await self._response_to(http, external_id) if exc.status == 409 else None
                if existing is None:
                    raise
                return _confirm(existing, text)
        except FetchError as exc:
            raise reply_error(exc, self.where) from exc
        return _response_time(reply_json(created))

    async def _response_to(self, http: HttpFetcher, review_id: str) -> dict[str, Any] | None:
        """The attributes of the review's response (`GET /v1/customerReviews/{id}/response`), None when it has none
        (404, or JSON:API's empty `data`)."""
        url = f"{self._base()}/v1/customerReviews/{quote(review_id, safe='')}/response"
        try:
            response = await self._get(http, url, None)
        except HTTPStatusError as exc:
            if exc.status == 404:
                return None
            raise
        body = reply_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return None
        attributes = data.get("attributes")
        return attributes if isinstance(attributes, dict) else {}

    async def _new_token(self, http: HttpFetcher, now: datetime) -> Token:
        issued = int(now.timestamp())
        claims = {
            "iss": self.config.issuer_id,
            "iat": issued,
            "exp": issued + int(LIFETIME.total_seconds()),
            "aud": "appstoreconnect-v1",
        }
        signed = sign_jwt(claims, self.config.private_key, "ES256", self.config.key_id)
        return Token(signed, now + LIFETIME)

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        base = self._base()
        url: str | None = f"{base}/v1/apps/{self.config.app_id}/customerReviews"
        params: dict[str, str | int] | None = {"sort": "-createdDate", "limit": 200, "include": "response"}
        mark = HighWater.load(state.cursor)
        found: list[Item] = []
        skipped = 0
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = await self._get(http, url, params)
            batch = parse_batch(response.json(), self.config.app_id)
            found += [i for i in batch.items if mark.is_new(activity(i), i.external_id)]
            skipped += batch.skipped
            reached = any(mark.since and i.published_at and i.published_at <= mark.since for i in batch.items)
            # First run: the newest page only. Later: page back until the reviews reach the mark.
            if mark.since is None or reached:
                break
            # `links.next` is a whole URL carrying its own query; follow it only on the API's own host, because the
            # bearer token goes with it.
            url = batch.next_page if batch.next_page and _same_origin(batch.next_page, base) else None
            params = None
        cursor = mark.advance((activity(i), i.external_id) for i in found).dump() or dict(state.cursor)
        return FetchResult(tuple(found), SourceState(cursor=cursor), skipped=skipped)


def _confirm(existing: dict[str, Any], text: str) -> datetime | None:
    """An existing response with our text is our reply (an earlier attempt landed); any other text is not ours."""
    if _normal(existing.get("responseBody")) != _normal(text):
        raise ReplyRefused(
            "This review already has a different response on the App Store; change it in App Store Connect.",
            status=409,
        )
    return parse_time(existing.get("lastModifiedDate"))


def _normal(text: Any) -> str:
    return str(text or "").replace("\r\n", "\n").strip()


def _response_time(body: Any) -> datetime | None:
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    return parse_time(attributes.get("lastModifiedDate")) if isinstance(attributes, dict) else None


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)
