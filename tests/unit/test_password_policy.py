"""The password policy: 12 to 256 characters, not a common or easily guessed password (zxcvbn's
lists and patterns), never containing the username; and recovery codes, stored hashed."""

from __future__ import annotations

import pytest

from gateway.auth import passwords
from gateway.auth.passwords import MAX_LENGTH, check_password_policy, hash_password


@pytest.mark.parametrize(
    "password",
    ["advisor-demo-2026", "correct horse battery", "Tr0ub4dor&3-extended", "x7#Lq2!vR9@mZ4"],
)
def test_strong_passwords_pass(password: str) -> None:
    assert check_password_policy(password, username="alice") == []


def test_the_length_is_bounded() -> None:
    assert check_password_policy("Sh0rt!pw", username="alice") == [
        "it must have at least 12 characters"
    ]
    assert check_password_policy("x" * (MAX_LENGTH + 1), username="alice") == [
        f"it must have at most {MAX_LENGTH} characters"
    ]
    with pytest.raises(ValueError, match="at most"):
        hash_password("long enough but far too long " * 10)


@pytest.mark.parametrize(
    "common", ["password1234", "qwertyuiop123", "Password1234!", "aaaaaaaaaaaaaaaa", "123456789012"]
)
def test_common_and_easily_guessed_passwords_are_refused(common: str) -> None:
    reasons = check_password_policy(common, username="alice")
    assert len(reasons) == 1 and reasons[0].startswith("it is too common or too easy to guess")


def test_a_password_containing_the_username_is_refused() -> None:
    reasons = check_password_policy("my-ALICEWONDER-secret-9z", username="AliceWonder")
    assert "it must not contain the username" in reasons
    # a one- or two-letter username is part of too many passwords to refuse them all
    assert check_password_policy("correct horse battery", username="co") == []


def test_a_very_long_passphrase_is_judged_quickly_by_its_beginning() -> None:
    assert check_password_policy("correct horse battery staple " * 8, username="alice") == []


def test_recovery_codes_are_random_readable_and_hashed() -> None:
    codes = passwords.new_recovery_codes()
    assert len(codes) == len(set(codes)) == passwords.RECOVERY_CODES
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    assert not set("".join(codes)) & set("01ilo")
    stored = passwords.hash_recovery_code(codes[0])
    assert stored.startswith("$argon2") and codes[0] not in stored
    assert passwords.verify_recovery_code(codes[0], stored)
    assert passwords.verify_recovery_code(" " + codes[0].upper().replace("-", " ") + " ", stored)
    assert not passwords.verify_recovery_code(codes[1], stored)
    assert not passwords.verify_recovery_code("not a code", stored)
    assert passwords.normalized_recovery_code("abcde-fghj") is None  # one letter short
