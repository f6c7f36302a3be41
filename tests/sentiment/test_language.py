from __future__ import annotations

import pytest

from monitor.sentiment import detect_language


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
