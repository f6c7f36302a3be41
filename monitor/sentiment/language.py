"""Language detection: a script check first, py3langid for the rest.

langid is noisy on short texts ("wrong!" comes out as Welsh, "LMAO, AMAZING!" as Swahili), so: kana means Japanese
and Hangul means Korean outright; a Latin-script text that langid is unsure about is taken as English when it is
at most three words or English is among langid's top candidates (the default backend reads English; a wrong guess
there costs a neutral score).

Kanji-only text is shared ground: langid calls short Japanese like "最悪" or "値段高" Chinese, and it would go
unscored. So a text of at most `SHORT_HAN_CHARS` letters, all Han, that langid gives to Chinese is taken as
Japanese when it holds a character written only in Japanese (shinjitai forms such as 悪 気 売 遅 駅, which Chinese
writes 恶/惡 气/氣 卖/賣 迟/遲 站) or, for at most `TINY_HAN_CHARS` letters, a common Japanese complaint word
(不味, 高). Longer kanji-only text stays with langid's verdict.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

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
SHORT_HAN_CHARS = 12
TINY_HAN_CHARS = 4
# Shinjitai: simplified in Japan only, so they do not occur in Chinese text (simplified or traditional).
_JAPANESE_ONLY_HAN = frozenset(
    "悪遅気売円楽対応価駅広転払戻済様県図変関発読続働込畑峠辻枠塀桜薬鉄絵伝帰険検験従歩渋隠弁労営沢浜竜黒"
    "従徳恵恋戦挙拠拡捜摂撃数斎暦歳残殺殻渇満湾滝焼犠獲瓶甚碁稲穂粋経縁縄繊聴脳臓蔵薫虚蛍衆褒覇覚観訳"
    "譲豊賛践軽辺迫逓郷酔醸釈鋳鎮関隣雑霊頼顔騒験髄"
)
_JAPANESE_COMPLAINT_HAN = ("不味", "高")

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier


@functools.cache
def _identifier() -> LanguageIdentifier:
    # Imported and loaded on first use (about 0.3 s and 74 MiB), then shared: the model is read-only. A text in a
    # script that names its language never needs it, nor one the scorer recognises as English (`Scorer.detect`).
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

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
    if lang == "zh" and _japanese_kanji(sample):
        return "ja"
    if confidence >= UNSURE_BELOW or _HAN.search(sample) or not _LATIN.search(sample):
        return str(lang)
    if len(sample.split()) <= SHORT_WORDS:
        return "en"
    top = [code for code, _ in ident.rank(sample)[:ENGLISH_AMONG_TOP]]
    return "en" if "en" in top else str(lang)


def _japanese_kanji(sample: str) -> bool:
    """A short all-Han text that is Japanese rather than Chinese (see the module docstring)."""
    letters = [ch for ch in sample if ch.isalpha()]
    if len(letters) > SHORT_HAN_CHARS or not all(_HAN.match(ch) for ch in letters):
        return False
    if any(ch in _JAPANESE_ONLY_HAN for ch in letters):
        return True
    word = "".join(letters)
    return len(letters) <= TINY_HAN_CHARS and any(w in word for w in _JAPANESE_COMPLAINT_HAN)
