"""The contact profile (C3): normalization, validation rules, paths, flat columns."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.accounts import AccountType
from services.contacts.domain.profile import (
    ContactInfo,
    EmploymentStatus,
    Financial,
    Knowledge,
    Product,
    Profile,
    Salutation,
    SourceOfFunds,
    TaxIdType,
    W8W9Form,
    error_message,
)
from services.contacts.domain.profile_fields import LEAF_TYPES, changed_paths
from services.contacts.files.profile_columns import (
    COLUMN_BY_NAME,
    PROFILE_COLUMNS,
    column_for_error,
    flatten,
    unflatten,
)


def errors_of(row: dict[str, Any]) -> dict[str, str]:
    """Column -> message of every error of a flat row."""
    with pytest.raises(ValidationError) as caught:
        unflatten(row)
    return {column_for_error(e["loc"]): error_message(e) for e in caught.value.errors()}


# --- happy paths ----------------------------------------------------------------------------


def test_names_alone_make_a_profile(minimal_profile: Profile) -> None:
    assert minimal_profile.contact is not None
    assert (minimal_profile.contact.first_name, minimal_profile.contact.last_name) == ("Ann", "Lee")
    assert minimal_profile.address is None and minimal_profile.trading is None


def test_full_profile_is_normalized(full_profile: Profile) -> None:
    contact, address, tax = full_profile.contact, full_profile.address, full_profile.tax
    assert contact and address and tax
    assert contact.salutation is Salutation.DR
    assert contact.citizenship == "ES" and contact.preferred_language == "es"
    assert contact.mobile_phone == "+12015550123"
    assert contact.home_phone == "+12015550124"  # national number read in the US
    assert contact.work_phone == "+442079460958"
    assert address.country == "US" and address.state_province == "NJ"
    assert address.postal_code == "07030-1234"
    assert tax.tax_id == "536-90-4399" and tax.tax_id_type is TaxIdType.SSN
    assert tax.w8_w9_form is W8W9Form.W9
    assert full_profile.employment and full_profile.employment.status is (
        EmploymentStatus.SELF_EMPLOYED
    )
    financial = full_profile.financial
    assert financial is not None
    assert financial.annual_net_income == Decimal("250000.50")
    assert str(financial.net_worth) == "1250000.00" and financial.currency == "USD"
    assert financial.liquid_net_worth == Decimal("400000.25")
    assert financial.source_of_funds == [SourceOfFunds.EMPLOYMENT_INCOME, SourceOfFunds.SAVINGS]
    assert full_profile.trading and full_profile.trading.permissions == list(Product)
    assert full_profile.prospect and full_profile.prospect.account_type is AccountType.ROTH_IRA


def test_text_is_stripped_and_blank_is_absent() -> None:
    info = ContactInfo(first_name="  Ann  ", middle_name="   ", last_name="Lee\r\n")
    assert (info.first_name, info.middle_name, info.last_name) == ("Ann", None, "Lee")


def test_empty_sections_become_none() -> None:
    profile = Profile.model_validate({"address": {"city": " "}, "trading": {"stocks": {}}})
    assert profile.address is None and profile.trading is None


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("CA", "k1a0b1", "K1A 0B1"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("JP", "1000001", "100-0001"),
        ("US", "07030", "07030"),
        ("DE", "10117", "10117"),
        ("BE", "anything 12", "anything 12"),
    ],
)
def test_postal_codes_are_normalized(country: str, typed: str, stored: str) -> None:
    profile = unflatten({"country": country, "postal_code": typed})
    assert profile.address and profile.address.postal_code == stored


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [("US", "ny", "NY"), ("US", "US-CA", "CA"), ("CA", "Québec", "QC"), ("AU", "nsw", "NSW")],
)
def test_states_are_normalized(country: str, typed: str, stored: str) -> None:
    profile = unflatten({"country": country, "state_province": typed})
    assert profile.address and profile.address.state_province == stored


def test_states_of_other_countries_are_free_text() -> None:
    profile = unflatten({"country": "JP", "state_province": "Tokyo"})
    assert profile.address and profile.address.state_province == "Tokyo"


@pytest.mark.parametrize(
    ("row", "stored"),
    [
        ({"tax_id_type": "ein", "tax_id": "123456789"}, "12-3456789"),
        ({"tax_id_type": "itin", "tax_id": "912701234"}, "912-70-1234"),
        ({"tax_residence_country": "DE", "tax_id": "36574261809"}, "36 574 261 809"),
        ({"tax_residence_country": "GB", "tax_id": "1955839661"}, "1955839661"),
        ({"tax_residence_country": "JP", "tax_id": "123456789018"}, "1234 5678 9018"),
        ({"tax_residence_country": "CA", "tax_id": "130 692 544"}, "130-692-544"),
        ({"tax_residence_country": "HK", "tax_id": "a1234567"}, "A1234567"),
    ],
)
def test_tax_ids_are_checked_and_normalized(row: dict[str, Any], stored: str) -> None:
    tax = unflatten(row).tax
    assert tax is not None and tax.tax_id == stored
    if "tax_residence_country" in row:
        assert tax.tax_id_type is TaxIdType.FOREIGN_TIN  # inferred


def test_options_permission_with_limited_knowledge() -> None:
    profile = unflatten({"options_knowledge": "limited", "trading_permissions": "options"})
    assert profile.trading and profile.trading.permissions == [Product.OPTIONS]
    assert profile.trading.options and profile.trading.options.knowledge is Knowledge.LIMITED


def test_employer_not_needed_when_retired() -> None:
    profile = unflatten({"employment_status": "retired"})
    assert profile.employment and profile.employment.employer is None


def test_json_storage_round_trip(full_profile: Profile) -> None:
    stored = full_profile.model_dump(mode="json", exclude_none=True)
    assert Profile.model_validate(stored) == full_profile


# --- bad input ------------------------------------------------------------------------------

_TOO_OLD = (date.today() - timedelta(days=365 * 121)).isoformat()
_FUTURE = (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ({"email": "jane@"}, "email", "not a valid email"),
        ({"email": "jane.example.com"}, "email", "not a valid email"),
        ({"email": "a@x.com", "secondary_email": "A@x.com"}, "secondary_email", "same as"),
        ({"mobile_phone": "12345"}, "mobile_phone", "not a valid phone number"),
        ({"mobile_phone": "+1 555"}, "mobile_phone", "not a valid phone number"),
        ({"home_phone": "201 555 0124"}, "home_phone", "+<country code>"),
        ({"country": "US", "work_phone": "0301234"}, "work_phone", "residential country"),
        ({"country": "Narnia"}, "country", "unknown country"),
        ({"citizenship": "XX"}, "citizenship", "unknown country"),
        ({"preferred_language": "jp"}, "preferred_language", "unknown language"),
        ({"date_of_birth": _FUTURE}, "date_of_birth", "in the future"),
        ({"date_of_birth": _TOO_OLD}, "date_of_birth", "more than 120 years"),
        ({"date_of_birth": "17/05/1980"}, "date_of_birth", "date"),
        ({"date_of_birth": 19800517}, "date_of_birth", "YYYY-MM-DD"),
        ({"salutation": "Sir"}, "salutation", "unknown code 'Sir'"),
        ({"first_name": "A" * 101}, "first_name", "at most 100"),
        ({"last_name": "Lee\x00"}, "last_name", "control characters"),
        ({"country": "US", "postal_code": "ABCDE"}, "postal_code", "12345"),
        ({"country": "CA", "postal_code": "12345"}, "postal_code", "K1A 0B1"),
        ({"country": "GB", "postal_code": "12345"}, "postal_code", "SW1A 1AA"),
        ({"country": "JP", "postal_code": "12-34"}, "postal_code", "100-0001"),
        ({"country": "US", "state_province": "Narnia"}, "state_province", "not a state"),
        ({"tax_id_type": "ssn", "tax_id": "078-05-1120"}, "tax_id", "not a valid US SSN"),
        ({"tax_id_type": "ssn", "tax_id": "000-12-3456"}, "tax_id", "not a valid US SSN"),
        ({"tax_id_type": "ein", "tax_id": "00-1234567"}, "tax_id", "not a valid US EIN"),
        ({"tax_id_type": "itin", "tax_id": "536-90-4399"}, "tax_id", "not a valid US ITIN"),
        ({"tax_residence_country": "US", "tax_id": "536904399"}, "tax_id", "tax id type"),
        ({"tax_residence_country": "DE", "tax_id": "12345"}, "tax_id", "Germany tax id"),
        ({"tax_residence_country": "GB", "tax_id": "1234567890"}, "tax_id", "United Kingdom"),
        ({"tax_id_type": "foreign_tin", "tax_id": "X123"}, "tax_id", "tax residence country"),
        ({"tax_residence_country": "HK", "tax_id": "!!"}, "tax_id", "not a tax id"),
        (
            {"tax_residence_country": "DE", "tax_id": "36574261809", "w8_w9_form": "w9"},
            "w8_w9_form",
            "W-9 is for US persons",
        ),
        ({"tax_residence_country": "US", "w8_w9_form": "w8ben"}, "w8_w9_form", "non-US"),
        ({"w8_w9_form": "w7"}, "w8_w9_form", "unknown code"),
        ({"employment_status": "employed"}, "employer", "required"),
        ({"employment_status": "self_employed"}, "employer", "required"),
        ({"employment_status": "astronaut"}, "employment_status", "unknown code"),
        ({"annual_net_income": "-5"}, "annual_net_income", "greater than or equal to 0"),
        ({"net_worth": "12.345"}, "net_worth", "decimal places"),
        ({"net_worth": "lots"}, "net_worth", "not an amount"),
        ({"net_worth": "10", "liquid_net_worth": "11"}, "liquid_net_worth", "exceeds"),
        ({"currency": "ABC"}, "currency", "unknown currency"),
        ({"source_of_funds": "savings, lottery"}, "source_of_funds", "'lottery'"),
        ({"investment_objectives": "fun"}, "investment_objectives", "unknown code"),
        ({"stocks_years": 81}, "stocks_years", "less than or equal to 80"),
        ({"forex_trades_per_year": 100_001}, "forex_trades_per_year", "100000"),
        ({"bonds_knowledge": "expert"}, "bonds_knowledge", "unknown code"),
        ({"trading_permissions": "options"}, "trading_permissions", "limited options"),
        (
            {"futures_knowledge": "none", "trading_permissions": "futures"},
            "trading_permissions",
            "it is none",
        ),
        ({"trading_permissions": "crypto"}, "trading_permissions", "unknown code"),
        ({"account_type": "savings"}, "account_type", "unknown code"),
        ({"priority": "urgent"}, "priority", "unknown code"),
        ({"marketing_source": "tv"}, "marketing_source", "unknown code"),
        ({"notes": "x" * 2001}, "notes", "at most 2000"),
    ],
)
def test_bad_input_is_reported_at_its_column(
    row: dict[str, Any], column: str, fragment: str
) -> None:
    errors = errors_of(row)
    assert column in errors, errors
    assert fragment in errors[column]


def test_all_errors_are_reported_together() -> None:
    errors = errors_of({"email": "x@", "country": "Narnia", "net_worth": "-1", "stocks_years": -1})
    assert set(errors) == {"email", "country", "net_worth", "stocks_years"}


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        Financial.model_validate({"salary": 1})
    with pytest.raises(KeyError, match="salary"):
        unflatten({"salary": 1})


# --- paths and columns ----------------------------------------------------------------------


def test_columns_cover_every_leaf_once() -> None:
    paths = [column.path for column in PROFILE_COLUMNS]
    assert sorted(paths) == sorted(LEAF_TYPES)
    assert len(COLUMN_BY_NAME) == len(PROFILE_COLUMNS)
    assert len({column.label.casefold() for column in PROFILE_COLUMNS}) == len(PROFILE_COLUMNS)
    assert all(len(column) == 5 for column in PROFILE_COLUMNS)


def test_flatten_unflatten_round_trip(full_profile: Profile, minimal_profile: Profile) -> None:
    for profile in (full_profile, minimal_profile):
        flat = flatten(profile)
        assert list(flat) == [column.name for column in PROFILE_COLUMNS]
        assert unflatten(flat) == profile
    assert flatten(full_profile)["source_of_funds"] == "employment_income, savings"


def test_changed_paths_lists_changed_leaves(full_profile: Profile) -> None:
    assert changed_paths(full_profile, full_profile) == {}
    edited = flatten(full_profile) | {
        "email": "new@example.com",
        "net_worth": "2000000",
        "source_of_funds": "savings",
        "options_knowledge": "good",
    }
    changes = changed_paths(full_profile, unflatten(edited))
    assert changes == {
        "contact.email": ("jose.muller@example.com", "new@example.com"),
        "financial.net_worth": ("1250000.00", "2000000.00"),
        "financial.source_of_funds": (["employment_income", "savings"], ["savings"]),
        "trading.options.knowledge": ("limited", "good"),
    }


def test_changed_paths_of_added_and_removed_sections(minimal_profile: Profile) -> None:
    with_address = unflatten({"first_name": "Ann", "last_name": "Lee", "city": "Oslo"})
    assert changed_paths(minimal_profile, with_address) == {"address.city": (None, "Oslo")}
    assert changed_paths(with_address, minimal_profile) == {"address.city": ("Oslo", None)}
    born = unflatten({"first_name": "Ann", "last_name": "Lee", "date_of_birth": "1990-01-02"})
    assert changed_paths(minimal_profile, born)["contact.date_of_birth"] == (None, "1990-01-02")
