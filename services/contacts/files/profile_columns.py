"""The profile as flat columns: one per leaf, named for spreadsheets and CSV files.

``PROFILE_COLUMNS`` is the one list of flat column names used by the import template, the import
and the exports (each column's label is its leaf's, from ``domain/profile_fields.py``);
``flatten``/``unflatten`` convert between a row of them and the profile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, NamedTuple

from services.contacts.domain.profile import Product, Profile
from services.contacts.domain.profile_fields import LABELS, is_list_path, plain


class ProfileColumn(NamedTuple):
    name: str
    path: str
    label: str
    description: str
    example: str


def _column(name: str, path: str, description: str, example: str) -> ProfileColumn:
    return ProfileColumn(name, path, LABELS[path], description, example)


_C = _column


_CONTACT_COLUMNS = (
    _C("salutation", "contact.salutation", "Mr, Mrs, Ms, Mx, Dr or Prof", "Ms"),
    _C("first_name", "contact.first_name", "Required", "Jane"),
    _C("middle_name", "contact.middle_name", "", "Ann"),
    _C("last_name", "contact.last_name", "Required", "Doe"),
    _C("suffix", "contact.suffix", "Jr., Sr., III, ...", "Jr."),
    _C("email", "contact.email", "Email address", "jane.doe@example.com"),
    _C("secondary_email", "contact.secondary_email", "", "jd@example.org"),
    _C(
        "mobile_phone",
        "contact.mobile_phone",
        "+country code and number; a national number is read in the residential country",
        "+1 201 555 0123",
    ),
    _C("home_phone", "contact.home_phone", "As mobile phone", "+1 201 555 0124"),
    _C("work_phone", "contact.work_phone", "As mobile phone", "+1 201 555 0125"),
    _C("date_of_birth", "contact.date_of_birth", "YYYY-MM-DD", "1980-05-17"),
    _C("citizenship", "contact.citizenship", "ISO country code", "US"),
    _C("preferred_language", "contact.preferred_language", "ISO 639-1 language code", "en"),
)

_ADDRESS_COLUMNS = (
    _C("street_line_1", "address.street_line_1", "", "123 Main Street"),
    _C("street_line_2", "address.street_line_2", "", "Apt 4B"),
    _C("city", "address.city", "", "Hoboken"),
    _C(
        "state_province",
        "address.state_province",
        "Code or name; checked for US, CA, AU, MX, BR and IN",
        "NJ",
    ),
    _C(
        "postal_code",
        "address.postal_code",
        "Checked for US, CA, GB, JP and more; format the column as text",
        "07030",
    ),
    _C("country", "address.country", "ISO country code of residence", "US"),
)

_TAX_COLUMNS = (
    _C("tax_residence_country", "tax.tax_residence_country", "ISO country code", "US"),
    _C("tax_id_type", "tax.tax_id_type", "ssn, itin, ein or foreign_tin", "ssn"),
    _C(
        "tax_id", "tax.tax_id", "Checked for the tax id type / tax residence country", "536-90-4399"
    ),
    _C("w8_w9_form", "tax.w8_w9_form", "w9, w8ben, w8bene or none", "w9"),
)

_EMPLOYMENT_COLUMNS = (
    _C("employment_status", "employment.status", "See Codes", "employed"),
    _C("employer", "employment.employer", "Required when employed or self-employed", "Acme Corp"),
    _C("occupation", "employment.occupation", "", "Engineer"),
    _C(
        "employer_business",
        "employment.employer_business",
        "Nature of the business",
        "Manufacturing",
    ),
    _C("employer_country", "employment.employer_country", "ISO code", "US"),
)

_FINANCIAL_COLUMNS = (
    _C("annual_net_income", "financial.annual_net_income", "Amount, no currency sign", "150000"),
    _C("net_worth", "financial.net_worth", "Amount", "900000"),
    _C("liquid_net_worth", "financial.liquid_net_worth", "Amount, at most the net worth", "400000"),
    _C("currency", "financial.currency", "ISO 4217 code of the amounts", "USD"),
    _C(
        "source_of_funds",
        "financial.source_of_funds",
        "One or more codes separated by commas",
        "employment_income, savings",
    ),
    _C(
        "investment_objectives",
        "financial.investment_objectives",
        "One or more codes separated by commas",
        "growth, income",
    ),
)


def _trading_columns() -> tuple[ProfileColumn, ...]:
    columns: list[ProfileColumn] = []
    for product in Product:
        name, path = product.value, f"trading.{product.value}"
        columns += [
            _C(f"{name}_years", f"{path}.years_experience", "0-80", "5"),
            _C(f"{name}_trades_per_year", f"{path}.trades_per_year", "0-100000", "20"),
            _C(
                f"{name}_knowledge", f"{path}.knowledge", "none, limited, good or extensive", "good"
            ),
        ]
    columns.append(
        _C(
            "trading_permissions",
            "trading.permissions",
            "Products the client may trade, separated by commas; options and futures "
            "need at least limited knowledge",
            "stocks, funds",
        )
    )
    return tuple(columns)


_PROSPECT_COLUMNS = (
    _C("account_type", "prospect.account_type", "See Codes", "individual"),
    _C("priority", "prospect.priority", "low, medium or high", "high"),
    _C("marketing_source", "prospect.marketing_source", "See Codes", "referral"),
    _C("notes", "prospect.notes", "Up to 2000 characters", "Met at the spring seminar"),
)

PROFILE_COLUMNS: tuple[ProfileColumn, ...] = (
    *_CONTACT_COLUMNS,
    *_ADDRESS_COLUMNS,
    *_TAX_COLUMNS,
    *_EMPLOYMENT_COLUMNS,
    *_FINANCIAL_COLUMNS,
    *_trading_columns(),
    *_PROSPECT_COLUMNS,
)
"""(column name, dotted path, label, description, example) of every profile leaf, in form order."""

REQUIRED_COLUMNS = ("first_name", "last_name")
COLUMN_BY_NAME: dict[str, ProfileColumn] = {column.name: column for column in PROFILE_COLUMNS}
COLUMN_BY_PATH: dict[str, ProfileColumn] = {column.path: column for column in PROFILE_COLUMNS}

_LIST_SEPARATORS = re.compile(r"[,;\n]")


def cell_value(value: Any) -> Any:
    """A leaf value as a spreadsheet cell holds it: codes as text, lists comma-separated."""
    if isinstance(value, list):
        return ", ".join(plain(item) for item in value)
    if isinstance(value, StrEnum):
        return value.value
    return value


_COLUMN_STEPS = tuple((column.name, tuple(column.path.split("."))) for column in PROFILE_COLUMNS)


def flatten(profile: Profile) -> dict[str, Any]:
    """Column name -> cell value (None when empty) for every column of ``PROFILE_COLUMNS``."""
    row: dict[str, Any] = {}
    for name, steps in _COLUMN_STEPS:  # ``value_at`` with the paths split once
        value: Any = profile
        for step in steps:
            value = getattr(value, step, None)
            if value is None:
                break
        row[name] = cell_value(value)
    return row


def unflatten(row: Mapping[str, Any]) -> Profile:
    """The profile of a flat row keyed by column name; raises pydantic ``ValidationError``.

    Blank cells are absent values; list columns accept codes separated by , ; or new lines.
    Error locations are dotted paths; ``column_for_error`` turns them into column names.
    """
    unknown = set(row) - COLUMN_BY_NAME.keys()
    if unknown:
        raise KeyError(f"unknown profile columns: {', '.join(sorted(unknown))}")
    nested: dict[str, Any] = {}
    for name, value in row.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        path = COLUMN_BY_NAME[name].path
        if is_list_path(path) and isinstance(value, str):
            value = [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]
        _put(nested, path.split("."), value)
    return Profile.model_validate(nested)


def _put(target: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def error_path(loc: tuple[int | str, ...]) -> str:
    """The dotted path of a pydantic error location (list indexes dropped)."""
    return ".".join(part for part in loc if isinstance(part, str))


def column_for_error(loc: tuple[int | str, ...]) -> str:
    """The column a validation error belongs to (its dotted path if no column matches)."""
    path = error_path(loc)
    column = COLUMN_BY_PATH.get(path)
    return column.name if column else path
