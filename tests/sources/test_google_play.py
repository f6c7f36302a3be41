from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest

from monitor.clock import FixedClock
from monitor.errors import CredentialsError
from monitor.model import SourceState
from sources.google_play import GooglePlayConfig, GooglePlaySource, parse, parse_batch
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import NOW, data_json, google_token, json_reply, run
from tests.sources._keys import service_account, verify_jwt

REVIEWS = "/androidpublisher/v3/applications/com.acme.coffee/reviews"


def test_parse_reviews_with_developer_reply_language_and_title_split() -> None:
    unanswered, answered = parse(data_json("google_play_reviews.json"), "com.acme.coffee")
    assert unanswered.author == "Priya N" and unanswered.rating == 1.0 and unanswered.rating_scale == 5.0
    assert unanswered.text == "Order history is empty after the update and my stamps are gone"
    assert unanswered.language == "en"
    assert unanswered.published_at == datetime.fromtimestamp(1794740400, UTC)
    assert (
        unanswered.url == "https://play.google.com/store/apps/details?id=com.acme.coffee&reviewId=gp%3AAOqpTOH_review_b"
    )
    assert unanswered.engagement == {"likes": 4, "dislikes": 0} and unanswered.answered_at is None
    assert answered.text == "使いやすい\nでも通知が多すぎます" and answered.language == "ja"
    assert answered.answered_at == datetime.fromtimestamp(1794574800, UTC)
    assert answered.reply_text == "ご意見ありがとうございます。設定から通知を減らせます。"


def test_review_without_user_comment_is_skipped_and_empty_body_is_no_reviews() -> None:
    data = data_json("google_play_reviews.json")
    data["reviews"][0]["comments"] = []
    assert parse_batch(data).skipped == 1
    assert parse({}) == ()


def _source(server: LoopbackServer) -> GooglePlaySource:
    config = GooglePlayConfig(
        name="play",
        kind="google_play",
        package_name="com.acme.coffee",
        service_account=service_account(),
        base_url=server.url(),
    )
    return GooglePlaySource(config, clock=FixedClock(NOW))


def _token(server: LoopbackServer) -> None:
    google_token(server, "ya29.play")


def test_fetch_exchanges_the_service_account_and_detects_a_new_reply(server: LoopbackServer) -> None:
    _token(server)
    body = data_json("google_play_reviews.json")
    server.route(REVIEWS, json_reply(body))
    source = _source(server)
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 2
    token_request, reviews_request = server.requests
    _, claims = verify_jwt(parse_qs(token_request.body.decode())["assertion"][0])
    assert claims["scope"] == "https://www.googleapis.com/auth/androidpublisher"
    assert reviews_request.headers["authorization"] == "Bearer ya29.play"
    assert reviews_request.query == {"maxResults": ["100"]}

    assert run(lambda http: source.fetch(http, first.state)).items == ()
    body["reviews"][0]["comments"].append(
        {"developerComment": {"text": "Restored, sorry!", "lastModified": {"seconds": "1794750000"}}}
    )
    server.route(REVIEWS, json_reply(body))
    (item,) = run(lambda http: source.fetch(http, first.state)).items
    assert item.author == "Priya N" and item.reply_text == "Restored, sorry!"
    assert item.answered_at == datetime.fromtimestamp(1794750000, UTC)


def test_paging_with_token_is_bounded(server: LoopbackServer) -> None:
    _token(server)
    template = data_json("google_play_reviews.json")["reviews"][0]
    counter = iter(range(100))

    def page(_req: Any) -> Reply:
        n = next(counter)
        user = {**template["comments"][0]["userComment"], "lastModified": {"seconds": str(1794740400 - n * 60)}}
        review = {"reviewId": f"r{n}", "authorName": "x", "comments": [{"userComment": user}]}
        return json_reply({"reviews": [review], "tokenPagination": {"nextPageToken": f"t{n + 1}"}})

    server.route(REVIEWS, page)
    result = run(lambda http: _source(server).fetch(http, SourceState()))
    reviews = [r for r in server.requests if r.path == REVIEWS]
    assert len(reviews) == 5 and len(result.items) == 5
    assert reviews[2].query["token"] == ["t2"]


def test_app_not_granted_to_the_service_account_is_a_credentials_error(server: LoopbackServer) -> None:
    _token(server)
    server.route(REVIEWS, Reply(403, b'{"error": {"code": 403, "message": "The caller does not have permission"}}'))
    with pytest.raises(CredentialsError):
        run(lambda http: _source(server).fetch(http, SourceState()))
