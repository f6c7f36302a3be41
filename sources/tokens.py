"""Access tokens for owner APIs: JWTs we sign ourselves, and OAuth token requests (Google, Reddit).

A token is held in memory only, never in state or logs, and no error here quotes a key, a secret or a token. JWTs are
signed with `cryptography` directly (imported lazily), not PyJWT: two algorithms, a few lines each, one dependency
fewer. The base classes that keep and renew a token per source are in `sources.bearer`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from monitor.errors import CredentialsError, HTTPStatusError
from sources.http import HttpFetcher
from sources.numbers import to_int

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_jwt(claims: Mapping[str, Any], private_key_pem: str, alg: Literal["ES256", "RS256"], kid: str | None) -> str:
    """A compact JWS: ES256 for App Store Connect, RS256 for Google. A bad key is a CredentialsError that never
    quotes the key."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    header: dict[str, str] = {"alg": alg, "typ": "JWT"}
    if kid:
        header["kid"] = kid
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, dict(claims))
    ).encode("ascii")
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise CredentialsError(f"the private key is not a readable unencrypted PEM key (needed for {alg})") from None
    if alg == "ES256" and isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "RS256" and isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise CredentialsError(f"the private key is not of the kind {alg} needs")
    return signing_input.decode("ascii") + "." + _b64(signature)


@dataclass(frozen=True, slots=True)
class Token:
    """An access token held in memory only (never in state or logs) with the time to stop using it."""

    value: str
    expires_at: datetime

    def fresh(self, now: datetime) -> bool:
        # A minute of margin so a token never expires between our check and the server's.
        return now < self.expires_at - timedelta(seconds=60)


def load_google_credentials(raw: str) -> dict[str, Any]:
    """The JSON key file's content (the config may also give a path to it). Errors never quote the content."""
    text = raw.strip()
    if not text.startswith("{"):
        try:
            text = Path(text).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise CredentialsError(f"cannot read the Google credentials file ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise CredentialsError("the Google credentials are not valid JSON") from None
    if not isinstance(data, dict) or data.get("type") not in ("service_account", "authorized_user"):
        raise CredentialsError("the Google credentials must be a service_account or authorized_user JSON key")
    return data


async def google_token(
    http: HttpFetcher, creds: Mapping[str, Any], scope: str, token_url: str | None, now: datetime
) -> Token:
    """Exchange a service-account JWT (or an authorized user's refresh token) for an access token."""
    url = token_url or str(creds.get("token_uri") or GOOGLE_TOKEN_URL)
    if creds.get("type") == "authorized_user":
        keys = ("client_id", "client_secret", "refresh_token")
        form = {"grant_type": "refresh_token", **{k: str(creds.get(k, "")) for k in keys}}
    else:
        issued = int(now.timestamp())
        claims = {"iss": creds.get("client_email"), "scope": scope, "aud": url, "iat": issued, "exp": issued + 3600}
        assertion = sign_jwt(claims, str(creds.get("private_key", "")), "RS256", creds.get("private_key_id"))
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    return await fetch_token(http, url, form, now=now)


async def fetch_token(
    http: HttpFetcher,
    url: str,
    form: Mapping[str, str],
    *,
    auth: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Token:
    """POST an OAuth token request; a 400 (bad grant) is a credentials problem too, not something to retry."""
    try:
        response = await http.request("POST", url, form=form, auth=auth, headers=headers)
    except HTTPStatusError as exc:
        if exc.status == 400:
            raise CredentialsError(f"token request refused (HTTP 400) by {url.split('?')[0]}") from None
        raise
    data = response.json()
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise CredentialsError(f"{url.split('?')[0]} answered without an access_token")
    lifetime = to_int(data.get("expires_in")) or 3600
    start = now or datetime.min.replace(tzinfo=UTC)
    return Token(data["access_token"], start + timedelta(seconds=lifetime))
