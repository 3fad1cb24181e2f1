"""PDFs from the CRM record (C8, C9, C10): valid files, Unicode names never crash."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from contracts.accounts import AccountType, ApplicationStage
from services.contacts.domain.profile import Profile
from services.contacts.files import pdf_layout
from services.contacts.files.exports import ExportContact
from services.contacts.files.pdf import (
    application_pdf,
    client_information_pdf,
    household_form_pdf,
)
from services.contacts.files.profile_columns import unflatten

AT = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
NAMES = ["José Müller-Ōtani", "山田 太郎", "Zoë O'Brien"]


def pdf_title(content: bytes) -> str:
    """The document title from the PDF's info dictionary (literal or UTF-16 hex string)."""
    match = re.search(rb"/Title (\((?:[^)\\]|\\.)*\)|<[0-9a-fA-F]+>)", content)
    assert match, "the PDF has no title"
    raw = match.group(1)
    if raw.startswith(b"<"):
        return bytes.fromhex(raw[1:-1].decode()).decode("utf-16")
    return raw[1:-1].decode("latin-1")


def check_pdf(content: bytes, *, pages: int = 1) -> None:
    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", content)) >= pages
    assert len(content) > 1000


def contact(name: str, profile: Profile) -> ExportContact:
    return ExportContact(
        contact=name,
        account_number="U1234567",
        account_type=AccountType.INDIVIDUAL,
        status=ApplicationStage.PENDING,
        profile=profile,
    )


@pytest.mark.parametrize("name", NAMES)
def test_client_information_pdf(name: str, full_profile: Profile) -> None:
    content = client_information_pdf(
        contact(name, full_profile), master_name="Acme Advisors", generated_at=AT
    )
    check_pdf(content, pages=2)
    assert pdf_title(content) == f"Client information — {name}"


def test_client_information_pdf_of_a_bare_prospect(minimal_profile: Profile) -> None:
    content = client_information_pdf(
        ExportContact(contact="Ann Lee", profile=minimal_profile),
        master_name="Acme",
        generated_at=AT,
    )
    check_pdf(content)


@pytest.mark.parametrize("account_type", [AccountType.INDIVIDUAL, AccountType.JOINT])
def test_application_pdf(account_type: AccountType, full_profile: Profile) -> None:
    content = application_pdf(
        contact("José Müller", full_profile),
        account_type=account_type,
        master_name="Acme Advisors",
        generated_at=AT,
    )
    check_pdf(content, pages=2)
    assert "José Müller" in pdf_title(content)


def test_household_form_pdf() -> None:
    members = [("José Müller", "U1234567"), ("山田 花子", None), ("Zoë Lee", "U7654321")]
    content = household_form_pdf(
        "Müller household", "José Müller", members, master_name="Acme", generated_at=AT
    )
    check_pdf(content)
    assert pdf_title(content) == "Household form — Müller household"


def test_pdfs_without_any_truetype_font(
    monkeypatch: pytest.MonkeyPatch, full_profile: Profile
) -> None:
    """Core-font fallback: characters outside Latin-1 are replaced, nothing crashes."""
    no_fonts = pdf_layout.FontFiles(regular=None, bold=None, fallbacks=())
    monkeypatch.setattr(pdf_layout, "font_files", lambda: no_fonts)
    content = client_information_pdf(
        contact("山田 太郎 — José", full_profile), master_name="Acme", generated_at=AT
    )
    check_pdf(content, pages=2)
    household = household_form_pdf(
        "山田家", "山田 太郎", [("山田 太郎", None)], master_name="Acme", generated_at=AT
    )
    check_pdf(household)


def test_unicode_text_is_made_drawable() -> None:
    document = pdf_layout.Document(title="T", subject="S", master_name="M", generated_at=AT)
    assert document.safe("José Müller") == "José Müller"
    assert document.safe("private \U0010fffd") == "private ?"  # no font has this glyph
    profile = unflatten({"first_name": "A", "last_name": "B", "notes": "line 1\nline 2"})
    assert profile.prospect and document.safe(profile.prospect.notes or "") == "line 1\nline 2"
