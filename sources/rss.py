"""RSS and Atom feeds: Google Alerts, news, blogs, Reddit and Mastodon RSS.

feedparser reads what a stranger wrote, and it has quadratic corners. Measured (feedparser 6.0.14, CPython 3.11, one
core; `bench/hostile_feeds.py` repeats it):

- its e-mail regex over an RSS `<author>` (also `dc:creator`, `itunes:author`, `webMaster`, an Atom `<author>` with
  bare text): 12,500 / 25,000 / 50,000 letters take 0.5 / 2.1 / 8.6 s, so 200 KB would take over two minutes, all in
  one C call that holds the GIL: a worker thread froze the event loop (and `/healthz`, and the watchdog) just the same;
- the regexes it runs over the document's head: 40,000 newlines before the root element, 5.4 s; 200 KB of
  `<!ENTITY` lines, 36 s;
- 25,000 attributes on one element, 4.6 s; 2.5 million empty elements (10 MB), 35 s;
- one 100 KB entity referenced 1,000 times: 318 MB (its lenient parser expands such entities without a limit).

Cutting the known fields before feedparser sees them would chase one corner at a time and would need an XML parser
of its own in front of it, itself fed the same input. So `fetch` parses in a worker process (`sources.isolation`)
with a deadline (the request deadline, again) and a memory budget, which bound every corner, known or not: the
feed that overruns fails alone, counted, and the daemon goes on polling the others. `parse` stays a pure function: the
worker runs it. A feed of more than `MAX_ITEMS` entries yields its newest ones (the rest are counted as skipped).
"""

from __future__ import annotations

import calendar
import hashlib
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from monitor.errors import ParseError
from monitor.model import FetchResult, Item, SourceState
from sources.base import Source, SourceConfig, WebURL
from sources.bounds import MAX_ITEMS
from sources.http import HttpFetcher
from sources.items import collect, item_from_json, item_to_json
from sources.text import html_to_text
from sources.urls import bare_url, scrubbed


class RSSConfig(SourceConfig):
    url: WebURL


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

    `base_url` is the feed's URL: relative entry links are resolved against it, and none of its credentials (userinfo,
    query string) ever reaches an item; an entry without any link gets no URL rather than the feed's.
    Raises ParseError when the document is not a feed at all (feedparser's "bozo" with no entries).
    """
    import feedparser  # here: only the parse workers parse, and the daemon's own process need not import it

    headers = {"content-type": content_type} if content_type else {}
    # Neither sanitising nor resolving the URIs inside entries' HTML: `html_to_text` keeps only the visible text, so
    # both would be work thrown away (resolving alone was a third of the parse of a feed with HTML content). The
    # entry's own link is resolved by `_link`. Of the 307 feedparser test documents and captured feeds, one gives
    # another text without the resolver: line noise whose literal "<>" the resolver's re-serialisation dropped.
    parsed = feedparser.parse(
        _sound_charrefs(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = parsed.get("entries") or []
    # A feed with no entries is fine; a document that is not a feed at all (no version recognised) is an error.
    if parsed.get("bozo") and not entries and not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        raise ParseError(f"not a readable feed: {type(problem).__name__}: {str(problem)[:200]}")
    feed_language = parsed.feed.get("language") if parsed.get("feed") else None
    if len(entries) > MAX_ITEMS:  # `collect` keeps the first MAX_ITEMS: let them be the newest
        entries = sorted(entries, key=_newest_first)
    batch = collect(entries, lambda entry: _item(entry, base_url, feed_language))
    return batch.items, batch.skipped


def parse_task(body: bytes, args: dict[str, Any]) -> dict[str, Any]:
    """`parse` as the parse worker runs it (`sources.parse_worker`): JSON in and out."""
    items, skipped = parse(body, content_type=args.get("content_type"), base_url=str(args.get("base_url") or ""))
    return {"items": [item_to_json(item) for item in items], "skipped": skipped}


def _newest_first(entry: Any) -> tuple[int, float]:
    when = _when(entry)
    return (0, -when.timestamp()) if when is not None else (1, 0.0)


def _item(entry: Any, feed_url: str, feed_language: Any) -> Item:
    link = _link(entry.get("link") or "", feed_url)
    title = html_to_text(entry.get("title", "") or "")
    text = _entry_text(entry)
    entry_id = scrubbed(str(entry.get("id") or ""), feed_url) or link
    if not entry_id:
        if not (title or text):
            raise ValueError("an entry with neither link nor id nor text")
        digest = hashlib.sha256((title + "\n" + text).encode("utf-8", "surrogatepass")).hexdigest()
        entry_id = "sha256:" + digest[:40]
    language = entry.get("language") or feed_language or None
    return Item(
        external_id=entry_id,
        url=link,
        title=title,
        text=text,
        author=html_to_text(str(entry.get("author") or "")),
        published_at=_when(entry),
        language=language.split("-")[0].lower() if isinstance(language, str) and language else None,
    )


def _link(link: str, feed_url: str) -> str:
    """The entry's permalink: Google redirects unwrapped, relative links resolved against the feed's bare URL (never
    its query or userinfo), and parameters echoed from the feed's URL dropped. "" when the entry has no link."""
    link = unwrap_google_redirect(link.strip())
    if not link:
        return ""
    if feed_url:
        link = urljoin(bare_url(feed_url), link)
    return scrubbed(link, feed_url)


# A numeric character reference to a lone surrogate or past U+10FFFF (`&#xD800;`) makes feedparser's fallback parser
# raise UnicodeEncodeError (or ValueError) and lose the whole feed; as U+FFFD it costs one character of one entry.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def _sound_charrefs(body: bytes) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        hexadecimal, decimal = match.groups()
        digits = (hexadecimal or decimal).lstrip(b"0")
        if len(digits) > 8:  # past any code point, and too long to be worth converting
            return b"&#xFFFD;"
        code = int(digits or b"0", 16 if hexadecimal else 10)
        return b"&#xFFFD;" if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else match.group()

    return _CHARREF.sub(replace, body)


class RSSSource(Source[RSSConfig]):
    kind = "rss"
    Config = RSSConfig

    async def fetch(self, http: HttpFetcher, state: SourceState) -> FetchResult:
        response = await http.get(self.config.url, state=state, headers={"Accept": _ACCEPT})
        if response.not_modified:
            return FetchResult(items=(), state=state, not_modified=True)
        args = {"content_type": response.headers.get("content-type"), "base_url": self.config.url}
        found = await http.workers.run("feed", response.body, args, what=bare_url(self.config.url))
        items = tuple(item_from_json(item) for item in found["items"])
        return FetchResult(items=items, state=response.next_state(state), skipped=int(found["skipped"]))

    def describe(self) -> str:
        return f"rss {bare_url(self.config.url)}"


_ACCEPT = "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, */*;q=0.5"
