"""Recurring complaint themes: the phrases that come back in negative mentions, so the owner reads "cold coffee"
five times once, instead of five separate reviews. Pure functions, no I/O.

Latin-script text is split into words (French elisions such as l'/d'/qu' removed), stop-words and the brand's own
words dropped, and unigrams and bigrams kept. Chinese and Japanese have no spaces between words; a segmenter would be
a heavy dependency for a weekly list, so their runs give character bigrams and trigrams instead, minus those made
only of kana (grammar such as です, ません). Each mention counts once per phrase.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.model import Mention

THEMES = 8


@dataclass(frozen=True, slots=True)
class Theme:
    phrase: str
    count: int  # negative mentions of this period that contain it
    previous: int  # ... of the previous period

    @property
    def new(self) -> bool:
        return self.previous == 0


_STOP = frozenset(
    """a about after again all also am an and any app application are as at be because been before being but by can
    could did do does doing don done even every for from get got had has have having he her here him his how i if in
    into is it its just like me more most my no not now of on once only or other our out over really same she should
    so some still such than that the their them then there these they this those to too up us very was we were what
    when where which while who why will with would you your le la les un une des du de et est en que qui pour pas
    plus ne sur au aux ce ces cette il elle ils on nous vous je tu mon ma mes son sa ses avec sans dans par mais ou
    donc car tout tous toute toutes très fait faire été être avoir suis sont ont avait même aussi comme encore quand
    alors si se leur leurs lui moi toi ça cela ceci y rien part peu fois chaque depuis après avant bien moins
    cannot can't don't doesn't didn't isn't it's i'm i've ive im dont doesnt didnt cant thanks thank""".split()
)
_ELISION = re.compile(r"^(?:l|d|j|n|s|c|m|t|qu)['’]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u31f0-\u31ff]+")
_HIRAGANA = re.compile(r"^[\u3040-\u309f\u30fc]+$")
_CLAUSE = re.compile(r"[.!?;:,()\[\]{}\"“”«»/|\n\u3001\u3002\uff01\uff1f]+")


def phrases(text: str, ignore: frozenset[str] = frozenset()) -> set[str]:
    """The unigrams and bigrams of a text, without stop-words or the brand's own words (a bigram may hold one short
    stop-word inside); for Chinese and Japanese, which have no spaces, character bigrams and trigrams that are not
    only kana grammar (です, ません)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    found: set[str] = set()
    for run in _CJK_RUN.findall(folded):
        for n in (2, 3):
            for i in range(len(run) - n + 1):
                gram = run[i : i + n]
                if not _HIRAGANA.match(gram) and gram not in ignore:
                    found.add(gram)
    for clause in _CLAUSE.split(_CJK_RUN.sub("|", folded)):
        words = [_ELISION.sub("", w) for w in _WORD.findall(clause)]
        keep = [len(w) >= 3 and w not in _STOP and w not in ignore for w in words]
        found.update(w for w, k in zip(words, keep, strict=True) if k)
        for i in range(len(words) - 1):
            if not keep[i]:
                continue
            if keep[i + 1]:
                found.add(f"{words[i]} {words[i + 1]}")
            elif i + 2 < len(words) and keep[i + 2] and len(words[i + 1]) <= 3:
                # One short function word inside keeps the phrase people say: "mise à jour", "waste of time".
                found.add(" ".join(words[i : i + 3]))
    return found


def themes(
    negative_now: Sequence[Mention], negative_before: Sequence[Mention], ignore: frozenset[str], limit: int = THEMES
) -> tuple[Theme, ...]:
    """Phrases found in at least two negative mentions of the period, counted once per mention (one long rant
    cannot make a theme), longest first among equals; a phrase is dropped when a longer chosen phrase that
    contains it recurs just as often, so "cold coffee" is shown, not also "cold" and "coffee"."""

    def document_counts(mentions: Sequence[Mention]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for m in mentions:
            counts.update(phrases(f"{m.title}\n{m.text}", ignore))
        return counts

    now, before = document_counts(negative_now), document_counts(negative_before)
    ranked = sorted((p for p, n in now.items() if n >= 2), key=lambda p: (-now[p], -len(p), p))
    chosen: list[str] = []
    for phrase in ranked:
        if any(phrase in longer and now[longer] == now[phrase] for longer in chosen):
            continue
        chosen.append(phrase)
        if len(chosen) == limit:
            break
    return tuple(Theme(p, now[p], before[p]) for p in chosen)


def brand_words(names: Iterable[str]) -> frozenset[str]:
    """The brand's name and terms, folded and split, so the brand itself never shows up as a complaint theme."""
    words: set[str] = set()
    for name in names:
        folded = unicodedata.normalize("NFKC", name).casefold().lstrip("@")
        words.add(folded)
        words.update(_WORD.findall(folded))
    return frozenset(words)
