"""PDFs generated from the CRM record: client information (C9), the household form to sign
(C10) and the semi-electronic account application to sign (C8)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import phonenumbers
import pycountry

from contracts.accounts import AccountType
from services.contacts.domain.profile import PHONE_FIELDS, Product, Profile
from services.contacts.domain.profile_fields import SECTION_TITLES, before_validators, value_at
from services.contacts.domain.profile_types import (
    country_name,
    meaning,
    to_country,
    to_language,
)
from services.contacts.files.exports import ExportContact
from services.contacts.files.pdf_layout import MISSING, Document
from services.contacts.files.profile_columns import PROFILE_COLUMNS

_SIGNERS = {AccountType.JOINT: ("Applicant", "Joint applicant")}
APPLICATION_DECLARATION = (
    "I confirm that the information in this application is true, correct and complete. I have "
    "reviewed every entry prefilled by my advisor and corrected in ink anything that was wrong. "
    "I will inform my advisor and the broker promptly of any change to this information."
)
HOUSEHOLD_DECLARATION = (
    "By signing below, each member agrees to be part of this household and that the head of "
    "household may log in and view all reporting and account details of every account in the "
    "household. A new form is produced whenever the household changes; it takes effect when "
    "every member has signed it."
)


def client_information_pdf(
    contact: ExportContact, *, master_name: str, generated_at: datetime
) -> bytes:
    """Every section of the contact's profile, laid out under headings."""
    document = Document(
        title="Client information",
        subject=contact.contact,
        master_name=master_name,
        generated_at=generated_at,
    )
    document.title_block(contact.contact, _summary_lines(contact))
    _write_profile(document, contact.profile, blank=MISSING)
    return document.pdf_bytes()


def application_pdf(
    contact: ExportContact,
    *,
    account_type: AccountType,
    master_name: str,
    generated_at: datetime,
) -> bytes:
    """The application prefilled from the CRM record, with a signature block."""
    document = Document(
        title=f"Account application — {meaning(account_type)}",
        subject=contact.contact,
        master_name=master_name,
        generated_at=generated_at,
    )
    document.title_block(
        f"Account application: {meaning(account_type)} account",
        [
            f"Applicant: {contact.contact}",
            f"Prepared by {master_name} on {generated_at:%Y-%m-%d}. Please check every entry, "
            "complete the empty ones and correct anything wrong in ink, then sign below.",
        ],
    )
    _write_profile(document, contact.profile, blank=" ")
    signers = _SIGNERS.get(account_type, ("Applicant",))
    document.heading("Declaration and signatures", keep=30 + 24 * len(signers))
    document.paragraph(APPLICATION_DECLARATION)
    for signer in signers:
        document.signature_line(f"{signer}: signature and printed name")
    return document.pdf_bytes()


def household_form_pdf(
    household_name: str,
    head: str,
    members: list[tuple[str, str | None]],
    *,
    master_name: str,
    generated_at: datetime,
) -> bytes:
    """The household form: members and their accounts, and a signature line for each."""
    document = Document(
        title="Household form",
        subject=household_name,
        master_name=master_name,
        generated_at=generated_at,
    )
    document.title_block(
        f"Household: {household_name}",
        [f"Head of household: {head}", f"Advisor: {master_name}"],
    )
    document.heading("Members and accounts")
    rows = [
        [name, account or "(no account yet)", "Head of household" if name == head else "Member"]
        for name, account in members
    ]
    document.grid(("Member", "Account number", "Role"), rows, widths=(80, 50, 44))
    document.heading("Agreement")
    document.paragraph(HOUSEHOLD_DECLARATION)
    for name, _account in members:
        document.signature_line(f"Signature of {name}")
    return document.pdf_bytes()


# --- profile sections -----------------------------------------------------------------------


def _summary_lines(contact: ExportContact) -> list[str]:
    facts = [
        ("Type", contact.kind),
        ("Account", contact.account_number),
        ("Account type", contact.account_type),
        ("Status", contact.status),
        ("Username", contact.username),
    ]
    shown = [f"{label}: {display(value)}" for label, value in facts if value]
    return [" · ".join(shown)] if shown else []


def _write_profile(document: Document, profile: Profile, *, blank: str) -> None:
    for section, title in SECTION_TITLES.items():
        document.heading(title)
        if section == "trading":
            _write_trading(document, profile, blank=blank)
        else:
            document.fields(_section_fields(profile, section), blank=blank)


def _section_fields(profile: Profile, section: str) -> Iterator[tuple[str, str]]:
    currency = value_at(profile, "financial.currency")
    for column in PROFILE_COLUMNS:
        if column.path.split(".")[0] == section:
            value = value_at(profile, column.path)
            yield column.label, display(value, path=column.path, currency=currency)


def _write_trading(document: Document, profile: Profile, *, blank: str) -> None:
    permitted = value_at(profile, "trading.permissions") or []
    rows = []
    for product in Product:
        experience = value_at(profile, f"trading.{product.value}")
        cells = [
            display(getattr(experience, name, None))
            for name in ("years_experience", "trades_per_year", "knowledge")
        ]
        rows.append(
            [meaning(product), *(cell or blank for cell in cells), _yes(product, permitted)]
        )
    headings = ("Product", "Years", "Trades per year", "Knowledge", "Permitted")
    document.grid(headings, rows, widths=(56, 22, 32, 36, 28))


def _yes(product: Product, permitted: list[Product]) -> str:
    return "Yes" if product in permitted else "No"


def display(value: Any, *, path: str = "", currency: str | None = None) -> str:
    """A value as a person reads it: code meanings, country names, grouped amounts."""
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return meaning(value)
    if isinstance(value, list):
        return ", ".join(display(item) for item in value)
    if isinstance(value, Decimal):
        return f"{value:,.2f}" + (f" {currency}" if currency else "")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and path:
        return _display_text(value, path)
    return str(value)


def _display_text(value: str, path: str) -> str:
    validators = before_validators(path) if path else []
    if to_country in validators:
        return f"{country_name(value)} ({value})"
    if to_language in validators:
        return _language_name(value)
    if path.rsplit(".", 1)[-1] in PHONE_FIELDS:
        number = phonenumbers.parse(value)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return value


def _language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code)
    return f"{language.name} ({code})" if language else code
