"""Sample profiles for the contacts unit tests."""

from __future__ import annotations

from typing import Any

import pytest

from services.contacts.domain.profile import Profile
from services.contacts.domain.profile_fields import LEAF_TYPES, value_at
from services.contacts.files.profile_columns import unflatten

FULL_ROW: dict[str, Any] = {
    "salutation": "Dr",
    "first_name": "José",
    "middle_name": "María",
    "last_name": "Müller-Ōtani",
    "suffix": "Jr.",
    "email": "jose.muller@example.com",
    "secondary_email": "jm@example.org",
    "mobile_phone": "+1 201 555 0123",
    "home_phone": "(201) 555-0124",
    "work_phone": "+44 20 7946 0958",
    "date_of_birth": "1970-02-28",
    "citizenship": "ESP",
    "preferred_language": "Spanish",
    "street_line_1": "123 Main Street",
    "street_line_2": "Apt 4B",
    "city": "Hoboken",
    "state_province": "New Jersey",
    "postal_code": "07030-1234",
    "country": "United States",
    "tax_residence_country": "US",
    "tax_id_type": "SSN",
    "tax_id": "536904399",
    "w8_w9_form": "W-9",
    "employment_status": "Self-employed",
    "employer": "Müller Consulting LLC",
    "occupation": "Consultant",
    "employer_business": "Management consulting",
    "employer_country": "US",
    "annual_net_income": "250,000.50",
    "net_worth": "1,250,000",
    "liquid_net_worth": 400000.25,
    "currency": "usd",
    "source_of_funds": "savings; employment_income",
    "investment_objectives": "growth, income, hedging",
    "trading_permissions": "stocks, options, futures, bonds, forex, funds",
    "account_type": "Roth IRA",
    "priority": "HIGH",
    "marketing_source": "social media",
    "notes": "=Met at the seminar.\nLikes -- options; @mention 'quoted'",
}
for _product, _years in (
    ("stocks", 20),
    ("bonds", 5),
    ("options", 3),
    ("futures", 1),
    ("forex", 0),
    ("funds", 12),
):
    FULL_ROW[f"{_product}_years"] = _years
    FULL_ROW[f"{_product}_trades_per_year"] = _years * 10
    FULL_ROW[f"{_product}_knowledge"] = "limited" if _years < 5 else "extensive"


@pytest.fixture
def full_profile() -> Profile:
    """A profile with every leaf filled in."""
    profile = unflatten(FULL_ROW)
    assert all(value_at(profile, path) is not None for path in LEAF_TYPES)
    return profile


@pytest.fixture
def minimal_profile() -> Profile:
    return unflatten({"first_name": "Ann", "last_name": "Lee"})
