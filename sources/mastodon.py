"""Mastodon (and compatible servers): a hashtag timeline, or a status search with a `read:search` token.

The cursor is the newest status id seen on that instance. Later fetches ask with `min_id`, which returns the
statuses *immediately* after it (unlike `since_id`, which returns the newest ones and leaves a gap when more than a
page arrived), and page forward from there. Mastodon allows 300 requests per 5 minutes per account or IP; when
`X-RateLimit-Remaining` runs out, the source says when the window resets.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import model_validator

from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig, Source, WebURL
from sources.http import HttpFetcher
from sources.items import MAX_PAGES, Batch, collect, expect
from sources.numbers import engagement
from sources.ratelimits import exhausted, seconds_until_reset, server_date
from sources.text import html_to_text
from sources.times import parse_time

PAGE = 40  # the largest page Mastodon serves
WINDOW = 300.0  # seconds in Mastodon's rate-limit window


class MastodonConfig(APISourceConfig):
    instance: WebURL | None = None  # e.g. "https://mastodon.social"
    tag: str | None = None
    query: str | None = None
    token: str | None = None

    @model_validator(mode="after")
    def _check(self) -> MastodonConfig:
        if not (self.instance or self.base_url):
            raise ValueError("mastodon: set `instance` to the server's base URL, e.g. https://mastodon.social")
        if bool(self.tag) == bool(self.query):
            raise ValueError("mastodon: set exactly one of `tag` (public hashtag timeline) or `query` (status search)")
        if self.query and not self.token:
            raise ValueError("mastodon: `query` needs a `token` with the read:search scope")
        return self


def parse(data: Any) -> tuple[Item, ...]:
    """Items of a timeline (a JSON array of Status) or of a v2 search result (`{"statuses": [...]}`)."""
    return parse_batch(data).items


def parse_batch(data: Any) -> Batch:
    return collect(_statuses(data), _item)


def _statuses(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return list(expect(data.get("statuses"), list, "mastodon search statuses"))
    return list(expect(data, list, "mastodon timeline"))


def _item(status: dict[str, Any]) -> Item:
    # A boost carries the original post; the original is what mentions the brand.
    post = status["reblog"] if status.get("reblog") else status
    account = post["account"]
    return Item(
        external_id=str(post["uri"]),  # global across instances, so the same post via two servers is one item
        url=str(post.get("url") or post["uri"]),
        title=str(post.get("spoiler_text") or ""),  # the content warning, when the author set one
        text=html_to_text(post.get("content")),
        author=str(account.get("acct") or account.get("username") or ""),
        published_at=parse_time(post.get("created_at")),
        language=post.get("language") or None,
        engagement=engagement(
            replies=post.get("replies_count"),
            likes=post.get("favourites_count"),
            reblogs=post.get("reblogs_count"),
            followers=account.get("followers_count"),
        ),
        extra={"display_name": account.get("display_name") or "", "bot": bool(account.get("bot"))},
    )


def newest_id(ids: list[str]) -> str | None:
    """The newest status id. Mastodon ids are numeric strings, Pleroma's fixed-length sortable strings: comparing by
    (length, text) orders both correctly."""
    return max(ids, key=lambda i: (len(i), i), default=None)


class MastodonSource(Source[MastodonConfig]):
    kind = "mastodon"
    Config = MastodonConfig
    secret_keys: ClassVar[tuple[str, ...]] = ("token",)

    def describe(self) -> str:
        what = f"#{self.config.tag}" if self.config.tag else f"search {self.config.query!r}"
        return f"mastodon {what} on {self.config.instance or self.config.base_url}"

    def _endpoint(self) -> tuple[str, dict[str, str | int]]:
        base = str(self.config.base_url or self.config.instance).rstrip("/")
        if self.config.tag:
            tag = quote(self.config.tag.lstrip("#"), safe="")
            return f"{base}/api/v1/timelines/tag/{tag}", {"limit": PAGE}
        return f"{base}/api/v2/search", {"q": str(self.config.query), "type": "statuses", "limit": PAGE}

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        url, params = self._endpoint()
        headers = {"Authorization": f"Bearer {self.config.token}"} if self.config.token else {}
        newest = state.cursor.get("min_id")
        found: list[Item] = []
        skipped = 0
        wait: float | None = None
        for _ in range(MAX_PAGES):
            if newest:
                params["min_id"] = str(newest)
            response = await http.get(url, params=params, headers=headers)
            raw = _statuses(response.json())
            batch = collect(raw, _item)
            found += batch.items
            skipped += batch.skipped
            ids = [str(s["id"]) for s in raw if isinstance(s, dict) and s.get("id")]
            newest = newest_id([*ids, *([str(newest)] if newest else [])])
            if exhausted(response.headers.get("x-ratelimit-remaining")):
                reset = seconds_until_reset(response.headers.get("x-ratelimit-reset"), server_date(response.headers))
                # The window is 5 minutes; a reset further away than that is clock skew, not a reason to stop longer.
                wait = WINDOW if reset is None else min(reset, WINDOW)
                break
            # First run: the newest page only. Later: page forward until a page is not full.
            if "min_id" not in params or len(raw) < PAGE:
                break
        cursor = {"min_id": newest} if newest else dict(state.cursor)
        return FetchResult(tuple(found), SourceState(cursor=cursor), skipped=skipped, next_check_after=wait)
