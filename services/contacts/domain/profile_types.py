"""Value types of the contact profile: text, codes, countries, languages, currencies, money,
phones, dates, postal codes and states.

Every parser takes what a person typed (or what a spreadsheet cell held) and either returns the
canonical value or raises ``ValueError`` with a message that says what is wrong and what is
expected; pydantic turns those into errors located at the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, lru_cache
from typing import Annotated, Any, TypeVar

import phonenumbers
import pycountry
from pydantic import AfterValidator, BeforeValidator, Field

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CENT = Decimal("0.01")

E = TypeVar("E", bound=StrEnum)


# --- text ---------------------------------------------------------------------------------


def clean_text(value: Any) -> Any:
    """Strip a string, unify line breaks, refuse control characters; blank becomes None."""
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL_CHARS.search(text):
        raise ValueError("contains control characters (binary data?)")
    return text or None


def clean_value(value: Any) -> Any:
    """``clean_text`` for a scalar, item by item for a list (blank items dropped, empty -> None)."""
    if isinstance(value, list | tuple):
        items = [clean_text(item) for item in value]
        kept = [item for item in items if item is not None]
        return kept or None
    return clean_text(value)


def fold(text: str) -> str:
    """Case- and accent-insensitive key: "Tôkyô" -> "tokyo"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


# --- codes (enums) ------------------------------------------------------------------------

_MEANINGS: dict[StrEnum, str] = {}
_CODE_LOOKUPS: dict[type[StrEnum], dict[str, StrEnum]] = {}


def describe_codes(meanings: dict[Any, str]) -> None:
    """Register the human meaning of enum codes (shown in the template and in PDFs)."""
    _MEANINGS.update(meanings)
    _CODE_LOOKUPS.clear()  # meanings are keys of the lookups: build them again
    _find_code.cache_clear()


def meaning(code: StrEnum) -> str:
    """The human meaning of a code, e.g. ``AccountType.ROTH_IRA`` -> "Roth IRA"."""
    return _MEANINGS.get(code) or code.value.replace("_", " ").capitalize()


def code_parser(enum: type[E]) -> Callable[[Any], Any]:
    """Accept a code case-insensitively, ignoring punctuation, or its meaning ("Self-employed")."""

    def parse(value: Any) -> Any:
        if isinstance(value, enum) or not isinstance(value, str):
            return value
        member = _find_code(enum, value)
        if member is not None:
            return member
        allowed = ", ".join(member.value for member in enum)
        raise ValueError(f"unknown code {value!r}; allowed: {allowed}")

    parse.code_enum = enum  # type: ignore[attr-defined]
    return parse


@lru_cache(maxsize=4096)
def _find_code(enum: type[StrEnum], text: str) -> StrEnum | None:
    """The member a text names (see ``code_parser``), remembered for the texts seen last."""
    return _code_lookup(enum).get(fold(text))


def _code_lookup(enum: type[E]) -> dict[str, E]:
    """Folded code and folded meaning -> member, built once per enum (until new meanings are
    described). A key of two members stays with the first one in declaration order, as a scan
    of the members would find it."""
    lookup = _CODE_LOOKUPS.get(enum)
    if lookup is None:
        lookup = {}
        for member in enum:
            lookup.setdefault(fold(member.value), member)
            lookup.setdefault(fold(meaning(member)), member)
        _CODE_LOOKUPS[enum] = lookup
    return lookup  # type: ignore[return-value]


def canonical_codes(codes: list[E] | None) -> list[E] | None:
    """A list of codes used as a set: duplicates dropped, in the order the enum declares."""
    if not codes:
        return None
    present = set(codes)
    return [member for member in type(codes[0]) if member in present]


# --- countries, languages, currencies -----------------------------------------------------

_COUNTRY_ALIASES = {
    "UK": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "GREAT BRITAIN": "GB",
    "USA": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "UNITED STATES OF AMERICA": "US",
    "AMERICA": "US",
    "SOUTH KOREA": "KR",
    "RUSSIA": "RU",
}


def to_country(value: Any) -> Any:
    """ISO 3166-1 alpha-2 from alpha-2, alpha-3, numeric or English name."""
    if not isinstance(value, str):
        return value
    alias = _COUNTRY_ALIASES.get(value.strip().upper())
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(value.strip()).alpha_2
    except LookupError:
        raise ValueError(
            f"unknown country {value!r}; use an ISO 3166 code such as US, GB or JP"
        ) from None


def to_language(value: Any) -> Any:
    """ISO 639-1 (two letters) from a two- or three-letter code or the English name."""
    if not isinstance(value, str):
        return value
    language = _language(value.strip())
    if language is None:
        raise ValueError(f"unknown language {value!r}; use an ISO 639-1 code such as en, es or ja")
    code = getattr(language, "alpha_2", None)
    if code is None:
        raise ValueError(f"{language.name} has no ISO 639-1 two-letter code")
    return code


def _language(text: str) -> Any:
    """By code first (a name lookup would take "en" for the En language), then by name."""
    key = text.lower()
    found = pycountry.languages.get(alpha_2=key) or pycountry.languages.get(alpha_3=key)
    if found is not None:
        return found
    try:
        return pycountry.languages.lookup(text)
    except LookupError:
        return None


def to_currency(value: Any) -> Any:
    """ISO 4217 code from the code (any case) or the English name ("Euro")."""
    if not isinstance(value, str):
        return value
    try:
        return pycountry.currencies.lookup(value.strip()).alpha_3
    except LookupError:
        raise ValueError(
            f"unknown currency {value!r}; use an ISO 4217 code such as USD, EUR or JPY"
        ) from None


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


Country = Annotated[str, BeforeValidator(to_country), Field(pattern=r"^[A-Z]{2}$")]
Language = Annotated[str, BeforeValidator(to_language), Field(pattern=r"^[a-z]{2}$")]
CurrencyCode = Annotated[str, BeforeValidator(to_currency), Field(pattern=r"^[A-Z]{3}$")]


# --- money --------------------------------------------------------------------------------


def to_decimal(value: Any) -> Any:
    """Amounts as typed: "1,250,000.50", " 1 000 ", floats from spreadsheets (via repr)."""
    if isinstance(value, bool):
        raise ValueError("expected an amount")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip().replace(" ", "").replace("_", "")
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount; write digits like 1250000.50") from None
    return value


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT)


# 15 significant digits survive a spreadsheet's floating point exactly.
Money = Annotated[
    Decimal,
    BeforeValidator(to_decimal),
    Field(ge=0, max_digits=15, decimal_places=2),
    AfterValidator(to_cents),
]


# --- dates --------------------------------------------------------------------------------


def to_date(value: Any) -> Any:
    """Dates from ISO text or spreadsheet dates; plain numbers are refused (not epoch seconds)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        raise ValueError("expected a date written as YYYY-MM-DD")
    return value


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def plausible_birth_date(value: date) -> date:
    today = date.today()
    if value > today:
        raise ValueError("date of birth is in the future")
    if value < years_before(today, 120):
        raise ValueError("date of birth is more than 120 years ago")
    return value


BirthDate = Annotated[date, BeforeValidator(to_date), AfterValidator(plausible_birth_date)]


# --- phones -------------------------------------------------------------------------------


def to_e164(value: str, region: str | None = None) -> str:
    """A valid phone number in E.164 (+12015550123); national numbers need ``region``."""
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(_phone_problem(value, region))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_problem(value: str, region: str | None) -> str:
    if region:
        return f"{value!r} is not a valid phone number (national numbers are read as {region})"
    if value.strip().startswith(("+", "00")):
        return f"{value!r} is not a valid phone number"
    return (
        f"{value!r} is not a valid phone number: write it as +<country code> <number> "
        "(a national number is accepted when it is valid in the residential country)"
    )


def national_to_e164(value: Any, region: str | None) -> Any:
    """Best effort for a national number when the residential country is known; else unchanged."""
    if not isinstance(value, str) or not region or value.strip().startswith(("+", "00")):
        return value
    try:
        return to_e164(value, region)
    except ValueError:
        return value


# --- postal codes ---------------------------------------------------------------------------

_POSTAL_FORMATS: dict[str, tuple[str, str, str]] = {
    # country: (pattern on the upper-cased code, canonical form from the groups, example)
    "US": (r"(\d{5})(?:[- ]?(\d{4}))?", "{0}-{1}", "12345 or 12345-6789"),
    "CA": (r"([A-Z]\d[A-Z]) ?(\d[A-Z]\d)", "{0} {1}", "K1A 0B1"),
    "GB": (r"([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})", "{0} {1}", "SW1A 1AA"),
    "JP": (r"(\d{3})-?(\d{4})", "{0}-{1}", "100-0001"),
    "DE": (r"(\d{5})", "{0}", "10117"),
    "FR": (r"(\d{5})", "{0}", "75008"),
    "IT": (r"(\d{5})", "{0}", "00184"),
    "ES": (r"(\d{5})", "{0}", "28013"),
    "AU": (r"(\d{4})", "{0}", "2000"),
    "CH": (r"(\d{4})", "{0}", "8001"),
    "NL": (r"(\d{4}) ?([A-Z]{2})", "{0} {1}", "1012 AB"),
    "IN": (r"(\d{3}) ?(\d{3})", "{0}{1}", "110001"),
}


def normalize_postal_code(code: str, country: str | None) -> str:
    rule = _POSTAL_FORMATS.get(country or "")
    if rule is None:
        return code
    pattern, canonical, example = rule
    match = re.fullmatch(pattern, code.upper())
    if match is None:
        raise ValueError(
            f"{code!r} is not a postal code of {country_name(country or '')} "
            f"(expected e.g. {example})"
        )
    groups = [group for group in match.groups() if group]
    return canonical.format(*groups) if len(groups) > 1 else groups[0]


# --- states and provinces -----------------------------------------------------------------

SUBDIVISION_COUNTRIES = ("US", "CA", "AU", "MX", "BR", "IN")


@cache
def subdivisions(country: str) -> dict[str, str]:
    """Short code ("NY") -> name of the top-level subdivisions of ``country``."""
    found = pycountry.subdivisions.get(country_code=country) or []
    return {
        sub.code.split("-", 1)[1]: sub.name
        for sub in found
        if getattr(sub, "parent_code", None) is None
    }


@cache
def _subdivisions_by_name(country: str) -> dict[str, str]:
    """Folded name -> short code of the top-level subdivisions of ``country``."""
    return {fold(name): short for short, name in subdivisions(country).items()}


def normalize_subdivision(value: str, country: str | None) -> str:
    """The short ISO 3166-2 code of a state/province for the countries we check, else as typed."""
    if country not in SUBDIVISION_COUNTRIES:
        return value
    known = subdivisions(country)
    code = value.upper().removeprefix(f"{country}-")
    if code in known:
        return code
    by_name = _subdivisions_by_name(country)
    if fold(value) in by_name:
        return by_name[fold(value)]
    examples = ", ".join(list(known)[:3])
    raise ValueError(
        f"{value!r} is not a state/province of {country_name(country)}; "
        f"use its code (e.g. {examples}) or full name"
    )
