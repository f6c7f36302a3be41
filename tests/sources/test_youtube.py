from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from monitor.errors import CredentialsError, ParseError
from monitor.model import SourceState
from sources.youtube import YouTubeConfig, YouTubeSource, parse
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import json_reply, real_json, run

THREADS = "youtube/price-checker_youtube_commentThreads_2026-07.json"
OWNER = "UCMV4yw-l2EhrS0UdXNfnDVg"  # the channel that owns video zzjq7_ddb0U in the capture


def test_parse_comment_threads_with_likes_and_permalinks() -> None:
    items = parse(real_json(THREADS))
    assert len(items) == 10
    first = items[0]
    assert first.external_id == "Ugxdn2pX4uwWHOdRVwh4AaABAg"
    assert first.author == "@PulseCorpST"
    assert first.url == "https://www.youtube.com/watch?v=zzjq7_ddb0U&lc=Ugxdn2pX4uwWHOdRVwh4AaABAg"
    assert first.text == "Id say it also should have CCC label too otherwise useless if brought through china."
    assert first.published_at == datetime(2026, 7, 17, 9, 48, 57, tzinfo=UTC)
    assert first.engagement == {"likes": 13, "replies": 2}
    assert all(i.answered_at is None for i in items)  # captured without part=replies
    assert any("Anker" in i.text for i in items)


def _reply(author_channel: str, when: str, text: str) -> dict[str, Any]:
    return {
        "kind": "youtube#comment",
        "id": f"r.{when}",
        "snippet": {"authorChannelId": {"value": author_channel}, "publishedAt": when, "textOriginal": text},
    }


def _with_replies(thread: dict[str, Any], *replies: dict[str, Any]) -> dict[str, Any]:
    thread = copy.deepcopy(thread)
    thread["replies"] = {"comments": list(replies)}
    return thread


def test_owner_reply_marks_the_thread_answered_and_other_replies_do_not() -> None:
    data = real_json(THREADS)
    fan = _reply("UCsomeoneelse", "2026-07-17T10:00:00Z", "me too")
    late = _reply(OWNER, "2026-07-19T08:00:00Z", "And thanks again")
    early = _reply(OWNER, "2026-07-18T08:00:00Z", "Thanks, we will add CCC next batch")
    data["items"] = [_with_replies(data["items"][0], fan, late, early), _with_replies(data["items"][1], fan)]
    answered, unanswered = parse(data)
    assert answered.answered_at == datetime(2026, 7, 18, 8, 0, tzinfo=UTC)
    assert answered.reply_text == "Thanks, we will add CCC next batch"
    assert unanswered.answered_at is None


def test_owner_own_top_level_comment_is_not_a_mention_and_bad_bodies_fail() -> None:
    data = real_json(THREADS)
    data["items"][0]["snippet"]["topLevelComment"]["snippet"]["authorChannelId"]["value"] = OWNER
    del data["items"][1]["snippet"]["topLevelComment"]
    assert len(parse(data)) == 8
    with pytest.raises(ParseError):
        parse({"error": {"code": 400, "message": "bad"}})


def _source(server: LoopbackServer, **keys: Any) -> YouTubeSource:
    return YouTubeSource(YouTubeConfig(name="y", kind="youtube", api_key="yt-key", base_url=server.url(), **keys))


def test_fetch_per_video_sends_key_and_parts_then_only_new_or_newly_answered(server: LoopbackServer) -> None:
    captured = real_json(THREADS)
    server.route("/youtube/v3/commentThreads", json_reply(captured))
    source = _source(server, video_ids=["zzjq7_ddb0U"])
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 10
    sent = server.requests[0].query
    assert sent["videoId"] == ["zzjq7_ddb0U"] and sent["key"] == ["yt-key"]
    assert sent["part"] == ["snippet,replies"] and sent["order"] == ["time"]
    assert first.state.cursor["streams"]["zzjq7_ddb0U"]["since"] == "2026-08-11T11:48:58Z"

    # Nothing new: nothing returned. Then the owner answers an old thread: it comes back once, answered.
    again = run(lambda http: source.fetch(http, first.state))
    assert again.items == ()
    answered = copy.deepcopy(captured)
    answered["items"][0] = _with_replies(answered["items"][0], _reply(OWNER, "2026-11-01T12:00:00Z", "Fixed!"))
    server.route("/youtube/v3/commentThreads", json_reply(answered))
    third = run(lambda http: source.fetch(http, again.state))
    assert [(i.external_id, i.answered_at) for i in third.items] == [
        ("Ugxdn2pX4uwWHOdRVwh4AaABAg", datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    ]
    assert run(lambda http: source.fetch(http, third.state)).items == ()


def test_channel_stream_pages_until_the_mark_and_is_bounded(server: LoopbackServer) -> None:
    template = real_json(THREADS)["items"][0]
    counter = iter(range(100))

    def page(_req: Any) -> Reply:
        n = next(counter)
        thread = copy.deepcopy(template)
        thread["id"] = f"t{n}"
        thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = f"2026-11-10T10:{59 - n:02d}:00Z"
        return json_reply({"items": [thread], "nextPageToken": f"p{n + 1}"})

    server.route("/youtube/v3/commentThreads", page)
    state = SourceState(cursor={"streams": {"UCacme": {"since": "2026-11-01T00:00:00Z", "at": []}}})
    result = run(lambda http: _source(server, channel_id="UCacme").fetch(http, state))
    assert len(server.requests) == 5 and len(result.items) == 5
    assert server.requests[0].query["allThreadsRelatedToChannelId"] == ["UCacme"]
    assert server.requests[1].query["pageToken"] == ["p1"]


def test_rejected_api_key_is_a_credentials_error(server: LoopbackServer) -> None:
    server.route("/youtube/v3/commentThreads", Reply(403, b'{"error": {"code": 403, "message": "API key not valid"}}'))
    with pytest.raises(CredentialsError) as caught:
        run(lambda http: _source(server, video_ids=["v"]).fetch(http, SourceState()))
    assert "yt-key" not in str(caught.value)


def test_config_needs_exactly_one_target() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        YouTubeConfig(name="y", kind="youtube", api_key="k")
