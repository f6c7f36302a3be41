"""Turning the HTML that feeds and APIs send into plain text we can match, score and show safely."""

from __future__ import annotations

import html
import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

_SPACE = re.compile(r"[ \t\u00a0\u3000]+")
_LINES = re.compile(r"\n\s*\n+")


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, whitespace folded."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return _fold(markup)
    with warnings.catch_warnings():
        # The input is untrusted and often not HTML at all; bs4's hints about that are noise here.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(markup, "html.parser")
    for node in soup(["script", "style", "noscript"]):
        node.decompose()
    for br in soup.find_all(["br", "p", "div", "li"]):
        br.insert_after("\n")
    return _fold(html.unescape(soup.get_text()))


def _fold(text: str) -> str:
    text = _SPACE.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _LINES.sub("\n\n", "\n".join(line.strip() for line in text.split("\n")))
    return text.strip()
