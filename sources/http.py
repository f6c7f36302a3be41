"""The polite HTTP client every source shares.

One `httpx.AsyncClient`; explicit timeouts; a whole-request deadline; a cap on the *decoded* body size that also
holds for compression bombs (we ask only for gzip/deflate and inflate incrementally with a bound, instead of letting
httpx inflate each 64 KiB read at once); conditional GET; Retry-After in both forms; a per-host concurrency limit;
at most five redirects, and only to http(s). It also owns the daemon's parse workers (`sources.isolation`), which
parse what it fetched under the same deadline, so that no document stalls the daemon either.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from monitor.backoff import parse_retry_after
from monitor.clock import Clock
from monitor.errors import (
    BodyTooLarge,
    CredentialsError,
    DeadlineExceeded,
    FetchError,
    HTTPStatusError,
    ParseError,
    QuotaExceeded,
)
from monitor.model import SourceState
from sources.isolation import ParseWorkers

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_DEADLINE = 60.0
DEFAULT_PER_HOST = 2
MAX_REDIRECTS = 5
# When an API says its quota ran out without saying when it comes back (YouTube's daily quota), try again in an hour.
QUOTA_BACKOFF = 3600.0


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    url: str
    headers: httpx.Headers
    body: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        value = self.headers.get("etag")
        return str(value) if value is not None else None

    @property
    def last_modified(self) -> str | None:
        value = self.headers.get("last-modified")
        return str(value) if value is not None else None

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"{_public(self.url)} did not return JSON: {str(exc)[:200]}") from None
        except RecursionError:  # `[[[[...` nested past the interpreter's stack
            raise ParseError(f"{_public(self.url)} returned JSON nested too deep to read") from None

    def next_state(self, state: SourceState) -> SourceState:
        """The state after this response: validators kept for the next conditional GET."""
        if self.not_modified:
            return state
        return SourceState(etag=self.etag, last_modified=self.last_modified, cursor=state.cursor)


class _BoundedDecoder:
    """Inflates gzip/deflate (or passes identity through) and refuses to produce more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self._limit = limit
        self._url = url
        self._out = bytearray()
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._z: Any = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise ParseError(f"{url} used content-encoding {encoding!r}, which was not asked for")

    def feed(self, chunk: bytes) -> None:
        if self._z is None:
            self._append(chunk)
            return
        data = chunk
        while data:
            room = self._limit - len(self._out) + 1
            try:
                out = self._z.decompress(data, room)
            except zlib.error as exc:
                raise ParseError(f"{self._url}: corrupt compressed body ({exc})") from None
            self._append(out)
            data = self._z.unconsumed_tail

    def _append(self, data: bytes) -> None:
        if len(self._out) + len(data) > self._limit:
            raise BodyTooLarge(self._url, self._limit)
        self._out += data

    def finish(self) -> bytes:
        if self._z is not None:
            try:
                self._append(self._z.flush())
            except zlib.error as exc:
                raise ParseError(f"{self._url}: corrupt compressed body ({exc})") from None
        return bytes(self._out)


class HttpFetcher:
    """The shared client. Create one per daemon; close it with `aclose()`.

    `deadline` bounds each request (connecting, redirects, the whole body) and, separately, each parse of a body in
    `workers` (`sources.isolation.ParseWorkers`).
    """

    def __init__(
        self,
        *,
        user_agent: str,
        clock: Clock,
        max_bytes: int = DEFAULT_MAX_BYTES,
        deadline: float = DEFAULT_DEADLINE,
        per_host: int = DEFAULT_PER_HOST,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._clock = clock
        self.max_bytes = max_bytes
        self.deadline = deadline
        self._per_host = per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._client = httpx.AsyncClient(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=30.0),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            transport=transport,
            trust_env=False,
            event_hooks={"request": [_refuse_bad_port]},
        )
        self.workers = ParseWorkers(deadline=deadline)

    async def aclose(self) -> None:
        await self._client.aclose()
        await self.workers.aclose()

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        state: SourceState | None = None,
        max_bytes: int | None = None,
    ) -> HttpResponse:
        """GET with conditional headers from `state`. A 304 comes back as a response (`not_modified`), never raised."""
        sent = dict(headers or {})
        if state is not None:
            if state.etag:
                sent["If-None-Match"] = state.etag
            if state.last_modified:
                sent["If-Modified-Since"] = state.last_modified
        return await self.request("GET", url, params=params, headers=sent, max_bytes=max_bytes)

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> HttpResponse:
        limit = max_bytes or self.max_bytes
        host = urlsplit(url).netloc.rpartition("@")[2].lower()  # a password in the URL does not make another host
        gate = self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))
        # The deadline covers the request, not the wait for a free slot behind other requests to the same host.
        async with gate:
            try:
                async with asyncio.timeout(self.deadline):
                    return await self._send(method, url, params, headers, json_body, form, auth, limit)
            except TimeoutError:
                raise DeadlineExceeded(_public(url), self.deadline) from None

    async def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
        json_body: Any,
        form: Mapping[str, str] | None,
        auth: tuple[str, str] | None,
        limit: int,
    ) -> HttpResponse:
        shown = _public(url)
        try:
            async with self._client.stream(
                method, url, params=params, headers=headers, json=json_body, data=form, auth=auth
            ) as response:
                if response.status_code in (401, 403):
                    if response.status_code == 403 and await _says_quota(response):
                        retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock.now())
                        raise QuotaExceeded(f"HTTP 403 from {shown}", retry_after=retry_after or QUOTA_BACKOFF)
                    raise CredentialsError(f"HTTP {response.status_code} from {shown}")
                if response.status_code >= 400:
                    retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock.now())
                    raise HTTPStatusError(response.status_code, shown, retry_after=retry_after)
                length = response.headers.get("content-length")
                encoding = response.headers.get("content-encoding", "")
                if length and length.isdigit() and not encoding and int(length) > limit:
                    raise BodyTooLarge(shown, limit)
                decoder = _BoundedDecoder(encoding, limit, shown)
                async for chunk in response.aiter_raw():
                    decoder.feed(chunk)
                return HttpResponse(response.status_code, str(response.url), response.headers, decoder.finish())
        except _BadPort as exc:
            raise FetchError(f"{shown}: refused a redirect to port {exc.port}", retryable=False) from None
        except httpx.TooManyRedirects:
            raise FetchError(
                f"{shown}: more than {MAX_REDIRECTS} redirects (a redirect loop?)", retryable=False
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            # From a configured http(s) URL (config validation), only a redirect leads here: `Location: file:///...`
            # is UnsupportedProtocol, `javascript:...` or `data:...` an InvalidURL.
            if urlsplit(url).scheme.lower() in ("http", "https"):
                raise FetchError(f"{shown}: refused a redirect to a URL that is not http(s)", retryable=False) from None
            raise FetchError(f"{shown}: not an http(s) URL", retryable=False) from None
        except httpx.TransportError as exc:
            # The message may quote what the server sent (a Location header): cut, it is a stranger's text.
            raise FetchError(f"{shown}: {type(exc).__name__}: {str(exc)[:200]}", retryable=True) from None


class _BadPort(Exception):
    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.port = port


async def _refuse_bad_port(request: httpx.Request) -> None:
    """Before each request, redirects included: a `Location: http://host:99999/` would reach the socket library,
    whose OverflowError comes out of the connection's task group as an ExceptionGroup (an internal error with a
    traceback, no URL). A configured URL's port was checked at load; only a redirect can bring one here."""
    port = request.url.port
    if port is not None and not 0 < port < 65536:
        raise _BadPort(port)


async def _says_quota(response: httpx.Response) -> bool:
    """Whether a 403's (first 4 KiB of) body blames a quota or rate limit rather than the credentials."""
    head = b""
    async for chunk in response.aiter_raw():
        head += chunk
        if len(head) >= 4096:
            break
    if response.headers.get("content-encoding", "").lower() in ("gzip", "x-gzip", "deflate"):
        try:
            head = zlib.decompressobj(47).decompress(head, 4096)
        except zlib.error:
            return False
    return _QUOTA.search(head[:4096].decode("utf-8", "replace")) is not None


_QUOTA = re.compile(r"quota|rate ?limit|ratelimitexceeded|dailylimitexceeded", re.IGNORECASE)


def _public(url: str) -> str:
    """The URL without credentials or query string, which often carry an API key."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
