"""The profile's sections and fields described for building forms (GET /contacts/profile-form).

Built once from the profile model and its column list, so the portal's forms never drift from
what the service validates.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

import pycountry
from pydantic import EmailStr

from contracts.api.contacts import FormChoice, ProfileField, ProfileForm, ProfileSectionForm
from services.contacts.domain.profile import PHONE_FIELDS, Product
from services.contacts.domain.profile_fields import (
    SECTION_TITLES,
    annotation_parts,
    before_validators,
    code_enum,
    is_list_path,
)
from services.contacts.domain.profile_types import country_name, meaning, to_country
from services.contacts.files.profile_columns import PROFILE_COLUMNS, REQUIRED_COLUMNS, ProfileColumn

PRODUCT_FIELD_LABELS = {
    "years_experience": "Years of experience",
    "trades_per_year": "Trades per year",
    "knowledge": "Knowledge",
}
HINTS_OF_CODES = ("See Codes", "ISO country code", "ISO code", "ISO country code of residence")


@cache
def profile_form() -> ProfileForm:
    sections: dict[str, list[ProfileField]] = {name: [] for name in SECTION_TITLES}
    for column in PROFILE_COLUMNS:
        section, _, name = column.path.partition(".")
        sections[section].append(_field(column, name))
    return ProfileForm(
        sections=[
            ProfileSectionForm(name=name, title=SECTION_TITLES[name], fields=fields)  # type: ignore[arg-type]
            for name, fields in sections.items()
        ]
    )


def _field(column: ProfileColumn, name: str) -> ProfileField:
    kind, choices = _kind(column)
    group, _, leaf = name.rpartition(".")
    label = PRODUCT_FIELD_LABELS.get(leaf, column.label) if group else column.label
    hint = column.description
    if kind in ("select", "multiselect", "email", "date") or hint in ("Required", *HINTS_OF_CODES):
        hint = ""
    return ProfileField(
        name=name,
        label=label,
        kind=kind,
        required=column.name in REQUIRED_COLUMNS,
        hint=hint,
        group=meaning(Product(group)) if group else None,
        choices=choices,
    )


def _kind(column: ProfileColumn) -> tuple[str, list[FormChoice]]:
    path = column.path
    parts = annotation_parts(path)
    enum = code_enum(path)
    if enum is not None:
        choices = [FormChoice(value=member.value, label=meaning(member)) for member in enum]
        return ("multiselect" if is_list_path(path) else "select"), choices
    if to_country in before_validators(path):
        return "select", _countries()
    if EmailStr in parts:
        return "email", []
    if path.rpartition(".")[2] in PHONE_FIELDS:
        return "tel", []
    if date in parts:
        return "date", []
    if Decimal in parts:
        return "amount", []
    if int in parts:
        return "integer", []
    if path == "prospect.notes":
        return "textarea", []
    return "text", []


@cache
def _countries() -> list[FormChoice]:
    codes = sorted(
        (country.alpha_2 for country in pycountry.countries), key=lambda code: country_name(code)
    )
    return [FormChoice(value=code, label=country_name(code)) for code in codes]
