from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.model import SourceState
from sources.reviews import Aggregate, ReviewsConfig, ReviewsSource, Selectors, aggregate_drop, parse, parse_page
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import real, run

CARROT = "review_pages_jsonld/recipe-scrapers_theclevercarrot_1.html"
PINCH = "review_pages_jsonld/recipe-scrapers_pinchofyum.html"
URL = "https://www.theclevercarrot.com/2017/12/how-to-make-sourdough-cinnamon-rolls-step-by-step-guide/"

# Hand-written pages (no real captured review-site page with microdata was found, see PROVENANCE.md).
MICRODATA = """<html><body><div itemscope itemtype="https://schema.org/LocalBusiness">
<span itemprop="name">Acme Coffee</span>
<div itemprop="aggregateRating" itemscope itemtype="https://schema.org/AggregateRating">
  <span itemprop="ratingValue">4.2</span> from <span itemprop="reviewCount">87</span></div>
<div itemprop="review" itemscope itemtype="https://schema.org/Review">
  <span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Kenji</span></span>
  <meta itemprop="datePublished" content="2026-11-02">
  <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
    <meta itemprop="ratingValue" content="2"><meta itemprop="bestRating" content="5"></div>
  <p itemprop="reviewBody">Latte was cold &amp; the staff ignored us.</p>
</div>
<div itemprop="review" itemscope itemtype="https://schema.org/Review">
  <span itemprop="author">Aiko</span><p itemprop="reviewBody">美味しいコーヒー</p>
</div></div></body></html>"""

PLAIN = """<html><body>
<article class="rv"><h3>Great beans</h3><b class="who">Sam</b><span class="stars" aria-label="Rated 4 out of 5"></span>
  <time datetime="2026-11-10T08:00:00+09:00">10 Nov</time><p class="body">Friendly <em>baristas</em>.</p></article>
<article class="rv"><b class="who">No text here</b></article>
</body></html>"""


def test_parse_json_ld_reviews_of_a_real_page() -> None:
    page = parse_page(real(CARROT), URL)
    assert len(page.items) == 30 and page.skipped == 0
    first = page.items[0]
    assert first.author == "Denise J Ragozzino"
    assert (first.rating, first.rating_scale) == (5.0, 5.0)
    assert first.published_at == datetime(2023, 5, 4, tzinfo=UTC)
    assert first.text.startswith("This is my favorite sourdough cinnamon roll recipe!")
    assert first.url == URL
    assert page.aggregate == Aggregate(4.9, 333, 5.0)
    assert {i.rating for i in page.items} == {3.0, 4.0, 5.0}
    assert len({i.external_id for i in page.items}) == 30


def test_parse_second_real_page_and_ids_are_stable_across_parses() -> None:
    items = parse(real(PINCH), "https://pinchofyum.com/broccoli-cheese-soup")
    assert len(items) == 15 and items[0].author == "Danielle"
    again = parse(real(PINCH), "https://pinchofyum.com/broccoli-cheese-soup")
    assert [i.external_id for i in items] == [i.external_id for i in again]


def test_parse_microdata_reviews_and_aggregate() -> None:
    page = parse_page(MICRODATA.encode(), "https://acme.example/reviews")
    kenji, aiko = page.items
    assert kenji.author == "Kenji" and kenji.rating == 2.0 and kenji.rating_scale == 5.0
    assert kenji.text == "Latte was cold & the staff ignored us."
    assert kenji.published_at == datetime(2026, 11, 2, tzinfo=UTC)
    assert aiko.author == "Aiko" and aiko.text == "美味しいコーヒー" and aiko.rating is None
    assert page.aggregate == Aggregate(4.2, 87, 5.0)


def test_parse_with_css_selectors_when_the_page_has_no_markup() -> None:
    selectors = Selectors(review="article.rv", text=".body", author=".who", rating=".stars", date="time", title="h3")
    page = parse_page(PLAIN, "https://acme.example/guestbook", selectors)
    assert page.skipped == 1  # the review without text
    (sam,) = page.items
    assert (sam.author, sam.title, sam.text, sam.rating) == ("Sam", "Great beans", "Friendly baristas.", 4.0)
    assert sam.published_at == datetime(2026, 11, 9, 23, 0, tzinfo=UTC)
    assert parse(PLAIN, "https://acme.example/guestbook") == ()  # without selectors: nothing to go on


def test_a_broken_json_ld_block_is_counted_and_the_rest_still_read() -> None:
    html = real(PINCH).replace(b"<head>", b'<head><script type="application/ld+json">{not json</script>', 1)
    page = parse_page(html, "https://pinchofyum.com/broccoli-cheese-soup")
    assert page.skipped == 1 and len(page.items) == 15


def test_aggregate_drop_is_a_mention_and_a_rise_is_not() -> None:
    drop = aggregate_drop(Aggregate(4.9, 333, 5.0), Aggregate(4.7, 340, 5.0), URL)
    assert drop is not None
    assert drop.title == "Average rating fell from 4.9 to 4.7 (340 reviews)"
    assert (drop.rating, drop.rating_scale) == (4.7, 5.0)
    assert aggregate_drop(Aggregate(4.7, 340, 5.0), Aggregate(4.8, 341, 5.0), URL) is None
    assert aggregate_drop(None, Aggregate(4.8, 341, 5.0), URL) is None


def test_fetch_conditional_get_no_repeats_and_rating_drop(server: LoopbackServer) -> None:
    page = real(CARROT)
    server.route("/recipe", Reply(200, page, {"ETag": '"v1"', "Content-Type": "text/html"}))
    source = ReviewsSource(ReviewsConfig(name="w", kind="reviews", url=server.url("/recipe")))
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 30 and first.state.etag == '"v1"'
    assert first.state.cursor["aggregate"] == {"value": 4.9, "count": 333, "scale": 5.0}

    server.route("/recipe", Reply(304, b"", {"ETag": '"v1"'}))
    unchanged = run(lambda http: source.fetch(http, first.state))
    assert unchanged.not_modified and unchanged.items == ()
    assert server.requests[-1].headers["if-none-match"] == '"v1"'

    lower = page.replace(b'"ratingValue":"4.9"', b'"ratingValue":"4.6"')
    assert lower != page
    server.route("/recipe", Reply(200, lower, {"ETag": '"v2"'}))
    changed = run(lambda http: source.fetch(http, first.state))
    assert [i.title for i in changed.items] == ["Average rating fell from 4.9 to 4.6 (333 reviews)"]
    assert changed.state.cursor["aggregate"]["value"] == 4.6


def test_selectors_config_is_strict() -> None:
    with pytest.raises(ValueError, match="extra"):
        ReviewsConfig(name="w", kind="reviews", url="https://x", selectors={"review": ".r", "txt": ".t"})  # type: ignore[arg-type]


def test_page_url_credentials_never_reach_an_item(server: LoopbackServer) -> None:
    server.route("/reviews", Reply(200, MICRODATA.encode(), {"Content-Type": "text/html"}))
    url = server.url("/reviews?shop=42&api_key=SECRETMARKER").replace("http://", "http://reader:SECRETPASS@")
    source = ReviewsSource(ReviewsConfig(name="w", kind="reviews", url=url))
    result = run(lambda http: source.fetch(http, SourceState()))
    assert server.requests[-1].query["api_key"] == ["SECRETMARKER"]  # the page itself was asked with its key
    assert len(result.items) == 2
    assert {i.url for i in result.items} == {server.url("/reviews?shop=42")}  # the page's own address stays
    assert "SECRET" not in repr(result.items) and "SECRET" not in source.describe()
