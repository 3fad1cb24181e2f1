from uuid import uuid4

import jwt
import pytest
from pydantic import ValidationError

from gateway.auth import tokens
from gateway.auth.passwords import hash_password, verify_password
from gateway.pages.auth import _safe_next
from gateway.settings import GatewaySettings

KEY = "k" * 40


def a_session(minutes: int = 5) -> tokens.Session:
    return tokens.Session(uuid4(), uuid4(), "F1000001", tokens.expiry(minutes))


def test_a_token_stands_for_its_session_user_and_master_until_it_expires() -> None:
    session = a_session()
    read = tokens.read(tokens.issue(session, key=KEY), key=KEY)
    assert read == session.__class__(
        session.session_id, session.user_id, "F1000001", session.expires_at.replace(microsecond=0)
    )


def test_expired_forged_sessionless_and_malformed_tokens_are_refused() -> None:
    expired = tokens.issue(a_session(minutes=-1), key=KEY)
    forged = jwt.encode({"sid": str(uuid4()), "sub": str(uuid4()), "mst": "F2", "exp": 9999999999},
                        "other-key" * 5)  # fmt: skip
    sessionless = jwt.encode({"sub": str(uuid4()), "mst": "F1", "exp": 9999999999}, KEY)
    assert tokens.read(expired, key=KEY) is None
    assert tokens.read(forged, key=KEY) is None
    assert tokens.read(sessionless, key=KEY) is None
    assert tokens.read("not.a.token", key=KEY) is None


def test_passwords_are_hashed_and_verified() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2")
    assert verify_password("correct horse battery", stored)[0]
    assert not verify_password("wrong password!!", stored)[0]
    assert not verify_password("anything at all", None)[0]


def test_short_passwords_are_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        hash_password("short")


def test_production_refuses_the_local_secrets() -> None:
    with pytest.raises(ValidationError, match="INTERNAL_TOKEN"):
        GatewaySettings(environment="production", database_url="postgresql://x/y")
    with pytest.raises(ValidationError, match="PORTAL_SECRET_KEY"):
        GatewaySettings(environment="production", database_url="postgresql://x/y",
                        internal_token="t" * 40)  # fmt: skip


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/contacts?q=a", "/contacts?q=a"), ("https://evil.example", "/dashboard"),
     ("//evil.example", "/dashboard"), (None, "/dashboard")],
)  # fmt: skip
def test_login_only_redirects_within_the_portal(target: str | None, expected: str) -> None:
    assert _safe_next(target) == expected
