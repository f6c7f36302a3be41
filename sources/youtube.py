"""YouTube comments on a channel's videos, or on a list of videos, from the Data API v3 `commentThreads` (API key).

A thread whose replies include one written by the channel that owns the video is *answered*: `answered_at` is the
time of the owner's first reply. The cursor keeps, per stream (the channel, or each video), the newest activity
seen, where activity is the later of the comment and the owner's reply; so a thread the owner answers after we
first saw it comes back once more, carrying the answer, when it is still within the pages we read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import model_validator

from monitor.model import FetchResult, Item, SourceState
from sources.base import APISourceConfig, Source
from sources.cursors import HighWater, activity
from sources.http import HttpFetcher
from sources.items import MAX_PAGES, Batch, collect, expect
from sources.numbers import engagement
from sources.text import html_to_text
from sources.times import parse_time

API = "https://www.googleapis.com"


class YouTubeConfig(APISourceConfig):
    channel_id: str | None = None
    video_ids: list[str] | None = None
    api_key: str

    @model_validator(mode="after")
    def _one_target(self) -> YouTubeConfig:
        if bool(self.channel_id) == bool(self.video_ids):
            raise ValueError("youtube: set exactly one of `channel_id` (all its videos) or `video_ids`")
        return self


def parse(data: Any) -> tuple[Item, ...]:
    """Items of a `commentThreads.list` response, one per thread (its top-level comment)."""
    return parse_batch(data).items


def parse_batch(data: Any) -> Batch:
    body = expect(data, dict, "youtube commentThreads")
    threads = expect(body.get("items"), list, "youtube comment threads")
    token = body.get("nextPageToken")
    return collect(threads, _item, token if isinstance(token, str) and token else None)


def _text(snippet: dict[str, Any]) -> str:
    original = snippet.get("textOriginal")
    return str(original) if original is not None else html_to_text(snippet.get("textDisplay"))


def _author_channel(snippet: dict[str, Any]) -> str | None:
    channel = snippet.get("authorChannelId")
    return str(channel.get("value")) if isinstance(channel, dict) and channel.get("value") else None


def _item(thread: dict[str, Any]) -> Item | None:
    snippet = thread["snippet"]
    owner = snippet.get("channelId")  # the channel that owns the video
    top = snippet["topLevelComment"]
    comment = top["snippet"]
    if owner and _author_channel(comment) == owner:
        return None  # the owner's own comment is not a mention to answer
    answered_at, reply_text = _owner_reply(thread, owner)
    video = snippet.get("videoId") or comment.get("videoId")
    return Item(
        external_id=str(thread["id"]),
        url=f"https://www.youtube.com/watch?v={video}&lc={top['id']}",
        text=_text(comment),
        author=str(comment.get("authorDisplayName") or ""),
        published_at=parse_time(comment.get("publishedAt")),
        engagement=engagement(likes=comment.get("likeCount"), replies=snippet.get("totalReplyCount")),
        answered_at=answered_at,
        reply_text=reply_text,
        extra={"video_id": video},
    )


def _owner_reply(thread: dict[str, Any], owner: str | None) -> tuple[datetime | None, str | None]:
    """The owner's earliest reply among those the API included (`part=replies` holds up to five)."""
    replies = (thread.get("replies") or {}).get("comments") or []
    best: tuple[datetime, str] | None = None
    for reply in replies:
        snippet = reply.get("snippet") or {}
        when = parse_time(snippet.get("publishedAt"))
        if owner and when and _author_channel(snippet) == owner and (best is None or when < best[0]):
            best = (when, _text(snippet))
    return best if best else (None, None)


class YouTubeSource(Source[YouTubeConfig]):
    kind = "youtube"
    Config = YouTubeConfig
    secret_keys: ClassVar[tuple[str, ...]] = ("api_key",)

    def describe(self) -> str:
        if self.config.channel_id:
            return f"youtube comments on channel {self.config.channel_id}"
        return f"youtube comments on {len(self.config.video_ids or [])} video(s)"

    def _streams(self) -> list[tuple[str, dict[str, str | int]]]:
        if self.config.channel_id:
            return [(self.config.channel_id, {"allThreadsRelatedToChannelId": self.config.channel_id})]
        return [(video, {"videoId": video}) for video in self.config.video_ids or []]

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        url = (self.config.base_url or API).rstrip("/") + "/youtube/v3/commentThreads"
        saved = state.cursor.get("streams")
        marks: dict[str, Any] = dict(saved) if isinstance(saved, dict) else {}
        found: list[Item] = []
        skipped = 0
        for key, target in self._streams():
            mark = HighWater.load(marks.get(key) or {})
            params: dict[str, str | int] = {
                **target,
                "part": "snippet,replies",
                "order": "time",
                "maxResults": 100,
                "textFormat": "plainText",
                "key": self.config.api_key,  # a query parameter by API design; HttpFetcher never shows query strings
            }
            fresh: list[Item] = []
            for _ in range(MAX_PAGES):
                batch = parse_batch((await http.get(url, params=params)).json())
                new = [i for i in batch.items if mark.is_new(activity(i), i.external_id)]
                fresh += new
                skipped += batch.skipped
                older = any(mark.since and i.published_at and i.published_at <= mark.since for i in batch.items)
                # First run: the newest page only. Later: page back until the comments reach the mark.
                if mark.since is None or older or batch.next_page is None:
                    break
                params["pageToken"] = batch.next_page
            found += fresh
            marks[key] = mark.advance((activity(i), i.external_id) for i in fresh).dump() or marks.get(key, {})
        return FetchResult(tuple(found), SourceState(cursor={"streams": marks}), skipped=skipped)
