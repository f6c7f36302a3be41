"""Brand matching: terms and aliases, exclusions, NFKC + case folding, CJK-aware.

Latin-script terms match on word boundaries ("Acme" does not match "Acmeology"); CJK terms match as substrings,
since those scripts do not separate words with spaces; `@handles` and domains match as whole tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u31f0-\u31ff]")


def normalise(text: str) -> str:
    """NFKC (full-width Ａｃｍｅ and half-width ｶﾅ become their ordinary forms) and case folding."""
    return unicodedata.normalize("NFKC", text).casefold()


def _pattern(term: str) -> re.Pattern[str]:
    folded = normalise(term.strip())
    escaped = re.escape(folded)
    if _CJK.search(folded):
        return re.compile(escaped)
    if folded.startswith("@"):
        return re.compile(rf"(?<![\w@]){escaped}(?![\w])")
    if "." in folded and " " not in folded:
        # a domain: not part of a longer host name or word
        return re.compile(rf"(?<![\w.-]){escaped}(?![\w-]|\.[a-z0-9])")
    return re.compile(rf"(?<!\w){escaped}(?!\w)")


@dataclass(frozen=True, slots=True)
class BrandTerms:
    name: str
    terms: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]

    def matches(self, folded: str) -> str | None:
        """The term that matched, or None. Excluded phrases are blanked out first, so "Acme Corporation" being
        excluded does not hide "Acme Coffee" in the same text."""
        for pattern in self.exclude:
            folded = pattern.sub(lambda m: " " * len(m.group(0)), folded)
        for pattern in self.terms:
            if pattern.search(folded):
                return pattern.pattern
        return None


class BrandMatcher:
    """Built once from the config; `match(text)` names the brand an item is about, or None."""

    def __init__(self, brands: Sequence[tuple[str, Sequence[str], Sequence[str]]]) -> None:
        self._brands = tuple(
            BrandTerms(
                name=name,
                terms=tuple(_pattern(t) for t in [name, *terms] if t.strip()),
                exclude=tuple(_pattern(t) for t in exclude if t.strip()),
            )
            for name, terms, exclude in brands
        )

    def match(self, *texts: str) -> str | None:
        folded = normalise("\n".join(t for t in texts if t))
        for brand in self._brands:
            if brand.matches(folded):
                return brand.name
        return None

    def excluded(self, brand: str, *texts: str) -> bool:
        """True when the text mentions only an excluded phrase of `brand` (used for sources bound to a brand)."""
        folded = normalise("\n".join(t for t in texts if t))
        for terms in self._brands:
            if terms.name == brand:
                return any(p.search(folded) for p in terms.exclude) and terms.matches(folded) is None
        return False
