"""Password hashing with Argon2 (pwdlib); hashes are upgraded when the parameters change.
The password policy (``check_password_policy``), and two-factor recovery codes: made here,
stored only hashed.

Recovery codes are hashed with Argon2 too, with lighter parameters (OWASP's minimum: 19 MiB,
2 passes): a code carries 50 random bits, so a slow hash is not what protects it, yet a stolen
database still gives nothing cheap to try. A keyed SHA-256 would be faster but would need a
key of its own that outlives ``PORTAL_SECRET_KEY`` rotations (and the random key of a local
gateway), or every code would silently stop working.
"""

from __future__ import annotations

import re
import secrets

import zxcvbn
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash.recommended()

# Verifying against this keeps the time of a login with an unknown username like a known one.
_DUMMY_HASH = _hasher.hash("timing-equalizer")

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_STRENGTH = 3
"""zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" (over 10^8 guesses)"""
_STRENGTH_PREFIX = 72  # zxcvbn's own limit; a longer password is judged by its beginning


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"password must have at most {MAX_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(matches, a re-hash to store when the stored hash is outdated)."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False, None
    return _hasher.verify_and_update(password, password_hash)


def check_password_policy(password: str, *, username: str) -> list[str]:
    """Why the password may not be set for the user (an empty list when it may): its length,
    the username in it, and guessability by zxcvbn, whose lists hold the 30,000 commonest
    passwords, words, names and keyboard patterns."""
    if len(password) < MIN_LENGTH:
        return [f"it must have at least {MIN_LENGTH} characters"]
    if len(password) > MAX_LENGTH:
        return [f"it must have at most {MAX_LENGTH} characters"]
    reasons = []
    name = username.strip().lower()
    if len(name) >= 3 and name in password.lower():
        reasons.append("it must not contain the username")
    judged = zxcvbn.zxcvbn(password[:_STRENGTH_PREFIX], user_inputs=[name] if name else [])
    if judged["score"] < MIN_STRENGTH:
        warning = str(judged["feedback"].get("warning") or "").rstrip(".")
        reason = "it is too common or too easy to guess"
        reasons.append(f"{reason} ({warning[0].lower()}{warning[1:]})" if warning else reason)
    return reasons


# --- two-factor recovery codes ------------------------------------------------------------

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read off paper
_RECOVERY_LENGTH = 10  # 31^10: about 50 bits
_RECOVERY_CODE = re.compile(f"[{_RECOVERY_ALPHABET}]{{{_RECOVERY_LENGTH}}}")
_recovery_hasher = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))


def new_recovery_codes() -> list[str]:
    """Fresh codes to show the user once, as ``xxxxx-xxxxx``."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalized_recovery_code(text: str) -> str | None:
    """The code as stored (``abcde-fghjk``, "ABCDE FGHJK", …), or None if it is not one."""
    raw = re.sub(r"[\s-]", "", text).lower()
    return raw if _RECOVERY_CODE.fullmatch(raw) else None


def hash_recovery_code(code: str) -> str:
    raw = normalized_recovery_code(code)
    if raw is None:
        raise ValueError("not a recovery code")
    return _recovery_hasher.hash(raw)


def verify_recovery_code(code: str, code_hash: str) -> bool:
    raw = normalized_recovery_code(code)
    return raw is not None and _recovery_hasher.verify(raw, code_hash)
