from __future__ import annotations

import json
from typing import Any

import pytest

from monitor.errors import ParseError
from monitor.model import SourceState
from sources.appstore import AppStoreConfig, AppStoreSource, parse, parse_batch
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import json_reply, real, real_json, run

FR = "app_store_reviews/jcoynel_497799835_fr_1.json"
CN = "app_store_reviews/jcoynel_497799835_cn_5.json"
GB = "app_store_reviews/jcoynel_1510826067_gb_1.json"
EMPTY = "app_store_reviews/jcoynel_empty_page.json"
DEPTH = "app_store_reviews/jcoynel_555731861_us_11_page-depth-limit-error.txt"


def test_parse_small_gb_page_with_star_ratings_and_versions() -> None:
    items = parse(real(GB), "gb")
    assert len(items) == 4
    first = items[0]
    assert first.external_id == "6504352127"
    assert first.author == "immeallme"
    assert first.title == "Amazing photos integration"
    assert first.text.startswith("Such a great app for checking off which sites you've visited.")
    assert (first.rating, first.rating_scale) == (5.0, 5.0)
    assert first.extra == {"version": "1.1.0", "country": "gb"}
    assert first.published_at is None  # these feeds carry no per-review date: the pipeline uses first-seen time
    assert first.url == "https://itunes.apple.com/gb/review?id=1510826067&type=Purple%20Software"


def test_parse_full_pages_in_french_and_chinese() -> None:
    french = parse(real(FR))
    assert len(french) == 50 and french[0].author == "Fouinneur@" and french[0].rating == 4.0
    assert sum(1 for i in french if i.rating == 1.0) > 10  # Xcode reviews: the unhappy ones a user wants to see
    chinese = parse(real_json(CN))
    assert len(chinese) == 50 and chinese[0].title == "使用直观感受" and chinese[0].extra["version"] == "12.2"


def test_empty_page_and_depth_limit_notice_are_no_reviews_not_errors() -> None:
    assert parse(real(EMPTY)) == ()
    assert real(DEPTH) == b"CustomerReviews RSS page depth is limited to 10"
    assert parse(real(DEPTH)) == ()
    with pytest.raises(ParseError):
        parse(b"<html>Service Unavailable</html>")


def test_single_entry_object_old_app_metadata_entry_and_a_review_without_rating() -> None:
    data = real_json(GB)
    review, broken = data["feed"]["entry"][0], data["feed"]["entry"][1]
    del broken["im:rating"]
    assert len(parse({"feed": {"entry": review}})) == 1
    meta = {"im:name": {"label": "Xcode"}, "id": {"label": "https://apps.apple.com/app/id497799835"}}
    batch = parse_batch({"feed": {"entry": [meta, review, broken]}})
    assert len(batch.items) == 1 and batch.skipped == 1


def _page(first_id: int, count: int = 50) -> dict[str, Any]:
    template = real_json(GB)["feed"]["entry"][0]
    entries = []
    for n in range(count):
        entry = json.loads(json.dumps(template))
        entry["id"]["label"] = str(first_id - n)
        entries.append(entry)
    return {"feed": {"entry": entries}}


def _path(country: str, page: int, app: str = "1510826067") -> str:
    return f"/{country}/rss/customerreviews/page={page}/id={app}/sortby=mostrecent/json"


def _source(server: LoopbackServer, **keys: Any) -> AppStoreSource:
    return AppStoreSource(AppStoreConfig(name="a", kind="appstore", app_id="1510826067", base_url=server.url(), **keys))


def test_first_fetch_reads_page_one_per_storefront_then_pages_back_to_the_newest_seen(server: LoopbackServer) -> None:
    server.route(_path("gb", 1), Reply(200, real(GB)))
    server.route(_path("jp", 1), Reply(200, real(EMPTY)))
    source = _source(server, countries=["GB", "jp"])
    first = run(lambda http: source.fetch(http, SourceState()))
    assert len(first.items) == 4 and {i.extra["country"] for i in first.items} == {"gb"}
    assert first.state.cursor == {"newest": {"gb": "6504352127"}}
    assert [r.path for r in server.requests] == [_path("gb", 1), _path("jp", 1)]

    server.route(_path("gb", 1), json_reply(_page(6504352300)))  # 50 new reviews: there may be more
    server.route(_path("gb", 2), json_reply(_page(6504352250, count=130)))  # reaches the newest seen
    second = run(lambda http: source.fetch(http, first.state))
    assert len(second.items) == 50 + 123  # 6504352250..6504352128 are new, 6504352127 and older are not
    assert second.state.cursor["newest"]["gb"] == "6504352300"
    assert _path("gb", 3) not in [r.path for r in server.requests]


def test_paging_stops_at_the_depth_limit_notice_and_never_passes_page_ten(server: LoopbackServer) -> None:
    start = 9_000_000_000
    for page in range(1, 11):
        server.route(_path("us", page), json_reply(_page(start - (page - 1) * 50)))
    server.route(_path("us", 3), Reply(200, real(DEPTH)))
    result = run(lambda http: _source(server).fetch(http, SourceState(cursor={"newest": {"us": "1"}})))
    assert len(result.items) == 100 and len(server.requests) == 3

    server.route(_path("us", 3), json_reply(_page(start - 100)))
    result = run(lambda http: _source(server).fetch(http, SourceState(cursor={"newest": {"us": "1"}})))
    assert len(result.items) == 500
    assert server.requests[-1].path == _path("us", 10)


def test_config_checks() -> None:
    with pytest.raises(ValueError, match="app_id"):
        AppStoreConfig(name="a", kind="appstore", app_id="com.acme.app")
    with pytest.raises(ValueError, match="not both"):
        AppStoreConfig(name="a", kind="appstore", app_id="1", country="us", countries=["jp"])
