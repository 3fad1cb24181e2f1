"""Issue 15: vCards as other software writes them (RFC 6350's example, Apple Contacts, Outlook,
Google Contacts exports), national phone numbers read in a chosen country, and the vCard
export: re-imported by the portal and read by an independent parser (icalendar's)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import icalendar
import pytest

from services.contacts.files.imports import parse_contacts_file
from services.contacts.files.profile_columns import flatten
from services.contacts.files.vcard_export import CardContact, VCardVersion, vcard_file
from services.contacts.files.vcards import parse_vcards

FIXTURES = Path(__file__).parents[2] / "fixtures" / "interop"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_rfc6350_example_imports_with_its_uri_phones_and_folded_address() -> None:
    result = parse_vcards(fixture("rfc6350.vcf"))
    assert result.errors == []
    contact, address = result.contacts[0].profile.contact, result.contacts[0].profile.address
    assert contact and address
    assert (contact.first_name, contact.last_name) == ("Simon", "Perreault")
    assert (contact.work_phone, contact.mobile_phone) == ("+14186569254", "+14182626501")
    assert (address.city, address.country, address.postal_code) == ("Quebec", "CA", "G1V 2M2")
    assert contact.date_of_birth is None  # --0203: no year


@pytest.mark.parametrize("name", ["apple.vcf", "google.vcf"])
def test_national_numbers_without_a_country_are_refused_at_their_lines(name: str) -> None:
    result = parse_vcards(fixture(name))
    assert result.contacts == []
    assert {error.column for error in result.errors} == {"TEL"}
    lines = fixture(name).decode().splitlines()
    for error in result.errors:
        number = int(error.message.split(":", 1)[0].removeprefix("line "))
        assert lines[number - 1].upper().split(":", 1)[0].endswith(("TEL", "TEL;TYPE=CELL",
            "TEL;TYPE=HOME", "TEL;TYPE=CELL;TYPE=VOICE;TYPE=PREF"))  # fmt: skip


def test_apple_export_imports_in_the_chosen_country() -> None:
    result = parse_contacts_file("Contacts.vcf", fixture("apple.vcf"), default_country="US")
    assert result.errors == []
    johnny, minjun = (draft.profile for draft in result.contacts)
    assert johnny.contact and minjun.contact and johnny.address
    assert (johnny.contact.mobile_phone, johnny.contact.home_phone) == (
        "+14155552671",
        "+14155552672",
    )
    assert johnny.contact.email == "johnny@example.com"  # grouped item1.EMAIL, lowercase type
    assert (johnny.address.country, johnny.address.state_province) == ("US", "CA")  # X-ABADR
    assert johnny.contact.date_of_birth == date(1975, 2, 24)
    assert minjun.contact.mobile_phone == "+16502530000"
    assert minjun.prospect and "Palo Alto seminar, referred" in (minjun.prospect.notes or "")


def test_the_chosen_country_does_not_override_the_card_address_country() -> None:
    card = (
        "BEGIN:VCARD\nVERSION:3.0\nN:Roth;Eva;;;\nTEL;TYPE=CELL:0151 23456789\n"
        "ADR;TYPE=HOME:;;Hauptstr. 1;Berlin;;10117;Germany\nEND:VCARD\n"
    )
    result = parse_vcards(card.encode(), default_country="US")
    contact = result.contacts[0].profile.contact
    assert contact and contact.mobile_phone == "+4915123456789"


def test_outlook_21_and_google_exports_import() -> None:
    outlook = parse_vcards(fixture("outlook.vcf"), default_country="US")
    google = parse_vcards(fixture("google.vcf"), default_country="US")
    assert outlook.errors == [] and google.errors == []
    dana = outlook.contacts[0].profile
    assert dana.contact and dana.employment
    assert (dana.contact.work_phone, dana.contact.mobile_phone) == ("+12125550147", "+19175550199")
    assert dana.employment.employer == "Contoso Ltd."
    carlos = google.contacts[0].profile.contact
    assert carlos and (carlos.mobile_phone, carlos.home_phone) == ("+13055550123", "+13055550188")


def test_lowercase_properties_are_read() -> None:
    card = "begin:vcard\nversion:4.0\nn:Lee;Ann;;;\nfn:Ann Lee\ntel;type=cell:(020) 7946 0018\nend:vcard\n"
    result = parse_vcards(card.encode(), default_country="GB")
    contact = result.contacts[0].profile.contact
    assert contact and contact.mobile_phone == "+442079460018"


def test_what_stays_invalid_is_reported_by_card_property_and_line() -> None:
    content = (
        fixture("apple.vcf")
        + b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ek;Bo;;;\r\nTEL:12\r\nEND:VCARD\r\n"
    )
    result = parse_vcards(content, default_country="US")
    assert result.contacts == []
    [error] = result.errors
    assert (error.row, error.column) == (3, "TEL")
    assert error.message.startswith("line 28: '12' is not a valid phone number")


@pytest.mark.parametrize("version", list(VCardVersion))
def test_export_round_trips_through_the_import(version: VCardVersion) -> None:
    drafts = parse_vcards(fixture("apple.vcf") + fixture("rfc6350.vcf"), default_country="US")
    contacts = [CardContact(draft.profile, uuid4()) for draft in drafts.contacts]
    exported = vcard_file(contacts, version)
    again = parse_vcards(exported)
    assert again.errors == []
    assert [flatten(d.profile) for d in again.contacts] == [flatten(c.profile) for c in contacts]


@pytest.mark.parametrize("version", list(VCardVersion))
def test_export_parses_with_an_independent_vcard_parser(version: VCardVersion) -> None:
    drafts = parse_vcards(fixture("rfc6350.vcf") + fixture("outlook.vcf"), default_country="US")
    ids = [uuid4(), uuid4()]
    exported = vcard_file(
        [CardContact(d.profile, i) for d, i in zip(drafts.contacts, ids, strict=True)], version
    )
    cards: list[Any] = icalendar.Component.from_ical(exported.decode(), multiple=True)
    assert [card.name for card in cards] == ["VCARD", "VCARD"]
    simon, dana = cards
    assert str(simon["VERSION"]) == version.value
    assert str(simon["FN"]) == "Simon Perreault ing. jr M.Sc."
    assert str(simon["UID"]).endswith(str(ids[0]))
    phones = [str(tel) for tel in dana["TEL"]]
    prefix = "tel:" if version is VCardVersion.V4 else ""
    assert phones == [f"{prefix}+19175550199", f"{prefix}+12125550147"]
    assert "Contoso Ltd." in str(dana["ORG"].to_ical(), "utf-8")
    assert b"\r\n" in exported and all(len(line) <= 75 for line in exported.split(b"\r\n"))
