from __future__ import annotations

import pytest

from monitor.sentiment import Scorer, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The delivery was late again and nobody answered the phone.", "en"),
        ("wrong!", "en"),
        ("LMAO, AMAZING!", "en"),
        ("@someone thanks!! #happy", "en"),
        ("今日は最悪", "ja"),
        ("ｻｰﾋﾞｽが最悪", "ja"),
        ("この店のラーメンは美味しい。", "ja"),
        ("Das Essen war leider kalt und der Service unfreundlich.", "de"),
        ("정말 최악이에요", "ko"),
        ("最悪", "ja"),
        ("配送遅延", "ja"),
        ("値段高", "ja"),
        ("这个产品很好", "zh"),
        ("很高兴认识你", "zh"),
    ],
)
def test_detects(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "12345 !!!", "😀😀", "https://example.com/a"])
def test_no_letters_no_language(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text",
    ["Nervous as hell!", "@anonymous death death death death death", "A ragbag of cliches.", "a joyous occasion"],
)
def test_short_english_posts_a_detector_mistakes_are_still_scored_as_english(scorer: Scorer, text: str) -> None:
    # py3langid alone calls these French, Irish, Bikol and Spanish: they would go unscored, complaints missed.
    assert scorer.score(text).language == "en"
    assert scorer.score(text).label != "unscored"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La comida estaba fría y el servicio fue terrible.", "es"),
        ("Le service était lent et le café froid.", "fr"),
        ("Het eten was koud en de bediening traag.", "nl"),
        ("Il caffè era freddo e il servizio pessimo.", "it"),
        ("Die Pizza ist super", "de"),
    ],
)
def test_other_languages_are_not_taken_for_english(scorer: Scorer, text: str, expected: str) -> None:
    score = scorer.score(text)
    assert score.language == expected and score.label == "unscored"
