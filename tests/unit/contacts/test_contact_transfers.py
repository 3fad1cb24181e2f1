"""Import/export plumbing: upload limits agree with the file checks; stored profiles are read
back for the exports exactly as validated; code lookups (cached) accept what they always did."""

from __future__ import annotations

from enum import StrEnum

import pytest

from contracts.api.transfers import UPLOAD_LIMITS, size_text, too_large_message, upload_limit
from services.contacts.domain.profile import Profile
from services.contacts.domain.profile_fields import code_enum
from services.contacts.domain.profile_types import code_parser, describe_codes, fold, meaning
from services.contacts.files.imports import CSV_EXTENSIONS, MAX_FILE_BYTES, parse_contacts_file
from services.contacts.files.profile_columns import PROFILE_COLUMNS, flatten
from services.contacts.files.results import FILE_LEVEL_ROW
from services.contacts.files.template import example_profiles
from services.contacts.files.vcards import MAX_VCARD_BYTES
from services.contacts.store.exports import stored_profile


def test_the_http_limits_are_the_file_checks_limits() -> None:
    assert upload_limit("Book.XLSX") == upload_limit("book.csv") == MAX_FILE_BYTES
    assert upload_limit("cards.vcf") == upload_limit("cards.vcard") == MAX_VCARD_BYTES
    assert all(upload_limit(f"x{extension}") == MAX_FILE_BYTES for extension in CSV_EXTENSIONS)
    assert upload_limit("book.xls") is None and upload_limit("book") is None
    assert "vCard files may have at most 1 MB" in too_large_message("a.vcf")
    assert (size_text(2 * 1024 * 1024), size_text(1536 * 1024), size_text(300)) == (
        "2 MB", "1.5 MB", "1 KB",
    )  # fmt: skip


def test_every_accepted_type_is_one_the_parser_reads() -> None:
    for extension in UPLOAD_LIMITS:
        result = parse_contacts_file(f"x{extension}", b"first_name,last_name\r\nAda,Lovelace\r\n")
        assert not any(
            "is not a .csv" in e.message for e in result.errors if e.row == FILE_LEVEL_ROW
        )


def test_a_stored_profile_reads_back_as_validated(
    full_profile: Profile, minimal_profile: Profile
) -> None:
    for profile in [full_profile, minimal_profile, *example_profiles(), Profile()]:
        stored = profile.model_dump(mode="json", exclude_none=True)
        read = stored_profile(stored)
        assert flatten(read) == flatten(profile)
        assert read.model_dump(mode="json", exclude_none=True) == stored


def _scanned(enum: type[StrEnum], text: str) -> StrEnum | None:
    """What a code parser accepted before its lookups were cached: the first member whose
    code or meaning folds to the same key."""
    for member in enum:
        if fold(text) in (fold(member.value), fold(meaning(member))):
            return member
    return None


def test_code_lookups_accept_what_a_scan_of_the_members_accepts() -> None:
    enums = {enum for c in PROFILE_COLUMNS if (enum := code_enum(c.path)) is not None}
    assert len(enums) >= 10
    for enum in enums:
        parse = code_parser(enum)
        texts = ["", "-", "unknown", "Sir", "NONE", "no knowledge", "Self-employed", "IRA"]
        for member in enum:
            for text in (member.value, meaning(member)):
                texts += [text, text.upper(), f" {text.title()}. ", text.replace("_", "-")]
        for text in texts:
            expected = _scanned(enum, text)
            if expected is None:
                with pytest.raises(ValueError, match=r"^unknown code ") as error:
                    parse(text)
                allowed = ", ".join(member.value for member in enum)
                assert str(error.value) == f"unknown code {text!r}; allowed: {allowed}"
            else:
                assert parse(text) is expected
                assert parse(text) is expected  # and again, from the cache


def test_a_meaning_described_later_is_accepted_at_once() -> None:
    class Colour(StrEnum):
        RED = "red"
        DARK_BLUE = "dark_blue"

    parse = code_parser(Colour)
    assert parse("dark blue") is Colour.DARK_BLUE
    with pytest.raises(ValueError, match="unknown code 'Crimson'; allowed: red, dark_blue"):
        parse("Crimson")
    describe_codes({Colour.RED: "Crimson"})
    assert parse("crimson") is Colour.RED and parse("Crimson") is Colour.RED
    assert parse("red") is Colour.RED
