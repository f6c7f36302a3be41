"""What a complaint is about: the aspects of a negative mention (staff, waiting, price, app and login...).

    aspects = Aspects.packaged(extra={"waiting": ["table took ages"], "parking": ["parking", "駐車場"]})
    aspects.find("Waited forty minutes and the barista was rude.")    # ("staff", "waiting")

The aspects and their seed words, in English and Japanese, are data: `aspects.toml` next to this file, with examples
and counter-examples that `tests/test_aspects.py` checks; monitor.toml's `[aspects]` table adds seeds to an aspect or
new aspects. A seed matches after NFKC and case folding: Latin-script seeds as whole words (`*` at the end for any
ending), Japanese, Chinese and Korean seeds as substrings. A seed written `!phrase` only looks like the aspect:
where it stands, the aspect's other seeds do not count ("can't wait to go back" is no waiting).

The digest counts them ("waiting: 7 negative mentions, up from 2"), `mentions list --aspect waiting` lists them,
and rules read them (`"waiting" in aspects`). The brand's own words are blanked first, so "Acme App" does not give
every complaint the aspect "app".
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

ASPECTS_FILE = "aspects.toml"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u31f0-\u31ff]")
# Apostrophes as people type them: "can't" and "can’t" are one seed.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n+")
_WORD_START = r"(?<!\w)"


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)


def seed_pattern(seed: str) -> str:
    """The regular expression of one seed (see the module docstring)."""
    folded = fold(seed.strip())
    prefix = folded.endswith("*")
    folded = folded.rstrip("*").strip()
    if not folded:
        raise ValueError(f"{seed!r} is not a word or phrase")
    escaped = r"\s+".join(re.escape(part) for part in folded.split())
    if _CJK.search(folded):
        return escaped
    ending = r"[^\W_]*" if prefix else r"(?!\w)"
    return rf"{_WORD_START}{escaped}{ending}"


def _either(patterns: Sequence[str]) -> re.Pattern[str]:
    """Any of `patterns` (seed patterns), tried in order. Consecutive ones that start at a word's start share one
    _WORD_START, which the regex engine then tests once at each position of a text instead of once per seed: the same
    matches, four times faster over the shipped aspects."""
    groups: list[str] = []
    words: list[str] = []
    for pattern in [*patterns, ""]:
        if pattern.startswith(_WORD_START):
            words.append(pattern.removeprefix(_WORD_START))
            continue
        if words:
            groups.append(f"{_WORD_START}(?:{'|'.join(words)})")
            words = []
        if pattern:
            groups.append(pattern)
    return re.compile("|".join(groups))


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    """A brand's words, compiled once (they are the same for every mention of the brand)."""
    return re.compile(pattern)


# One word as a seed is written: letters and digits, with an apostrophe inside ("can't").
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _words(folded: str) -> set[str]:
    """The words of a folded text, and the word after an elision ("l'installation", "s'installer") on its own."""
    words = set(_WORD.findall(folded))
    words.update(w.rsplit("'", 1)[1] for w in list(words) if "'" in w)
    return words


@dataclass(frozen=True, slots=True)
class Aspect:
    """One aspect, its seeds sorted for speed: single words looked up in a set, word beginnings (`rud*`) by
    `startswith`, and only phrases, hyphenated words and CJK seeds by a regular expression."""

    name: str
    title: str
    seeds: tuple[str, ...]
    words: frozenset[str]
    prefixes: tuple[str, ...]
    phrases: re.Pattern[str] | None
    phrase_starts: frozenset[str]  # the first word of each Latin phrase: the phrases are tried only when one is there
    cjk: bool  # some seeds are Japanese, Chinese or Korean
    lookalikes: re.Pattern[str] | None

    def found(self, folded: str, words: set[str]) -> bool:
        """Whether the folded text (and its `words`) speaks of this aspect."""
        if self.lookalikes is not None and self.lookalikes.search(folded):
            folded = self.lookalikes.sub(" ", folded)
            words = _words(folded)
        if not words.isdisjoint(self.words):
            return True
        if self.prefixes and any(w.startswith(self.prefixes) for w in words):
            return True
        if self.phrases is None:
            return False
        if words.isdisjoint(self.phrase_starts) and not (self.cjk and _CJK.search(folded)):
            return False
        return self.phrases.search(folded) is not None


def _aspect(name: str, title: str, seeds: Sequence[str]) -> Aspect:
    words: set[str] = set()
    prefixes: list[str] = []
    phrases: list[str] = []
    starts: set[str] = set()
    cjk = False
    fake: list[str] = []
    for seed in seeds:
        if seed.startswith("!"):
            fake.append(seed_pattern(seed[1:]))
            continue
        folded = fold(seed.strip())
        bare = folded.rstrip("*")
        if _WORD.fullmatch(bare) and not _CJK.search(bare):
            if folded.endswith("*"):
                prefixes.append(bare)
            else:
                words.add(bare)
        else:
            phrases.append(seed_pattern(seed))
            cjk = cjk or _CJK.search(bare) is not None
            first = _WORD.match(bare)
            if first is not None:
                starts.add(first.group(0))
    return Aspect(
        name=name,
        title=title,
        seeds=tuple(seeds),
        words=frozenset(words),
        prefixes=tuple(prefixes),
        phrases=_either(phrases) if phrases else None,
        phrase_starts=frozenset(starts),
        cjk=cjk,
        lookalikes=_either(fake) if fake else None,
    )


class Aspects:
    """The aspects, in the data file's order (then added ones); `find(text)` names those a text speaks of."""

    def __init__(self, aspects: Iterable[Aspect]) -> None:
        self._aspects = tuple(aspects)
        names = [a.name for a in self._aspects]
        if len(set(names)) != len(names):
            raise ValueError("an aspect is defined twice")

    @classmethod
    def packaged(cls, extra: Mapping[str, Sequence[str]] | None = None) -> Aspects:
        """The shipped aspects, with `extra` seeds ([aspects] in monitor.toml) added; an unknown name is a new
        aspect, titled by its name."""
        text = resources.files("monitor").joinpath(ASPECTS_FILE).read_text(encoding="utf-8")
        return cls.from_toml(text, extra)

    @classmethod
    def from_toml(cls, text: str, extra: Mapping[str, Sequence[str]] | None = None) -> Aspects:
        data: dict[str, Any] = tomllib.loads(text)
        tables: dict[str, tuple[str, list[str]]] = {}
        for name, table in data.items():
            tables[name] = (str(table.get("title", name)), [str(s) for s in table.get("seeds", [])])
        for name, seeds in (extra or {}).items():
            title, known = tables.get(name, (name, []))
            tables[name] = (title, [*known, *seeds])
        return cls(_aspect(name, title, seeds) for name, (title, seeds) in tables.items())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self._aspects)

    def title(self, name: str) -> str:
        """How people say the aspect ("staff and service"); an unknown name as it is."""
        return next((a.title for a in self._aspects if a.name == name), name)

    def titles(self) -> dict[str, str]:
        return {a.name: a.title for a in self._aspects}

    def find(self, text: str, ignore: Iterable[str] = ()) -> tuple[str, ...]:
        """The aspects `text` speaks of, in the aspects' order. `ignore`: words blanked out first (the brand's own
        name and terms)."""
        folded = fold(text)
        for word in ignore:
            if word.strip():
                folded = _compiled(seed_pattern(word)).sub(" ", folded)
        words = _words(folded)
        return tuple(aspect.name for aspect in self._aspects if aspect.found(folded, words))

    def passage(self, text: str, aspect: str, ignore: Iterable[str] = ()) -> str | None:
        """The first sentence of `text` that speaks of `aspect` (what the digest quotes), or None."""
        for sentence in _SENTENCE.split(text):
            if sentence.strip() and aspect in self.find(sentence, ignore):
                return sentence.strip()
        return None
