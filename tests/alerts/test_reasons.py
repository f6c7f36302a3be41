"""What the owner reads first: the reason in plain words and a subject that says what went wrong. A table of
mentions and the words they must produce, through the whole renderer (subject and first line of every form)."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.reasons import duration_words, names, reason_for, stars, summary
from alerts.render import CHANNELS, AlertItem, render
from tests.factories import NOW, make_mention

DATA = Path(__file__).parent / "data" / "reasons.toml"
CASES = tomllib.loads(DATA.read_text(encoding="utf-8"))["case"]
DAY = timedelta(hours=24)
UNRATED = {"rating": None, "rating_scale": None}


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c["reason"]))
def test_the_reason_and_subject_in_plain_words(case: dict[str, Any]) -> None:
    mention = make_mention(42, **case["mention"], **(UNRATED if case.get("unrated") else {}))
    waited = timedelta(hours=case["unanswered_after"]) if "unanswered_after" in case else None
    reason, subject = case["reason"], case["subject"]
    said = reason_for(mention, waited)
    assert said.phrase == reason
    assert said.sentence(mention.brand) == subject
    headline = reason[0].upper() + reason[1:]
    for channel in CHANNELS:
        message = render([AlertItem(mention, "bad review", "rating 1 <= 2", waited)], channel, now=NOW)
        if channel != "sms":
            assert message.title == subject
        assert reason in message.body or headline in message.body
        if channel == "email":
            # The e-mail's text and its HTML begin with what happened, not with headers or a table.
            assert message.body.splitlines()[0] == headline
            assert message.html is not None
            assert f">{headline}</p>" in message.html


def group(*specs: tuple[str, dict[str, Any], timedelta | None]) -> list[AlertItem]:
    return [
        AlertItem(make_mention(i, brand=brand, **fields), "rule", "debug", waited)
        for i, (brand, fields, waited) in enumerate(specs, start=1)
    ]


GOOGLE_1 = {"kind": "google_places", "rating": 1.0}
GOOGLE_2 = {"kind": "google_places", "rating": 2.0}
REDDIT = {"kind": "reddit", **UNRATED}

SUBJECTS: list[tuple[list[AlertItem], str]] = [
    (
        group(("Blue Bottle Kyoto", GOOGLE_1, None), ("Blue Bottle Kyoto", GOOGLE_2, None)),
        "2 bad reviews for Blue Bottle Kyoto on Google",
    ),
    (
        group(("Blue Bottle Kyoto", GOOGLE_1, None), ("Blue Bottle Kyoto", {"kind": "yelp", "rating": 1.0}, None)),
        "2 bad reviews for Blue Bottle Kyoto",
    ),
    (group(("Acme", GOOGLE_1, None), ("Beta", GOOGLE_1, None)), "2 bad reviews for Acme and Beta on Google"),
    (
        group(("Acme", REDDIT, None), ("Acme", REDDIT, None), ("Acme", REDDIT, None)),
        "3 negative posts about Acme on Reddit",
    ),
    (
        group(("Acme", REDDIT, DAY), ("Acme", {"kind": "rss", **UNRATED}, DAY)),
        "2 complaints about Acme, unanswered for 24 h",
    ),
    (
        group(("Acme Coffee", GOOGLE_1, None), ("Acme Coffee", REDDIT, None), ("Acme Coffee", REDDIT, DAY)),
        "3 mentions need an answer: Acme Coffee",
    ),
    (group(("Acme", GOOGLE_1, None), ("Beta", REDDIT, None)), "2 mentions need an answer: Acme, Beta"),
    (
        group(*((name, GOOGLE_1, None) for name in ("A", "B", "C", "D", "E"))),
        "5 bad reviews for A, B, C and 2 more on Google",
    ),
]


@pytest.mark.parametrize(("items", "subject"), SUBJECTS, ids=lambda v: v if isinstance(v, str) else "")
def test_a_group_is_summed_up_in_its_subject(items: list[AlertItem], subject: str) -> None:
    for channel in CHANNELS:
        message = render(items, channel, now=NOW)
        if channel != "sms":
            assert message.title == subject
        if channel != "push":  # a push notification shows its title above the body
            assert message.body.splitlines()[0].strip("*") == subject


def test_a_subject_too_long_for_the_channel_is_cut_cleanly() -> None:
    items = group(*((f"Brand {i} " + "x" * 70, GOOGLE_1, None) for i in range(30)))
    for channel, limit in (("push", 100), ("slack", 150), ("email", 150)):
        title = render(items, channel, now=NOW).title
        assert len(title) <= limit and title.startswith("30 bad reviews for Brand 0") and title.endswith("…")


@pytest.mark.parametrize(
    ("rating", "scale", "expected"),
    [(1.0, 5.0, 1), (5.0, 5.0, 5), (0.0, 5.0, 0), (4.5, 5.0, 5), (7.0, 10.0, 4), (1.0, None, 1), (9.0, 5.0, 5)],
)
def test_stars_on_a_scale_of_five(rating: float, scale: float | None, expected: int) -> None:
    assert stars(make_mention(1, rating=rating, rating_scale=scale)) == expected


def test_no_usable_rating_means_no_stars() -> None:
    assert stars(make_mention(1, rating=None)) is None
    assert stars(make_mention(1, rating=float("nan"))) is None
    assert stars(make_mention(1, rating=3.0, rating_scale=-5.0)) is None


@pytest.mark.parametrize(
    ("delay", "words"),
    [
        (timedelta(hours=24), "24 h"),
        (timedelta(hours=1, minutes=30), "1 h 30 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(days=3), "3 days"),
        (timedelta(days=1, hours=12), "36 h"),
    ],
)
def test_how_long_it_waited(delay: timedelta, words: str) -> None:
    assert duration_words(delay) == words


def test_every_built_in_source_kind_has_a_display_name() -> None:
    from importlib.metadata import entry_points

    table = names().kinds
    built_in = {e.name for e in entry_points(group="mention_monitor.sources")}
    assert built_in <= set(table), built_in - set(table)


def test_a_mixed_group_with_hostile_brands_stays_one_clean_line() -> None:
    items = group(("<!channel> Acme\u202e", GOOGLE_1, None), ("@everyone\nBeta", REDDIT, None))
    title = render(items, "slack", now=NOW).title
    assert "\n" not in title and "\u202e" not in title
    assert "<!channel" not in title and "@everyone" not in title
    assert summary([(reason_for(i.mention, None), i.mention.brand) for i in items[:1]]).startswith("1-star review")
