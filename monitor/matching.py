"""Brand matching: which brand an item names, and whether it is really about that brand, with the reason.

Terms (`[[brands]] terms`, or the brand's name when it has none) are looked for in NFKC + case-folded text, so
full-width `Ａｃｍｅ` and half-width `ｱｸﾒ` match: Latin terms on word boundaries ("Acme" does not match
"Acmeology"), Japanese/Chinese/Korean terms as substrings (those scripts do not separate words), `@handles`,
`#hashtags` and domains as whole tokens.

URLs are read as what they are. Their host matches the brand's domain terms (`slack.com` matches
`https://app.slack.com/...`), an `/@name` path segment matches a handle, a link in the text to a site named after a
term (`https://oauth.reddit.com/...` for "Reddit") names it, and nothing else in them matches: a bare word in a slug
(`/automotive-slack-adjuster-market`) is not a mention. `exclude` phrases are blanked out wherever terms are looked
for (the title, the text and the URLs' hosts) before the terms are.

A term that is a common word in the text's language is ambiguous ("slack", "apple", "notion"): one that wordfreq's
list for that language has at least once per million words (its "small" list). An ambiguous term counts only
with evidence that the brand is meant: one of the brand's `context` words near it, a case-exact proper-noun use in
running text (not at the start of a sentence, not in a Title-Cased headline, not right after another capitalised
word as in "Brayden Slack"), the term written as a handle or hashtag, or the brand's domain in the item. Without
it the brand is named but the item is not about it: held back, with the reason.
"""

from __future__ import annotations

import bisect
import copy
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from monitor.config import Brand

_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u31f0-\u31ff"
_CJK = re.compile(f"[{_CJK_RANGES}]")
# A letter or digit that continues a Latin word: Japanese, Chinese and Korean ones do not ("Slackの通知").
_W = rf"[^\W{_CJK_RANGES}]"
# A URL in running text: with a scheme or "www.", or a bare host followed by a path ("example.com/page").
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'\[\]{}|\\^`]+|(?<![\w@.-])(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>\"'\[\]{}|\\^`]*",
    re.IGNORECASE,
)
# What every URL above holds; searching for it first is a fifth of the cost of `_URL` on text with no URL in it.
_MAYBE_URL = re.compile(r"://|www\.|\.[a-z]{2,}/", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:[\w-]+\.)+[a-z]{2,}", re.IGNORECASE)
# A term of one word (possibly with an inner apostrophe, hyphen or dot): the only kind that can be a common word.
_ONE_WORD = re.compile(r"\w+(?:['’.-]\w+)*")
# Where a sentence starts: what may stand before its first word.
_SENTENCE_END = frozenset(".!?…:;\n")
_OPENERS = frozenset("\"'“‘«「『([{-–—•*|>")
# Headline-style capitalisation says nothing about proper nouns: a line at least this capitalised is a headline.
TITLE_CASE_SHARE = 0.6
TITLE_CASE_MIN_WORDS = 5
# How far (characters, either side of the term) a context word still counts as near.
CONTEXT_WINDOW = 150
# Common word: at least once per million words in the text's language (wordfreq's "small" lists hold exactly these).
COMMON_ZIPF = 3.0

Kind = Literal["word", "cjk", "handle", "hashtag", "domain"]
Detect = Callable[[str], "str | None"]


def normalise(text: str) -> str:
    """NFKC (full-width Ａｃｍｅ and half-width ｶﾅ become their ordinary forms) and case folding."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True, slots=True)
class Term:
    """One configured term, compiled."""

    text: str  # as written in the config
    kind: Kind
    pattern: re.Pattern[str]
    folded: str

    @property
    def proper(self) -> str:
        """Its case-exact proper-noun form: as written when that has a capital, else capitalised (slack: Slack)."""
        written = unicodedata.normalize("NFKC", self.text.strip())
        return written if written != written.lower() else written[:1].upper() + written[1:]


def compile_term(text: str) -> Term:
    folded = normalise(text.strip())
    escaped = r"\s+".join(re.escape(part) for part in folded.split())
    kind: Kind
    if folded.startswith("@"):
        kind, pattern = "handle", rf"(?<!{_W}|@){escaped}(?!{_W})"
    elif folded.startswith("#"):
        kind, pattern = "hashtag", rf"(?<!{_W}|[#&]){escaped}(?!{_W})"
    elif _DOMAIN.fullmatch(folded):
        # a domain, or any host under it; not part of a longer host name or word
        kind, pattern = "domain", rf"(?<!{_W}|[.-])(?:[\w-]+\.)*{escaped}(?!{_W}|-|\.[a-z0-9])"
    elif _CJK.search(folded):
        kind, pattern = "cjk", escaped
    else:
        kind, pattern = "word", rf"(?<!{_W}){escaped}(?!{_W})"
    return Term(text=text, kind=kind, pattern=re.compile(pattern), folded=folded)


def _context_pattern(word: str) -> re.Pattern[str]:
    folded = normalise(word.strip())
    escaped = r"\s+".join(re.escape(part) for part in folded.split())
    if _CJK.search(folded):
        return re.compile(escaped)
    return re.compile(rf"(?<!{_W}){escaped}(?:s|es)?(?!{_W})")  # "latte" also finds "lattes"


@functools.cache
def _frequencies(language: str) -> dict[str, float]:
    import wordfreq  # 0.16 s of imports (langcodes): only once an ambiguous-looking term meets a text

    if language not in wordfreq.available_languages("small"):
        return {}
    return wordfreq.get_frequency_dict(language, "small")


@functools.cache
def word_like(folded: str) -> bool:
    """Whether a term could be a common word of some language: one word, or Japanese/Chinese/Korean without spaces."""
    is_word = _ONE_WORD.fullmatch(folded) is not None and not _CJK.search(folded)
    return is_word or bool(_CJK.search(folded) and " " not in folded)


@functools.cache
def common_word(folded: str, language: str) -> float | None:
    """The Zipf frequency of a one-word term in `language` when it is a common word there (>= COMMON_ZIPF), else
    None. Looked up as a whole entry, so no tokenizer is needed for Japanese or Chinese."""
    if not word_like(folded):
        return None
    frequency = _frequencies(language.split("-")[0].lower()).get(folded, 0.0)
    zipf = math.log10(frequency) + 9 if frequency > 0 else 0.0
    return round(zipf, 2) if zipf >= COMMON_ZIPF else None


class _Text:
    """The searchable text of an item: NFKC, URLs blanked out (their hosts kept aside), case-folded; `origin` maps
    a position in the folded text back to the unfolded one (folding can lengthen a letter: ß -> ss)."""

    def __init__(self, texts: Sequence[str], url: str) -> None:
        original = "\n".join(unicodedata.normalize("NFKC", t) for t in texts if t)
        self.hosts: list[str] = []
        self.handles: list[str] = []
        # The sites the text links to, by name ("reddit" for https://oauth.reddit.com/...). Not the item's own URL:
        # where an item is posted (a review on yelp.com, a post on reddit.com) is not what it is about.
        self.sites: dict[str, str] = {}
        if url:
            self._take(url)
        blanked, last = [], 0  # the text with its URLs blanked out, in the same pass
        for link in _URL.finditer(original) if _MAYBE_URL.search(original) else ():
            host = self._take(link.group(0))
            if host and _site(host):
                self.sites.setdefault(_site(host), host)
            blanked += [original[last : link.start()], " " * (link.end() - link.start())]
            last = link.end()
        self.original = "".join(blanked) + original[last:]
        # Case folding maps each character on its own; when no character became several, positions are the same.
        self.folded = self.original.casefold()
        self._starts: list[int] | None = None  # where each original character's folding starts: when first needed

    def _take(self, link: str) -> str:
        try:
            parts = urlsplit(link if "://" in link else f"http://{link}")
            host = normalise(parts.hostname or "")
        except ValueError:  # not a URL after all ("http://[oops")
            return ""
        if host:
            self.hosts.append(host)
        self.handles += [normalise(s) for s in parts.path.split("/") if s.startswith("@") and len(s) > 1]
        return host

    def origin(self, position: int) -> int:
        if len(self.original) == len(self.folded):
            return position
        if self._starts is None:
            starts, at = [], 0
            for ch in self.original:
                starts.append(at)
                at += len(ch.casefold())
            self._starts = starts
        return bisect.bisect_right(self._starts, position) - 1

    def without(self, patterns: Sequence[re.Pattern[str]]) -> _Text:
        """A copy with every match of `patterns` blanked out (hosts and handles that match dropped)."""
        text = copy.copy(self)
        for pattern in patterns:
            text.folded = pattern.sub(lambda m: " " * len(m.group(0)), text.folded)
            text.hosts = [h for h in text.hosts if not pattern.search(h)]
            text.handles = [h for h in text.handles if not pattern.search(h)]
            text.sites = {name: h for name, h in text.sites.items() if not pattern.search(h)}
        return text


def _site(host: str) -> str:
    """The name a host is registered under: "reddit" for oauth.reddit.com, "anker" for www.anker.co.jp."""
    labels = host.removeprefix("www.").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:  # a country's second level: co.jp
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else ""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Which brand an item names (None: none), whether it is about that brand, and why, in plain words."""

    brand: str | None
    relevant: bool
    reason: str
    term: str | None = None  # the configured term that decided


NO_TERM = Verdict(None, False, "no brand term")


@dataclass(frozen=True)
class BrandTerms:
    name: str
    terms: tuple[Term, ...]
    exclude: tuple[re.Pattern[str], ...]
    context: tuple[tuple[str, re.Pattern[str]], ...]  # (the word as written, its pattern)

    @classmethod
    def build(
        cls, name: str, terms: Sequence[str], exclude: Sequence[str] = (), context: Sequence[str] = ()
    ) -> BrandTerms:
        return cls(
            name=name,
            terms=tuple(compile_term(t) for t in (list(terms) or [name]) if t.strip()),
            exclude=tuple(compile_term(t).pattern for t in exclude if t.strip()),
            context=tuple((w, _context_pattern(w)) for w in context if w.strip()),
        )

    def judge(self, item: _Text, language: Callable[[], str | None]) -> Verdict | None:
        """The verdict for this brand, or None when none of its terms is in the item (once exclusions are out)."""
        text = item.without(self.exclude)
        domains = [t for t in self.terms if t.kind == "domain"]
        own_domain = next((d for d in domains if _in_hosts(d, text.hosts) or d.pattern.search(text.folded)), None)
        held: Verdict | None = None
        for term in self.terms:
            found = self.found(term, text)
            if found is None:
                continue
            said, position = found
            if position is None:  # a domain, handle or hashtag, or a link to the brand's site: no homonym there
                return Verdict(self.name, True, said, term.text)
            if not word_like(term.folded):  # a common word in no language: the item's need not be known
                return Verdict(self.name, True, said, term.text)
            zipf = common_word(term.folded, language() or "en")
            if zipf is None:
                return Verdict(self.name, True, said, term.text)
            evidence = self._evidence(term, text, position, own_domain)
            common = f"{term.text!r} is a common word ({language() or 'en'}, Zipf {zipf:g})"
            if evidence:
                return Verdict(self.name, True, f"{common}; here it is the brand: {evidence}", term.text)
            held = held or Verdict(
                self.name,
                False,
                f"{common} and nothing near it says it is the brand "
                "(no context word, proper noun, handle, hashtag or the brand's domain)",
                term.text,
            )
        return held

    def found(self, term: Term, text: _Text) -> tuple[str, int | None] | None:
        """How the term was found, in words, and where the first use of a word term is (None: nothing to judge)."""
        said = f"the {term.kind} {term.text!r}"
        if term.kind == "domain" and _in_hosts(term, text.hosts):
            return said, None
        if term.kind == "handle" and term.folded in text.handles:
            return said, None
        if term.kind in ("domain", "handle", "hashtag"):
            return (said, None) if term.pattern.search(text.folded) else None
        first = term.pattern.search(text.folded)
        if first is not None:
            return f"matched {term.text!r}", first.start()
        if term.folded in text.sites:
            return f"a link to {text.sites[term.folded]}", None
        return None

    def _evidence(self, term: Term, text: _Text, first: int, own_domain: Term | None) -> str:
        """What says an ambiguous term means the brand here ("" when nothing does)."""
        for match in term.pattern.finditer(text.folded, first):
            before = text.folded[match.start() - 1] if match.start() else ""
            earlier = text.folded[match.start() - 2] if match.start() > 1 else ""
            if before and before in "#@" and not (earlier.isalnum() or earlier == "_"):
                return f"written as {before}{term.folded}"
            near = text.folded[max(0, match.start() - CONTEXT_WINDOW) : match.end() + CONTEXT_WINDOW]
            word = next((w for w, p in self.context if p.search(near)), None)
            if word is not None:
                return f"near the context word {word!r}"
            if _proper_noun(text, text.origin(match.start()), text.origin(match.end() - 1) + 1, term.proper):
                return f"written as the proper noun {term.proper!r}"
        if own_domain is not None:
            return f"with the brand's domain {own_domain.text!r}"
        if term.folded in text.sites:
            return f"with a link to {text.sites[term.folded]}"
        return ""


def _in_hosts(term: Term, hosts: Sequence[str]) -> bool:
    return any(host == term.folded or host.endswith("." + term.folded) for host in hosts)


def _proper_noun(text: _Text, start: int, end: int, proper: str) -> bool:
    """Case-exact, in running text: not at a sentence's start, not in a Title-Cased line, not right after another
    capitalised word. Scripts without case (Japanese, Chinese) have no proper-noun evidence."""
    original = text.original
    if proper.lower() == proper.upper() or original[start:end] != proper:
        return False
    line_start = original.rfind("\n", 0, start) + 1
    line_end = original.find("\n", end)
    if _title_cased(original[line_start : line_end if line_end >= 0 else len(original)]):
        return False
    before = start - 1
    while before >= line_start and (original[before].isspace() or original[before] in _OPENERS):
        before -= 1
    if before < line_start or original[before] in _SENTENCE_END:
        return False  # the first word of a sentence is capitalised anyway
    # part of a longer capitalised name ("Brayden Slack", "Automotive Slack Market"), unless punctuation parts them
    return not _word_before(original, before + 1, line_start)[:1].isupper()


def _word_before(original: str, end: int, line_start: int) -> str:
    start = end
    while start > line_start and (original[start - 1].isalnum() or original[start - 1] in "'’-"):
        start -= 1
    return original[start:end]


def _title_cased(line: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'’-]*", line)
    if len(words) < TITLE_CASE_MIN_WORDS:
        return False
    return sum(1 for w in words if w[:1].isupper()) / len(words) >= TITLE_CASE_SHARE


class BrandMatcher:
    """Built once from the config; `judge(title, text, url)` says which brand an item names and whether it is about
    it. `detect(text)` names a text's language when the source did not (used only for an ambiguous term)."""

    def __init__(
        self,
        brands: Sequence[BrandTerms | tuple[str, Sequence[str], Sequence[str]]],
        *,
        detect: Detect | None = None,
    ) -> None:
        # A (name, terms, exclude) tuple is the form before `context` existed.
        self._brands = tuple(b if isinstance(b, BrandTerms) else BrandTerms.build(*b) for b in brands)
        self.detect = detect

    @classmethod
    def from_config(cls, brands: Sequence[Brand], *, detect: Detect | None = None) -> BrandMatcher:
        """The matcher for `[[brands]]`: own brands first, so that a text naming one and a competitor is ours."""
        ordered = [b for b in brands if b.role == "own"] + [b for b in brands if b.role != "own"]
        return cls([BrandTerms.build(b.name, b.terms, b.exclude, b.context) for b in ordered], detect=detect)

    @property
    def brands(self) -> tuple[str, ...]:
        return tuple(b.name for b in self._brands)

    def terms_of(self, brand: str) -> tuple[str, ...]:
        return next((tuple(t.text for t in b.terms) for b in self._brands if b.name == brand), ())

    def judge(
        self, title: str, text: str, url: str = "", *, language: str | None = None, detect: Detect | None = None
    ) -> Verdict:
        """The first brand the item is about; else the first one it names (held back, with why); else NO_TERM.
        `language`: the item's, when the source says it; else `detect` (or the matcher's own) guesses it, if needed."""
        item = _Text((title, text), url)
        guess = detect or self.detect

        @functools.cache
        def lang() -> str | None:
            if language:
                return language
            return guess("\n".join(t for t in (title, text) if t)) if guess else None

        held: Verdict | None = None
        for brand in self._brands:
            verdict = brand.judge(item, lang)
            if verdict is not None and verdict.relevant:
                return verdict
            held = held or verdict
        return held or NO_TERM

    def match(self, *texts: str) -> str | None:
        """The brand the texts are about, or None (the texts are read as title and body; no URL)."""
        verdict = self.judge("\n".join(t for t in texts[:-1] if t), texts[-1] if texts else "")
        return verdict.brand if verdict.relevant else None

    def excluded(self, brand: str, *texts: str) -> bool:
        """True when the text names only an excluded phrase of `brand` (used for sources bound to a brand)."""
        for terms in self._brands:
            if terms.name == brand:
                plain = _Text(texts, "")
                if not any(p.search(plain.folded) for p in terms.exclude):
                    return False
                rest = plain.without(terms.exclude)
                return not any(terms.found(t, rest) for t in terms.terms)
        return False
