"""The digest's figures over five weeks of real reviews, against counts made by hand from the fixture.

Ratings of the French App Store page, in feed order (read off the file): this period is reviews 0..13, the previous
one 14..23, the rest of the baseline 24..49 (see world.py).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alerts.digest.compose import collect
from alerts.digest.figures import DigestData, stars
from tests.digest.world import SLOT, WEEK, build_world

THIS = [4, 1, 1, 3, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1]  # sum 21
PREVIOUS = [4, 1, 1, 5, 1, 1, 3, 4, 2, 1]  # sum 23
OLDER = [3, 1, 1, 5, 3, 1, 5, 1, 1, 1, 2, 5, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 2, 1, 1, 4]  # sum 48


@pytest.fixture(scope="module")
def digest(tmp_path_factory: pytest.TempPathFactory) -> DigestData:
    world = build_world(tmp_path_factory.mktemp("figures"))
    xcode = next(b for b in world.config.brands if b.name == "Xcode")
    (data,) = collect(world.db, world.config, [xcode], end=SLOT, period=WEEK, now=SLOT)
    return data


def test_counts_ratings_and_labels_per_period(digest: DigestData) -> None:
    assert (sum(THIS), sum(PREVIOUS), sum(OLDER)) == (21, 23, 48)
    assert digest.current.total == 14 and digest.previous.total == 10 and digest.baseline.total == 36
    assert digest.current.by_source == (("app-store-fr", 14),)
    assert dict(digest.current.by_label) == {"negative": 12, "neutral": 1, "positive": 1, "unscored": 0}
    assert dict(digest.previous.by_label) == {"negative": 6, "neutral": 1, "positive": 3, "unscored": 0}
    assert dict(digest.baseline.by_label) == {"negative": 26, "neutral": 3, "positive": 7, "unscored": 0}
    assert digest.current.average_rating == pytest.approx(21 / 14)
    assert digest.previous.average_rating == pytest.approx(2.3)
    assert digest.baseline.average_rating == pytest.approx((23 + 48) / 36)
    assert digest.changes == (
        "14 mentions, up from 10; usual 9 a week",
        "negative share 86%, up from 60%; usual 72%",
        "positive share 7%, down from 30%; usual 19%",
        "average rating 1.5/5 over 14 ratings, down from 2.3; usual 2.0",
    )


def test_answer_figures(digest: DigestData) -> None:
    # 14 this period, review 5 ignored -> 13; answered: 1 (5 h), 2 (30 h), 4 (2 h); median of 2 h, 5 h, 30 h; one
    # resolved. The promise (no [response]: 24 h from first seen, 10 min after publication) covers the complaints
    # (<= 2 stars): 11 of the 13 (reviews 0 and 3 have 4 and 3 stars); all are due (the newest unanswered one,
    # review 6, is 73 h old); 2 were answered within it.
    a = digest.answers
    assert (a.considered, a.answered, a.within_promise, a.due, a.resolved) == (13, 3, 2, 11, 1)
    assert a.median_first_response == timedelta(hours=5)
    assert a.share_within_promise == pytest.approx(2 / 11)
    assert a.promise == "24h" and a.followed_up == 0


def test_unanswered_oldest_first_with_age(digest: DigestData) -> None:
    assert digest.unanswered_total == 50 - 4
    oldest = digest.unanswered[0]
    # Review 49, the 8th of week 4: 4 weeks + 1 + 12*7 hours before the slot.
    assert oldest.quote.excerpt.startswith("Petit manque")
    assert oldest.age == timedelta(weeks=4, hours=85)
    ages = [w.age for w in digest.unanswered]
    assert ages == sorted(ages, reverse=True)


def test_extremes_quote_briefly_with_safe_links(digest: DigestData) -> None:
    assert [q.stars for q in digest.worst] == [1.0, 1.0, 1.0]
    assert digest.worst[0].excerpt.startswith("Not enought free space")  # the newest 1-star review
    assert [q.excerpt.split(" — ")[0] for q in digest.best] == ["Superbe application..."]
    assert all(len(q.excerpt) <= 200 for q in digest.worst + digest.best)
    assert all(q.url is not None and q.url.startswith("https://itunes.apple.com/") for q in digest.worst)


def test_recurring_complaints_are_aspects_against_the_baseline(digest: DigestData) -> None:
    # Read off the fixture: of this period's negative reviews (1, 2, 4..13), those about updating or installing are
    # 1, 2, 4 ("nouvelle version"), 6, 7, 8, 10, 11, 13; about the app itself 1, 2 ("logiciel"), 4 ("bugs"), 6, 11,
    # 12 ("crashs"). The previous period has 4 and 3 (15, 16, 19, 23; 16, 18, 22), the baseline's four weeks 14 and
    # 12 in all.
    shown = {c.theme.aspect: (c.theme.count, c.theme.previous, c.theme.usual) for c in digest.themes}
    assert shown == {"update": (9, 4, 14 / 4), "app": (6, 3, 12 / 4)}
    assert [c.theme.title for c in digest.themes] == ["updates and installation", "app, website and login"]
    assert [c.theme.trend() for c in digest.themes] == ["up", "up"]
    # One quote each, the sentence that says it, from the most negative (newest) review, never twice the same one.
    update, app = (c.quote for c in digest.themes)
    assert update.excerpt.startswith("But I cannot install this 11,6Go app")
    assert app.excerpt.startswith("J'essaye depuis 1heure d'installer ce logiciel")
    assert update.mention_id != app.mention_id and update.stars == app.stars == 1.0


def test_share_of_voice_and_returning_voices(digest: DigestData) -> None:
    assert [(v.brand, v.count) for v in digest.voices] == [("Xcode", 14), ("Slack", 8)]
    assert digest.voices[0].share == pytest.approx(14 / 22)
    kinds = {v.author: v.kind for v in digest.returning}
    assert kinds == {"ouma96": "repeat complainer", "skydiver69140": "loyal customer"}


def test_daily_points_cover_five_weeks_in_local_days(digest: DigestData) -> None:
    # Five weeks from Monday 08:00 to Monday 08:00 touch 36 calendar days (the first and last in part).
    assert len(digest.daily) == 36
    assert sum(sum(p.counts) for p in digest.daily) == 50
    # The slot is Monday 08:00 in Tokyo: the last local day is that Monday, holding reviews 0 (1 h before).
    assert digest.daily[-1].day.isoformat() == "2026-11-16" and sum(digest.daily[-1].counts) == 1


def test_real_scorer_agrees_on_stars(tmp_path: Path) -> None:
    from monitor.sentiment import build_scorer

    world = build_world(tmp_path, scorer=build_scorer())
    xcode = next(b for b in world.config.brands if b.name == "Xcode")
    (data,) = collect(world.db, world.config, [xcode], end=SLOT, period=WEEK, now=SLOT)
    labels = dict(data.current.by_label)
    # 1-2 stars are negative and 4-5 positive whatever the text; only review 3 (3 stars) is the text's call.
    assert labels["negative"] in (12, 13) and labels["positive"] in (1, 2) and data.current.total == 14


def test_stars_are_normalised_to_five() -> None:
    from tests.alerts.test_apprise_adapter import mention

    assert stars(mention(rating=8.0, rating_scale=10.0)) == pytest.approx(4.0)
    assert stars(mention(rating=None)) is None
