"""Editing a contact's record (C3): the table's columns follow the profile, close/reopen,
versions, and the profile form built from the model."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.accounts import AccountType
from contracts.api.contacts import PROFILE_SECTIONS, ContactsTableLayout
from services.contacts.api.profile_form import profile_form
from services.contacts.domain.contact import (
    Contact,
    ContactConflict,
    ProfileRejected,
    StaleVersion,
    changes_between,
    check_version,
    close,
    edit_summary,
    profile_of,
    reopen,
    replace_profile,
    replace_section,
    state_of,
)


def a_contact(**fields: Any) -> Contact:
    return Contact(master_account_id="F1", **({"first_name": "Ann", "last_name": "Lee"} | fields))


def errors_of(rejected: pytest.ExceptionInfo[ProfileRejected]) -> dict[tuple[Any, ...], str]:
    return dict(rejected.value.errors)


def test_the_contact_section_drives_names_email_and_phone() -> None:
    contact = a_contact(title="Ann Lee")
    replace_section(
        contact,
        "contact",
        {"first_name": "Anne", "last_name": "Lee-Park", "email": "anne@example.com",
         "home_phone": "+44 20 7946 0958"},
    )  # fmt: skip
    assert (contact.first_name, contact.last_name) == ("Anne", "Lee-Park")
    assert contact.title == "Anne Lee-Park"  # the title was the name, so it follows
    assert contact.email == "anne@example.com"
    assert contact.phone == "+442079460958"


def test_a_title_of_its_own_is_kept() -> None:
    contact = a_contact(title="Lee Family Trust")
    replace_section(contact, "contact", {"first_name": "Anne", "last_name": "Lee"})
    assert contact.title == "Lee Family Trust"


def test_other_sections_keep_the_rest_of_the_profile() -> None:
    contact = a_contact()
    replace_section(contact, "address", {"country": "US", "city": "Hoboken"})
    replace_section(contact, "financial", {"net_worth": "900,000", "liquid_net_worth": "1000"})
    assert contact.profile.address and contact.profile.address.city == "Hoboken"
    assert contact.profile.financial and str(contact.profile.financial.net_worth) == "900000.00"
    assert contact.profile.contact and contact.profile.contact.first_name == "Ann"


def test_errors_are_located_at_the_field() -> None:
    contact = a_contact()
    with pytest.raises(ProfileRejected) as rejected:
        replace_section(
            contact, "financial", {"net_worth": "100", "liquid_net_worth": "200", "currency": "XXY"}
        )
    assert set(errors_of(rejected)) == {
        ("financial", "liquid_net_worth"),
        ("financial", "currency"),
    }
    assert contact.profile.financial is None  # nothing applied


def test_names_cannot_be_emptied() -> None:
    with pytest.raises(ProfileRejected) as rejected:
        replace_section(a_contact(), "contact", {"first_name": "Ann", "email": "a@example.com"})
    assert errors_of(rejected) == {
        ("contact", "last_name"): "a contact needs a first and a last name"
    }
    with pytest.raises(ProfileRejected):
        replace_profile(a_contact(), {"address": {"city": "Oslo"}})


def test_unknown_sections_and_fields_are_refused() -> None:
    with pytest.raises(ProfileRejected):
        replace_section(a_contact(), "hobbies", {"chess": "yes"})
    with pytest.raises(ProfileRejected) as rejected:
        replace_section(a_contact(), "address", {"planet": "Mars"})
    assert ("address", "planet") in errors_of(rejected)


def test_a_prospect_account_type_follows_the_prospect_section_until_there_is_an_account() -> None:
    prospect = a_contact()
    replace_section(prospect, "prospect", {"account_type": "Roth IRA", "priority": "high"})
    assert prospect.account_type is AccountType.ROTH_IRA
    client = a_contact(account_number="U1234567", account_type=AccountType.INDIVIDUAL)
    replace_section(client, "prospect", {"account_type": "joint"})
    assert client.account_type is AccountType.INDIVIDUAL  # the broker's, not the wish


def test_editing_the_columns_writes_the_profile_and_names_the_column() -> None:
    contact = a_contact(phone="+12015550123")
    edit_summary(contact, {"first_name": "Ada", "phone": "+1 201 555 0199", "title": "Ada L."})
    assert contact.profile.contact is not None
    assert contact.profile.contact.first_name == "Ada"
    assert contact.profile.contact.mobile_phone == "+12015550199"
    assert (contact.title, contact.phone) == ("Ada L.", "+12015550199")
    with pytest.raises(ProfileRejected) as rejected:
        edit_summary(contact, {"phone": "12345", "last_name": None})
    assert set(errors_of(rejected)) == {("phone",), ("last_name",)}
    with pytest.raises(ProfileRejected) as refused:
        edit_summary(a_contact(account_number="U7654321"), {"account_type": "joint"})
    assert set(errors_of(refused)) == {("account_type",)}


def test_the_profile_shows_what_the_table_knows() -> None:
    contact = a_contact(email="ann@example.com", phone="+12015550123",
                        account_type=AccountType.TRUST)  # fmt: skip
    profile = profile_of(contact)
    assert profile.contact is not None and profile.prospect is not None
    assert (profile.contact.first_name, profile.contact.email) == ("Ann", "ann@example.com")
    assert profile.contact.mobile_phone == "+12015550123"
    assert profile.prospect.account_type is AccountType.TRUST


def test_close_and_reopen() -> None:
    contact = a_contact()
    before = state_of(contact)
    close(contact)
    assert contact.closed and changes_between(before, state_of(contact)) == {
        "closed": [False, True]
    }
    with pytest.raises(ContactConflict):
        close(contact)
    reopen(contact)
    assert not contact.closed
    with pytest.raises(ContactConflict):
        reopen(contact)


def test_a_stale_version_is_refused() -> None:
    contact = a_contact(version=3)
    check_version(contact, 3)
    with pytest.raises(StaleVersion) as stale:
        check_version(contact, 2)
    assert stale.value.current == 3


def test_the_profile_form_covers_every_section_and_field() -> None:
    form = profile_form()
    assert [section.name for section in form.sections] == list(PROFILE_SECTIONS)
    fields = {(s.name, f.name): f for s in form.sections for f in s.fields}
    assert fields[("contact", "first_name")].required
    assert fields[("contact", "email")].kind == "email"
    assert fields[("contact", "date_of_birth")].kind == "date"
    assert fields[("address", "country")].kind == "select"
    assert {"value": "US", "label": "United States"} in [
        c.model_dump() for c in fields[("address", "country")].choices
    ]
    assert fields[("financial", "source_of_funds")].kind == "multiselect"
    assert fields[("financial", "net_worth")].kind == "amount"
    stocks = fields[("trading", "stocks.years_experience")]
    assert (stocks.kind, stocks.group, stocks.label) == ("integer", "Stocks", "Years of experience")
    assert fields[("prospect", "notes")].kind == "textarea"


def test_a_table_layout_lists_known_columns_once() -> None:
    assert ContactsTableLayout(columns=["email", "contact"]).columns == ["email", "contact"]
    for bad in ([], ["email", "email"], ["shoe_size"]):
        with pytest.raises(ValueError):
            ContactsTableLayout(columns=bad)  # type: ignore[arg-type]
