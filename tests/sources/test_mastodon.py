from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.errors import CredentialsError, ParseError
from monitor.model import SourceState
from sources.mastodon import MastodonConfig, MastodonSource, newest_id, parse
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import json_reply, real_json, run

TAG = "mastodon/ajt10_mastodon_social_timelines_tag_ai_2026-08-08.json"


def test_parse_hashtag_timeline_local_and_federated_posts() -> None:
    items = parse(real_json(TAG))
    assert len(items) == 3
    local, federated = items[0], items[1]
    assert local.author == "opensourceaitech"
    assert local.url == "https://mastodon.social/@opensourceaitech/117057415357302637"
    assert federated.author == "techwire@gamefan.net"
    assert federated.external_id == "https://social.gamefan.net/ap/users/116450677342166464/statuses/117057408363045390"
    assert federated.language == "en"
    assert federated.published_at == datetime(2026, 8, 8, 1, 58, 22, tzinfo=UTC)
    assert federated.engagement == {"replies": 0, "likes": 0, "reblogs": 2, "followers": 194}
    # HTML gone, the link shown whole (Mastodon hides parts of it in "invisible" spans), paragraphs kept apart.
    assert federated.text.startswith("Is That New Splotch on the Moon What We Think It Is?\n\nA stray Falcon 9")
    assert "https://gizmodo.com/is-that-new-splotch-on-the-moon-what-we-think-it-is-2000795855" in federated.text
    assert "<" not in federated.text


def test_parse_search_result_and_boosts_and_broken_statuses() -> None:
    statuses = real_json(TAG)
    boost = {"id": "9", "uri": "https://x/boost", "reblog": copy.deepcopy(statuses[0]), "account": {"acct": "booster"}}
    broken = {"id": "8", "content": "<p>no uri, no account</p>"}
    items = parse({"accounts": [], "statuses": [boost, broken], "hashtags": []})
    assert len(items) == 1 and items[0].author == "opensourceaitech"  # the boosted post, not the booster
    with pytest.raises(ParseError):
        parse({"error": "Record not found"})


def test_newest_id_orders_numeric_and_flake_ids() -> None:
    assert newest_id(["99", "117057415357302637", "117057408418377701"]) == "117057415357302637"
    assert newest_id(["AbC1", "AbD0"]) == "AbD0"
    assert newest_id([]) is None


def _status(n: int) -> dict[str, Any]:
    return {
        "id": str(n),
        "uri": f"https://social.example/users/a/statuses/{n}",
        "url": f"https://social.example/@a/{n}",
        "content": f"<p>Acme Coffee {n}</p>",
        "created_at": "2026-11-16T08:00:00.000Z",
        "account": {"acct": "a", "followers_count": 3},
    }


def test_tag_timeline_then_min_id_paging_forward(server: LoopbackServer) -> None:
    config = MastodonConfig(
        name="m", kind="mastodon", instance="https://unused.example", base_url=server.url(), tag="#AcmeCoffee"
    )
    source = MastodonSource(config)
    server.route("/api/v1/timelines/tag/AcmeCoffee", json_reply([_status(12), _status(11)]))
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 2 and first.state.cursor == {"min_id": "12"}
    assert server.requests[0].query == {"limit": ["40"]}

    full_page = [_status(n) for n in range(52, 12, -1)]  # 40 statuses: there may be more
    server.route("/api/v1/timelines/tag/AcmeCoffee", [json_reply(full_page), json_reply([_status(53)])])
    second = run(lambda http: source.fetch(http, first.state))
    assert [r.query.get("min_id") for r in server.requests[1:]] == [["12"], ["52"]]
    assert len(second.items) == 41 and second.state.cursor == {"min_id": "53"}


def test_search_sends_token_and_query(server: LoopbackServer) -> None:
    config = MastodonConfig(name="m", kind="mastodon", base_url=server.url(), query="Acme Coffee", token="tkn")
    server.route("/api/v2/search", json_reply({"accounts": [], "statuses": [_status(5)], "hashtags": []}))
    result = run(lambda http: MastodonSource(config).fetch(http, SourceState()))
    (request,) = server.requests
    assert request.headers["authorization"] == "Bearer tkn"
    assert request.query["q"] == ["Acme Coffee"] and request.query["type"] == ["statuses"]
    assert result.items[0].text == "Acme Coffee 5"


def test_rate_limit_reset_is_read_against_the_server_date(server: LoopbackServer) -> None:
    headers = {
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "2026-11-16T09:02:00.000Z",
        "Date": "Mon, 16 Nov 2026 09:00:00 GMT",
    }
    config = MastodonConfig(name="m", kind="mastodon", base_url=server.url(), tag="acme")
    server.route("/api/v1/timelines/tag/acme", json_reply([_status(1)] * 40, headers=headers))
    result = run(lambda http: MastodonSource(config).fetch(http, SourceState(cursor={"min_id": "0"})))
    assert result.next_check_after == 120.0 and len(server.requests) == 1


def test_revoked_token_is_a_credentials_error(server: LoopbackServer) -> None:
    config = MastodonConfig(name="m", kind="mastodon", base_url=server.url(), query="x", token="revoked")
    server.route("/api/v2/search", Reply(401, b'{"error":"The access token is invalid"}'))
    with pytest.raises(CredentialsError) as caught:
        run(lambda http: MastodonSource(config).fetch(http, SourceState()))
    assert "revoked" not in str(caught.value)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"tag": "a"}, "instance"),
        ({"instance": "https://m.example"}, "exactly one"),
        ({"instance": "https://m.example", "query": "a"}, "read:search"),
    ],
)
def test_config_explains_what_is_missing(keys: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MastodonConfig(name="m", kind="mastodon", **keys)
