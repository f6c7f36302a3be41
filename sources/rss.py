"""RSS and Atom feeds: Google Alerts, news, blogs, Reddit and Mastodon RSS.

feedparser is pure Python, CPU-heavy, and has quadratic corners on hostile input, so parsing runs in a worker thread
(the event loop keeps its timers) on a body that the HTTP client already capped in size.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser

from monitor.errors import ParseError
from monitor.model import FetchResult, Item, SourceState
from sources._common import html_to_text
from sources.base import Source, SourceConfig
from sources.http import HttpFetcher


class RSSConfig(SourceConfig):
    url: str


def unwrap_google_redirect(link: str) -> str:
    """Google Alerts links go through https://www.google.com/url?...&url=<target>; the target is the permalink."""
    parts = urlsplit(link)
    if parts.netloc.endswith("google.com") and parts.path == "/url":
        target = parse_qs(parts.query).get("url") or parse_qs(parts.query).get("q")
        if target and target[0].startswith(("http://", "https://")):
            return target[0]
    return link


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


# Reddit's RSS appends "submitted by /u/x to r/y [link] [comments]" to every post: not the author's words.
_REDDIT_FOOTER = re.compile(r"\s*submitted by\s+/u/\S+(?:\s+to\s+r/\S+)?\s*\[link\]\s*\[comments\]\s*$")


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    for content in contents:
        value = content.get("value")
        if value:
            return _REDDIT_FOOTER.sub("", html_to_text(value))
    return _REDDIT_FOOTER.sub("", html_to_text(entry.get("summary", "") or ""))


def parse(body: bytes, *, content_type: str | None = None, base_url: str = "") -> tuple[tuple[Item, ...], int]:
    """Items of a feed document, and how many entries were skipped for having neither link nor id nor text.

    Raises ParseError when the document is not a feed at all (feedparser's "bozo" with no entries).
    """
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=True)
    entries = parsed.get("entries") or []
    # A feed with no entries is fine; a document that is not a feed at all (no version recognised) is an error.
    if parsed.get("bozo") and not entries and not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        raise ParseError(f"not a readable feed: {type(problem).__name__}: {str(problem)[:200]}")
    items: list[Item] = []
    skipped = 0
    for entry in entries:
        link = unwrap_google_redirect(entry.get("link") or "")
        title = html_to_text(entry.get("title", "") or "")
        text = _entry_text(entry)
        entry_id = entry.get("id") or link
        if not entry_id:
            if not (title or text):
                skipped += 1
                continue
            entry_id = "sha256:" + hashlib.sha256((title + "\n" + text).encode("utf-8")).hexdigest()[:40]
        author = entry.get("author") or ""
        language = (entry.get("language") or parsed.feed.get("language") or None) if parsed.get("feed") else None
        items.append(
            Item(
                external_id=str(entry_id),
                url=link or base_url,
                title=title,
                text=text,
                author=html_to_text(str(author)),
                published_at=_when(entry),
                language=language.split("-")[0].lower() if isinstance(language, str) and language else None,
            )
        )
    return tuple(items), skipped


class RSSSource(Source[RSSConfig]):
    kind = "rss"
    Config = RSSConfig

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        response = await http.get(self.config.url, state=state, headers={"Accept": _ACCEPT})
        if response.not_modified:
            return FetchResult(items=(), state=state, not_modified=True)
        items, skipped = await asyncio.to_thread(
            parse, response.body, content_type=response.headers.get("content-type"), base_url=self.config.url
        )
        return FetchResult(items=items, state=response.next_state(state), skipped=skipped)

    def describe(self) -> str:
        parts = urlsplit(self.config.url)
        return f"rss {parts.scheme}://{parts.hostname}{parts.path}"


_ACCEPT = "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, */*;q=0.5"
