"""Two-factor authentication rules (TOTP) and the portal login's pending-login proof."""

from __future__ import annotations

from uuid import uuid4

import pyotp
import pytest

from gateway.auth import tokens, totp
from gateway.auth.two_factor import issue_pending_login, read_pending_login
from gateway.store.users import User

SECRET = pyotp.random_base32()
NOW = 1_800_000_015.0  # 15 s into a step
KEY = "k" * 40


def code_at(step: int) -> str:
    return pyotp.TOTP(SECRET).generate_otp(step)


def test_a_code_is_valid_for_the_current_step_and_one_either_side() -> None:
    current = totp.step_at(NOW)
    for step in (current - 1, current, current + 1):
        assert totp.matching_step(SECRET, code_at(step), unix_time=NOW, last_used_step=None) == step
    for step in (current - 2, current + 2):
        assert totp.matching_step(SECRET, code_at(step), unix_time=NOW, last_used_step=None) is None


def test_a_step_once_used_is_never_accepted_again() -> None:
    current = totp.step_at(NOW)
    code = code_at(current)
    assert totp.matching_step(SECRET, code, unix_time=NOW, last_used_step=current) is None
    assert totp.matching_step(SECRET, code, unix_time=NOW + 30, last_used_step=current) is None
    older = code_at(current - 1)
    assert totp.matching_step(SECRET, older, unix_time=NOW, last_used_step=current) is None
    newer = code_at(current + 1)
    assert totp.matching_step(SECRET, newer, unix_time=NOW, last_used_step=current) == current + 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12345a", "１２３４５６"])
def test_malformed_codes_are_refused(typed: str) -> None:
    assert totp.normalized_code(typed) is None
    assert totp.matching_step(SECRET, typed, unix_time=NOW, last_used_step=None) is None


def test_a_code_may_be_typed_with_spaces() -> None:
    code = code_at(totp.step_at(NOW))
    typed = f" {code[:3]} {code[3:]} "
    assert totp.matching_step(SECRET, typed, unix_time=NOW, last_used_step=None) is not None


def test_another_secrets_code_is_refused() -> None:
    other = pyotp.TOTP(pyotp.random_base32()).generate_otp(totp.step_at(NOW))
    if other != code_at(totp.step_at(NOW)):  # one in a million they agree
        assert totp.matching_step(SECRET, other, unix_time=NOW, last_used_step=None) is None


def test_the_setup_gives_an_authenticator_uri_and_an_inline_svg_qr_code() -> None:
    secret = totp.new_secret()
    assert len(secret) == 32
    uri = totp.provisioning_uri(secret, "alice")
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == secret and parsed.issuer == totp.ISSUER
    svg = totp.qr_code_svg(uri)
    assert svg.startswith("<svg") and "script" not in svg and "http" not in svg
    assert totp.grouped("ABCDEFGH12") == "ABCD EFGH 12"


def a_user() -> User:
    return User(id=uuid4(), master_account_id="F1", username="u", display_name="U",
                password_hash="x")  # fmt: skip


def test_the_pending_login_proof_names_its_user_and_is_no_session() -> None:
    user = a_user()
    pending = issue_pending_login(user, signing_key=KEY)
    assert read_pending_login(pending, signing_key=KEY) == user.id
    assert read_pending_login(pending, signing_key="other" * 10) is None
    assert tokens.read(pending, key=KEY) is None
    session = tokens.Session(uuid4(), user.id, "F1", tokens.expiry(5))
    assert read_pending_login(tokens.issue(session, key=KEY), signing_key=KEY) is None
    assert read_pending_login("not.a.token", signing_key=KEY) is None
