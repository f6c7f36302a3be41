from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.errors import CredentialsError, FetchError, ParseError
from monitor.model import SourceState
from sources.google_places import GooglePlacesConfig, GooglePlacesSource, parse, parse_batch
from tests.loopback import LoopbackServer
from tests.sources._helpers import json_reply, real_json, run

SYDNEY = "google_places/gmaps-java_PlaceDetailsLookupGoogleSydneyResponse_2017.json"
QUAY = "google_places/gmaps-java_PlaceDetailsQuay_2015.json"
FRENCH = "google_places/gmaps-java_PlacesApiDetailsInFrenchResponse_sacre-coeur.json"
SHAPE_2023 = "google_places/gmaps-java_PlaceDetailsResponse_google-workplace-6.json"


def test_parse_one_star_reviews_of_google_sydney() -> None:
    items = parse(real_json(SYDNEY))
    assert len(items) == 5 and {i.rating for i in items} == {1.0}
    first = items[0]
    assert first.author == "Mark Sales" and first.rating_scale == 5.0
    assert first.url == "https://maps.google.com/?cid=10281119596374313554"
    assert first.published_at == datetime(2017, 6, 8, 0, 11, 55, tzinfo=UTC)
    assert first.text.startswith("You have to  FIX your Google MY BUSINESS page")
    assert len({i.external_id for i in items}) == 5  # distinct ids although Google gives none


def test_parse_mixed_ratings_french_language_and_2023_shape() -> None:
    assert [i.rating for i in parse(real_json(QUAY))] == [3.0, 5.0, 2.0, 1.0, 2.0]
    french = parse(real_json(FRENCH))
    assert {i.language for i in french} == {"fr"} and french[0].author == "VIHO GBEASSOR"
    (review,) = parse(real_json(SHAPE_2023))
    assert review.rating == 1.0 and review.extra["translated"] is False


def test_parse_status_errors_become_the_error_tree() -> None:
    with pytest.raises(CredentialsError):
        parse(
            {"status": "REQUEST_DENIED", "error_message": "The provided API key is invalid.", "html_attributions": []}
        )
    with pytest.raises(FetchError) as caught:
        parse({"status": "OVER_QUERY_LIMIT", "html_attributions": []})
    assert caught.value.retryable
    assert parse({"status": "ZERO_RESULTS", "html_attributions": []}) == ()
    with pytest.raises(ParseError):
        parse({"results": []})


def test_review_without_rating_is_skipped() -> None:
    data = real_json(QUAY)
    del data["result"]["reviews"][0]["rating"]
    assert parse_batch(data).skipped == 1


def test_fetch_asks_newest_reviews_with_key_and_does_not_repeat_them(server: LoopbackServer) -> None:
    server.route("/maps/api/place/details/json", json_reply(real_json(QUAY)))
    config = GooglePlacesConfig(
        name="g",
        kind="google_places",
        place_id="ChIJ02qnq0KuEmsRHUJF4zo1x4I",
        api_key="AIza-secret",
        base_url=server.url(),
    )
    source = GooglePlacesSource(config)
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 5
    sent = server.requests[0].query
    assert sent["place_id"] == ["ChIJ02qnq0KuEmsRHUJF4zo1x4I"] and sent["key"] == ["AIza-secret"]
    assert sent["reviews_sort"] == ["newest"] and "reviews" in sent["fields"][0]

    newer = real_json(QUAY)
    newer["result"]["reviews"].insert(0, {**newer["result"]["reviews"][0], "time": 1500000000, "author_name": "New"})
    server.route("/maps/api/place/details/json", json_reply(newer))
    second = run(lambda http: source.fetch(http, first.state))
    assert [i.author for i in second.items] == ["New"]
    assert "AIza-secret" not in repr(second.state)


def test_denied_key_is_a_credentials_error_that_does_not_show_the_key(server: LoopbackServer) -> None:
    server.route("/maps/api/place/details/json", json_reply({"status": "REQUEST_DENIED", "html_attributions": []}))
    config = GooglePlacesConfig(
        name="g", kind="google_places", place_id="p", api_key="AIza-secret", base_url=server.url()
    )
    with pytest.raises(CredentialsError) as caught:
        run(lambda http: GooglePlacesSource(config).fetch(http, SourceState()))
    assert "AIza-secret" not in str(caught.value)
