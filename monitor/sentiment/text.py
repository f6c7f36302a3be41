"""Bounding and splitting text before any backend sees it.

VADER (and most lexicon scorers) cost grows faster than linearly with the length of one sentence, and a hostile or
merely huge post must not stall the pipeline: every backend gets at most `MAX_CHARS` characters, split into at most
`MAX_SENTENCES` sentences of at most `MAX_SENTENCE_CHARS` characters each.
"""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_CHARS = 5_000
MAX_SENTENCES = 40
MAX_SENTENCE_CHARS = 400

# A sentence ends at . ! ? followed by space, at 。, at ! ? directly followed by Japanese (NFKC has turned ！ into !),
# or at a line break; runs of end marks stay with their sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。])|(?<=[!?])(?=[\u3040-\u30ff\u4e00-\u9fff])|\n+")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")


def bound(text: str) -> str:
    """NFKC-normalise (full-width ｋａｎａ, ｈａｌｆ-width ｶﾅ) and cut to MAX_CHARS, dropping URLs."""
    text = text[: MAX_CHARS * 2]
    text = unicodedata.normalize("NFKC", text)
    text = _URL.sub(" ", text)
    return text[:MAX_CHARS].strip()


def strip_handles(text: str) -> str:
    """Drop @handles: they carry no language and no sentiment, but confuse language identification."""
    return _HANDLE.sub(" ", text)


def sentences(text: str) -> list[str]:
    """Split a bounded text into at most MAX_SENTENCES non-empty sentences, each at most MAX_SENTENCE_CHARS long."""
    return list(_split(text))


@functools.lru_cache(maxsize=16)
def _split(text: str) -> tuple[str, ...]:
    """`sentences`, kept for the last few texts: scoring a text toward a target splits it twice (to find the target,
    then to read the whole when the target is not in it)."""
    out: list[str] = []
    for part in _SENTENCE_END.split(text):
        part = part.strip()
        while part and len(out) < MAX_SENTENCES:
            out.append(part[:MAX_SENTENCE_CHARS])
            part = part[MAX_SENTENCE_CHARS:].strip()
        if len(out) >= MAX_SENTENCES:
            break
    return tuple(out)
