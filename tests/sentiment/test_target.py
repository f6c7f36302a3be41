"""Sentiment toward a target: what the sentences and clauses that name it (or refer back to it) say, not what the
post says of something else; the whole text when the target is not in it, or when a star rating decides."""

from __future__ import annotations

import pytest

from monitor.sentiment import Scorer
from monitor.sentiment.target import Target, focus, load_phrases

HEARTBROKEN = (
    "My other charger broke after years and I'm heartbroken... heard good things about Anker, any suggestions?"
)


def test_a_complaint_about_another_charger_is_not_one_about_anker(scorer: Scorer) -> None:
    assert scorer.score(HEARTBROKEN).label == "negative"  # the post as a whole
    toward = scorer.score(HEARTBROKEN, target="Anker")
    assert toward.label != "negative" and toward.sentiment is not None and toward.sentiment > 0


@pytest.mark.parametrize(
    ("text", "target", "label"),
    [
        ("My old cable broke, but Anker is great.", "Anker", "positive"),
        ("Anker broke after a week, but my old cable is great.", "Anker", "negative"),
        ("The food was great but the service was awful.", "food", "positive"),
        ("The food was great but the service was awful.", "service", "negative"),
        ("The service is ok but could be better.", "service", "negative"),  # the clause after "but" goes on
        ("I bought an Anker charger. It died after two days.", "Anker", "negative"),  # "It" refers back
        ("Went to Acme Coffee today, but the barista was so rude.", "Acme Coffee", "negative"),  # its barista
        ("I used to love Acme, but lately their coffee is terrible.", "Acme", "negative"),  # an adverb before "their"
        ("料理は美味しかったが、店員の態度が最悪だった。", "料理", "positive"),
        ("料理は美味しかったが、店員の態度が最悪だった。", "店員", "negative"),
        ("アクメ珈琲に行ったけど、店員の態度が最悪だった。", "アクメ珈琲", "negative"),  # its staff
    ],
)
def test_the_sentiment_is_that_of_what_is_said_about_the_target(
    scorer: Scorer, text: str, target: str, label: str
) -> None:
    assert scorer.score(text, target=target).label == label


def test_any_term_of_the_target_finds_it_handles_hashtags_and_domains_too(scorer: Scorer) -> None:
    text = "Love my new desk lamp. @anker your cable snapped after two days and support never replied."
    for target in (["Anker"], ["Anker Innovations", "@anker"], "#anker", ["anker.com"]):
        assert scorer.score(text, target=target).label == "negative", target
    assert Target.of("ＡＮＫＥＲ").occurs("loving my anker powerbank")  # NFKC and case folding


def test_a_text_that_does_not_name_the_target_is_read_whole(scorer: Scorer) -> None:
    text = "The app crashes every time I open it. Useless."
    assert scorer.score(text, target="Acme") == scorer.score(text)


def test_naming_the_target_alone_says_nothing_so_the_whole_text_is_read(scorer: Scorer) -> None:
    text = "Anker! My other cable broke again, so annoying."
    assert focus(text, Target.of("Anker"), "en", load_phrases()) == focus(text, Target.of("Anker"), "en")
    assert scorer.score(text, target="Anker").label == scorer.score(text).label


def test_what_is_read_about_the_target_is_the_writers_own_text() -> None:
    # Pieces of a clause used to be glued back with commas of our own ("no better, or worse", "working, 3 months of
    # use"), which changes what VADER and the model read.
    for text, target in [
        ("Decor is loud, but the food is no better or worse than a lot of other places in NY.", "food"),
        (
            "After replacing the hard drive the battery stopped working (3 months of use) which was frustrating.",
            "battery",
        ),
    ]:
        parts = focus(text, Target.of(target), "en", load_phrases())
        assert parts is not None
        assert all(part.text in text for part in parts), parts


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("The mouse pointer was jumping all over the screen, so annoying.", "screen"),
        ("The fries were soggy and greasy on the patio.", "patio"),
    ],
)
def test_a_target_named_in_passing_in_a_clause_about_something_else_is_not_its_subject(
    scorer: Scorer, text: str, target: str
) -> None:
    assert scorer.score(text).label == "negative"
    assert scorer.score(text, target=target).label == "neutral"


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("I had a problem with the screen.", "screen"),  # the writer's complaint is about it
        ("The battery was dead in my Anker.", "Anker"),  # what is said in a product is about it
        ("The wifi was terrible at Acme Hotel.", "Acme Hotel"),  # and at a business
        ("The parking was a nightmare at Acme Mall.", "Acme Mall"),
    ],
)
def test_what_is_said_of_the_writer_or_of_the_targets_own_part_stays_about_the_target(
    scorer: Scorer, text: str, target: str
) -> None:
    assert scorer.score(text, target=target).label == "negative"


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Anker is great. My old charger broke.", "Anker"),
        ("Just got an Anker power bank. My previous one stopped working after a month.", "Anker"),
        ("Love my Anker. The other one I had broke in a week.", "Anker"),
        ("アクメ珈琲は最高。前の店は最悪だった。", "アクメ珈琲"),
    ],
)
def test_a_sentence_about_another_thing_after_the_target_is_not_about_it(
    scorer: Scorer, text: str, target: str
) -> None:
    # The mirror of the heartbroken post: the other charger's failure comes after the brand.
    assert scorer.score(text, target=target).label != "negative"


def test_a_star_rating_is_about_what_was_reviewed_so_the_target_is_not_used(scorer: Scorer) -> None:
    text = "My other charger broke and I'm heartbroken, but this Anker one is fine."
    assert scorer.score(text, rating=1, target="Anker") == scorer.score(text, rating=1)


def test_an_empty_target_is_no_target(scorer: Scorer) -> None:
    assert scorer.score(HEARTBROKEN, target=[]) == scorer.score(HEARTBROKEN)
    assert scorer.score(HEARTBROKEN, target="  ") == scorer.score(HEARTBROKEN)


def test_the_demos_heartbroken_post_is_not_a_complaint_about_anker(scorer: Scorer) -> None:
    """The real Reddit post of issue 22, with the demo's brand (terms "Anker" and "portable charger"): the common
    phrase names what Anker sells, and "my portable charger broke" is about the writer's own charger."""
    from sources import rss
    from tests.loopback import REAL

    feed = REAL / "reddit" / "price-checker_reddit_search_rss_portable-charger_2026-08-16.xml"
    items, _ = rss.parse(feed.read_bytes())
    post = next(i for i in items if "heartbroken" in i.text)
    text = f"{post.title}. {post.text}"
    assert scorer.score(text).label == "negative"
    assert scorer.score(text, target=["Anker", "Anker", "portable charger"]).label == "positive"
