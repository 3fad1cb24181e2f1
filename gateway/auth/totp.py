"""Time-based one-time passwords (RFC 6238, as authenticator apps make them): the rules.

A code is accepted for the current 30-second step and one step either side (clock drift),
and a step once used is never accepted again for that user: a code seen by someone else
cannot be replayed. Pure functions; the caller keeps the secret and the last used step.
"""

from __future__ import annotations

import hmac
import re

import pyotp
import segno

ISSUER = "Advisor Portal"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1

_CODE = re.compile(f"[0-9]{{{DIGITS}}}")


def new_secret() -> str:
    """A random base32 secret of 160 bits (what authenticator apps expect)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=ISSUER
    )


def qr_code_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no image file, no script)."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#0f2740")
    return svg


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def step_at(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def normalized_code(text: str) -> str | None:
    """The six digits of a code as typed ("123 456", " 123456 "), or None if it is not one."""
    digits = re.sub(r"[\s-]", "", text)
    return digits if _CODE.fullmatch(digits) else None


def matching_step(
    secret: str, code: str, *, unix_time: float, last_used_step: int | None
) -> int | None:
    """The step the code belongs to, if it is valid now and newer than the last used step."""
    digits = normalized_code(code)
    if digits is None:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = step_at(unix_time)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None
