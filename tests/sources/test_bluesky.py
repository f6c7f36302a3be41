from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.errors import CredentialsError, ParseError
from monitor.model import SourceState
from sources.bluesky import BlueskyConfig, BlueskySource, parse
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import json_reply, real_json, run

SEARCH = "bluesky/ajt10_bsky_searchPosts_q-anthropic_2026-08-08.json"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
POSTS = "/xrpc/app.bsky.feed.searchPosts"


def test_parse_search_posts_with_language_permalink_and_counts() -> None:
    items = parse(real_json(SEARCH))
    assert len(items) == 3
    german = items[0]
    assert german.author == "zachrid.bsky.social"
    assert german.url == "https://bsky.app/profile/zachrid.bsky.social/post/3msjxw2tiqs2l"
    assert german.external_id == "at://did:plc:unopfj2ngslbtat5zpvnygzq/app.bsky.feed.post/3msjxw2tiqs2l"
    assert german.language == "de"
    assert german.text.startswith("Alles Scaremarketing:\nOpenAI:")
    assert german.published_at == datetime(2026, 8, 8, 1, 59, 18, 455000, tzinfo=UTC)
    assert german.engagement == {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0}
    assert german.extra["reply"] is True


def test_parse_rejects_an_error_body() -> None:
    with pytest.raises(ParseError):
        parse({"error": "InvalidRequest", "message": 'Error: Params must have the property "q"'})


def _post(n: int, created: str) -> dict[str, Any]:
    return {
        "uri": f"at://did:plc:abc/app.bsky.feed.post/{n}",
        "author": {"did": "did:plc:abc", "handle": "fan.bsky.social"},
        "record": {"text": f"Acme Coffee {n}", "createdAt": created},
        "likeCount": n,
    }


SESSION = {"accessJwt": "access-1", "refreshJwt": "refresh-1", "handle": "acme.bsky.social", "did": "did:plc:me"}


def _config(server: LoopbackServer) -> BlueskyConfig:
    return BlueskyConfig(
        name="b",
        kind="bluesky",
        query="Acme Coffee",
        handle="acme.bsky.social",
        app_password="app-pw",
        base_url=server.url(),
    )


def test_session_is_created_once_and_search_asks_latest_since_newest(server: LoopbackServer) -> None:
    server.route(CREATE, json_reply(SESSION))
    server.route(POSTS, json_reply({"posts": [_post(2, "2026-11-16T08:00:00Z"), _post(1, "2026-11-16T07:00:00Z")]}))
    source = BlueskySource(_config(server))
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 2
    login, search = server.requests
    assert json.loads(login.body) == {"identifier": "acme.bsky.social", "password": "app-pw"}
    assert search.headers["authorization"] == "Bearer access-1"
    assert search.query["sort"] == ["latest"] and "since" not in search.query
    assert "access-1" not in repr(first.state) and "app-pw" not in repr(first.state)

    # Same post again (since is inclusive) plus a new one: only the new one comes back, and no new session.
    server.route(POSTS, json_reply({"posts": [_post(3, "2026-11-16T08:30:00Z"), _post(2, "2026-11-16T08:00:00Z")]}))
    second = run(lambda http: source.fetch(http, first.state))
    assert server.requests[-1].query["since"] == ["2026-11-16T08:00:00Z"]
    assert [i.text for i in second.items] == ["Acme Coffee 3"]
    assert [r.path for r in server.requests].count(CREATE) == 1


def test_expired_access_token_is_refreshed_not_recreated(server: LoopbackServer) -> None:
    server.route(CREATE, json_reply(SESSION))
    server.route(REFRESH, json_reply({**SESSION, "accessJwt": "access-2", "refreshJwt": "refresh-2"}))

    def search(req: Any) -> Reply:
        if req.headers.get("authorization") == "Bearer access-2":
            return json_reply({"posts": [_post(1, "2026-11-16T07:00:00Z")]})
        return json_reply({"error": "ExpiredToken", "message": "Token has expired"}, status=400)

    server.route(POSTS, search)
    result = run(lambda http: BlueskySource(_config(server)).fetch(http, SourceState()))
    assert len(result.items) == 1
    assert [r.path for r in server.requests] == [CREATE, POSTS, REFRESH, POSTS]
    assert server.requests[2].headers["authorization"] == "Bearer refresh-1"


def test_pagination_follows_cursor_and_is_bounded(server: LoopbackServer) -> None:
    server.route(CREATE, json_reply(SESSION))
    counter = iter(range(100))

    def page(_req: Any) -> Reply:
        n = next(counter)
        return json_reply({"posts": [_post(n, f"2026-11-16T08:{n:02d}:00Z")], "cursor": f"c{n + 1}"})

    server.route(POSTS, page)
    state = SourceState(cursor={"since": "2026-11-01T00:00:00Z", "at": []})
    result = run(lambda http: BlueskySource(_config(server)).fetch(http, state))
    searches = [r for r in server.requests if r.path == POSTS]
    assert len(searches) == 5 and len(result.items) == 5
    assert [r.query.get("cursor") for r in searches[:3]] == [None, ["c1"], ["c2"]]
    assert result.state.cursor["since"] == "2026-11-16T08:04:00Z"


def test_wrong_app_password_is_a_credentials_error(server: LoopbackServer) -> None:
    server.route(CREATE, Reply(401, b'{"error":"AuthenticationRequired","message":"Invalid identifier or password"}'))
    with pytest.raises(CredentialsError) as caught:
        run(lambda http: BlueskySource(_config(server)).fetch(http, SourceState()))
    assert "app-pw" not in str(caught.value)
