"""Password hashing for the web inbox's users: Argon2id through argon2-cffi (its defaults follow RFC 9106).

Nothing here stores anything; storage keeps the hash. `verify` never raises on a wrong or malformed hash: it answers
False, so a corrupted row locks one user out instead of crashing the login page.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # hashing cost is per byte of input too; a stranger's 1 MB "password" is refused before hashing

_hasher = PasswordHasher()


def strength_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    if not password or len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


# A hash to verify against when the user does not exist, so that a login for an unknown name costs the same time as
# one for a known name (no user enumeration by timing).
DUMMY_HASH = _hasher.hash("not a real password, never matches")
