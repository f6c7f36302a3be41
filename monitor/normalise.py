"""From a source's Item to the parts of a Mention that identify it: canonical URL and content fingerprint."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from monitor.matching import normalise

# Query parameters that only track the click, never change the page.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ref_src|ref|si|spm|_ga|yclid)$")
_WORDS = re.compile(r"\w+")
# Shorter texts than this are too generic to say "the same story" ("Great coffee!" from two people).
MIN_FINGERPRINT_CHARS = 80


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment and tracking parameters dropped, query sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    netloc = parts.hostname
    if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443)):
        netloc += f":{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    cleaned = urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
    try:
        return canonicalize_url(cleaned, keep_fragments=False)
    except ValueError:
        return cleaned


def fingerprint(source: str, external_id: str, title: str, text: str) -> str:
    """The same story reached through two feeds gets the same fingerprint; short generic texts stay distinct."""
    words = " ".join(_WORDS.findall(normalise(f"{title}\n{text}")))
    if len(words) < MIN_FINGERPRINT_CHARS:
        words = f"{source}\x00{external_id}\x00{words}"
    return hashlib.sha256(words[:2000].encode("utf-8")).hexdigest()[:32]
