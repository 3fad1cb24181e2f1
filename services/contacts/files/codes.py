"""The allowed codes of every enumerated profile column, with their meaning (for people)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

import pycountry

from services.contacts.domain.profile_fields import before_validators, code_enum, is_list_path
from services.contacts.domain.profile_types import (
    SUBDIVISION_COUNTRIES,
    country_name,
    meaning,
    subdivisions,
    to_country,
    to_currency,
    to_language,
)
from services.contacts.files.profile_columns import PROFILE_COLUMNS


@dataclass(frozen=True)
class CodeList:
    key: str
    title: str
    codes: tuple[tuple[str, str], ...]
    """(code, meaning), in the order to offer them"""
    columns: tuple[str, ...]
    """profile columns that take these codes"""
    multiple: bool
    """whether a cell may hold several codes separated by commas"""


_TITLES = {"W8W9Form": "W-8/W-9 form", "Product": "Product (trading permissions)"}


def _enum_title(enum: type[StrEnum]) -> str:
    title = _TITLES.get(enum.__name__)
    return title or re.sub(r"(?<!^)(?=[A-Z])", " ", enum.__name__).capitalize()


def _enum_codes(enum: type[StrEnum]) -> tuple[tuple[str, str], ...]:
    return tuple((member.value, meaning(member)) for member in enum)


def _countries() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((c.alpha_2, country_name(c.alpha_2)) for c in pycountry.countries))


def _languages() -> tuple[tuple[str, str], ...]:
    found = {(lang.alpha_2, lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2")}
    return tuple(sorted(found))


def _currencies() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((c.alpha_3, c.name) for c in pycountry.currencies))


_LOOKUPS: dict[Callable[[Any], Any], tuple[str, str, Callable[[], tuple[tuple[str, str], ...]]]]
_LOOKUPS = {
    to_country: ("country", "Countries (ISO 3166)", _countries),
    to_language: ("language", "Languages (ISO 639-1)", _languages),
    to_currency: ("currency", "Currencies (ISO 4217)", _currencies),
}


def _source(path: str) -> tuple[str, str, Callable[[], tuple[tuple[str, str], ...]]] | None:
    enum = code_enum(path)
    if enum is not None:
        return enum.__name__, _enum_title(enum), lambda: _enum_codes(enum)
    return next((_LOOKUPS[f] for f in before_validators(path) if f in _LOOKUPS), None)


@cache
def code_lists() -> tuple[CodeList, ...]:
    """Every code list, in the order its first column appears in ``PROFILE_COLUMNS``."""
    found: dict[str, tuple[str, Callable[[], Any], list[str], bool]] = {}
    for column in PROFILE_COLUMNS:
        source = _source(column.path)
        if source is None:
            continue
        key, title, codes = source
        entry = found.setdefault(key, (title, codes, [], is_list_path(column.path)))
        entry[2].append(column.name)
    return tuple(
        CodeList(key, title, codes(), tuple(columns), multiple)
        for key, (title, codes, columns, multiple) in found.items()
    )


def code_list_of(column: str) -> CodeList | None:
    return next((codes for codes in code_lists() if column in codes.columns), None)


def subdivision_rows() -> list[tuple[str, str, str]]:
    """(country, code, name) of the states/provinces the profile checks."""
    return [
        (country, code, name)
        for country in SUBDIVISION_COUNTRIES
        for code, name in sorted(subdivisions(country).items())
    ]
