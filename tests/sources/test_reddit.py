from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.errors import CredentialsError, ParseError
from monitor.model import SourceState
from sources.reddit import RedditConfig, RedditSource, parse, parse_batch
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import json_reply, real_json, run

SEARCH = "reddit/praw_cassette_search_r_all_2016-07-12.json"
POPULAR = "reddit/praw_cassette_r_popular_hot_2026-04-13.json"


def test_parse_search_listing_gives_posts_with_permalinks_and_plain_text() -> None:
    items = parse(real_json(SEARCH))
    assert len(items) == 6
    first = items[0]
    assert first.external_id == "t3_3gpbiu"
    assert first.author == "dClauzel"
    # The search-tracking "?ref=search_posts" is not part of the permalink.
    assert (
        first.url == "https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/"
    )
    assert first.title.startswith("[PRAW][OAuth2Util] Problem using get_banned()")
    assert "I am a moderator of /r/Europe" in first.text
    assert "<p>" not in first.text and "SC_OFF" not in first.text and "&quot;" not in first.text
    assert first.published_at == datetime(2015, 8, 12, 9, 8, 34, tzinfo=UTC)
    assert first.engagement == {"score": 0, "replies": 21}


def test_parse_recent_full_listing_and_its_next_page_token() -> None:
    batch = parse_batch(real_json(POPULAR))
    assert len(batch.items) == 100 and batch.skipped == 0
    assert batch.next_page == real_json(POPULAR)["data"]["after"]
    assert all(i.external_id.startswith("t3_") and i.url.startswith("https://www.reddit.com/r/") for i in batch.items)
    assert all(i.published_at is not None and i.published_at.year == 2026 for i in batch.items)


def test_a_broken_post_is_skipped_and_a_non_listing_is_a_parse_error() -> None:
    data = real_json(SEARCH)
    del data["data"]["children"][1]["data"]["permalink"]
    batch = parse_batch(data)
    assert len(batch.items) == 5 and batch.skipped == 1
    with pytest.raises(ParseError):
        parse({"error": 429, "message": "Too Many Requests"})


def _post(n: int, created: float) -> dict[str, Any]:
    return {
        "kind": "t3",
        "data": {
            "name": f"t3_p{n}",
            "permalink": f"/r/coffee/comments/p{n}/acme/",
            "title": f"Acme Coffee post {n}",
            "selftext": "",
            "author": "someone",
            "created_utc": created,
            "score": n,
            "num_comments": 0,
        },
    }


def _listing(posts: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"children": posts, "after": after, "before": None}}


def _config(server: LoopbackServer, **extra: Any) -> RedditConfig:
    return RedditConfig(name="r", kind="reddit", query="Acme Coffee", base_url=server.url(), **extra)


OAUTH = {"client_id": "cid", "client_secret": "s3cret", "username": "acme_owner"}


def test_oauth_fetch_sends_token_request_bearer_and_reddit_user_agent(server: LoopbackServer) -> None:
    server.route(
        "/api/v1/access_token", json_reply({"access_token": "tok1", "token_type": "bearer", "expires_in": 86400})
    )
    server.route("/r/coffee/search", json_reply(real_json(SEARCH)))
    source = RedditSource(_config(server, subreddit="coffee", **OAUTH))

    result = run(lambda http: source.fetch(http, SourceState()))

    assert len(result.items) == 6
    token_req, search_req = server.requests
    assert token_req.method == "POST" and b"grant_type=client_credentials" in token_req.body
    assert token_req.headers["authorization"] == "Basic " + base64.b64encode(b"cid:s3cret").decode()
    assert search_req.headers["authorization"] == "bearer tok1"
    assert search_req.headers["user-agent"] == "server:mention-monitor:v0.1.0 (by /u/acme_owner)"
    assert search_req.query["q"] == ["Acme Coffee"] and search_req.query["sort"] == ["new"]
    assert search_req.query["restrict_sr"] == ["1"]
    assert result.state.cursor["since"] == "2016-03-17T13:33:54Z"  # the newest post seen
    assert "s3cret" not in repr(result.state) and "tok1" not in repr(result.state)


def test_public_access_without_credentials_uses_search_json(server: LoopbackServer) -> None:
    server.route("/search.json", json_reply(_listing([_post(1, 1_700_000_000)])))
    result = run(lambda http: RedditSource(_config(server)).fetch(http, SourceState()))
    assert [i.external_id for i in result.items] == ["t3_p1"]
    assert "authorization" not in server.requests[0].headers


def test_second_fetch_returns_only_newer_posts_and_pages_back_to_the_known_one(server: LoopbackServer) -> None:
    source = RedditSource(_config(server))
    server.route("/search.json", json_reply(_listing([_post(2, 1_700_000_100), _post(1, 1_700_000_000)])))
    first = run(lambda http: source.fetch(http, SourceState()))
    assert [i.external_id for i in first.items] == ["t3_p2", "t3_p1"]

    pages = [
        json_reply(_listing([_post(5, 1_700_000_500), _post(4, 1_700_000_400)], after="t3_p4")),
        json_reply(_listing([_post(3, 1_700_000_300), _post(2, 1_700_000_100)], after="t3_p2")),
    ]
    server.route("/search.json", pages)
    second = run(lambda http: source.fetch(http, first.state))
    assert [i.external_id for i in second.items] == ["t3_p5", "t3_p4", "t3_p3"]
    assert server.requests[-1].query["after"] == ["t3_p4"]
    assert len(server.requests) == 3  # stopped at the page holding a known post

    third = run(lambda http: source.fetch(http, second.state))
    assert third.items == ()


def test_paging_is_bounded(server: LoopbackServer) -> None:
    counter = iter(range(1000, 0, -1))

    def endless(_req: Any) -> Reply:
        n = next(counter)
        return json_reply(_listing([_post(n, 1_800_000_000 + n)], after=f"t3_p{n}"))

    server.route("/search.json", endless)
    state = SourceState(cursor={"since": "2020-01-01T00:00:00Z", "at": []})
    result = run(lambda http: RedditSource(_config(server)).fetch(http, state))
    assert len(server.requests) == 5 and len(result.items) == 5


def test_rate_limit_headers_stop_paging_and_say_when_to_come_back(server: LoopbackServer) -> None:
    headers = {"X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Used": "100", "X-Ratelimit-Reset": "42"}
    server.route("/search.json", json_reply(_listing([_post(9, 1_900_000_000)], after="t3_p9"), headers=headers))
    state = SourceState(cursor={"since": "2020-01-01T00:00:00Z", "at": []})
    result = run(lambda http: RedditSource(_config(server)).fetch(http, state))
    assert result.next_check_after == 42.0
    assert len(server.requests) == 1 and len(result.items) == 1


def test_rejected_token_is_renewed_once_then_reported_as_credentials_error(server: LoopbackServer) -> None:
    server.route("/api/v1/access_token", json_reply({"access_token": "tok", "expires_in": 3600}))
    server.route("/search", Reply(401, b'{"message": "Unauthorized", "error": 401}'))
    source = RedditSource(_config(server, **OAUTH))
    with pytest.raises(CredentialsError) as caught:
        run(lambda http: source.fetch(http, SourceState()))
    assert [r.path for r in server.requests] == ["/api/v1/access_token", "/search", "/api/v1/access_token", "/search"]
    assert "s3cret" not in str(caught.value)


def test_wrong_client_secret_is_a_credentials_error(server: LoopbackServer) -> None:
    server.route("/api/v1/access_token", Reply(401, b'{"message": "Unauthorized", "error": 401}'))
    with pytest.raises(CredentialsError):
        run(lambda http: RedditSource(_config(server, **OAUTH)).fetch(http, SourceState()))


def test_config_needs_client_id_and_secret_together() -> None:
    with pytest.raises(ValueError, match="client_id and client_secret"):
        RedditConfig(name="r", kind="reddit", query="x", client_id="only-id")


def test_source_does_not_mutate_its_config(server: LoopbackServer) -> None:
    server.route("/search.json", json_reply(_listing([])))
    config = _config(server)
    before = copy.deepcopy(config.model_dump())
    run(lambda http: RedditSource(config).fetch(http, SourceState()))
    assert config.model_dump() == before
