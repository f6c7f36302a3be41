"""Which URLs a source may be configured with (`web_url`: http or https only), and which parts of a configured URL
may reach an item: never its credentials.

A feed or page URL in the config may carry a secret (`https://user:pw@host/...`, `?token=${FEED_TOKEN}`), and an
item's URL is stored, put in every alert and digest, and printed by `mentions list`. So a source never copies its
configured URL into an item as it is:

- `bare_url`: scheme, host, port and path only; for describing a source, and as the base that relative links of a
  feed are resolved against (so an empty or `#fragment` link cannot pull the feed's query string in).
- `scrubbed`: a URL found in a response, without userinfo and without any query parameter it shares with the
  configured URL (private feeds often echo their `?token=` into every entry link).
- `public_page`: the configured URL of a page a person reads (reviews), without userinfo and without query parameters
  whose name says they carry a credential; the others (`?id=42`) are part of the page's address and stay.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameter names that carry a credential: token, access_token, key, api_key, apikey, X-Amz-Signature, sig...
_CREDENTIAL = re.compile(
    r"^(?:.*[_.-])?(?:api)?(?:token|key|secret|password|passwd|pwd|auth|sig|signature|credentials?|session|sessionid)$",
    re.IGNORECASE,
)


def web_url(url: str) -> str:
    """`url` if it is an http(s) URL with a host; a ValueError that says why not otherwise (a config validator).

    A source fetches what its URL names, so `file:///etc/passwd` or `gopher://` must fail at `check`, not at a poll.
    The message never repeats the URL: it may carry a credential.
    """
    parts = _split(url.strip())
    if parts is None:
        raise ValueError("must be an http:// or https:// URL (this one cannot be read as a URL)")
    if not parts.scheme:
        raise ValueError("must be an http:// or https:// URL (this one has no scheme)")
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"must be an http:// or https:// URL, not {parts.scheme}:")
    if not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host name")
    return url


def bare_url(url: str) -> str:
    """scheme://host[:port]/path: the URL without userinfo, query or fragment ("" when it is no URL at all)."""
    parts = _split(url)
    return urlunsplit((parts.scheme, _host(parts), parts.path, "", "")) if parts else ""


def scrubbed(found: str, configured: str) -> str:
    """`found` without userinfo and without the query parameters (name and value) it shares with `configured`.

    Values that are not http(s) URLs (a `tag:` or `urn:` entry id) are returned unchanged; an http(s) URL too broken
    to read is dropped ("") rather than vouched for.
    """
    if not found.lower().startswith(("http:", "https:")):
        return found
    parts = _split(found)
    if parts is None:
        return ""
    secrets = set(parse_qsl(urlsplit(configured).query, keep_blank_values=True))
    query = parts.query
    if secrets and query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [pair for pair in pairs if pair not in secrets]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    if query == parts.query and "@" not in parts.netloc:
        return found
    return urlunsplit((parts.scheme, _host(parts), parts.path, query, parts.fragment))


def public_page(url: str) -> str:
    """The page's URL without userinfo and without query parameters named like credentials."""
    parts = _split(url)
    if parts is None:
        return ""
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if not _CREDENTIAL.match(name)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    if query == parts.query and "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, _host(parts), parts.path, query, parts.fragment))


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return None
    return parts


def _host(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port else host
