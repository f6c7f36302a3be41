"""Which texts count as a mention of the brand: a table a user could extend."""

from __future__ import annotations

import pytest

from monitor.matching import BrandMatcher

MATCHER = BrandMatcher(
    [
        ("Acme Coffee", ["Acme Coffee", "acmecoffee.com", "@acmecoffee", "アクメ珈琲"], ["Acme Corporation"]),
        ("Bean There", ["Bean There Cafe"], []),
    ]
)


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("Had a lovely flat white at Acme Coffee today", "Acme Coffee"),
        ("ACME COFFEE never disappoints", "Acme Coffee"),
        ("Ａｃｍｅ　Ｃｏｆｆｅｅ の豆を買った", "Acme Coffee"),  # full-width Latin and ideographic space
        ("昨日アクメ珈琲に行きました", "Acme Coffee"),  # CJK: substring, no word boundaries
        ("ｱｸﾒ珈琲のラテ", "Acme Coffee"),  # half-width katakana
        ("order at acmecoffee.com/menu", "Acme Coffee"),
        ("thanks @acmecoffee!", "Acme Coffee"),
        ("Acme Coffeeshop is a different place", None),  # word boundary
        ("mail x@acmecoffee.community", None),  # a longer domain is not ours
        ("hi @acmecoffeefan", None),  # a longer handle is not ours
        ("Acme Corporation stock fell", None),  # exclusion
        ("Acme Corporation bought Acme Coffee", "Acme Coffee"),  # the exclusion does not hide the brand itself
        ("We went to Bean There Cafe instead", "Bean There"),
        ("nothing to see here", None),
    ],
)
def test_brand_matching(text: str, brand: str | None) -> None:
    assert MATCHER.match(text) == brand


def test_a_source_bound_to_a_brand_still_honours_exclusions() -> None:
    assert MATCHER.excluded("Acme Coffee", "Acme Corporation quarterly results")
    assert not MATCHER.excluded("Acme Coffee", "the latte was cold")
