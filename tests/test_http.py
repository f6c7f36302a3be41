"""The shared HTTP client against a real server on 127.0.0.1: politeness, caps and deadlines."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
from datetime import timedelta

import pytest

from monitor.clock import FixedClock
from monitor.errors import BodyTooLarge, CredentialsError, DeadlineExceeded, FetchError, HTTPStatusError, QuotaExceeded
from monitor.model import SourceState
from sources.http import HttpFetcher, parse_retry_after
from tests.loopback import LoopbackServer, Reply

MiB = 1024 * 1024


def fetcher(clock: FixedClock, **kwargs: float) -> HttpFetcher:
    return HttpFetcher(user_agent="mention-monitor-test (+mailto:t@example.com)", clock=clock, **kwargs)  # type: ignore[arg-type]


def get(clock: FixedClock, url: str, state: SourceState | None = None, **kwargs: float):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        http = fetcher(clock, **kwargs)
        try:
            return await http.get(url, state=state)
        finally:
            await http.aclose()

    return asyncio.run(go())


def test_sends_our_user_agent_and_asks_only_for_gzip(server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/f", body=b"hello")
    response = get(clock, server.url("/f"))
    assert response.body == b"hello"
    sent = server.requests[-1].headers
    assert sent["user-agent"].startswith("mention-monitor-test")
    assert sent["accept-encoding"] == "gzip, deflate"


def test_conditional_get_sends_validators_and_304_is_not_an_error(server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/f", body=b"<feed/>", headers={"ETag": '"v1"', "Last-Modified": "Mon, 16 Nov 2026 08:00:00 GMT"})
    first = get(clock, server.url("/f"))
    state = first.next_state(SourceState(cursor={"seen": 1}))
    assert state.etag == '"v1"'
    server.route("/f", Reply(304))
    second = get(clock, server.url("/f"), state=state)
    assert server.requests[-1].headers["if-none-match"] == '"v1"'
    assert server.requests[-1].headers["if-modified-since"] == "Mon, 16 Nov 2026 08:00:00 GMT"
    assert second.not_modified
    assert second.next_state(state) == state


def test_429_with_retry_after_seconds(server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/f", Reply(429, headers={"Retry-After": "120"}))
    with pytest.raises(HTTPStatusError) as info:
        get(clock, server.url("/f"))
    assert info.value.retryable
    assert info.value.retry_after == 120


def test_429_with_retry_after_http_date(server: LoopbackServer, clock: FixedClock) -> None:
    when = clock.now() + timedelta(minutes=10)
    server.route("/f", Reply(429, headers={"Retry-After": when.strftime("%a, %d %b %Y %H:%M:%S GMT")}))
    with pytest.raises(HTTPStatusError) as info:
        get(clock, server.url("/f"))
    assert info.value.retry_after == 600


def test_retry_after_garbage_is_ignored(clock: FixedClock) -> None:
    assert parse_retry_after("soon-ish", clock.now()) is None
    assert parse_retry_after(None, clock.now()) is None


def test_server_errors_are_retryable_and_client_errors_are_not(server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/500", Reply(503))
    server.route("/404", Reply(404))
    with pytest.raises(HTTPStatusError) as e500:
        get(clock, server.url("/500"))
    with pytest.raises(HTTPStatusError) as e404:
        get(clock, server.url("/404"))
    assert e500.value.retryable and not e404.value.retryable


def test_rejected_credentials_are_permanent_and_hide_the_key(server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/api", Reply(401))
    with pytest.raises(CredentialsError) as info:
        get(clock, server.url("/api?key=SECRET-KEY-123"))
    assert not info.value.retryable
    assert "SECRET-KEY-123" not in str(info.value)


def test_a_refused_connection_is_a_retryable_fetch_error(clock: FixedClock) -> None:
    with LoopbackServer() as s:
        url = s.url("/gone")
    with pytest.raises(FetchError) as info:
        get(clock, url)
    assert info.value.retryable


def test_a_hanging_server_is_cut_at_the_deadline(server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/slow", Reply(200, b"late", stall=30))
    with pytest.raises(DeadlineExceeded) as info:
        get(clock, server.url("/slow"), deadline=0.5)
    assert "0.5s" in str(info.value)


def _peak_during(fn) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        fn()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_a_gzip_bomb_stays_under_the_cap(server: LoopbackServer, clock: FixedClock) -> None:
    bomb = gzip.compress(b"\0" * (200 * MiB), compresslevel=9)  # ~200 KB on the wire, 200 MB inflated
    server.route("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})

    def fetch() -> None:
        with pytest.raises(BodyTooLarge):
            get(clock, server.url("/bomb"), max_bytes=1 * MiB)

    peak = _peak_during(fetch)
    assert peak < 16 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_a_50_mb_body_is_refused_without_reading_it_whole(server: LoopbackServer, clock: FixedClock) -> None:
    big = b"x" * (50 * MiB)
    server.route("/big", body=big)
    server.route("/big-gz", body=gzip.compress(big, compresslevel=1), headers={"Content-Encoding": "gzip"})

    def fetch() -> None:
        with pytest.raises(BodyTooLarge):
            get(clock, server.url("/big"), max_bytes=2 * MiB)
        with pytest.raises(BodyTooLarge):
            get(clock, server.url("/big-gz"), max_bytes=2 * MiB)

    del big
    peak = _peak_during(fetch)
    assert peak < 16 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_gzip_within_the_cap_is_decoded(server: LoopbackServer, clock: FixedClock) -> None:
    server.route("/gz", body=gzip.compress(b"<rss/>" * 1000), headers={"Content-Encoding": "gzip"})
    assert get(clock, server.url("/gz")).body == b"<rss/>" * 1000


def test_a_403_that_blames_the_quota_is_retried_later_not_called_bad_credentials(
    server: LoopbackServer, clock: FixedClock
) -> None:
    body = (
        b'{"error": {"code": 403, "errors": [{"reason": "quotaExceeded"}], '
        b'"message": "The request cannot be completed because you have exceeded your quota."}}'
    )
    server.route("/yt", Reply(403, body))
    with pytest.raises(QuotaExceeded) as info:
        get(clock, server.url("/yt?key=SECRET"))
    assert info.value.retryable and info.value.retry_after == 3600
    assert "SECRET" not in str(info.value)
