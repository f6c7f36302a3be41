"""The RSS source fetched from the loopback server: a feed URL's credentials never reach an item, and one broken
character reference costs one character, not the feed."""

from __future__ import annotations

import dataclasses

import pytest

from monitor.model import FetchResult, SourceState
from sources.rss import RSSConfig, RSSSource
from tests.loopback import LoopbackServer, Reply
from tests.sources._helpers import run

RSS = {"Content-Type": "application/rss+xml"}


def _feed(*items: str) -> bytes:
    body = "".join(f"<item>{item}</item>" for item in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Acme mentions</title>'
        f"<link>https://acme.example/</link>{body}</channel></rss>"
    ).encode()


def _fetch(url: str) -> tuple[RSSSource, FetchResult]:
    source = RSSSource(RSSConfig(name="private", kind="rss", url=url))
    return source, run(lambda http: source.fetch(http, SourceState()))


def test_feed_url_credentials_never_reach_an_item(server: LoopbackServer) -> None:
    echoed = server.url("/posts/3?token=SECRETMARKER&amp;id=3")
    server.route(
        "/private/feed.xml",
        Reply(
            200,
            _feed(
                "<title>No link at all</title><description>Acme Coffee opened a new shop</description>",
                "<title>Relative</title><link>../posts/2</link><description>Acme beans</description>",
                f"<title>Echoed token</title><link>{echoed}</link><guid>{echoed}</guid><description>Acme</description>",
                "<title>Fragment only</title><link>#comments</link><description>Acme latte</description>",
            ),
            RSS,
        ),
    )
    feed_url = server.url("/private/feed.xml?token=SECRETMARKER").replace("http://", "http://reader:SECRETPASS@")
    source, result = _fetch(feed_url)

    assert server.requests[-1].query["token"] == ["SECRETMARKER"]  # the feed itself was asked with its token
    items = result.items
    assert [i.title for i in items] == ["No link at all", "Relative", "Echoed token", "Fragment only"]
    for item in items:
        for value in dataclasses.astuple(item):
            assert "SECRETMARKER" not in str(value) and "SECRETPASS" not in str(value), item
    assert "SECRET" not in source.describe()
    assert [i.url for i in items] == [
        "",  # no link: no URL, rather than the feed's (the pipeline shows "no web link")
        server.url("/posts/2"),
        server.url("/posts/3?id=3"),
        server.url("/private/feed.xml#comments"),
    ]
    assert items[2].external_id == server.url("/posts/3?id=3")


@pytest.mark.parametrize("reference", ["&#xD800;", "&#55296;", "&#xDFFF;", "&#x110000;", "&#99999999999999999999;"])
def test_one_unencodable_character_reference_costs_one_character_not_the_feed(
    server: LoopbackServer, reference: str
) -> None:
    server.route(
        "/feed.xml",
        Reply(
            200,
            _feed(
                "<title>Acme opens</title><link>https://acme.example/1</link><description>Good news</description>",
                f"<title>Acme {reference} broke</title><link>https://acme.example/2</link>"
                f"<description>Bad {reference} bytes</description>",
                "<title>Acme closes</title><link>https://acme.example/3</link><description>Other news</description>",
            ),
            RSS,
        ),
    )
    _, result = _fetch(server.url("/feed.xml"))
    items = result.items
    assert result.skipped == 0
    assert [(i.title, i.text) for i in items] == [
        ("Acme opens", "Good news"),
        ("Acme \ufffd broke", "Bad \ufffd bytes"),
        ("Acme closes", "Other news"),
    ]
    for item in items:
        (item.title + item.text + item.url).encode("utf-8")  # storable: no lone surrogate left


def test_an_escaped_surrogate_inside_html_content_is_replaced_too(server: LoopbackServer) -> None:
    server.route(
        "/feed.xml",
        Reply(
            200,
            _feed(
                "<title>Acme</title><link>https://acme.example/1</link>"
                "<description>&lt;p&gt;Acme &amp;#xD800; coffee&lt;/p&gt;</description>"
            ),
            RSS,
        ),
    )
    _, result = _fetch(server.url("/feed.xml"))
    (item,) = result.items
    assert item.text == "Acme \ufffd coffee"
