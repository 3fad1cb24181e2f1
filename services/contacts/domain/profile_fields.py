"""The leaves of the contact profile: their dotted paths, types, labels and values.

A leaf's path (``contact.email``, ``trading.options.knowledge``) names it in the audit trail, the
merge and the forms; ``PROFILE_FIELDS`` lists every leaf with its label in form order, and
``SECTION_TITLES`` names the sections. ``changed_paths`` lists the changed leaves of an edit.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, NamedTuple, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator

from services.contacts.domain.profile import Product, Profile

# --- paths and types ----------------------------------------------------------------------


def _unwrap(annotation: Any) -> Iterator[Any]:
    """Every type and ``Annotated`` metadata item inside an annotation."""
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from annotation.__metadata__
        yield from _unwrap(get_args(annotation)[0])
    elif origin in (Union, types.UnionType, list):
        if origin is list:
            yield list
        for arg in get_args(annotation):
            yield from _unwrap(arg)
    else:
        yield annotation


def _section_type(annotation: Any) -> type[BaseModel] | None:
    for item in _unwrap(annotation):
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def _leaf_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, info in model.model_fields.items():
        nested = _section_type(info.annotation)
        if nested is None:
            yield prefix + name, info.annotation
        else:
            yield from _leaf_fields(nested, f"{prefix}{name}.")


LEAF_TYPES: dict[str, Any] = dict(_leaf_fields(Profile))
"""Dotted path of every leaf of the profile -> its annotation."""


def annotation_parts(path: str) -> list[Any]:
    """The types and ``Annotated`` metadata of a leaf (e.g. ``[BeforeValidator(...), str]``)."""
    return list(_annotation_parts(path))


@cache
def _annotation_parts(path: str) -> tuple[Any, ...]:
    return tuple(_unwrap(LEAF_TYPES[path]))


def before_validators(path: str) -> list[Any]:
    """The functions of the ``BeforeValidator``s of a leaf's type."""
    return [item.func for item in annotation_parts(path) if isinstance(item, BeforeValidator)]


def is_list_path(path: str) -> bool:
    return list in _annotation_parts(path)


def code_enum(path: str) -> type[StrEnum] | None:
    """The code enum of a leaf, if it holds codes."""
    for func in before_validators(path):
        enum = getattr(func, "code_enum", None)
        if enum is not None:
            return enum
    return None


def value_at(profile: Profile, path: str) -> Any:
    value: Any = profile
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value


def plain(value: Any) -> Any:
    """A JSON-ready form of a leaf value (for the audit trail)."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def changed_paths(before: Profile, after: Profile) -> dict[str, tuple[Any, Any]]:
    """Dotted path -> (old, new) of every leaf that differs, values JSON-ready."""
    changes: dict[str, tuple[Any, Any]] = {}
    for path in LEAF_TYPES:
        old, new = value_at(before, path), value_at(after, path)
        if old != new:
            changes[path] = (plain(old), plain(new))
    return changes


# --- labels -------------------------------------------------------------------------------

SECTION_TITLES = {
    "contact": "Contact information",
    "address": "Residential address",
    "tax": "Tax information",
    "employment": "Employment",
    "financial": "Financial information",
    "trading": "Trading experience and permissions",
    "prospect": "Prospect information",
}


class ProfileField(NamedTuple):
    path: str
    label: str


_F = ProfileField

_CONTACT_FIELDS = (
    _F("contact.salutation", "Salutation"),
    _F("contact.first_name", "First name"),
    _F("contact.middle_name", "Middle name"),
    _F("contact.last_name", "Last name"),
    _F("contact.suffix", "Suffix"),
    _F("contact.email", "Email"),
    _F("contact.secondary_email", "Secondary email"),
    _F("contact.mobile_phone", "Mobile phone"),
    _F("contact.home_phone", "Home phone"),
    _F("contact.work_phone", "Work phone"),
    _F("contact.date_of_birth", "Date of birth"),
    _F("contact.citizenship", "Citizenship"),
    _F("contact.preferred_language", "Preferred language"),
)

_ADDRESS_FIELDS = (
    _F("address.street_line_1", "Street"),
    _F("address.street_line_2", "Street (line 2)"),
    _F("address.city", "City"),
    _F("address.state_province", "State/province"),
    _F("address.postal_code", "Postal code"),
    _F("address.country", "Country"),
)

_TAX_FIELDS = (
    _F("tax.tax_residence_country", "Tax residence country"),
    _F("tax.tax_id_type", "Tax id type"),
    _F("tax.tax_id", "Tax id"),
    _F("tax.w8_w9_form", "W-8/W-9 form"),
)

_EMPLOYMENT_FIELDS = (
    _F("employment.status", "Employment status"),
    _F("employment.employer", "Employer"),
    _F("employment.occupation", "Occupation"),
    _F("employment.employer_business", "Employer's business"),
    _F("employment.employer_country", "Employer country"),
)

_FINANCIAL_FIELDS = (
    _F("financial.annual_net_income", "Annual net income"),
    _F("financial.net_worth", "Net worth"),
    _F("financial.liquid_net_worth", "Liquid net worth"),
    _F("financial.currency", "Currency"),
    _F("financial.source_of_funds", "Source of funds"),
    _F("financial.investment_objectives", "Investment objectives"),
)


def _trading_fields() -> tuple[ProfileField, ...]:
    fields: list[ProfileField] = []
    for product in Product:
        path, label = f"trading.{product.value}", product.value.capitalize()
        fields += [
            _F(f"{path}.years_experience", f"{label}: years"),
            _F(f"{path}.trades_per_year", f"{label}: trades per year"),
            _F(f"{path}.knowledge", f"{label}: knowledge"),
        ]
    fields.append(_F("trading.permissions", "Trading permissions"))
    return tuple(fields)


_PROSPECT_FIELDS = (
    _F("prospect.account_type", "Account type"),
    _F("prospect.priority", "Priority"),
    _F("prospect.marketing_source", "Marketing source"),
    _F("prospect.notes", "Notes"),
)

PROFILE_FIELDS: tuple[ProfileField, ...] = (
    *_CONTACT_FIELDS,
    *_ADDRESS_FIELDS,
    *_TAX_FIELDS,
    *_EMPLOYMENT_FIELDS,
    *_FINANCIAL_FIELDS,
    *_trading_fields(),
    *_PROSPECT_FIELDS,
)
"""(dotted path, label) of every leaf of the profile, in form order."""

LABELS: dict[str, str] = dict(PROFILE_FIELDS)
"""dotted path -> label"""
