"""Hostile feeds and pages served from 127.0.0.1, polled through the real scheduler, pipeline and database.

Each case is something a stranger can serve at a URL the operator configured (with a token and a password in it).
For every case that must be cut off: the poll ends at a bound the code enforces (the body cap, the request deadline,
the parse worker's deadline or memory budget), the failure is counted against that source alone and reported in one
line that names it, without a traceback and without the URL's secrets. For every case a bound makes harmless
instead (10 MB in one field, 10,000 entries, control characters, lying encodings): the items are stored, bounded.
In both cycles a well-behaved feed polled alongside is stored whole, and the daemon's own memory stays bounded
however much the strangers send.

Two cycles share the work: one with a 1 s deadline for the cases that must be cut off (each would take minutes
unbounded, measured in sources/rss.py and sources/reviews.py, so the outcome never depends on the machine's speed),
one with a generous deadline for the cases that must get through.
"""

from __future__ import annotations

import json
import logging
import re
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from monitor.clock import FixedClock
from monitor.model import Mention
from monitor.service.scheduler import PollOutcome
from monitor.storage.schedule import SourceHealth
from sources.bounds import MAX_AUTHOR, MAX_ITEMS, MAX_TEXT, MAX_TITLE
from tests.apps import close, cycle, make_app
from tests.loopback import REAL, LoopbackServer, Reply
from tests.sources._streaming import StreamingServer, Writer, endless, trickle

MiB = 1024 * 1024
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
GOOGLE_ALERTS = (REAL / "google_alerts" / "feedjira_google_alerts_atom_slack_2019.xml").read_bytes()
RSS = {"Content-Type": "application/rss+xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
SECRETS = ("SECRETMARKER", "SECRETPASS")
# Control characters (tab and newline aside) and bidi overrides: none may reach a stored mention.
INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
DC = b'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
ATOM = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Acme</title>'


def feed(*entries: bytes, head: bytes = b'<?xml version="1.0" encoding="utf-8"?>', root: bytes = b"") -> bytes:
    return (
        head
        + (root or b'<rss version="2.0">')
        + b"<channel><title>Acme</title>"
        + b"".join(entries)
        + (b"</channel></rss>")
    )


def entry(inner: bytes = b"", *, link: bytes, title: bytes = b"Slack news") -> bytes:
    """One RSS item. Every case's link differs: the pipeline takes one link in two feeds for one story."""
    return b"<item><title>" + title + b"</title><link>" + link + b"</link>" + inner + b"</item>"


def rss(make: Callable[[], bytes]) -> Callable[[str], Reply]:
    """A feed reply, made only when the cycle runs (some are megabytes: not at collection)."""
    return lambda _path: Reply(200, make(), RSS)


def html(make: Callable[[], bytes]) -> Callable[[str], Reply]:
    return lambda _path: Reply(200, make(), HTML)


def gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MiB of zeros, gzip-compressed to about a thousandth of that."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    return b"".join(z.compress(zeros) for _ in range(megabytes)) + z.flush()


def linear_entity_bomb(value_bytes: int, references: int) -> bytes:
    """One entity of `value_bytes`, referenced `references` times: not nested, so not a "billion laughs"."""
    head = b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + b"a" * value_bytes + b'">\n]>\n'
    return feed(
        entry(b"<description>" + b"&a;" * references + b"</description>", link=b"https://news.example/entities"),
        head=head,
    )


def billion_laughs() -> bytes:
    levels = b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    )
    head = b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n' + levels + b"]>\n"
    return feed(
        entry(b"<description>&lol9;</description>", title=b"Slack &lol9;", link=b"https://news.example/lol"), head=head
    )


def json_ld(*blocks: bytes) -> bytes:
    scripts = b"".join(b'<script type="application/ld+json">' + block + b"</script>" for block in blocks)
    return b"<html><head>" + scripts + b"</head><body><h1>Acme</h1></body></html>"


def review(number: int) -> dict[str, object]:
    return {"@type": "Review", "reviewBody": f"Slack review {number}", "author": {"name": f"Reviewer {number}"}}


# --- the cases ----------------------------------------------------------------------------------------------------

Check = Callable[[list[Mention], SourceHealth], None]


@dataclass(frozen=True)
class Case:
    slug: str  # also the source's name and the path it is served at
    reply: Callable[[str], Reply] | None = None  # given the case's own path (a redirect loop points at itself)
    stream: Writer | None = None  # for the bodies tests/loopback.py cannot send
    kind: str = "rss"
    error: str = ""  # a cut-off case fails with an error that matches this
    check: Check | None = None  # a case that gets through: what its stored mentions show


TOO_BIG = r"body of http://127\.0\.0\.1:\d+/hostile/[\w-]+ is larger than the cap of 4194304 bytes"
NOT_PARSED = r"http://127\.0\.0\.1:\d+/hostile/[\w-]+: not parsed( within 3s|: it needed more than 256 MiB)"
NOT_HTTP = r"refused a redirect to a URL that is not http\(s\)"


def many_attributes(count: int) -> bytes:
    return b"<item " + b" ".join(b'a%d="1"' % i for i in range(count)) + b"><title>Slack</title></item>"


CUT_OFF = [
    # feedparser's e-mail regex: 50,000 letters took 8.6 s, 200,000 take minutes, in one call that holds the GIL.
    Case(
        "long-author",
        rss(lambda: feed(entry(b"<author>" + b"a" * 200_000 + b"</author>", link=b"https://news.example/a"))),
        error=NOT_PARSED,
    ),
    Case(
        "long-dc-creator",
        rss(
            lambda: feed(
                entry(b"<dc:creator>" + b"a" * 200_000 + b"</dc:creator>", link=b"https://news.example/dc"), root=DC
            )
        ),
        error=NOT_PARSED,
    ),
    Case(
        "long-atom-author",
        rss(lambda: ATOM + b"<entry><id>1</id><author>" + b"a" * 200_000 + b"</author></entry></feed>"),
        error=NOT_PARSED,
    ),
    # The regexes feedparser runs over the document's head: 40,000 newlines took 5.4 s.
    Case(
        "newlines-before-root",
        rss(lambda: feed(entry(link=b"https://news.example/nl"), head=b'<?xml version="1.0"?>' + b"\n" * 200_000)),
        error=NOT_PARSED,
    ),
    Case(
        "entity-lines-before-root",
        rss(
            lambda: feed(entry(link=b"https://news.example/e"), head=b'<?xml version="1.0"?>' + b"\n <!ENTITY" * 40_000)
        ),
        error=NOT_PARSED,
    ),
    # 25,000 attributes on one element took 4.6 s; 100,000 take over a minute.
    Case("many-attributes", rss(lambda: feed(many_attributes(100_000))), error=NOT_PARSED),
    # 650,000 unclosed elements took 12 s and 230 MB in feedparser's lenient parser; 1,300,000, twice that.
    Case(
        "nesting-1300000-deep",
        rss(
            lambda: feed(
                entry(b"<description>" + b"<x>" * 1_300_000 + b"</description>", link=b"https://news.example/x")
            )
        ),
        error=NOT_PARSED,
    ),
    # One 100 KB entity 30,000 times: 3 GB, which feedparser's lenient parser would expand without a limit.
    Case("entity-expansion", rss(lambda: linear_entity_bomb(100_000, 30_000)), error=NOT_PARSED),
    Case("gzip-bomb", lambda _p: Reply(200, gzip_bomb(64), {"Content-Encoding": "gzip", **RSS}), error=TOO_BIG),
    Case(
        "deflate-bomb",
        lambda _p: Reply(200, zlib.compress(bytes(32 * MiB), 9), {"Content-Encoding": "deflate"}),
        error=TOO_BIG,
    ),
    Case("20-mb-body", rss(lambda: b" " * (20 * MiB)), error=TOO_BIG),
    Case("endless-body", stream=endless, error=TOO_BIG),
    Case("one-byte-a-second", stream=trickle, error=r"http://127\.0\.0\.1:\d+/hostile/[\w-]+ did not answer within 3s"),
    Case("redirect-loop", lambda path: Reply(302, b"", {"Location": path}), error=r"more than 5 redirects"),
    Case("redirect-to-file", lambda _p: Reply(302, b"", {"Location": "file:///etc/passwd"}), error=NOT_HTTP),
    Case("redirect-to-javascript", lambda _p: Reply(302, b"", {"Location": "javascript:alert(1)"}), error=NOT_HTTP),
    Case("redirect-to-gopher", lambda _p: Reply(302, b"", {"Location": "gopher://127.0.0.1:70/"}), error=NOT_HTTP),
    Case(
        "html-for-xml",
        html(lambda: b"<!DOCTYPE html><html><body><p>Slack</p></body></html>"),
        error="not a readable feed",
    ),
    Case(
        "encoding-that-lies",
        rss(lambda: feed(entry(link=b"https://news.example/utf-16"), head=b'<?xml version="1.0" encoding="utf-16"?>')),
        error="not a readable feed",
    ),
    # BeautifulSoup's tree: 10 MB of <p> took 25 s and 1.4 GB; 2 MB, 5 s and 330 MB.
    Case(
        "page-of-2-mb-of-tags",
        html(lambda: b"<html><body>" + b"<p>a</p>" * 260_000 + b"</body></html>"),
        kind="reviews",
        error=NOT_PARSED,
    ),
    Case(
        "page-nested-400000-deep",
        html(lambda: b"<html><body>" + b"<div>" * 400_000 + b"x</body></html>"),
        kind="reviews",
        error=NOT_PARSED,
    ),
    # An API answer (a self-hosted instance's, say) past the JSON parser's stack: RecursionError, an internal error.
    Case(
        "api-json-nested-deep",
        lambda _p: Reply(200, b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"}),
        kind="hackernews",
        error=r"returned JSON nested too deep to read",
    ),
]


def _text_cut(mentions: list[Mention], health: SourceHealth) -> None:
    (mention,) = mentions
    assert len(mention.text) == MAX_TEXT and mention.text.endswith("…")
    assert mention.text.startswith("Slack is fine. Slack is fine.")


def _title_and_author_cut(mentions: list[Mention], health: SourceHealth) -> None:
    (mention,) = mentions
    assert len(mention.title) == MAX_TITLE and mention.title.endswith("…")
    assert len(mention.author) == MAX_AUTHOR


def _newest_kept(mentions: list[Mention], health: SourceHealth) -> None:
    assert len(mentions) == MAX_ITEMS
    assert {m.title for m in mentions} == {f"Slack entry {i}" for i in range(10_000 - MAX_ITEMS, 10_000)}
    assert health.skipped_total == 10_000 - MAX_ITEMS


def _visible_only(mentions: list[Mention], health: SourceHealth) -> None:
    (mention,) = mentions
    for value in (mention.title, mention.text, mention.author):
        assert not INVISIBLE.search(value), repr(value)
    assert mention.title.startswith("Slack ") and "gnp.exe" in mention.title and "\n" not in mention.author


def _storable(mentions: list[Mention], health: SourceHealth) -> None:
    (mention,) = mentions
    assert mention.title.startswith("Slack caf") and mention.text.startswith("Slack")
    (mention.title + mention.text).encode("utf-8")


def _only_web_links(mentions: list[Mention], health: SourceHealth) -> None:
    urls = {m.title: m.url for m in mentions}
    assert urls == {
        "Slack javascript": "",
        "Slack data": "",
        "Slack disguised": "https://evil.example/login",
        "Slack 5000-character link": "",
    }


def _not_expanded(mentions: list[Mention], health: SourceHealth) -> None:
    (mention,) = mentions
    assert mention.title == "Slack &lol9;" and "lollol" not in mention.text


def _deep_block_skipped(mentions: list[Mention], health: SourceHealth) -> None:
    assert [m.text for m in mentions] == ["Slack review 1"]
    assert health.skipped_total == 1


def _reviews_capped(mentions: list[Mention], health: SourceHealth) -> None:
    assert len(mentions) == MAX_ITEMS and health.skipped_total == 10_000 - MAX_ITEMS


def _many_entries() -> bytes:
    # Oldest first, as some feeds are: the newest MAX_ITEMS are the ones kept.
    return feed(
        *(
            entry(
                b"<pubDate>%s</pubDate>" % format_datetime(NOW - timedelta(minutes=10_000 - i), usegmt=True).encode(),
                title=b"Slack entry %d" % i,
                link=b"https://news.example/%d" % i,
            )
            for i in range(10_000)
        )
    )


CONTROLS = "Slack \u202egnp.exe \u2066x\u2069 \x1b[31mred\x07 \x85 \x9b1m".encode()
GET_THROUGH = [
    Case(
        "10-mb-field",
        rss(
            lambda: feed(
                entry(
                    b"<description>" + b"Slack is fine. " * 700_000 + b"</description>",
                    link=b"https://news.example/10mb",
                )
            )
        ),
        check=_text_cut,
    ),
    Case(
        "1-mb-title",
        rss(
            lambda: feed(
                entry(
                    b"<author>" + b"b" * 2_000 + b"</author>",
                    title=b"Slack " * 200_000,
                    link=b"https://news.example/title",
                )
            )
        ),
        check=_title_and_author_cut,
    ),
    Case("10000-entries", rss(_many_entries), check=_newest_kept),
    Case(
        "controls-and-bidi",
        rss(
            lambda: feed(
                entry(
                    b"<description>" + CONTROLS + b"</description><author>Eve\n" + "\u202eevE".encode() + b"</author>",
                    title=CONTROLS,
                    link=b"https://news.example/controls",
                )
            )
        ),
        check=_visible_only,
    ),
    Case(
        "invalid-utf-8",
        rss(
            lambda: feed(
                entry(
                    b"<description>Slack \xc3\x28 text</description>",
                    title=b"Slack caf\xe9 \xff\xfe",
                    link=b"https://news.example/utf8",
                )
            )
        ),
        check=_storable,
    ),
    Case(
        "links-that-are-no-web-links",
        rss(
            lambda: feed(
                entry(title=b"Slack javascript", link=b"javascript:alert(document.cookie)"),
                entry(title=b"Slack data", link=b"data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"),
                entry(title=b"Slack disguised", link=b"https://bank.example@evil.example/login"),
                entry(title=b"Slack 5000-character link", link=b"https://news.example/" + b"a" * 5_000),
            )
        ),
        check=_only_web_links,
    ),
    Case("billion-laughs", rss(billion_laughs), check=_not_expanded),
    Case(
        "json-ld-nested-100000-deep",
        html(lambda: json_ld(b"[" * 100_000 + b"]" * 100_000, json.dumps(review(1)).encode())),
        kind="reviews",
        check=_deep_block_skipped,
    ),
    Case(
        "10000-reviews",
        html(lambda: json_ld(json.dumps([review(i) for i in range(10_000)]).encode())),
        kind="reviews",
        check=_reviews_capped,
    ),
]


# --- running a cycle over them ------------------------------------------------------------------------------------


@dataclass
class Cycle:
    outcomes: dict[str, PollOutcome]
    health: dict[str, SourceHealth]
    mentions: dict[str, list[Mention]]
    records: list[logging.LogRecord]
    peak: int  # bytes the daemon's process allocated at most during the cycle (tracemalloc)
    max_body: int


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# The path an API kind asks for under its base_url.
API_PATHS = {"hackernews": "/api/v1/search_by_date"}


def _source(name: str, kind: str, url: str) -> str:
    if kind in API_PATHS:  # an API kind: the URL is its base_url, and a query string would end up mid-path
        base_url = url.split("?")[0]
        return f'\n[[sources]]\nname = "{name}"\nkind = "{kind}"\nbase_url = "{base_url}"\nquery = "Slack"\n'
    brand = '\nbrand = "Slack"' if kind == "reviews" else ""
    return f'\n[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"{brand}\n'


def _poll_all(cases: list[Case], folder: Path, *, deadline: str, max_body: int) -> Cycle:
    header = (
        f'\n[monitor]\ndatabase = "monitor.db"\nrequest_deadline = "{deadline}"\nmax_body_bytes = {max_body}\n'
        '\n[[brands]]\nname = "Slack"\nterms = ["Slack"]\n'
    )
    with LoopbackServer() as server, StreamingServer() as streams:
        body = ""
        for case in cases:
            path = f"/hostile/{case.slug}"
            if case.stream is not None:
                streams.route(path, case.stream)
                url = streams.url(path)
            else:
                assert case.reply is not None
                server.route(path + API_PATHS.get(case.kind, ""), case.reply(path))
                url = server.url(path)
            secret = url.replace("http://", "http://reader:SECRETPASS@") + "?token=SECRETMARKER"
            body += _source(case.slug, case.kind, secret)
        server.route("/good", Reply(200, GOOGLE_ALERTS, {"Content-Type": "application/atom+xml"}))
        good = _source("good", "rss", server.url("/good"))
        # A warm-up cycle first, so that what the pipeline loads once per process (the language model) is not
        # counted as what the strangers cost.
        (folder / "warm-up").mkdir()
        warm = make_app(folder / "warm-up", good, FixedClock(NOW), header)
        cycle(warm)
        close(warm)
        app = make_app(folder, body + good, FixedClock(NOW), header)
        app.scorer.warm()  # its models, built at the daemon's start (in a thread): not what the strangers cost
        records = _Records()
        logging.getLogger().addHandler(records)
        tracemalloc.start()
        try:
            report = cycle(app)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            logging.getLogger().removeHandler(records)
        try:
            stored = app.pipeline.mentions.list(held=True)
            names = [*(c.slug for c in cases), "good"]
            health = {name: app.schedule.health(name) for name in names}
        finally:
            close(app)
    assert all(h is not None for h in health.values())
    return Cycle(
        outcomes={p.source: p for p in report.polled},
        health=health,  # type: ignore[arg-type]
        mentions={name: [m for m in stored if m.source == name] for name in names},
        records=records.records,
        peak=peak,
        max_body=max_body,
    )


@pytest.fixture(scope="module")
def cut_off(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    yield _poll_all(CUT_OFF, tmp_path_factory.mktemp("cut-off"), deadline="3s", max_body=4 * MiB)


@pytest.fixture(scope="module")
def get_through(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    yield _poll_all(GET_THROUGH, tmp_path_factory.mktemp("get-through"), deadline="60s", max_body=16 * MiB)


# --- what a user would notice -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CUT_OFF, ids=lambda c: c.slug)
def test_a_hostile_document_is_cut_off_at_a_bound_counted_and_reported_once(cut_off: Cycle, case: Case) -> None:
    outcome = cut_off.outcomes[case.slug]
    assert not outcome.ok
    assert outcome.error and re.search(case.error, outcome.error), outcome.error
    assert "\n" not in outcome.error and not any(secret in outcome.error for secret in SECRETS), outcome.error
    health = cut_off.health[case.slug]
    assert (health.errors_total, health.consecutive_errors, health.last_error) == (1, 1, outcome.error)
    lines = [r for r in cut_off.records if r.getMessage().startswith(f"source {case.slug} failed")]
    assert len(lines) == 1, [r.getMessage() for r in lines]  # once per poll, never once per redirect or retry
    assert lines[0].levelno == logging.WARNING and lines[0].exc_info is None
    assert cut_off.mentions[case.slug] == []


@pytest.mark.parametrize("case", GET_THROUGH, ids=lambda c: c.slug)
def test_a_document_a_bound_makes_harmless_is_stored_bounded(get_through: Cycle, case: Case) -> None:
    outcome = get_through.outcomes[case.slug]
    assert outcome.ok, outcome.error
    assert case.check is not None
    case.check(get_through.mentions[case.slug], get_through.health[case.slug])
    for mention in get_through.mentions[case.slug]:
        assert not any(secret in str(value) for value in astuple(mention) for secret in SECRETS), mention


@pytest.mark.parametrize("name", ["cut_off", "get_through"])
def test_the_feed_polled_alongside_is_stored_whole_and_nothing_logs_a_traceback_or_a_secret(
    request: pytest.FixtureRequest, name: str
) -> None:
    run: Cycle = request.getfixturevalue(name)
    assert run.outcomes["good"].ok and len(run.mentions["good"]) == 20
    assert run.health["good"].consecutive_errors == 0
    for record in run.records:
        message = record.getMessage()
        assert record.exc_info is None and "internal error" not in message, message
        assert not any(secret in message for secret in SECRETS), message


@pytest.mark.parametrize("name", ["cut_off", "get_through"])
def test_the_daemon_holds_a_bounded_amount_of_what_strangers_send(request: pytest.FixtureRequest, name: str) -> None:
    """The strangers sent over 100 MB (bombs, a 20 MB body, an endless one) and the parsers would have needed
    gigabytes: the daemon's own process held a few bodies of at most the cap at a time (a body is held at most twice
    while it is decoded, and a few wait for a parse worker), and every parse's memory was in a worker, within its
    budget. Measured: 18 MiB with a 4 MiB cap, 32 MiB with a 16 MiB cap (one 10 MB body among them)."""
    run: Cycle = request.getfixturevalue(name)
    assert run.peak < 6 * run.max_body + 8 * MiB, f"{run.peak / MiB:.0f} MiB"
