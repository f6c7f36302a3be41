"""The owner's reply, sent from the inbox through each platform's owner API, against a real server on 127.0.0.1:
the request each API documents, success, a refusal with a reason the page can show, and the attempts whose outcome
is unknown (5xx, 429, a deadline, a refused connection), which must be safe to make again."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs

import pytest

from monitor.clock import FixedClock
from monitor.errors import MonitorError, ReplyRefused, ReplyUncertain
from sources.appstore_connect import AppStoreConnectConfig, AppStoreConnectSource
from sources.google_business import GoogleBusinessConfig, GoogleBusinessSource
from sources.google_play import GooglePlayConfig, GooglePlaySource
from sources.http import HttpFetcher
from sources.replies import Answerable
from sources.rss import RSSConfig, RSSSource
from tests.loopback import LoopbackServer, Reply, Request
from tests.sources._helpers import NOW, google_token, json_reply
from tests.sources._keys import ec_pem, service_account, verify_jwt

T = TypeVar("T")
Make = Callable[[str], Answerable]
TOKEN = "ya29.reply-token"

GBP_REVIEW = "AbFvOqn_review_3"
GBP_REPLY = f"/v4/accounts/1122334455/locations/998877/reviews/{GBP_REVIEW}/reply"
PLAY_REVIEW = "gp:AOqpTOH_review_b"
PLAY_REPLY = "/androidpublisher/v3/applications/com.acme.coffee/reviews/gp%3AAOqpTOH_review_b:reply"
ASC_REVIEW = "00000045-a3b8-9d01-0000-000000000003"
ASC_RESPONSES = "/v1/customerReviewResponses"
ASC_RESPONSE_OF = f"/v1/customerReviews/{ASC_REVIEW}/response"

JA = "ご不便をおかけし申し訳ございません。次回のご来店時にお声がけください。"
EN = "Sorry about the crash: version 3.2.1, out today, fixes it."


def run(step: Callable[[HttpFetcher], Awaitable[T]], *, deadline: float = 60.0) -> T:
    async def main() -> T:
        http = HttpFetcher(user_agent="test", clock=FixedClock(NOW), deadline=deadline)
        try:
            return await step(http)
        finally:
            await http.aclose()

    return asyncio.run(main())


def send(source: Answerable, review: str, text: str, *, deadline: float = 60.0) -> datetime | None:
    return run(lambda http: source.reply(http, review, text), deadline=deadline)


def business(base_url: str) -> GoogleBusinessSource:
    config = GoogleBusinessConfig(
        name="gbp",
        kind="google_business",
        account_id="1122334455",
        location_id="998877",
        credentials=service_account(),
        base_url=base_url,
    )
    return GoogleBusinessSource(config, clock=FixedClock(NOW))


def play(base_url: str) -> GooglePlaySource:
    config = GooglePlayConfig(
        name="play",
        kind="google_play",
        package_name="com.acme.coffee",
        service_account=service_account(),
        base_url=base_url,
    )
    return GooglePlaySource(config, clock=FixedClock(NOW))


def appstore(base_url: str) -> AppStoreConnectSource:
    config = AppStoreConnectConfig(
        name="asc",
        kind="appstore_connect",
        app_id="1510826067",
        issuer_id="57246542-96fe-1a63-e053-0824d011072a",
        key_id="2X9R4HXF34",
        private_key=ec_pem(),
        base_url=base_url,
    )
    return AppStoreConnectSource(config, clock=FixedClock(NOW))


def google_error(status: int, reason: str) -> Reply:
    return json_reply({"error": {"code": status, "message": "…", "status": reason}}, status)


def apple_error(status: int, code: str) -> Reply:
    return json_reply({"errors": [{"status": str(status), "code": code, "title": "…", "detail": "…"}]}, status)


def apple_response(text: str, modified: str = "2026-11-16T09:00:04Z") -> dict[str, Any]:
    return {
        "data": {
            "type": "customerReviewResponses",
            "id": "6a6f1c2e-resp-0003",
            "attributes": {"responseBody": text, "lastModifiedDate": modified, "state": "PENDING_PUBLISH"},
            "relationships": {"review": {"links": {"self": "…"}}},
            "links": {"self": "…"},
        },
        "links": {"self": "…"},
    }


def to(server: LoopbackServer, path: str) -> list[Request]:
    return [r for r in server.requests if r.path == path]


def assert_safe(error: MonitorError) -> None:
    """The reason for the page carries no token, key or URL; the errors chained to it for the log no token or key."""
    shown = [str(error)]
    cause = error.__cause__
    while cause is not None:
        shown.append(str(cause))
        cause = cause.__cause__
    for text in shown:
        assert TOKEN not in text and "BEGIN" not in text and "Bearer" not in text
    assert "://" not in str(error)


def closed_port() -> str:
    """A loopback address nobody listens on: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_the_three_owner_api_kinds_are_answerable_and_say_where_and_how_long() -> None:
    base = "http://127.0.0.1:9"
    kinds: list[Answerable] = [business(base), play(base), appstore(base)]  # mypy checks the shape too
    assert all(isinstance(source, Answerable) for source in kinds)
    assert [(s.where, s.reply_limit) for s in kinds] == [
        ("Google", None),
        ("Google Play", 350),
        ("the App Store", None),
    ]
    feed = RSSSource(RSSConfig(name="news", kind="rss", url="https://example.com/feed.xml"))
    assert not isinstance(feed, Answerable)  # no owner API: the page offers no button


def test_google_business_puts_the_reply_on_the_review(server: LoopbackServer) -> None:
    google_token(server, TOKEN)
    server.route(GBP_REPLY, json_reply({"comment": JA, "updateTime": "2026-11-16T09:00:03.512345678Z"}))
    stored = send(business(server.url()), GBP_REVIEW, JA)
    assert stored == datetime(2026, 11, 16, 9, 0, 3, 512345, tzinfo=UTC)

    token, put = server.requests
    assert token.path == "/token"
    assert parse_qs(token.body.decode())["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    _, claims = verify_jwt(parse_qs(token.body.decode())["assertion"][0])
    assert claims["scope"] == "https://www.googleapis.com/auth/business.manage"
    assert (put.method, put.path) == ("PUT", GBP_REPLY)
    assert put.headers["authorization"] == f"Bearer {TOKEN}"
    assert put.headers["content-type"] == "application/json"
    assert json.loads(put.body) == {"comment": JA}


def test_google_play_posts_the_reply_to_the_review(server: LoopbackServer) -> None:
    google_token(server, TOKEN)
    server.route(
        PLAY_REPLY, json_reply({"result": {"replyText": EN, "lastEdited": {"seconds": "1794823204", "nanos": 5000}}})
    )
    stored = send(play(server.url()), PLAY_REVIEW, EN)
    assert stored == datetime.fromtimestamp(1794823204, UTC)  # whole seconds, as `fetch` reads a reply's time

    token, post = server.requests
    _, claims = verify_jwt(parse_qs(token.body.decode())["assertion"][0])
    assert claims["scope"] == "https://www.googleapis.com/auth/androidpublisher"
    assert (post.method, post.path) == ("POST", PLAY_REPLY)
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.headers["content-type"] == "application/json"
    assert json.loads(post.body) == {"replyText": EN}


def test_app_store_reads_the_review_first_then_creates_its_response(server: LoopbackServer) -> None:
    server.route(ASC_RESPONSE_OF, apple_error(404, "NOT_FOUND"))
    server.route(ASC_RESPONSES, json_reply(apple_response(EN), 201))
    stored = send(appstore(server.url()), ASC_REVIEW, EN)
    assert stored == datetime(2026, 11, 16, 9, 0, 4, tzinfo=UTC)

    read, post = server.requests
    assert (read.method, read.path, read.body) == ("GET", ASC_RESPONSE_OF, b"")
    assert (post.method, post.path) == ("POST", ASC_RESPONSES)
    assert post.headers["content-type"] == "application/json"
    assert json.loads(post.body) == {
        "data": {
            "type": "customerReviewResponses",
            "attributes": {"responseBody": EN},
            "relationships": {"review": {"data": {"type": "customerReviews", "id": ASC_REVIEW}}},
        }
    }
    for request in (read, post):
        scheme, jwt = request.headers["authorization"].split(" ")
        header, claims = verify_jwt(jwt)
        assert scheme == "Bearer" and header["kid"] == "2X9R4HXF34" and claims["aud"] == "appstoreconnect-v1"


def test_app_store_retry_after_an_uncertain_post_confirms_instead_of_posting_again(server: LoopbackServer) -> None:
    # The first POST reached Apple, but its answer was a 503: it may or may not have landed.
    server.route(ASC_RESPONSE_OF, [apple_error(404, "NOT_FOUND"), json_reply(apple_response(EN))])
    server.route(ASC_RESPONSES, apple_error(503, "SERVICE_UNAVAILABLE"))
    source = appstore(server.url())
    with pytest.raises(ReplyUncertain) as first:
        send(source, ASC_REVIEW, EN)
    assert first.value.retryable and "may or may not have been stored" in first.value.reason

    # Trying again: the review's response is there with our text, so the earlier attempt landed.
    stored = send(source, ASC_REVIEW, EN)
    assert stored == datetime(2026, 11, 16, 9, 0, 4, tzinfo=UTC)
    assert [r.method for r in server.requests] == ["GET", "POST", "GET"]  # no second POST


def test_app_store_answered_by_someone_else_is_refused_and_never_overwritten(server: LoopbackServer) -> None:
    server.route(ASC_RESPONSE_OF, json_reply(apple_response("Thanks, we are looking into it.")))
    with pytest.raises(ReplyRefused) as refused:
        send(appstore(server.url()), ASC_REVIEW, EN)
    assert refused.value.reason == (
        "This review already has a different response on the App Store; change it in App Store Connect."
    )
    assert not to(server, ASC_RESPONSES)


def test_app_store_409_after_a_race_is_confirmed_by_reading_the_response(server: LoopbackServer) -> None:
    # Nothing there when read, then Apple refuses the POST because a response exists: whose text is it?
    server.route(ASC_RESPONSE_OF, [apple_error(404, "NOT_FOUND"), json_reply(apple_response(EN + "\r\n"))])
    server.route(ASC_RESPONSES, apple_error(409, "ENTITY_ERROR"))
    assert send(appstore(server.url()), ASC_REVIEW, EN) is not None

    server.route(ASC_RESPONSE_OF, [apple_error(404, "NOT_FOUND"), apple_error(404, "NOT_FOUND")])
    with pytest.raises(ReplyRefused) as refused:
        send(appstore(server.url()), ASC_REVIEW, EN)
    assert (
        refused.value.status == 409 and refused.value.reason == "This review already has a response on the App Store."
    )


def test_play_refuses_a_reply_over_350_characters_before_sending_anything(server: LoopbackServer) -> None:
    with pytest.raises(ReplyRefused) as refused:
        send(play(server.url()), PLAY_REVIEW, "x" * 351)
    assert refused.value.reason == "Google Play accepts replies of at most 350 characters; this one has 351."
    assert not refused.value.retryable and refused.value.status is None
    assert server.requests == []


def test_empty_and_oversized_replies_are_refused_before_sending_anything(server: LoopbackServer) -> None:
    for source in (business(server.url()), play(server.url()), appstore(server.url())):
        with pytest.raises(ReplyRefused, match="The reply is empty"):
            send(source, "r1", " \n ")
    # Google counts a reply's bytes (4096 in UTF-8), so 1,400 Japanese characters are too many.
    with pytest.raises(ReplyRefused, match="at most 4096 bytes; this one has 4200"):
        send(business(server.url()), GBP_REVIEW, "謝" * 1400)
    assert server.requests == []


@pytest.mark.parametrize(
    ("make", "review", "path", "answer", "reason"),
    [
        (
            business,
            GBP_REVIEW,
            GBP_REPLY,
            google_error(404, "NOT_FOUND"),
            "Google no longer has this review; it may have been deleted.",
        ),
        (
            play,
            PLAY_REVIEW,
            PLAY_REPLY,
            google_error(400, "INVALID_ARGUMENT"),
            "Google Play did not accept this reply (HTTP 400); check its text.",
        ),
        (
            appstore,
            ASC_REVIEW,
            ASC_RESPONSES,
            apple_error(422, "ENTITY_ERROR.ATTRIBUTE.INVALID"),
            "The App Store did not accept this reply (HTTP 422); check its text.",
        ),
    ],
)
def test_a_4xx_is_refused_for_good_with_a_reason_for_the_page(
    server: LoopbackServer, make: Make, review: str, path: str, answer: Reply, reason: str
) -> None:
    google_token(server, TOKEN)
    server.route(ASC_RESPONSE_OF, apple_error(404, "NOT_FOUND"))
    server.route(path, answer)
    with pytest.raises(ReplyRefused) as refused:
        send(make(server.url()), review, EN)
    assert refused.value.reason == str(refused.value) == reason
    assert not refused.value.retryable and refused.value.status == answer.status
    assert_safe(refused.value)
    assert len(to(server, path)) == 1  # not retried


def test_a_permission_403_gets_one_fresh_token_then_is_refused(server: LoopbackServer) -> None:
    google_token(server, TOKEN)
    server.route(PLAY_REPLY, google_error(403, "PERMISSION_DENIED"))
    with pytest.raises(ReplyRefused) as refused:
        send(play(server.url()), PLAY_REVIEW, EN)
    assert refused.value.reason == (
        "Google Play did not accept our credentials for answering reviews: check the source's key and its access."
    )
    assert [r.path for r in server.requests] == ["/token", PLAY_REPLY, "/token", PLAY_REPLY]
    assert_safe(refused.value)


def test_a_revoked_token_is_renewed_once_and_the_reply_sent_again(server: LoopbackServer) -> None:
    google_token(server, TOKEN)
    server.route(GBP_REPLY, [google_error(401, "UNAUTHENTICATED"), json_reply({"comment": EN, "updateTime": None})])
    assert send(business(server.url()), GBP_REVIEW, EN) is None  # stored, time not given
    assert [r.path for r in server.requests] == ["/token", GBP_REPLY, "/token", GBP_REPLY]


def test_a_token_endpoint_refusal_is_about_credentials_not_the_review(server: LoopbackServer) -> None:
    server.route("/token", Reply(404, b"not found"))
    with pytest.raises(ReplyRefused, match="did not accept our credentials") as refused:
        send(business(server.url()), GBP_REVIEW, EN)
    assert not to(server, GBP_REPLY)
    assert_safe(refused.value)


@pytest.mark.parametrize(
    ("make", "review", "path", "answer"),
    [
        (business, GBP_REVIEW, GBP_REPLY, google_error(503, "UNAVAILABLE")),
        (play, PLAY_REVIEW, PLAY_REPLY, google_error(500, "INTERNAL")),
        (appstore, ASC_REVIEW, ASC_RESPONSES, apple_error(502, "BAD_GATEWAY")),
    ],
)
def test_a_5xx_is_uncertain(server: LoopbackServer, make: Make, review: str, path: str, answer: Reply) -> None:
    google_token(server, TOKEN)
    server.route(ASC_RESPONSE_OF, apple_error(404, "NOT_FOUND"))
    server.route(path, answer)
    with pytest.raises(ReplyUncertain) as uncertain:
        send(make(server.url()), review, EN)
    where = make(server.url()).where
    assert uncertain.value.reason == (
        f"{where[0].upper()}{where[1:]} answered with an error (HTTP {answer.status}), "
        "so the reply may or may not have been stored."
    )
    assert uncertain.value.retryable
    assert_safe(uncertain.value)


def test_a_429_is_uncertain_and_says_when_to_come_back(server: LoopbackServer) -> None:
    google_token(server, TOKEN)
    server.route(PLAY_REPLY, Reply(429, b"{}", {"Retry-After": "120"}))
    with pytest.raises(ReplyUncertain) as uncertain:
        send(play(server.url()), PLAY_REVIEW, EN)
    assert uncertain.value.retry_after == 120.0


def test_no_answer_in_time_is_uncertain(server: LoopbackServer) -> None:
    google_token(server, TOKEN)
    server.route(GBP_REPLY, Reply(200, b"{}", stall=30))  # released when the server stops
    with pytest.raises(ReplyUncertain) as uncertain:
        send(business(server.url()), GBP_REVIEW, EN, deadline=0.3)
    assert uncertain.value.reason == "Google did not answer in time, so the reply may or may not have been stored."
    assert len(to(server, GBP_REPLY)) == 1


@pytest.mark.parametrize("make", [business, play, appstore])
def test_a_refused_connection_is_uncertain(make: Make) -> None:
    with pytest.raises(ReplyUncertain) as uncertain:
        send(make(closed_port()), "r1", EN)
    assert "could not be reached" in uncertain.value.reason
    assert_safe(uncertain.value)
