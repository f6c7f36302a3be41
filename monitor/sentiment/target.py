"""Sentiment toward a target: the part of a text that is about it.

A post that names the brand is often about something else as well: "my other charger broke and I'm heartbroken...
heard good things about Anker, any suggestions?" is a complaint about the other charger and a hopeful word about
Anker. `focus(text, target, language, phrases)` picks the parts that are about the target; the scorer reads only
them (`Scorer.score(..., target=...)`):

1. the sentences that name the target (any of its terms: a brand's name, terms, handle, hashtag or domain), and the
   sentences right after one that refer back to it ("It died after two days.") or have no subject of their own
   ("Never again.", "最悪だった。");
2. inside such a sentence, the clauses that name the target: a contrast ("X broke, but Anker is great", "料理は
   美味しいが、店員が最悪"), a dash or an ellipsis ends one, and so does an "although ..." / "unlike ..." clause
   before its comma; a clause after it still counts when it refers back, goes on with the same subject ("... but
   could be better"), or, for a business or a product (a target written as a name), is about one of its parts ("...
   but the barista was rude": `[[parts]]` of `target_phrases.toml`);
3. inside such a clause, the pieces (between commas, "and", "because"...) that name the target or refer back: a
   piece with a subject of its own ("the service was slow") is about that subject;
4. comparisons (`[[comparison]]` of `target_phrases.toml`): in "Switched from Anker to Belkin, much better" or
   "Belkin is better than Anker" what the sentence says is said of the other side, and the target gets its verdict.

The whole text is read when the target is not in it (the item matched by its URL), and a part that names nothing but
the target ("Anker!") gives way to the sentence or clause around it. Terms match as the brand matcher does: NFKC and
case folding, Latin terms on word boundaries, Japanese/Chinese/Korean as substrings, and an `@handle`, `#hashtag` or
domain term also as the bare name it holds. The closed word classes that find the structure (conjunctions,
pronouns, auxiliaries) are here; the open lists (comparisons, parts) are data with examples.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from monitor.sentiment.text import sentences

PHRASES_FILE = "target_phrases.toml"
_MARK = "\x00"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u31f0-\u31ff]")
_DOMAIN = re.compile(r"^(?:www\.)?([\w-]+)\.[a-z]{2,}(?:\.[a-z]{2})?$")
# A digit, a leading @ or #, a domain's dot, or Japanese, Chinese or Korean: a term written as a name (`Target.name`).
_NAME_MARK = re.compile(r"\d|^\s*[@#]|\w\.\w|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# A part that names nothing but the target (besides short function words) says nothing about it: "Anker!".
_CONTENT_WORD = re.compile(r"[^\W\d_]{3,}|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]{2,}")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _term_patterns(term: str) -> list[tuple[str, re.Pattern[str]]]:
    """The patterns of a term's folded forms, each with the form it holds literally."""
    folded = fold(term.strip())
    if not folded:
        return []
    forms = {folded}
    if folded[0] in "@#" and len(folded) > 1:
        forms.add(folded[1:])
    elif (domain := _DOMAIN.match(folded)) is not None:
        forms.add(domain.group(1))
    out = []
    for form in sorted(forms, key=len, reverse=True):
        escaped = re.escape(form)
        if _CJK.search(form):
            out.append((form, re.compile(escaped)))
        else:
            # A handle or hashtag of the bare name counts too ("@anker", "#anker" for "Anker").
            out.append((form, re.compile(rf"(?<![\w.-])[@#]?{escaped}(?!\w)")))
    return out


@dataclass(frozen=True, slots=True)
class Target:
    """What a text's sentiment is wanted toward: a brand's name and terms."""

    terms: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    # Written as a name (a capital, a digit, a handle, a hashtag, Japanese): a business or a product, whose parts
    # (its staff, its app, its prices) are about it. A common noun ("the food", "battery life") is one such part.
    name: bool
    forms: tuple[str, ...]  # what each of `patterns` holds literally, folded

    @classmethod
    def of(cls, value: str | Iterable[str]) -> Target:
        terms = (value,) if isinstance(value, str) else tuple(value)
        terms = tuple(t for t in terms if isinstance(t, str) and t.strip())
        if not terms:
            raise ValueError("a target needs at least one non-empty term")
        names = tuple(t for t in terms if t != t.lower() or _NAME_MARK.search(t))
        # A brand's term that is a common phrase ("portable charger" beside "Anker") names what the brand sells, and
        # "my portable charger broke" is about the writer's charger: the names say where the brand is.
        found = [pair for t in names or terms for pair in _term_patterns(t)]
        return cls(terms, tuple(p for _, p in found), bool(names), tuple(form for form, _ in found))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the target occurs in `text`, as offsets into `fold(text)`."""
        folded = fold(text)
        found = sorted({m.span() for p in self.patterns for m in p.finditer(folded)})
        kept: list[tuple[int, int]] = []
        for start, end in found:
            if kept and start < kept[-1][1]:
                continue
            kept.append((start, end))
        return kept

    def occurs(self, text: str) -> bool:
        folded = fold(text)
        # A pattern matches only where its form is (`_term_patterns`): a substring test rules most texts out first.
        return any(form in folded and p.search(folded) for form, p in zip(self.forms, self.patterns, strict=True))

    def masked(self, text: str, language: str) -> str:
        """`text` with the target's own words replaced by a pronoun: a name says nothing about what it names ("Best
        Buy" is no praise, "@anker" makes a complaint read like a chat), the pronoun keeps the sentence whole."""
        pronoun = "これ" if language == "ja" else "it"
        for pattern in self.patterns:
            text = re.sub(pattern.pattern, pronoun, text, flags=re.IGNORECASE)
        return text


_LEADING_AND = re.compile(r"^(?:(?:and|or|so|plus|also|then)\b[,\s]*)+", re.IGNORECASE)


# What a comparison says of the target, given what its sentence says (see target_phrases.toml): "opposite", "lost"
# (a complaint, unless the sentence regrets it), "won" (praise, unless the sentence is praise itself), "best" (praise,
# whatever words the sentence uses to say so: "wipes the floor with"). "aside": the part names the target only in
# passing, in a clause about something else, and says nothing of it.
Verdict = Literal["same", "opposite", "lost", "won", "best", "aside"]
VERDICTS: tuple[Verdict, ...] = ("same", "opposite", "lost", "won", "best")  # the ones that say something of it


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of text about the target, and what it says of it (`verdict`): what it says ("same"), in a comparison
    what follows from what it says of the other side, or nothing ("aside": it names the target in passing)."""

    text: str
    verdict: Verdict = "same"

    def __post_init__(self) -> None:
        # A piece cut out of a sentence at "and" reads as what it says, not as the rest of something.
        object.__setattr__(self, "text", _LEADING_AND.sub("", self.text.strip(" ,;:")) or self.text)


# ------------------------------------------------------------------------------------------------ clauses

# English. A contrast starts a clause about something else ("..., but", "however", ...), and so do a semicolon, a
# dash and a trailing ellipsis; a subordinate contrast before the main clause ("Although X, Y", "Unlike X, Y") runs to
# its first comma. These are walls: what lies beyond one is about the target only when it refers back to it.
_EN_WALL = re.compile(
    r"\s*(?:;|\s[-–—]+\s|\.\.+|…)\s*"
    r"|(?<!\beven),?\s+(?=(?:but|however|although|though|whereas|except|unlike|nevertheless|nonetheless|meanwhile"
    r"|on the other hand|then again|even though|despite)\b)"
    r"|,\s+(?=(?:yet|while|whilst)\b)",
    re.IGNORECASE,
)
_EN_LEADING = re.compile(
    r"^(?:although|though|even though|while|whilst|whereas|unlike|despite|compared to|compared with|apart from"
    r"|besides|other than)\b[^,]*,\s*",
    re.IGNORECASE,
)
# Inside a clause, commas, brackets and a few conjunctions separate pieces; a piece with a subject of its own ("the
# service was slow") is about that subject, one without ("not great", "and was cold") goes with the piece before it.
_EN_PIECE = re.compile(
    r"\s*[,()\[\]]\s*|\s+(?=(?:and|so|because|or|when|if|since|after|before|until|which|who)\s)", re.IGNORECASE
)
# Conjunctions and the sentence adverbs that may stand before a subject ("but lately their coffee is terrible").
_CONJUNCTIONS = (
    r"(?:(?:and|or|so|because|but|yet|then|plus|also|however|though|although|still|even|now|lately|recently"
    r"|nowadays|these days|sadly|unfortunately|honestly|frankly|today|again)[,\s]+)*"
)
# The pronouns that are a subject of their own ("I", "it", "there", "nobody").
_PRONOUNS = (
    r"i|i'm|i've|i'd|i'll|you|you're|we|we're|they|they're|he|she|it|it's|there|everyone|everything|nothing|nobody"
    r"|someone|something"
)
_EN_SUBJECT = re.compile(
    rf"^{_CONJUNCTIONS}(?:"
    rf"(?:{_PRONOUNS})\b"
    r"|(?!(?:which|who|whom|whose|where|when|what|that|to|of|for|with|in|on|at|by|from|about|like)\b)"
    r"(?:(?:the|a|an|our|my|his|her|their|its|your|this|that|these|those|some|all|most|every|each|no|one|both)\s+)?"
    r"(?:[\w'-]+\s+){1,3}?"
    r"(?:is|was|are|were|'s|has|have|had|seems?|seemed|looks?|looked|tastes?|tasted|feels?|felt|came|comes|gets?"
    r"|got|will|would|can|could|should|isn't|wasn't|aren't|weren't|doesn't|didn't|won't|can't|couldn't|hasn't"
    r"|haven't|does|did|remains?|remained|became|becomes?|needs?|needed|took|takes?|went|goes)\b)",
    re.IGNORECASE,
)
# A few words with no verb: a noun phrase waiting for its predicate ("the mouse pad", "WHEN TYPING").
_BARE = re.compile(
    r"^(?!.*\b(?:is|was|are|were|'s|'re|am|be|been|has|have|had|do|does|did|will|would|can|could|should|may|might"
    r"|must|isn't|wasn't|aren't|weren't|doesn't|don't|didn't|won't|can't|couldn't|hasn't|haven't)\b)"
    r"(?:\S+\s+){0,3}\S+$",
    re.IGNORECASE,
)
_EN_CONTRAST = re.compile(
    r"^(?:but|however|although|though|whereas|except|unlike|nevertheless|nonetheless|meanwhile|on the other hand"
    r"|then again|even though|despite|yet|while|whilst)\b",
    re.IGNORECASE,
)
_EN_CONTINUES = re.compile(
    rf"^{_CONJUNCTIONS}(?:could|would|should|can|can't|cannot|will|won't|might|may|must|is|isn't|was|wasn't|are|"
    r"aren't|were|weren't|has|hasn't|have|haven't|had|does|doesn't|did|didn't|do|don't|not|never|very|so|too|really"
    r"|quite|pretty|rather|a bit|a little|kind of|just|always|sometimes|often|seems?|seemed|looks?|looked|tastes?"
    r"|tasted|feels?|felt|gets?|got)\b",
    re.IGNORECASE,
)
# A subject that is the writer, the reader or a pronoun (`_in_passing`): what it says may well be about the target.
_EN_PERSON = re.compile(rf"\b(?:{_PRONOUNS}|this|that|these|those|my|our|your|me|us)\b", re.IGNORECASE)
# The target right after a preposition (and a determiner): named as where, with what or of what, not as what is
# talked about.
_EN_AFTER_PREPOSITION = re.compile(
    r"\b(?:in|on|at|with|from|over|into|onto|behind|under|through|thru|about|after|before|during|without"
    r"|by)\s+(?:(?:the|a|an|my|our|your|their|his|her|its|this|that|these|those|some|any|all|every|each)\s+)?[@#]?$"
)
# What refers back to what came before: a piece whose subject is a pronoun or "this place" is about the same thing;
# so is a first- or second-person one that has it as its object ("I love it", "you'll hate them").
_EN_REFERS_BACK = re.compile(
    rf"^{_CONJUNCTIONS}"
    r"(?:(?:it|its|it's|itself|they|their|theirs|they're|they've|them|he|his|he's|she|her|she's|this one"
    r"|this place|this company|this app|this product|this thing|the company|the app|the place|the store|the shop)\b"
    r"|(?:i|i'm|i've|i'd|i'll|we|we're|you|you'll|you're|just|so|really|totally|absolutely)\b.*"
    r"\b(?:it|its|them|their|her|him|his|mine|hers|theirs)\b)",
    re.IGNORECASE,
)
# Japanese: a contrast ends the first clause (美味しかったが、 / 高いけど / のに), or starts the next (しかし).
_JA_ENDS_CLAUSE = re.compile(r"(?:けれども|けれど|けど|のに|(?<=[たいだすぬ])(?<!さす)が)、?")
_JA_STARTS_CLAUSE = re.compile(r"(?:しかし|ところが|一方で|一方、|それに対して|;)")
# What starts by naming another thing than the one before: "My old charger broke.", "The other one died.",
# "前のは壊れた。" Not about the target, although without a verb we know ("broke") it would read as going on about it.
_EN_ANOTHER = re.compile(
    rf"^{_CONJUNCTIONS}(?:(?:my|our|his|her|their|your|the)\s+(?:other|old|previous|former)|another|other)\b",
    re.IGNORECASE,
)
_JA_ANOTHER = re.compile(r"^(?:でも|ただ|また|そして|あと|一方)?、?(?:前の|以前の|他の|ほかの|別の|古い)")
_JA_REFERS_BACK = re.compile(
    r"^(?:でも|しかも|ただ|また|そして|あと|さらに|それに)?、?(?:ここ|こちら|こっち|そこ|この店|同店|同社|この会社|このアプリ|彼|彼女)"
)


def _clauses(sentence: str, language: str) -> list[str]:
    """A sentence cut at its walls (contrasts)."""
    if language == "ja":
        cuts = sorted(
            {m.end() for m in _JA_ENDS_CLAUSE.finditer(sentence)}
            | {m.start() for m in _JA_STARTS_CLAUSE.finditer(sentence)}
        )
        parts = [sentence[a:b] for a, b in zip([0, *cuts], [*cuts, len(sentence)], strict=True)]
    else:
        lead = _EN_LEADING.match(sentence)
        head = [sentence[: lead.end()]] if lead else []
        parts = head + _EN_WALL.split(sentence[lead.end() :] if lead else sentence)
    return [p.strip() for p in parts if p and p.strip()]


def _pieces(clause: str, language: str) -> list[str]:
    """A clause cut where a piece with a subject of its own starts (English; a Japanese clause is one piece). A piece
    without a subject ("not great", "and was cold") goes with the one before it; a bare noun phrase ("the mouse pad"
    of "the mouse pad and buttons are the worst") with the one after it. A piece is the writer's own text from its
    first word to its last, separators between its parts included: "no better or worse", not "no better, or worse"."""
    if language == "ja":
        return [clause]
    # The text between separators, as offsets into `clause`.
    edges = [0, *(edge for m in _EN_PIECE.finditer(clause) for edge in m.span()), len(clause)]
    spans: list[tuple[int, int]] = []  # each piece's start and end in `clause`
    pending: int | None = None  # where a bare noun phrase waiting for its predicate starts
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if not clause[start:end].strip():
            continue
        begin = start if pending is None else pending
        piece = clause[begin:end].strip()
        pending = None
        if _BARE.match(piece):
            pending = begin
        elif spans and not _EN_SUBJECT.match(piece):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((begin, end))
    if pending is not None:
        if spans:
            spans[-1] = (spans[-1][0], len(clause))
        else:
            spans.append((pending, len(clause)))
    return [clause[a:b].strip() for a, b in spans]


def _refers_back(text: str, language: str, target: Target, phrases: Phrases) -> bool:
    """Whether a clause or sentence without the target is about it all the same: its subject is a pronoun ("it",
    "they", "ここ"), or, for a business or product, one of its parts ("the barista", "店員が")."""
    pattern = _JA_REFERS_BACK if language == "ja" else _EN_REFERS_BACK
    if pattern.match(text.strip()) is not None:
        return True
    part = phrases.parts.get(language)
    return part is not None and phrases.owns_parts(target) and part.match(text.strip()) is not None


def _another(text: str, language: str) -> bool:
    """Whether a sentence starts by naming another thing than what came before (`_EN_ANOTHER`)."""
    return (_JA_ANOTHER if language == "ja" else _EN_ANOTHER).match(text.strip()) is not None


def _continues(clause: str, language: str) -> bool:
    """A clause that goes on about the subject before it. After a contrast: one that starts with a verb or an adverb
    ("The service is ok but could be better", "... but not great"); after a dash or an ellipsis, any without a
    subject of its own ("... in paris - awful plastic surgery")."""
    if language == "ja":
        return False
    if _EN_CONTRAST.match(clause.strip()):
        return _EN_CONTINUES.match(clause.strip()) is not None
    return _EN_SUBJECT.match(clause.strip()) is None


def _elliptical(text: str, language: str) -> bool:
    """A sentence without a subject of its own ("Awesome!", "Never again.", "Love it.", "最悪だった。"), which goes
    on about what the sentence before was about. Japanese drops the subject it goes on about: a sentence with no
    topic or subject marked by は or が."""
    if language == "ja":
        return "は" not in text and "が" not in text
    return _EN_SUBJECT.match(text.strip()) is None


# ------------------------------------------------------------------------------------------------ phrases (data)


@dataclass(frozen=True, slots=True)
class Comparison:
    """A phrase (with `{T}` where the target stands) after which what the sentence says is said of something else,
    so the target gets the opposite: "switched from {T} to", "better than {T}"."""

    name: str
    language: str
    pattern: re.Pattern[str]
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class Phrases:
    """What `target_phrases.toml` holds: the comparisons, and per language the parts of a business or product."""

    comparisons: tuple[Comparison, ...] = ()
    parts: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    part_words: frozenset[str] = frozenset()

    def owns_parts(self, target: Target) -> bool:
        """Whether the target is a business or product with parts: written as a name, and not itself a part."""
        return target.name and not any(fold(t).strip() in self.part_words for t in target.terms)


def _compile(source: str, language: str) -> re.Pattern[str]:
    """`{T}` becomes the marker that `_masked` puts where the target stands."""
    return re.compile(source.replace("{T}", re.escape(_MARK)), 0 if language == "ja" else re.IGNORECASE)


_EN_OWNER = r"(?:the|their|its|his|her|our|my|this|that|these|those|no)\s+(?:[\w'-]+\s+)?"  # "but no reply"
_JA_OWNER = r"(?:その|この|あの|ここの|そこの)?"


def _parts_pattern(words: Sequence[str], language: str) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    if language == "ja":
        lead = r"^(?:でも|しかも|ただ|また|そして|あと|さらに|それに|なのに)?、?"
        return re.compile(rf"{lead}{_JA_OWNER}(?:{alternatives})(?:さん|たち)?(?:が|は|も|の)")
    return re.compile(rf"^{_CONJUNCTIONS}{_EN_OWNER}(?:{alternatives})\b", re.IGNORECASE)


def load_phrases(text: str | None = None) -> Phrases:
    """The phrases of `target_phrases.toml` (or of `text`, for tests)."""
    if text is None:
        text = resources.files("monitor.sentiment").joinpath(PHRASES_FILE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    comparisons = []
    for entry in data.get("comparison", []):
        language, verdict = str(entry.get("language", "en")), entry["verdict"]
        if verdict not in VERDICTS or verdict == "same":
            raise ValueError(f"comparison {entry['name']!r}: verdict {verdict!r} is not one of opposite, lost, won")
        pattern = _compile(str(entry["pattern"]), language)
        comparisons.append(Comparison(str(entry["name"]), language, pattern, verdict))
    parts = {
        str(entry["language"]): _parts_pattern([str(w) for w in entry["words"]], str(entry["language"]))
        for entry in data.get("parts", [])
    }
    words = frozenset(fold(str(w)) for entry in data.get("parts", []) for w in entry["words"])
    return Phrases(tuple(comparisons), parts, words)


def _masked(sentence: str, target: Target) -> str | None:
    """The sentence, folded, with each occurrence of the target replaced by one marker character (so a comparison
    pattern's `{T}` matches any of the target's terms); None when the folded text changed length and offsets would
    not line up."""
    folded = fold(sentence)
    spans = target.spans(sentence)
    if not spans:
        return None
    out = []
    last = 0
    for start, end in spans:
        out.append(folded[last:start])
        out.append(_MARK)
        last = end
    out.append(folded[last:])
    return "".join(out)


def _compared(sentence: str, target: Target, phrases: Phrases, language: str) -> Verdict:
    """What the first comparison the sentence holds says of the target ("same" when it holds none)."""
    masked = _masked(sentence, target)
    if masked is not None:
        for comparison in phrases.comparisons:
            if comparison.language == language and comparison.pattern.search(masked):
                return comparison.verdict
    return "same"


# ------------------------------------------------------------------------------------------------ focus


def focus(text: str, target: Target, language: str | None, phrases: Phrases | None = None) -> tuple[Part, ...] | None:
    """The parts of `text` (bounded, NFKC) about `target`, or None when the text does not name it."""
    lang = "ja" if language == "ja" else "en"
    phrases = phrases or Phrases()
    chosen: list[Part] = []
    following = False
    for sentence in _sentences(text, lang):
        if target.occurs(sentence):
            chosen.extend(_sentence_parts(sentence, target, phrases, lang))
            following = True
        elif (
            following
            # "Anker is great. My old charger broke.": unless nothing was said of the target yet ("Anker! My other
            # cable broke again" is read on).
            and not (_another(sentence, lang) and _says_something(chosen, target))
            and (_refers_back(sentence, lang, target, phrases) or _elliptical(sentence, lang))
        ):
            chosen.append(Part(sentence))
        else:
            following = False
    return tuple(chosen) or None


def _sentences(text: str, language: str) -> list[str]:
    if language == "ja":
        return sentences(text)
    # An ellipsis ends a thought in a post as a full stop does ("just got my iphone... i so love it").
    return [part for s in sentences(text) for part in _after_ellipsis(s) if part.strip()]


_ELLIPSIS = re.compile(r"(?<=\.\.)\s+|(?<=…)\s*")


def _after_ellipsis(sentence: str) -> list[str]:
    """The sentence cut after each ellipsis (most have none: no regex for them)."""
    return _ELLIPSIS.split(sentence) if ".." in sentence or "…" in sentence else [sentence]


def _sentence_parts(sentence: str, target: Target, phrases: Phrases, lang: str) -> list[Part]:
    verdict = _compared(sentence, target, phrases, lang)
    if verdict != "same":
        # What the sentence says is said of the other side of a comparison.
        return [Part(sentence, verdict)]
    chosen: list[Part] = []
    following = False
    for clause in _clauses(sentence, lang):
        if target.occurs(clause):
            chosen.extend(_clause_parts(clause, target, lang, phrases))
            following = True
        elif following and (_refers_back(clause, lang, target, phrases) or _continues(clause, lang)):
            chosen.append(Part(clause))
        else:
            following = False
    return chosen if _says_something(chosen, target) else [Part(sentence)]


def _clause_parts(clause: str, target: Target, lang: str, phrases: Phrases) -> list[Part]:
    """The pieces of a clause about the target: the one naming it, and those after it that refer back."""
    chosen: list[Part] = []
    following = False
    for piece in _pieces(clause, lang):
        if target.occurs(piece):
            aside = _in_passing(piece, target, lang)
            chosen.append(Part(piece, "aside" if aside else "same"))
            following = not aside  # what refers back after it refers to its subject
        elif following and _refers_back(piece, lang, target, phrases):
            chosen.append(Part(piece))
        else:
            following = False
    return chosen if _says_something(chosen, target) else [Part(clause)]


def _in_passing(piece: str, target: Target, lang: str) -> bool:
    """Whether a piece is about its own subject and names the target, a common noun, only after a preposition: "the
    mouse pointer was jumping all over the screen" is not about the screen. A subject that is the writer or a pronoun
    ("I had a problem with the screen") does not count. Nor does a target written as a name: what a clause says at,
    in or on a business or product is about it ("The wifi was terrible at Acme Hotel"), though not always ("The
    weather was terrible during our stay at Acme Hotel")."""
    if lang == "ja" or target.name:
        return False
    subject = _EN_SUBJECT.match(piece)
    if subject is None or _EN_PERSON.search(subject.group(0)) or target.occurs(subject.group(0)):
        return False
    folded = fold(piece)
    return all(_EN_AFTER_PREPOSITION.search(folded[:start]) for start, _ in target.spans(piece))


def _says_something(parts: Sequence[Part], target: Target) -> bool:
    """Whether the parts hold a word besides the target's own ("Anker!" says nothing about Anker)."""
    for part in parts:
        folded = fold(part.text)
        for start, end in reversed(target.spans(part.text)):
            folded = folded[:start] + " " + folded[end:]
        if _CONTENT_WORD.search(folded) is not None:
            return True
    return False


def rest(text: str, parts: Sequence[Part]) -> str:
    """What `text` says besides `parts` (approximately: each part's text taken out where it occurs as written)."""
    for part in parts:
        text = text.replace(part.text, " ")
    return text
