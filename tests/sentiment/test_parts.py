from __future__ import annotations

import pytest

from monitor.sentiment.japanese import Lexicon
from monitor.sentiment.rating import stars_out_of_five
from monitor.sentiment.text import MAX_SENTENCE_CHARS, MAX_SENTENCES, bound, sentences


def test_sentences_are_bounded_in_count_and_length() -> None:
    parts = sentences(bound("word " * 10_000 + ". Next one." * 1_000))
    assert len(parts) <= MAX_SENTENCES
    assert all(len(p) <= MAX_SENTENCE_CHARS for p in parts)


def test_japanese_sentences_split_on_full_stops() -> None:
    assert sentences(bound("美味しい。でも遅い！また来ます")) == ["美味しい。", "でも遅い!", "また来ます"]


def test_lexicon_negation_flips() -> None:
    lexicon = Lexicon({"美味し": 2.0, "良い": 1.5})
    assert lexicon.score("美味しい")[0] > 0
    assert lexicon.score("美味しくない")[0] < 0
    assert lexicon.score("何もない")[1] == 0


@pytest.mark.parametrize(
    ("rating", "scale", "stars"), [(1, 5, 1.0), (5, 5, 5.0), (10, 10, 5.0), (1, 10, 1.0), (4, None, 4.0), (7, 5, 5.0)]
)
def test_ratings_map_to_five_stars(rating: float, scale: float | None, stars: float) -> None:
    assert stars_out_of_five(rating, scale) == pytest.approx(stars)


def test_one_vs_rest_model_round_trips_and_scores_each_class_alone() -> None:
    from monitor.sentiment.linear import LinearModel

    model = LinearModel(("negative", "positive"), (0.0, -1.0), {"w:bad": (2.0, -1.0)}, one_vs_rest=True)
    again = LinearModel.from_json(model.to_json())
    assert again == model
    assert again.logits({"w:bad": 1.0, "w:unknown": 1.0}) == [2.0, -2.0]
    neg, pos = again.probabilities({"w:bad": 1.0})
    assert neg > 0.5 > pos


def test_packaged_english_model_is_two_stage() -> None:
    from monitor.sentiment.english import EnglishBackend

    backend = EnglishBackend.packaged()
    words, valences = backend.word_scores("it stopped working after two days and i want a refund")
    assert words[0] > words[1]
    assert valences[0] > valences[1]
    polarity = backend.polarity("It stopped working after two days. I want a refund.")
    assert polarity is not None and polarity.negative > polarity.positive


def test_side_by_side_models_score_as_each_alone() -> None:
    from monitor.sentiment.linear import LinearModel

    a = LinearModel(("negative", "positive"), (0.5, -0.5), {"w:bad": (2.0, -1.0), "g:<bad>": (1.0, 0.0)}, True)
    b = LinearModel(("negative", "positive"), (0.0, 1.0), {"w:bad": (1.0, -2.0), "L:-2": (3.0, 0.0)}, True)
    both = LinearModel.side_by_side({"a": a, "b": b})
    feats = {"w:bad": 1.0, "g:<bad>": 1.0, "L:-2": 1.0, "w:unknown": 1.0}
    assert both.classes == ("a:negative", "a:positive", "b:negative", "b:positive")
    assert both.logits(feats) == a.logits(feats) + b.logits(feats)


def test_stage_one_features_mark_subwords_and_valences_under_negation() -> None:
    from monitor.sentiment.en_features import stage_one_features, subword_part, valence_part

    feats = stage_one_features("not disappointed", {"disappointed": -2.1})
    assert {"w:not", "w:!disappointed", "g:!<disa", "L:!-2"} <= feats.keys()
    assert "L:!-2" not in subword_part(feats)
    assert not any(k.startswith("g:") for k in valence_part(feats))
    assert "L:-2" in stage_one_features("so disappointed", {"disappointed": -2.1})
