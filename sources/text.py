"""Plain text from what platforms send: HTML fragments to visible text, whitespace folded, unencodable characters
replaced, invisible controls removed.

The stdlib parser is enough for fragments (posts, comments, feed summaries) and, unlike bs4, never warns on odd
input. Character references are decoded once, by the HTML5 rules: `&#xD800;` becomes U+FFFD, never a lone surrogate.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset({"p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "hr"})
_SKIP = frozenset({"script", "style", "noscript", "template"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_BLANKS = re.compile(r"\n{3,}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls (but tab and newline) and the bidi embedding, override and isolate controls: invisible, and able
# to hide or reorder the text around them in a terminal, a log line or an alert ("Trojan Source", CVE-2021-42574).
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ANY_SPACE = re.compile(r"\s+")
# How much markup `html_to_text` reads: ten times the longest text an item keeps (sources.bounds.MAX_TEXT). A 10 MB
# field cost 0.6 s and 200 MB to convert whole, for text that is then cut to 20,000 characters anyway.
MAX_MARKUP = 200_000


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str:
    """Visible text of an HTML fragment: tags and comments dropped, entities decoded once, whitespace folded.
    Only the first MAX_MARKUP characters are read."""
    if not markup:
        return ""
    parser = _TextParser()
    parser.feed(markup[:MAX_MARKUP])
    parser.close()
    return fold("".join(parser.parts))


def fold(text: str) -> str:
    """Whitespace folded per line, at most one blank line in a row, ends trimmed."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def without_surrogates(text: str) -> str:
    """Each lone surrogate replaced by U+FFFD. JSON may carry one (`"\\ud800"`); UTF-8 cannot encode it."""
    return _SURROGATE.sub("\ufffd", text)


def printable(text: str) -> str:
    """The text without control characters (tab and newline stay) and without bidi overrides."""
    return _INVISIBLE.sub("", text)


def one_line(text: str) -> str:
    """Printable text on one line: every run of whitespace, newlines included, becomes one space."""
    return _ANY_SPACE.sub(" ", printable(text)).strip()
