"""Answering a review from the inbox, through the platform's own owner API.

A source kind that can post the owner's reply is `Answerable`: it says how long a reply may be (`reply_limit`), where
it goes (`where`, for the button: "Send on Google Play"), and `reply()` posts it. Success returns the time the
platform says the reply was stored; failure is one of two errors (`monitor.errors`, re-exported here):

- `ReplyRefused`: the platform said no for good (or we did, before sending: empty, too long). Its `reason` is a
  sentence for the page; sending the same text again cannot help.
- `ReplyUncertain`: a 5xx, 408, 429, a network error or the deadline. The reply may have landed, so the caller keeps
  the attempt and tries again later with the same text. That is safe: Google's reply calls replace the reply, and
  the App Store kind reads the review's response before it posts.

Reasons never carry a token, a key or a URL; the error that caused them is chained for the log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from monitor.errors import (
    CredentialsError,
    DeadlineExceeded,
    FetchError,
    HTTPStatusError,
    ParseError,
    QuotaExceeded,
    ReplyError,
    ReplyRefused,
    ReplyUncertain,
)
from sources.http import HttpFetcher, HttpResponse

__all__ = ["Answerable", "ReplyError", "ReplyRefused", "ReplyUncertain", "check_text", "reply_error", "reply_json"]


@runtime_checkable
class Answerable(Protocol):
    """A source whose platform lets the owner answer a review through its API."""

    # Characters the API accepts; None when it documents no limit in characters.
    reply_limit: ClassVar[int | None]
    # Where the reply appears, as the button says it: "Google", "Google Play", "the App Store".
    where: ClassVar[str]

    async def reply(self, http: HttpFetcher, external_id: str, text: str) -> datetime | None:
        """Post (or, after an uncertain earlier attempt, confirm) the owner's reply to the review `external_id`.

        Returns the time the API says it was stored, or None when it did not say. Raises ReplyRefused or
        ReplyUncertain."""
        ...


def check_text(text: str, limit: int | None, where: str) -> None:
    """Refuse, before anything is sent, a reply the platform would refuse anyway."""
    if not text.strip():
        raise ReplyRefused("The reply is empty.")
    if limit is not None and len(text) > limit:
        raise ReplyRefused(
            f"{_capital(where)} accepts replies of at most {limit} characters; this one has {len(text)}."
        )


def reply_error(exc: FetchError, where: str) -> ReplyError:
    """What a failed reply request means for the owner: refused for good, or not known to have landed."""
    place = _capital(where)
    if isinstance(exc, CredentialsError):
        # 401 after one fresh token, 403 (no access to this app or location), or a key we could not use.
        return ReplyRefused(
            f"{place} did not accept our credentials for answering reviews: check the source's key and its access."
        )
    if isinstance(exc, HTTPStatusError) and not exc.retryable:
        if exc.status == 404:
            reason = f"{place} no longer has this review; it may have been deleted."
        elif exc.status == 409:
            reason = f"This review already has a response on {where}."
        elif exc.status in (400, 422):
            reason = f"{place} did not accept this reply (HTTP {exc.status}); check its text."
        else:
            reason = f"{place} refused this reply (HTTP {exc.status})."
        return ReplyRefused(reason, status=exc.status)
    if isinstance(exc, HTTPStatusError):
        what = f"answered with an error (HTTP {exc.status})"
    elif isinstance(exc, QuotaExceeded):
        what = "says our rate limit ran out"
    elif isinstance(exc, DeadlineExceeded):
        what = "did not answer in time"
    else:
        # A network error, or a response that went wrong after its status line: either way, not known.
        what = "could not be reached, or its answer was cut off"
    reason = f"{place} {what}, so the reply may or may not have been stored."
    return ReplyUncertain(reason, retry_after=exc.retry_after)


def reply_json(response: HttpResponse) -> Any:
    """The JSON body of a successful call, or None when it is not JSON: after a 2xx to a write, the reply was
    stored all the same, and the time it was stored is all we would have read."""
    try:
        return response.json()
    except ParseError:
        return None


def _capital(where: str) -> str:
    return where[:1].upper() + where[1:]
