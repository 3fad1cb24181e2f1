from uuid import uuid4

import jwt
import pytest
from pydantic import ValidationError

from gateway.auth import tokens
from gateway.auth.passwords import hash_password, verify_password
from gateway.pages.auth import _safe_next
from gateway.settings import GatewaySettings

KEY = "k" * 40


def test_a_token_stands_for_its_user_and_master_until_it_expires() -> None:
    user_id = uuid4()
    token, session = tokens.issue(user_id, "F1000001", key=KEY, minutes=5)
    read = tokens.read(token, key=KEY)
    assert read is not None and (read.user_id, read.master_account_id) == (user_id, "F1000001")
    assert read.expires_at == session.expires_at.replace(microsecond=0)


def test_expired_forged_and_malformed_tokens_are_refused() -> None:
    expired, _ = tokens.issue(uuid4(), "F1", key=KEY, minutes=-1)
    forged = jwt.encode({"sub": str(uuid4()), "mst": "F2", "exp": 9999999999}, "other-key" * 5)
    assert tokens.read(expired, key=KEY) is None
    assert tokens.read(forged, key=KEY) is None
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
