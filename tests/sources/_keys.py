"""Throwaway keys for the owner-API tests, made at test time (never committed), and a JWT checker for the server."""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def _pem(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@cache
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def service_account(token_uri: str = "https://oauth2.googleapis.com/token") -> str:
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-monitor",
            "private_key_id": "kid-123",
            "private_key": _pem(rsa_key()),
            "client_email": "monitor@acme-monitor.iam.gserviceaccount.com",
            "token_uri": token_uri,
        }
    )


def ec_pem() -> str:
    return _pem(ec_key())


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a JWT signed by one of the keys above; raises when the signature is wrong."""
    header_b64, claims_b64, signature_b64 = token.split(".")
    signed = f"{header_b64}.{claims_b64}".encode()
    header = json.loads(_unb64(header_b64))
    signature = _unb64(signature_b64)
    if header["alg"] == "RS256":
        rsa_key().public_key().verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert header["alg"] == "ES256" and len(signature) == 64
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        ec_key().public_key().verify(der, signed, ec.ECDSA(hashes.SHA256()))
    return header, json.loads(_unb64(claims_b64))
