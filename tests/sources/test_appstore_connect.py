from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.clock import FixedClock
from monitor.errors import CredentialsError
from monitor.model import SourceState
from sources.appstore_connect import AppStoreConnectConfig, AppStoreConnectSource, parse
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import NOW, data_json, json_reply, run
from tests.sources._keys import ec_pem, verify_jwt

REVIEWS = "/v1/apps/1510826067/customerReviews"


def test_parse_reviews_joined_with_developer_responses() -> None:
    crash, points = parse(data_json("appstore_connect_reviews.json"), "1510826067")
    assert (crash.title, crash.rating, crash.author) == ("Crashes on launch", 1.0, "beanfan88")
    assert crash.published_at == datetime(2026, 11, 16, 1, 42, 13, tzinfo=UTC)
    assert crash.answered_at is None and crash.extra["territory"] == "USA"
    assert crash.url == "https://apps.apple.com/app/id1510826067?see-all=reviews"
    assert points.answered_at == datetime(2026, 11, 11, 1, 15, tzinfo=UTC)
    assert points.reply_text == "ご不便をおかけしました。バージョン3.2で修正しました。"
    assert points.extra["response_state"] == "PUBLISHED"


def _source(server: LoopbackServer, key: str | None = None) -> AppStoreConnectSource:
    config = AppStoreConnectConfig(
        name="asc",
        kind="appstore_connect",
        app_id="1510826067",
        issuer_id="57246542-96fe-1a63-e053-0824d011072a",
        key_id="2X9R4HXF34",
        private_key=key or ec_pem(),
        base_url=server.url(),
    )
    return AppStoreConnectSource(config, clock=FixedClock(NOW))


def test_fetch_signs_an_es256_jwt_and_asks_newest_first_with_responses(server: LoopbackServer) -> None:
    server.route(REVIEWS, json_reply(data_json("appstore_connect_reviews.json")))
    result = run(lambda http: _source(server).fetch(http, SourceState()))
    assert len(result.items) == 2
    (request,) = server.requests
    assert request.query == {"sort": ["-createdDate"], "limit": ["200"], "include": ["response"]}
    scheme, token = request.headers["authorization"].split(" ")
    header, claims = verify_jwt(token)
    assert scheme == "Bearer" and header == {"alg": "ES256", "typ": "JWT", "kid": "2X9R4HXF34"}
    assert claims["iss"] == "57246542-96fe-1a63-e053-0824d011072a" and claims["aud"] == "appstoreconnect-v1"
    assert claims["exp"] - claims["iat"] == 1200
    assert "BEGIN" not in repr(result.state)


def test_next_links_are_followed_on_the_api_host_only_and_paging_is_bounded(server: LoopbackServer) -> None:
    template = data_json("appstore_connect_reviews.json")["data"][0]
    counter = iter(range(100))

    def page(_req: Any) -> Reply:
        n = next(counter)
        review = {
            **template,
            "id": f"rev-{n}",
            "attributes": {**template["attributes"], "createdDate": f"2026-11-15T{20 - n:02d}:00:00Z"},
        }
        return json_reply({"data": [review], "links": {"next": server.url(f"{REVIEWS}?cursor=c{n + 1}&limit=200")}})

    server.route(REVIEWS, page)
    state = SourceState(cursor={"since": "2026-11-01T00:00:00Z", "at": []})
    result = run(lambda http: _source(server).fetch(http, state))
    assert len(server.requests) == 5 and len(result.items) == 5
    assert server.requests[1].query == {"cursor": ["c1"], "limit": ["200"]}

    elsewhere = {"data": [{**template, "id": "x"}], "links": {"next": "https://attacker.example/steal"}}
    server.route(REVIEWS, json_reply(elsewhere))
    before = len(server.requests)
    run(lambda http: _source(server).fetch(http, state))
    assert len(server.requests) == before + 1  # the foreign next link was not followed (and never got the token)


def test_developer_response_after_first_sight_brings_the_review_back_answered(server: LoopbackServer) -> None:
    body = data_json("appstore_connect_reviews.json")
    server.route(REVIEWS, json_reply(body))
    source = _source(server)
    first = run(lambda http: source.fetch(http, SourceState()))
    body["data"][0]["relationships"]["response"]["data"] = {"type": "customerReviewResponses", "id": "r3"}
    body["included"].append(
        {
            "type": "customerReviewResponses",
            "id": "r3",
            "attributes": {
                "responseBody": "Fixed in 3.2.1",
                "lastModifiedDate": "2026-11-16T08:00:00Z",
                "state": "PENDING_PUBLISH",
            },
        }
    )
    server.route(REVIEWS, json_reply(body))
    (item,) = run(lambda http: source.fetch(http, first.state)).items
    assert item.title == "Crashes on launch" and item.answered_at == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def test_rejected_key_and_unreadable_key_are_credentials_errors(server: LoopbackServer) -> None:
    server.route(REVIEWS, Reply(401, b'{"errors": [{"status": "401", "code": "NOT_AUTHORIZED"}]}'))
    with pytest.raises(CredentialsError):
        run(lambda http: _source(server).fetch(http, SourceState()))
    with pytest.raises(CredentialsError) as caught:
        run(
            lambda http: _source(server, "-----BEGIN PRIVATE KEY-----\nsecretstuff\n-----END PRIVATE KEY-----").fetch(
                http, SourceState()
            )
        )
    assert "secretstuff" not in str(caught.value)
