"""Every source kind in one monitor.toml, through the real scheduler, pipeline and database, against one loopback
server serving the captured responses: `check` accepts the mix, one cycle brings every kind's mentions (with star
ratings and owner replies where the platform has them), and a second cycle repeats none of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from monitor.clock import FixedClock
from tests.apps import HEADER, close, cycle, make_app
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import data_json, json_reply, real
from tests.sources._keys import ec_pem, service_account

REVIEW_KINDS = {"appstore", "google_places", "yelp", "google_business", "appstore_connect", "google_play"}


def serve(server: LoopbackServer) -> None:
    token = json_reply({"access_token": "tok", "expires_in": 3599, "token_type": "Bearer"})
    routes = {
        "/alerts.xml": Reply(200, real("google_alerts/feedjira_google_alerts_atom_slack_2019.xml")),
        "/search.json": Reply(200, real("reddit/praw_cassette_search_r_all_2016-07-12.json")),
        "/api/v1/search_by_date": Reply(
            200, real("hackernews_algolia/krugis_hn_search_by_date_query-AI_2026-08-09.json")
        ),
        "/api/v1/timelines/tag/ai": Reply(200, real("mastodon/ajt10_mastodon_social_timelines_tag_ai_2026-08-08.json")),
        "/xrpc/app.bsky.feed.searchPosts": Reply(
            200, real("bluesky/ajt10_bsky_searchPosts_q-anthropic_2026-08-08.json")
        ),
        "/youtube/v3/commentThreads": Reply(200, real("youtube/price-checker_youtube_commentThreads_2026-07.json")),
        "/gb/rss/customerreviews/page=1/id=1510826067/sortby=mostrecent/json": Reply(
            200, real("app_store_reviews/jcoynel_1510826067_gb_1.json")
        ),
        "/gb/rss/customerreviews/page=2/id=1510826067/sortby=mostrecent/json": Reply(
            200, real("app_store_reviews/jcoynel_empty_page.json")
        ),
        "/maps/api/place/details/json": Reply(200, real("google_places/gmaps-java_PlaceDetailsQuay_2015.json")),
        "/v3/businesses/acme-coffee-san-francisco/reviews": json_reply(data_json("yelp_fusion_reviews.json")),
        "/recipe.html": Reply(200, real("review_pages_jsonld/recipe-scrapers_theclevercarrot_1.html")),
        "/token": token,
        "/v4/accounts/1122334455/locations/998877/reviews": json_reply(data_json("google_business_reviews.json")),
        "/v1/apps/1510826067/customerReviews": json_reply(data_json("appstore_connect_reviews.json")),
        "/androidpublisher/v3/applications/com.acme.coffee/reviews": json_reply(data_json("google_play_reviews.json")),
    }
    for path, reply in routes.items():
        server.route(path, reply)


def config(base: str) -> str:
    google_key = json.dumps(json.loads(service_account(f"{base}/token")))
    sources = [
        ("rss", f'url = "{base}/alerts.xml"'),
        ("reddit", 'query = "praw"'),
        ("hackernews", 'query = "AI"'),
        ("mastodon", f'instance = "{base}"\ntag = "ai"'),
        ("bluesky", 'query = "anthropic"'),
        ("youtube", 'video_ids = ["zzjq7_ddb0U"]\napi_key = "yt-key"'),
        ("appstore", 'app_id = "1510826067"\ncountry = "gb"'),
        ("google_places", 'place_id = "quay"\napi_key = "places-key"'),
        ("yelp", 'business_id = "acme-coffee-san-francisco"\napi_key = "yelp-key"'),
        ("reviews", f'url = "{base}/recipe.html"'),
        ("google_business", f'account_id = "1122334455"\nlocation_id = "998877"\ncredentials = \'{google_key}\''),
        (
            "appstore_connect",
            f"app_id = \"1510826067\"\nissuer_id = \"issuer\"\nkey_id = \"KEY123\"\nprivate_key = '''{ec_pem()}'''",
        ),
        ("google_play", f"package_name = \"com.acme.coffee\"\nservice_account = '{google_key}'"),
    ]
    text = '\n[[brands]]\nname = "Everything"\nterms = ["the", "a", "の"]\n'
    for kind, keys in sources:
        api = f'base_url = "{base}"\n' if kind not in ("rss", "reviews") else ""
        text += f'\n[[sources]]\nname = "{kind}"\nkind = "{kind}"\nbrand = "Everything"\n{api}{keys}\n'
    return text


def test_every_kind_in_one_config_through_the_scheduler(tmp_path: Path, server: LoopbackServer) -> None:
    serve(server)
    clock = FixedClock(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    app = make_app(tmp_path, config(server.url()), clock, HEADER)
    try:
        first = cycle(app)
        second = cycle(app)
        stored = app.pipeline.mentions.list()
    finally:
        close(app)
    failed = {p.source: p.error for p in first.polled if not p.ok}
    assert failed == {}
    by_kind: dict[str, list[object]] = {}
    for m in stored:
        by_kind.setdefault(m.kind, []).append(m)
    assert set(by_kind) == {p.source for p in first.polled}  # every kind brought mentions
    for kind in REVIEW_KINDS:
        assert any(m.rating is not None for m in by_kind[kind]), kind  # type: ignore[attr-defined]
    owner_kinds = {m.kind for m in stored if m.status == "responded" and m.answered_at is not None}
    assert owner_kinds >= {"google_business", "appstore_connect", "google_play"}
    assert all(not p.report.new for p in second.polled if p.report), "a second cycle must not repeat mentions"
