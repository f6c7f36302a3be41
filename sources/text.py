"""Plain text from what platforms send: HTML fragments to visible text, whitespace folded, unencodable characters
replaced.

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
    """Visible text of an HTML fragment: tags and comments dropped, entities decoded once, whitespace folded."""
    if not markup:
        return ""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return fold("".join(parser.parts))


def fold(text: str) -> str:
    """Whitespace folded per line, at most one blank line in a row, ends trimmed."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def without_surrogates(text: str) -> str:
    """Each lone surrogate replaced by U+FFFD. JSON may carry one (`"\\ud800"`); UTF-8 cannot encode it."""
    return _SURROGATE.sub("\ufffd", text)
