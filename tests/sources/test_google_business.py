from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest

from monitor.clock import FixedClock
from monitor.errors import CredentialsError
from monitor.model import SourceState
from sources.google_business import GoogleBusinessConfig, GoogleBusinessSource, parse
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import NOW, data_json, google_token, json_reply, run
from tests.sources._keys import service_account, verify_jwt

REVIEWS = "/v4/accounts/1122334455/locations/998877/reviews"


def test_parse_reviews_with_owner_reply_star_enum_and_anonymous_reviewer() -> None:
    unanswered, answered, anonymous = parse(data_json("google_business_reviews.json"))
    assert (unanswered.author, unanswered.rating, unanswered.rating_scale) == ("Hana Sato", 1.0, 5.0)
    assert unanswered.text == "注文したケーキが届きませんでした。電話も繋がりません。"
    assert unanswered.published_at == datetime(2026, 11, 15, 22, 10, 5, 123456, tzinfo=UTC)
    assert unanswered.answered_at is None and unanswered.reply_text is None
    assert answered.answered_at == datetime(2026, 11, 12, 10, 30, tzinfo=UTC)
    assert answered.reply_text is not None and answered.reply_text.startswith("Sorry Tom")
    assert anonymous.author == "Anonymous" and anonymous.text == "" and anonymous.rating == 5.0
    assert parse({}) == ()  # a location without reviews answers with an empty object


def _source(server: LoopbackServer, clock: FixedClock, credentials: str | None = None) -> GoogleBusinessSource:
    config = GoogleBusinessConfig(
        name="gbp",
        kind="google_business",
        account_id="1122334455",
        location_id="998877",
        credentials=credentials or service_account(),
        base_url=server.url(),
    )
    return GoogleBusinessSource(config, clock=clock)


def test_service_account_jwt_is_exchanged_for_a_token_and_cached(server: LoopbackServer) -> None:
    google_token(server)
    server.route(REVIEWS, json_reply(data_json("google_business_reviews.json")))
    clock = FixedClock(NOW)
    source = _source(server, clock)
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 3

    token_request, reviews_request = server.requests
    form = parse_qs(token_request.body.decode())
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    header, claims = verify_jwt(form["assertion"][0])
    assert header == {"alg": "RS256", "typ": "JWT", "kid": "kid-123"}
    assert claims["iss"] == "monitor@acme-monitor.iam.gserviceaccount.com"
    assert claims["scope"] == "https://www.googleapis.com/auth/business.manage"
    assert claims["aud"] == server.url("/token")
    assert claims["iat"] == int(NOW.timestamp()) and claims["exp"] == claims["iat"] + 3600
    assert reviews_request.headers["authorization"] == "Bearer ya29.token"
    assert reviews_request.query["orderBy"] == ["updateTime desc"]

    clock.advance(timedelta(minutes=30))
    run(lambda http: source.fetch(http, first.state))
    assert [r.path for r in server.requests].count("/token") == 1  # still fresh: no new token
    clock.advance(timedelta(minutes=31))
    run(lambda http: source.fetch(http, first.state))
    assert [r.path for r in server.requests].count("/token") == 2  # about to expire: renewed


def test_owner_reply_after_first_sight_brings_the_review_back_answered(server: LoopbackServer) -> None:
    google_token(server)
    body = data_json("google_business_reviews.json")
    server.route(REVIEWS, json_reply(body))
    source = _source(server, FixedClock(NOW))
    first = run(lambda http: source.fetch(http, SourceState()))
    assert run(lambda http: source.fetch(http, first.state)).items == ()

    body["reviews"][0]["reviewReply"] = {"comment": "申し訳ございません。", "updateTime": "2026-11-16T08:00:00Z"}
    server.route(REVIEWS, json_reply(body))
    later = run(lambda http: source.fetch(http, first.state))
    (item,) = later.items
    assert item.external_id == "AbFvOqn_review_3"
    assert item.answered_at == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    assert item.reply_text == "申し訳ございません。"


def test_pages_until_the_mark_and_bounded(server: LoopbackServer) -> None:
    google_token(server)
    template = data_json("google_business_reviews.json")["reviews"][0]
    counter = iter(range(100))

    def page(_req: Any) -> Reply:
        n = next(counter)
        when = f"2026-11-15T{20 - n:02d}:00:00Z"
        review = {**template, "reviewId": f"r{n}", "createTime": when, "updateTime": when}
        return json_reply({"reviews": [review], "nextPageToken": f"page{n + 1}"})

    server.route(REVIEWS, page)
    state = SourceState(cursor={"since": "2026-11-01T00:00:00Z", "at": []})
    result = run(lambda http: _source(server, FixedClock(NOW)).fetch(http, state))
    reviews = [r for r in server.requests if r.path == REVIEWS]
    assert len(reviews) == 5 and len(result.items) == 5
    assert reviews[1].query["pageToken"] == ["page1"]


def test_rejected_token_and_unreadable_credentials_are_credentials_errors(server: LoopbackServer) -> None:
    server.route("/token", Reply(400, b'{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}'))
    with pytest.raises(CredentialsError):
        run(lambda http: _source(server, FixedClock(NOW)).fetch(http, SourceState()))
    with pytest.raises(CredentialsError) as caught:
        run(
            lambda http: _source(server, FixedClock(NOW), '{"type": "service_account", "private_key": "nope"}').fetch(
                http, SourceState()
            )
        )
    assert "nope" not in str(caught.value)
    with pytest.raises(CredentialsError, match="service_account or authorized_user"):
        run(lambda http: _source(server, FixedClock(NOW), '{"hello": 1}').fetch(http, SourceState()))


def test_revoked_token_is_renewed_once_then_reported(server: LoopbackServer) -> None:
    google_token(server)
    server.route(REVIEWS, Reply(401, b'{"error": {"code": 401, "status": "UNAUTHENTICATED"}}'))
    with pytest.raises(CredentialsError):
        run(lambda http: _source(server, FixedClock(NOW)).fetch(http, SourceState()))
    assert [r.path for r in server.requests] == ["/token", REVIEWS, "/token", REVIEWS]


def test_authorized_user_credentials_use_the_refresh_token_grant(server: LoopbackServer) -> None:
    google_token(server)
    server.route(REVIEWS, json_reply({}))
    user = '{"type": "authorized_user", "client_id": "cid", "client_secret": "cs", "refresh_token": "1//rt"}'
    result = run(lambda http: _source(server, FixedClock(NOW), user).fetch(http, SourceState()))
    assert result.items == ()
    form = parse_qs(server.requests[0].body.decode())
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == ["1//rt"]
