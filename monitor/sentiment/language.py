"""Language detection: a script check first, py3langid for the rest.

langid is noisy on short texts ("wrong!" comes out as Welsh, "LMAO, AMAZING!" as Swahili), so: kana means Japanese
and Hangul means Korean outright; a Latin-script text that langid is unsure about is taken as English when it is
at most three words or English is among langid's top candidates (the default backend reads English; a wrong guess
there costs a neutral score).
"""

from __future__ import annotations

import functools
import re

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from monitor.sentiment.text import bound, strip_handles

DETECT_CHARS = 1_000
UNSURE_BELOW = 0.5
ENGLISH_AMONG_TOP = 5
SHORT_WORDS = 3

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_HASHTAG = re.compile(r"#(\w+)")


@functools.cache
def _identifier() -> LanguageIdentifier:
    # Loaded on first use (about 0.2 s), then shared: the model is read-only.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text` ("en", "ja", ...), or None when it has no letters."""
    sample = _HASHTAG.sub(r"\1", strip_handles(bound(text[: DETECT_CHARS * 2])))[:DETECT_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None
    if _KANA.search(sample):
        return "ja"
    if _HANGUL.search(sample):
        return "ko"
    ident = _identifier()
    lang, confidence = ident.classify(sample)
    if confidence >= UNSURE_BELOW or _HAN.search(sample) or not _LATIN.search(sample):
        return str(lang)
    if len(sample.split()) <= SHORT_WORDS:
        return "en"
    top = [code for code, _ in ident.rank(sample)[:ENGLISH_AMONG_TOP]]
    return "en" if "en" in top else str(lang)
