"""Bluesky posts that mention the query, from `app.bsky.feed.searchPosts` (`sort=latest`, `since` the newest seen).

Search needs a session: `com.atproto.server.createSession` with the handle and an *app password* (Settings → App
Passwords), never the account password. Creating sessions is itself rate-limited (a few dozen per 5 minutes, a few
hundred a day), so the session is created once and then renewed with `refreshSession` when the server rejects the
access token. Tokens stay in memory on the source object: they are secrets, so they never go into `state.cursor`,
and after a restart one new session costs one request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import model_validator

from monitor.errors import CredentialsError, HTTPStatusError
from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig, Source
from sources.cursors import HighWater
from sources.http import HttpFetcher, HttpResponse
from sources.items import MAX_PAGES, Batch, collect, expect
from sources.numbers import engagement
from sources.times import iso, parse_time

# The entryway for accounts hosted by Bluesky; it proxies app.bsky.* calls to the AppView. Self-hosted PDS: base_url.
SESSION_HOST = "https://bsky.social"
PUBLIC_HOST = "https://api.bsky.app"  # unauthenticated AppView; search there is often refused (403)
PAGE = 100


class BlueskyConfig(APISourceConfig):
    query: str
    handle: str | None = None
    app_password: str | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> BlueskyConfig:
        if bool(self.handle) != bool(self.app_password):
            raise ValueError("bluesky: handle and app_password go together (create an app password in Settings)")
        return self


def parse(data: Any) -> tuple[Item, ...]:
    """Items of a `searchPosts` response."""
    return parse_batch(data).items


def parse_batch(data: Any) -> Batch:
    body = expect(data, dict, "bluesky searchPosts")
    posts = expect(body.get("posts"), list, "bluesky posts")
    cursor = body.get("cursor")
    return collect(posts, _item, cursor if isinstance(cursor, str) and cursor else None)


def _item(post: dict[str, Any]) -> Item:
    uri, author, record = str(post["uri"]), post["author"], post["record"]
    handle = str(author["handle"])
    langs = record.get("langs") or []
    return Item(
        external_id=uri,
        url=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
        text=str(record.get("text") or ""),  # already plain text; links and tags are facets over it
        author=handle,
        published_at=parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt")),
        language=str(langs[0]) if langs else None,
        engagement=engagement(
            likes=post.get("likeCount"),
            reposts=post.get("repostCount"),
            replies=post.get("replyCount"),
            quotes=post.get("quoteCount"),
        ),
        extra={"display_name": author.get("displayName") or "", "reply": "reply" in record},
    )


@dataclass(frozen=True, slots=True)
class _Session:
    access: str
    refresh: str


class BlueskySource(Source[BlueskyConfig]):
    kind = "bluesky"
    Config = BlueskyConfig
    secret_keys: ClassVar[tuple[str, ...]] = ("app_password",)

    def __init__(self, config: BlueskyConfig) -> None:
        super().__init__(config)
        self._session: _Session | None = None  # in memory only, see the module docstring

    def describe(self) -> str:
        who = f"as {self.config.handle}" if self.config.handle else "without a session"
        return f"bluesky search {self.config.query!r} ({who})"

    def _base(self) -> str:
        return (self.config.base_url or (SESSION_HOST if self.config.handle else PUBLIC_HOST)).rstrip("/")

    async def _open(self, http: HttpFetcher, call: str, body: Any, bearer: str | None) -> _Session:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else None
        response = await http.request("POST", f"{self._base()}/xrpc/{call}", json_body=body, headers=headers)
        data = response.json()
        if not isinstance(data, dict) or not data.get("accessJwt") or not data.get("refreshJwt"):
            raise CredentialsError(f"bluesky {call} answered without session tokens")
        return _Session(str(data["accessJwt"]), str(data["refreshJwt"]))

    async def _create(self, http: HttpFetcher) -> _Session:
        login = {"identifier": self.config.handle, "password": self.config.app_password}
        return await self._open(http, "com.atproto.server.createSession", login, None)

    async def _renew(self, http: HttpFetcher, session: _Session) -> _Session:
        try:
            return await self._open(http, "com.atproto.server.refreshSession", None, session.refresh)
        except (CredentialsError, HTTPStatusError) as exc:
            # An expired or revoked refresh token: log in again. Anything else (429, 5xx) is the caller's to retry.
            if isinstance(exc, HTTPStatusError) and exc.status != 400:
                raise
            return await self._create(http)

    async def _search(self, http: HttpFetcher, params: dict[str, str | int]) -> HttpResponse:
        url = f"{self._base()}/xrpc/app.bsky.feed.searchPosts"
        if not self.config.handle:
            return await http.get(url, params=params)
        if self._session is None:
            self._session = await self._create(http)
        try:
            return await http.get(url, params=params, headers={"Authorization": f"Bearer {self._session.access}"})
        except (CredentialsError, HTTPStatusError) as exc:
            # An expired access token comes back as 400 ExpiredToken (or 401): refresh once and try again.
            if isinstance(exc, HTTPStatusError) and exc.status != 400:
                raise
        self._session = await self._renew(http, self._session)
        return await http.get(url, params=params, headers={"Authorization": f"Bearer {self._session.access}"})

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        mark = HighWater.load(state.cursor)
        params: dict[str, str | int] = {"q": self.config.query, "sort": "latest", "limit": PAGE}
        if mark.since is not None:
            params["since"] = iso(mark.since)  # inclusive: posts at that instant are filtered by id below
        found: list[Item] = []
        skipped = 0
        for _ in range(MAX_PAGES):
            batch = parse_batch((await self._search(http, params)).json())
            found += [i for i in batch.items if mark.is_new(i.published_at, i.external_id)]
            skipped += batch.skipped
            # First run: the newest page only. Later: everything since the mark, page by page, bounded.
            if mark.since is None or batch.next_page is None or not batch.items:
                break
            params["cursor"] = batch.next_page
        cursor = mark.advance((i.published_at, i.external_id) for i in found).dump() or dict(state.cursor)
        return FetchResult(tuple(found), SourceState(cursor=cursor), skipped=skipped)
