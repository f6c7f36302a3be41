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

import itertools
import re
from collections.abc import Mapping, Sequence

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

_NUMBER_WORD = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|sixty|few|several)"
)
_CANT = r"(?:can'?t|cannot|can not|could ?n'?t|could not)"
# What is recommended "enough": up to six words, none of which starts a clause or negates ("the team at Acme Dental",
# not "a place that isn't clean")
_OBJECT = (
    r"(?:(?!(?:that|which|who|because|since|as|but|if|when|though|although|not|no|never|isn'?t|wasn'?t|aren'?t"
    r"|weren'?t)\b)[\w'&-]+ ){1,6}?"
)
_WONT = r"(?:would ?n'?t|would not|won'?t|will not|don'?t|do not|did ?n'?t|did not)"
# Idioms whose words say the opposite of what they mean, mostly praise written through a negation or a bad word ("I
# can't recommend them enough", "couldn't be happier", "nothing short of amazing", "hassle-free"): VADER and a word
# model read the negator or the bad word and call a rave review a complaint, which would wake the owner at night (and
# "couldn't be more disappointed" praise). Each is rewritten to the plain words it means before anything else reads
# the text, as VADER itself special-cases a few idioms. Fixed phrases only: "not happy" stays as it is.
IDIOMS: tuple[tuple[str, str], ...] = (
    (rf"\b{_CANT} (?:be|have been|get) (?:any )?happier\b", "very happy"),
    (rf"\b{_CANT} (?:be|have been|get) (?:any )?better\b", "very good"),
    (rf"\b{_CANT} (?:be|have been|get) (?:any )?worse\b", "very bad"),
    (rf"\b{_CANT} (?:be|have been) (?:any )?more (\w+)", r"very \1"),
    # "can't recommend it, not good enough" keeps its meaning
    (rf"\b{_CANT} recommend ({_OBJECT})?(?:highly |strongly )?enough\b", r"highly recommend \1"),
    (rf"\b{_WONT} hesitate to (recommend|come back|book|go back|stay|use)\b", r"would gladly \1"),
    (rf"\b{_CANT} fault\b", "praise"),
    (r"\b(?:hassle|fuss|stress|worry|trouble|pain)[- ]free\b|\bno (?:hassle|fuss)\b", "easy"),
    # an experience without trouble; not "no problem" (a reply), "not one complaint was answered" or "they have no
    # problems charging you twice"
    (
        r"\b(?:(?:no|zero) (?:issues|problems|complaints)|(?:not a single|not one) (?:issue|problem|complaint))"
        r"(?: whatsoever| at all)?\b"
        r"(?! (?:was|were|got|has|have|had|is|are|been|fixed|solved|resolved|addressed|answered)\b| \w+ing\b)",
        "good",
    ),
    (
        r"\bnever (?:disappoints|disappointed|fails to (?:impress|deliver|amaze)|lets? (?:me|us) down)\b",
        "is always great",
    ),
    (r"\bnever had a bad\b", "always had a good"),
    (r"\bnothing but (?:praise|good things|love)\b", "lots of praise"),
    (r"\bnothing short of\b", ""),  # "nothing short of amazing" is amazing, "... of a disaster" a disaster
    (r"\bno (?:wait|queue)(?: at all| whatsoever)?\b", "quick"),
    (rf"\b(?:you )?{_CANT} beat (?:the|their|its|this|that)\b", "great"),
    (r"\bsecond to none\b", "the best"),
    (r"\bnot too shabby\b", "pretty good"),
    (r"\bno regrets\b", "happy"),
    (rf"\b{_CANT} (?:have )?(?:asked|ask) for (?:more|better|a better|anything more)\b", "perfect"),
    (r"\bnothing (?:bad|negative) to say\b", "only good things to say"),
    (r"\bno questions asked\b", "easily"),
)
_IDIOMS = tuple((re.compile(pattern, re.IGNORECASE), plain) for pattern, plain in IDIOMS)
# One pass to tell whether a text holds any idiom at all (most hold none): a third of the cost of trying each.
_ANY_IDIOM = re.compile("|".join(f"(?:{pattern})" for pattern, _ in IDIOMS), re.IGNORECASE)


def plain_idioms(text: str) -> str:
    """`text` with each idiom of IDIOMS replaced by the plain words it means."""
    if not _ANY_IDIOM.search(text):
        return text
    for pattern, plain in _IDIOMS:
        text = pattern.sub(plain, text)
    return text


# Phrases that mean trouble in reviews and support posts although none of their words is "negative" to VADER.
COMPLAINT_PATTERNS: tuple[str, ...] = (
    r"\b(?:stopped|stops|quit|quits|ceased) (?:working|charging|responding|turning on)",
    r"\b(?:doesn'?t|does not|didn'?t|did not|won'?t|will not|wouldn'?t|can'?t|cannot|never) "
    r"(?:work|works|worked|turn on|charge|connect|fit|arrive|arrived|respond|responded|load|start|fix)",
    r"\bwaited (?:for )?(?:over |almost |nearly |about )?" + _NUMBER_WORD + r" (?:minutes|hours|days|weeks|months)",
    r"\b(?:still|been) waiting\b",
    r"\bon hold (?:for )?(?:over |almost |nearly |about )?" + _NUMBER_WORD + r" (?:minutes|hours)",
    r"\b(?:shame|pity) about\b",
    r"\b(?:refund|refunded|chargeback|money back)\b",
    r"\b(?:returned|return|returning|sent|send|sending|took|take) (?:it|this|them|the \w+) back\b",
    r"\b(?:returned|returning) (?:it|this|them|mine)\b",
    r"\bwaste of (?:money|time)\b",
    r"\bnot worth\b",
    r"\b(?:broke|broken|died|cracked|fell apart|falling apart|leaks|leaked|leaking)\b",
    r"\b(?:lasted|worked) (?:only |just |for )?(?:about )?" + _NUMBER_WORD + r" (?:days?|weeks?|months?|uses?)\b",
    r"\bafter (?:only |just )?" + _NUMBER_WORD + r" (?:days?|weeks?|uses?|months?)\b",
    r"\b(?:defective|faulty|doa|dead on arrival|malfunction\w*|glitch\w*|unusable|unresponsive)\b",
    r"\b(?:never (?:again|arrived|received|came|showed up|got back)|no one (?:answered|called|responded))\b",
    r"\b(?:customer service|support) (?:is|was|has been) (?:useless|terrible|awful|nonexistent|a joke)\b",
    r"\b(?:no|zero|never got a|never received a) (?:response|reply|answer|refund)\b",
    r"\b(?:overpriced|overcharged|rip ?off|ripped off|scam)\b",
    r"\bcharg(?:ed|ing|es) (?:me |us |you |them )?twice\b|\bdouble[- ]charg(?:ed|ing)\b",
    r"\b(?:cancel(?:l?ed)?|cancelling|canceling) (?:my|the|our) (?:order|subscription|account|membership)\b",
    r"\b(?:cold|stale|soggy|burnt|undercooked|raw) (?:food|fries|coffee|pizza|when it arrived)\b",
    r"\b(?:rude|unhelpful|incompetent) (?:staff|waiter|waitress|agent|support|employee|manager)\b",
    r"\b(?:forgot|forgotten|lost|mixed up|messed up) (?:our|my|the) (?:order|booking|reservation|luggage|bags?)\b",
    r"\b(?:disappoint\w*|frustrat\w*|unacceptable|ridiculous)\b",
    r"\b(?:don'?t|do not|would not|wouldn'?t|never) (?:buy|recommend|order|go back|use)\b",
    r"\bnever (?:going|coming) back\b|\b(?:won'?t|will not) be (?:back|returning|coming back)\b",
    r"\b(?:cheaply|poorly|badly) (?:made|built|designed|written|acted|directed)\b",
)
# Phrases of a shortcoming rather than a failure: a wish, a "could be better", an effort it took, advice to go
# elsewhere. Reviewers who complain politely write these; a positive review uses them too, so they are a feature for
# the model to weigh (not boosted like COMPLAINT_PATTERNS).
SHORTCOMING_PATTERNS: tuple[str, ...] = (
    r"\bi wish\b|\bwish (?:it|they|there|the)\b",
    r"\bwould (?:be|have been) nice\b",
    r"\b(?:could|should) (?:be|have been) (?:a lot |much |far )?better\b",
    r"\brecommend against\b",
    r"\b(?:had|have) to (?:return|replace|send|remove|reset|restart)\b",
    r"\bno longer (?:works?|worked|working)\b",
    r"\brefuses? to\b",
    r"\b(?:will|would|gonna|going to) return\b",
    r"\bhope (?:someone|you) (?:else )?(?:has|have) better\b",
    r"\bwould have (?:liked|preferred|loved)\b|\bwould(?:n'?t| not) have (?:bought|ordered|booked|chosen)\b",
    r"\b(?:had|have|has|needed|need) to (?:manually|go through|reinstall|reboot|call|wait|ask|pay|keep)\b",
    r"\b(?:you'?re|you are|be) better off\b|\b(?:buy|get|choose|try) (?:a |an |the )?(?:better|cheaper)\b",
    r"\b(?:cheaper|better) (?:elsewhere|somewhere else)\b",
    r"\bused to be (?:my |our |the |a |so |really )?(?:favou?rite|go-to|best|good|great|better|nice)\b",
    r"\bpaid (?:for )?\w+(?: \w+)? (?:and|but) (?:still|no|never)\b",
)
# Words of a defect or a poor experience in product, app, café and hotel reviews that VADER's lexicon lacks or
# rates mildly: a review can complain with nothing else ("the shower was drafty", "the app is buggy"). Counted only
# when not negated ("never buggy" is no defect). A feature for the model to weigh, like SHORTCOMING_PATTERNS.
DEFECT_WORDS = frozenset(
    """
    flimsy fragile blurry grainy fuzzy laggy sluggish buggy glitchy crashes crashed crashing froze freezes overheats
    overheating clunky bulky tedious cumbersome counterintuitive unintuitive flaw flaws flawed limitation limitations
    drawback drawbacks downside downsides annoyance annoyances gripe gripes complaint complaints unreliable
    inconsistent inaccurate outdated obsolete clumsy cramped filthy smelly stale bland greasy soggy lukewarm
    tasteless undercooked overcooked overpriced pricey mediocre subpar underwhelming unusable incompatible
    dismissive unhelpful scratchy leaky drafty noisy
    """.split()
)
_SOCIAL = re.compile(r"(?<!\w)[@#]\w|[:;=]-?[()DPp]|\b(?:lol|lmao|omg|wtf|ugh|haha\w*)\b|[A-Z]{4,}|!!|\?\?")
_COMPLAINT = re.compile("|".join(f"(?:{p})" for p in COMPLAINT_PATTERNS))
# A refund that came quickly is praise of the service ("got my money back quickly", "refunded, no questions asked"),
# not the complaint a refund usually is: such a mention is left out before complaint phrases are counted. The text is
# read after IDIOMS, which has turned "no questions asked" into "easily".
_SOON = (
    r"(?:promptly|quickly|fast|immediately|straight away|right away|same day|easily"
    r"|within (?:a|an|one|two|\d+) (?:hours?|days?))"
)
_FAST_REFUND = re.compile(
    rf"\b(?:got|received|sorted|processed|issued|gave me)\b(?: \w+){{0,2}} (?:refund|money back)\b"
    rf"[^.!?]{{0,30}}?\b{_SOON}"
    rf"|\brefunded\b[^.!?]{{0,30}}?\b{_SOON}|\b{_SOON} refunded\b"
)
_SHORTCOMING = re.compile("|".join(f"(?:{p})" for p in SHORTCOMING_PATTERNS))
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
    return len(_COMPLAINT.findall(_FAST_REFUND.sub(" ", text.lower())))


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


def stage_one_features(text: str, lexicon: Mapping[str, float]) -> dict[str, float]:
    """The features of both stage-one models, in one dict so that the words they share are looked up once: words
    (`w:`, `b:`) for both, character n-grams inside each word (`g:`) for the subword model, the binned `lexicon`
    valence of each word (`L:`, `!`-marked when negated) for the valence model."""
    toks = tokens(text)
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
) -> dict[str, float]:
    """Stage two: the stage-one models' negative-vs-rest and positive-vs-rest scores (log-odds; `words` from the
    subword model, `valences` from the lexicon one), VADER's compound of the sentences (mean, most negative, most
    positive, binned) and of the whole text, complaint phrases, and the marks of an informal post crossed with both
    VADER and the word scores, so that chatty posts can lean on VADER (built for them) and review prose on the words.
    `compounds` has at least one value."""
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
    defects = sum(1 for tok in tokens(text) if tok.lstrip(">") in DEFECT_WORDS)
    if defects:
        feats["c:defect"] = float(min(defects, 3))
    shortcomings = len(_SHORTCOMING.findall(text.lower()))
    if shortcomings:
        feats["c:shortcoming"] = float(min(shortcomings, 3))
    for mark in style(text):
        feats["st:" + mark] = 1.0
        feats[f"st:{mark}:v"] = whole * VADER_SCALE
        feats[f"st:{mark}:va{round(whole * 4)}"] = 1.0
        feats[f"st:{mark}:sneg"] = word_negative
        feats[f"st:{mark}:spos"] = word_positive
    return feats
