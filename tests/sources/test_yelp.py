from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.errors import CredentialsError, HTTPStatusError, ParseError
from monitor.model import SourceState
from sources.yelp import YelpConfig, YelpSource, parse, parse_batch
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import data_json, json_reply, real_json, run

V2 = "yelp/yelp-python_v2_business_response_with_review_excerpt.json"
LOOKUP = "yelp/yelp-python_fusion_v3_business_lookup_sacre_coeur_paris.json"
PATH = "/v3/businesses/acme-coffee-san-francisco/reviews"


def test_parse_real_legacy_v2_review_excerpt() -> None:
    (review,) = parse(real_json(V2))
    assert review.external_id == "flAK8Mu4auUdcFNR7iPa6Q"
    assert review.author == "Hilary C."
    assert (review.rating, review.rating_scale) == (4.0, 5.0)
    assert review.text.startswith("One of the owners is a former Sherpa from Nepal")
    assert review.url == "http://www.yelp.com/biz/urban-curry-san-francisco"
    assert review.published_at == datetime.fromtimestamp(1440895245, UTC)


def test_business_lookup_without_reviews_is_not_a_reviews_body() -> None:
    with pytest.raises(ParseError):
        parse(real_json(LOOKUP))  # Fusion gives review text only from /reviews


def test_parse_fusion_reviews_with_pacific_times() -> None:
    bad, good = parse(data_json("yelp_fusion_reviews.json"))
    assert bad.author == "Ella A." and bad.rating == 2.0
    assert bad.url.startswith("https://www.yelp.com/biz/acme-coffee-san-francisco?")
    assert bad.published_at == datetime(2026, 11, 15, 2, 23, 11, tzinfo=UTC)  # 18:23 PST = 02:23 UTC next day
    assert good.text.startswith("Best oat latte")
    data = data_json("yelp_fusion_reviews.json")
    del data["reviews"][0]["id"]
    assert parse_batch(data).skipped == 1


def test_fetch_sends_bearer_key_and_newest_then_no_repeats(server: LoopbackServer) -> None:
    server.route(PATH, json_reply(data_json("yelp_fusion_reviews.json")))
    config = YelpConfig(
        name="y",
        kind="yelp",
        business_id="acme-coffee-san-francisco",
        api_key="yelp-key",
        locale="en_US",
        base_url=server.url(),
    )
    source = YelpSource(config)
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 2 and {i.language for i in first.items} == {"en"}
    request = server.requests[0]
    assert request.headers["authorization"] == "Bearer yelp-key"
    assert request.query == {"limit": ["20"], "sort_by": ["newest"], "locale": ["en_US"]}
    assert run(lambda http: source.fetch(http, first.state)).items == ()
    assert "yelp-key" not in repr(first.state)


def test_rejected_key_and_rate_limit(server: LoopbackServer) -> None:
    config = YelpConfig(
        name="y", kind="yelp", business_id="acme-coffee-san-francisco", api_key="k", base_url=server.url()
    )
    server.route(PATH, Reply(401, b'{"error": {"code": "TOKEN_INVALID"}}'))
    with pytest.raises(CredentialsError):
        run(lambda http: YelpSource(config).fetch(http, SourceState()))
    server.route(PATH, Reply(429, b'{"error": {"code": "TOO_MANY_REQUESTS_PER_SECOND"}}', {"Retry-After": "1"}))
    with pytest.raises(HTTPStatusError) as caught:
        run(lambda http: YelpSource(config).fetch(http, SourceState()))
    assert caught.value.retryable
