"""Making untrusted text safe for each channel: pure functions, no I/O.

Every field of a mention (title, text, author, url, brand, source) came from the internet and may be hostile.
The order is always the same, and the renderer relies on it:

    clean()          drop control characters, bidi overrides and invisible tricks
    one_line()       (for anything shown inside a line) fold newlines so a field cannot forge message structure
    truncate()       cut to the channel's budget, by characters, never inside a grapheme
    defang()         neutralise pings (@channel, <!here>, <@U123>) and markdown links, for every channel
    slack()/html()   the channel's own escaping, applied last, so truncation can never split an escape sequence

`safe_url()` decides whether a mention's URL may be shown as a link at all (http and https only).
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from urllib.parse import urlsplit

ELLIPSIS = "…"
# Inserted after "@" or "<" to break a ping token while keeping it readable: it has no width.
ZWJ = "\u200d"

# C0 and C1 controls except tab and newline, DEL, lone surrogates (they cannot be encoded as UTF-8),
# bidi embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069) and marks, invisible characters used to hide
# or disguise text (zero-width space, word joiner and invisible operators, BOM, Mongolian vowel separator, soft
# hyphen) and Unicode tag characters (invisible "ASCII smuggling"). ZWJ/ZWNJ stay: emoji and several scripts need
# them.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)
_NEWLINES = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
_WHITESPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")

# Words that page a whole room on Slack, Discord, Matrix, Teams, Mattermost or Rocket.Chat.
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone|all|room|group)\b)", re.IGNORECASE)
# Slack's and Discord's markup for mentions and links (<!channel>, <@U123>, <#C1>, <@&role>, <http://x|y>) and
# HTML tags (<script>, </a>, <!-- -->): whoever shows our plain text as markup must not get a live token.
_ANGLE_TOKEN = re.compile(r"<(?=[!@#&/?a-z])", re.IGNORECASE)
# Markdown (Telegram, Discord, Matrix...) links and images: [text](url) or ![alt](url).
_MD_LINK = re.compile(r"\]\s*\(")

# Grapheme-ish joining: a cut must not separate a base character from what attaches to it.
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")
_REGIONAL_INDICATORS = re.compile("[\U0001f1e6-\U0001f1ff]")

# A link we agree to show: http(s), a host, no whitespace or control characters, and not absurdly long.
MAX_URL_LENGTH = 2048
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f<>\"`\\^{}|\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean(text: str) -> str:
    """Drop what must never reach a message: controls (except newline and tab), bidi tricks, invisibles."""
    text = _NEWLINES.sub("\n", text)
    return _UNSAFE.sub("", text)


def one_line(text: str) -> str:
    """`clean()`, then every run of whitespace (newlines included) becomes one space."""
    return _WHITESPACE.sub(" ", clean(text)).strip()


def paragraph(text: str) -> str:
    """`clean()` for multi-line text: trailing spaces and runs of blank lines collapsed."""
    lines = [line.rstrip() for line in clean(text).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _joins(before: str, after: str) -> bool:
    """Whether `after` belongs to the same user-perceived character as `before` (an approximation of UAX #29)."""
    if after == ZWJ or before == ZWJ or after == "\u200c":
        return True
    if unicodedata.combining(after) or unicodedata.category(after) in ("Mn", "Me", "Mc"):
        return True
    if _VARIATION_SELECTORS.match(after) or _SKIN_TONES.match(after):
        return True
    # Hangul: a leading jamo joins a following vowel, a vowel joins a trailing consonant.
    return "\u1100" <= before <= "\u115f" and "\u1160" <= after <= "\u11ff"


def truncate(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """At most `limit` characters; when cut, the cut is marked with `ellipsis` and never splits a grapheme.

    Cutting raw text (before escaping) means an escape sequence can never be split.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return ellipsis[:limit]
    cut = limit - len(ellipsis)
    while cut > 0 and _joins(text[cut - 1], text[cut]):
        cut -= 1
    # Flags are pairs of regional indicators: do not keep half a flag.
    run = 0
    while run < cut and _REGIONAL_INDICATORS.match(text[cut - 1 - run]):
        run += 1
    if run % 2 == 1 and _REGIONAL_INDICATORS.match(text[cut]):
        cut -= 1
    return text[:cut].rstrip() + ellipsis


def field(text: str, limit: int) -> str:
    """An untrusted one-line field, cleaned and truncated (not yet escaped). Bounded work for huge input."""
    # Cleaning only removes or folds characters; a generous raw slice keeps 1 MB texts cheap.
    return truncate(one_line(text[: limit * 8 + 1024]), limit)


def defang(text: str) -> str:
    """Neutralise pings and markup links in text that is otherwise shown as is (every channel, before escaping).

    `@channel` becomes `@\u200dchannel`, `<!here>` becomes `<\u200d!here>`, `<script>` becomes `<\u200dscript>`,
    `[bank](http://evil)` becomes `[bank] (http://evil)`: readable, but no client turns them into a ping, a tag or
    a link with a disguised target.
    """
    text = _BROADCAST.sub("@" + ZWJ, text)
    text = _ANGLE_TOKEN.sub("<" + ZWJ, text)
    return _MD_LINK.sub("] (", text)


def defang_handles(text: str) -> str:
    """Chat networks notify `@user` (Telegram groups, Matrix, Discord): break every handle, not only broadcasts."""
    return re.sub(r"@(?=\w)", "@" + ZWJ, defang(text))


def slack(text: str) -> str:
    """Slack mrkdwn: defang, then escape &, < and > (Slack's own rule), so no <link|text> or <!ping> can form."""
    return defang(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html(text: str) -> str:
    """HTML text or attribute value: defang (pings in mail clients are harmless, but be uniform), then escape."""
    return _html.escape(defang(text), quote=True)


def safe_url(url: str) -> str | None:
    """The URL, when it is safe to show as a link: http(s) with a host, no whitespace or tricks, not too long."""
    if not url or len(url) > MAX_URL_LENGTH or _URL_FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if "](" in url:
        # Shown as is in plain forms, it would close a markdown link opened in the text before it.
        return None
    return url
