"""Reddit search: posts (and comments, when a listing holds them) that mention the query, newest first.

With `client_id`/`client_secret` the source uses OAuth client credentials (application-only) against
oauth.reddit.com, which Reddit requires for reliable access; without them it reads the public `search.json`, which
Reddit limits to about 10 requests a minute and often refuses. Every request carries a User-Agent in the format
Reddit's API rules ask for, `<platform>:<app id>:<version> (by /u/<username>)`; a generic one gets throttled.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import model_validator

from monitor.errors import CredentialsError
from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig, Source
from sources.cursors import HighWater
from sources.http import HttpFetcher, HttpResponse
from sources.items import MAX_PAGES, Batch, collect, expect
from sources.numbers import engagement
from sources.ratelimits import exhausted, seconds_until_reset, server_date
from sources.text import html_to_text
from sources.times import parse_time
from sources.tokens import Token, fetch_token

WWW = "https://www.reddit.com"
OAUTH = "https://oauth.reddit.com"
APP_VERSION = "0.1.0"


class RedditConfig(APISourceConfig):
    query: str
    subreddit: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None  # the Reddit account that runs the app, named in the User-Agent as Reddit asks

    @model_validator(mode="after")
    def _both_or_neither(self) -> RedditConfig:
        if bool(self.client_id) != bool(self.client_secret):
            raise ValueError("reddit: client_id and client_secret go together (both, or neither for public access)")
        return self


def user_agent(username: str | None) -> str:
    agent = f"server:mention-monitor:v{APP_VERSION}"
    return f"{agent} (by /u/{username})" if username else agent


def parse(data: Any) -> tuple[Item, ...]:
    """Items of a Reddit listing (search, subreddit, comments): `t3` posts and `t1` comments."""
    return parse_batch(data).items


def parse_batch(data: Any) -> Batch:
    listing = expect(data, dict, "reddit listing")
    body = expect(listing.get("data"), dict, "reddit listing data")
    children = expect(body.get("children"), list, "reddit listing children")
    after = body.get("after")
    return collect(children, _item, after if isinstance(after, str) and after else None)


def _item(child: dict[str, Any]) -> Item | None:
    kind, data = child["kind"], child["data"]
    if kind not in ("t3", "t1"):
        return None  # "more" stubs and other things that are not posts or comments
    permalink = str(data["permalink"]).split("?")[0]
    if kind == "t3":
        title = str(data.get("title") or "")
        html, plain = data.get("selftext_html"), data.get("selftext")
        replies = data.get("num_comments")
    else:
        title = str(data.get("link_title") or "")
        html, plain = data.get("body_html"), data.get("body")
        replies = None
    return Item(
        external_id=str(data["name"]),
        url=WWW + permalink if permalink.startswith("/") else permalink,
        title=html_to_text(title) if "&" in title else title,
        text=html_to_text(html) if html else str(plain or ""),
        author=str(data.get("author") or ""),
        published_at=parse_time(data.get("created_utc")),
        engagement=engagement(score=data.get("score"), replies=replies),
        extra={"subreddit": data.get("subreddit"), "link": data.get("url")} if kind == "t3" else {},
    )


class RedditSource(Source[RedditConfig]):
    kind = "reddit"
    Config = RedditConfig
    secret_keys: ClassVar[tuple[str, ...]] = ("client_secret",)

    def __init__(self, config: RedditConfig) -> None:
        super().__init__(config)
        # The OAuth token lives in memory only: it must never reach the database, and asking for a new one after a
        # restart costs one request. It is replaced when Reddit rejects it.
        self._token: Token | None = None

    def describe(self) -> str:
        where = f"r/{self.config.subreddit}" if self.config.subreddit else "all of Reddit"
        auth = "OAuth" if self.config.client_id else "public"
        return f"reddit search {self.config.query!r} in {where} ({auth})"

    def _search_url(self) -> str:
        base = (self.config.base_url or (OAUTH if self.config.client_id else WWW)).rstrip("/")
        path = f"/r/{self.config.subreddit}/search" if self.config.subreddit else "/search"
        # The public site serves JSON only under the .json suffix; the OAuth host serves JSON anyway.
        return base + path + ("" if self.config.client_id else ".json")

    async def _authorization(self, http: HttpFetcher, agent: str) -> dict[str, str]:
        if not (self.config.client_id and self.config.client_secret):
            return {}
        if self._token is None:
            base = (self.config.base_url or WWW).rstrip("/")
            self._token = await fetch_token(
                http,
                base + "/api/v1/access_token",
                {"grant_type": "client_credentials"},
                auth=(self.config.client_id, self.config.client_secret),
                headers={"User-Agent": agent},
            )
        return {"Authorization": f"bearer {self._token.value}"}

    async def _get(self, http: HttpFetcher, params: dict[str, str | int]) -> HttpResponse:
        agent = user_agent(self.config.username)
        headers = {"User-Agent": agent, **await self._authorization(http, agent)}
        try:
            return await http.get(self._search_url(), params=params, headers=headers)
        except CredentialsError:
            if self._token is None:
                raise
        # A token can expire or be revoked before its stated lifetime: get a new one, once.
        self._token = None
        headers = {"User-Agent": agent, **await self._authorization(http, agent)}
        return await http.get(self._search_url(), params=params, headers=headers)

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        mark = HighWater.load(state.cursor)
        params: dict[str, str | int] = {"q": self.config.query, "sort": "new", "limit": 100, "raw_json": 1}
        if self.config.subreddit:
            params["restrict_sr"] = 1
        found: list[Item] = []
        skipped = 0
        wait: float | None = None
        for _ in range(MAX_PAGES):
            response = await self._get(http, params)
            batch = parse_batch(response.json())
            fresh = [i for i in batch.items if mark.is_new(i.published_at, i.external_id)]
            found += fresh
            skipped += batch.skipped
            if exhausted(response.headers.get("x-ratelimit-remaining")):
                wait = seconds_until_reset(response.headers.get("x-ratelimit-reset"), server_date(response.headers))
                break
            # First run: the newest page only (no flood of old posts). Later: page back until we meet known posts.
            if mark.since is None or len(fresh) < len(batch.items) or not batch.next_page:
                break
            params["after"] = batch.next_page
        cursor = mark.advance((i.published_at, i.external_id) for i in found).dump() or dict(state.cursor)
        return FetchResult(tuple(found), SourceState(cursor=cursor), skipped=skipped, next_check_after=wait)
