"""English features shared by the scorer and by `bench/train_sentiment.py` (the two must never drift apart).

Two stages. Stage one is two words-only models over `stage_one_features`: word unigrams and bigrams (negated words
marked, words after a contrast marked), one model also reading the character 5-grams inside each word (so
"disappointing" shares strength with "disappointed" and misspellings still count), the other the VADER lexicon's
valence of each word in a few bins (so a rare word VADER knows is not unknown). `combine_features`: their scores next
to the VADER compound of the sentences (mean, most negative, most positive) and of the whole text, counts of complaint
and review phrases that carry no "bad word" but mean trouble ("stopped working after two days", "waited forty
minutes", "want a refund"), a shortcoming ("could be better", "I would have liked") or a defect VADER does not know
("buggy", "drafty", "lukewarm"), and informal-post marks.
"""

from __future__ import annotations

import functools
import itertools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+|[!?]")
_NEGATORS = frozenset(
    "not no never nothing nobody none neither nor cannot cant without hardly barely scarcely lack lacks lacking".split()
)
_CONTRAST = frozenset("but however although though yet except".split())
_SCOPE_END = frozenset("! ?".split())
NEGATION_SCOPE = 3
# 4- and 5-grams did no better on held-out folds than 5-grams alone, and cost a fifth of the scorer's speed.
SUBWORD_SIZES = (5,)
# Shorter words are read whole: their padded 5-grams ("<word", "word>") would add little to the word itself.
SUBWORD_MIN_LETTERS = 4
# VADER's valence (-4..4) of a lexicon word, rounded and clipped to these bins; bin 0 is dropped.
VALENCE_BINS = 3
# VADER's compound is in -1..1 while word features are 0/1: scaled up so that L2 regularisation does not mute it.
VADER_SCALE = 3.0

PHRASES_FILE = "en_phrases.toml"
_MACRO = re.compile(r"\{([A-Z_]+)\}")


@dataclass(frozen=True, slots=True)
class PhraseRules:
    """The phrase rules of `en_phrases.toml`, compiled: idioms rewritten to the plain words they mean (in order),
    complaint phrases (less those of a quick refund), shortcoming phrases and defect words."""

    idioms: tuple[tuple[re.Pattern[str], str], ...]
    any_idiom: re.Pattern[str]
    complaint: re.Pattern[str]
    not_a_complaint: re.Pattern[str]
    shortcoming: re.Pattern[str]
    defects: frozenset[str]


def load_rules(text: str | None = None) -> PhraseRules:
    """The rules of `en_phrases.toml` (or of `text`, for tests); {NAME} in a pattern is its [macros] entry."""
    if text is None:
        text = resources.files("monitor.sentiment").joinpath(PHRASES_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    macros: dict[str, str] = data.get("macros", {})

    def either(entries: list[dict[str, Any]]) -> str:
        return "|".join(f"(?:{expand(e['pattern'], macros)})" for e in entries)

    idioms = [(expand(e["pattern"], macros), str(e["plain"])) for e in data["idiom"]]
    return PhraseRules(
        idioms=tuple((re.compile(pattern, re.IGNORECASE), plain) for pattern, plain in idioms),
        # One pass to tell whether a text holds any idiom at all (most hold none): a third of the cost of trying each.
        any_idiom=re.compile("|".join(f"(?:{pattern})" for pattern, _ in idioms), re.IGNORECASE),
        complaint=re.compile(either(data["complaint"])),
        not_a_complaint=re.compile("|".join(expand(e["pattern"], macros) for e in data["not_a_complaint"])),
        shortcoming=re.compile(either(data["shortcoming"])),
        defects=frozenset(data["defects"]["words"]),
    )


def expand(pattern: str, macros: Mapping[str, str]) -> str:
    """`pattern` with each {NAME} replaced by its [macros] entry (a regex quantifier such as {0,2} is left alone)."""
    return _MACRO.sub(lambda m: macros[m.group(1)], pattern)


@functools.cache
def rules() -> PhraseRules:
    """The shipped rules, read once."""
    return load_rules()


def plain_idioms(text: str) -> str:
    """`text` with each idiom of `en_phrases.toml` replaced by the plain words it means."""
    r = rules()
    if not r.any_idiom.search(text):
        return text
    for pattern, plain in r.idioms:
        text = pattern.sub(plain, text)
    return text


_SOCIAL = re.compile(r"(?<!\w)[@#]\w|[:;=]-?[()DPp]|\b(?:lol|lmao|omg|wtf|ugh|haha\w*)\b|[A-Z]{4,}|!!|\?\?")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|i'll|my|me|mine)\b", re.IGNORECASE)
_EMOJI_OR_STRETCH = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]|(\w)\1\1")
SHORT_WORDS = 8
LONG_WORDS = 25


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; a negator marks the next NEGATION_SCOPE words (`!good`), a contrast the rest
    (`>good`)."""
    out: list[str] = []
    negate = 0
    contrast = False
    for tok in _TOKEN.findall(text.lower()):
        if tok in _SCOPE_END:
            negate = 0
            out.append(tok)
            continue
        if tok in _NEGATORS or tok.endswith("n't"):
            negate = NEGATION_SCOPE
            out.append(tok)
            continue
        if tok in _CONTRAST:
            contrast = True
            negate = 0
            out.append(tok)
            continue
        if negate:
            negate -= 1
            tok = "!" + tok
        out.append(">" + tok if contrast else tok)
    return out


def complaint_hits(text: str) -> int:
    r = rules()
    return len(r.complaint.findall(r.not_a_complaint.sub(" ", text.lower())))


def has_trouble(text: str) -> bool:
    """Whether `combine_features(text, ...)` would hold a complaint, defect or shortcoming phrase (c:complaint,
    c:defect, c:shortcoming), without computing the rest."""
    r = rules()
    return (
        complaint_hits(text) > 0
        or any(tok.lstrip(">") in r.defects for tok in tokens(text))
        or r.shortcoming.search(text.lower()) is not None
    )


def looks_social(text: str) -> bool:
    """A post rather than an edited sentence: handles, hashtags, emoticons, shouting. VADER was built for these."""
    return bool(_SOCIAL.search(text))


STYLE_MARKS = ("social", "first", "short", "long", "emo")


def style(text: str) -> list[str]:
    """Marks of an informal post rather than an edited review sentence (social signs, first person, few words,
    emoji or stretched letters), and of a long sentence, where one word counts for less. The model crosses each with
    VADER's verdict, so it can learn to trust VADER on chatty posts (VADER was built for them) and lean on the words
    for review prose. Not a lower-case start: the Amazon corpus is lower-cased by its publishers, so that mark
    taught the model to read "the zoom is flimsy" and "The zoom is flimsy" differently (held-out recall on the
    capitalised Amazon rows: 0.738 against 0.768)."""
    marks: list[str] = []
    if looks_social(text):
        marks.append("social")
    if _FIRST_PERSON.search(text):
        marks.append("first")
    n_words = len(text.split())
    if n_words <= SHORT_WORDS:
        marks.append("short")
    elif n_words >= LONG_WORDS:
        marks.append("long")
    if _EMOJI_OR_STRETCH.search(text):
        marks.append("emo")
    return marks


def stage_one_features(text: str, lexicon: Mapping[str, float], toks: Sequence[str] | None = None) -> dict[str, float]:
    """The features of both stage-one models, in one dict so that the words they share are looked up once: words
    (`w:`, `b:`) for both, character n-grams inside each word (`g:`) for the subword model, the binned `lexicon`
    valence of each word (`L:`, `!`-marked when negated) for the valence model. `toks`: `tokens(text)`, when the
    caller has them already."""
    toks = tokens(text) if toks is None else toks
    feats = _word_features(toks)
    for tok in toks:
        tok = tok.lstrip(">")
        mark = "!" if tok.startswith("!") else ""
        word = tok.lstrip("!")
        if len(word) >= SUBWORD_MIN_LETTERS:
            padded = "<" + word + ">"
            for n in SUBWORD_SIZES:
                for i in range(len(padded) - n + 1):
                    feats["g:" + mark + padded[i : i + n]] = 1.0
        valence = lexicon.get(word)
        if valence is not None:
            level = max(-VALENCE_BINS, min(VALENCE_BINS, round(valence)))
            if level:
                feats[f"L:{mark}{level}"] = 1.0
    return feats


def subword_part(feats: Mapping[str, float]) -> dict[str, float]:
    """What the subword model reads of `stage_one_features` (for training; at run time it ignores the rest)."""
    return {k: v for k, v in feats.items() if not k.startswith("L:")}


def valence_part(feats: Mapping[str, float]) -> dict[str, float]:
    """What the valence model reads of `stage_one_features`."""
    return {k: v for k, v in feats.items() if not k.startswith("g:")}


def _word_features(toks: Sequence[str]) -> dict[str, float]:
    """Word unigrams (negated words marked `!`, words after a contrast also as `>word`) and bigrams."""
    feats: dict[str, float] = {}
    plain = [t.lstrip(">") for t in toks]
    for tok in plain:
        feats["w:" + tok] = 1.0
    for tok in toks:
        if tok.startswith(">"):
            feats["w:" + tok] = 1.0
    for a, b in itertools.pairwise(plain):
        feats["b:" + a + " " + b] = 1.0
    return feats


def combine_features(
    text: str,
    words: tuple[float, float],
    valences: tuple[float, float],
    compounds: Sequence[float],
    whole: float,
    toks: Sequence[str] | None = None,
) -> dict[str, float]:
    """Stage two: the stage-one models' negative-vs-rest and positive-vs-rest scores (log-odds; `words` from the
    subword model, `valences` from the lexicon one), VADER's compound of the sentences (mean, most negative, most
    positive, binned) and of the whole text, complaint phrases, and the marks of an informal post crossed with both
    VADER and the word scores, so that chatty posts can lean on VADER (built for them) and review prose on the words.
    `compounds` has at least one value; `toks`: `tokens(text)`, when the caller has them already."""
    word_negative, word_positive = words
    mean = sum(compounds) / len(compounds)
    low = min(compounds)
    feats: dict[str, float] = {
        "s:neg": word_negative,
        "s:pos": word_positive,
        "l:neg": valences[0],
        "l:pos": valences[1],
        "v:mean": mean * VADER_SCALE,
        "v:min": low * VADER_SCALE,
        "v:max": max(compounds) * VADER_SCALE,
        "v:all": whole * VADER_SCALE,
        "v:neg": float(mean <= -0.05),
        "v:pos": float(mean >= 0.05),
        f"va:{round(whole * 4)}": 1.0,
        f"vmin:{round(low * 4)}": 1.0,
    }
    hits = complaint_hits(text)
    if hits:
        feats["c:complaint"] = float(min(hits, 3))
    defects = sum(1 for tok in (tokens(text) if toks is None else toks) if tok.lstrip(">") in rules().defects)
    if defects:
        feats["c:defect"] = float(min(defects, 3))
    shortcomings = len(rules().shortcoming.findall(text.lower()))
    if shortcomings:
        feats["c:shortcoming"] = float(min(shortcomings, 3))
    for mark in style(text):
        feats["st:" + mark] = 1.0
        feats[f"st:{mark}:v"] = whole * VADER_SCALE
        feats[f"st:{mark}:va{round(whole * 4)}"] = 1.0
        feats[f"st:{mark}:sneg"] = word_negative
        feats[f"st:{mark}:spos"] = word_positive
    return feats
