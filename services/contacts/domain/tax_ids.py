"""Taxpayer identification numbers, checked and normalized with python-stdnum.

US numbers are checked by their type (SSN, ITIN, EIN). A foreign TIN is checked against the
stdnum modules of its tax residence country: the personal tax or identity numbers listed here,
then stdnum's generic ``personalid`` and ``vat`` modules of the country. Countries stdnum does not
know get a plain format check. Valid numbers are stored in the number's usual written form
(``536-90-4399``), which is unique per number and survives spreadsheets as text.
"""

from __future__ import annotations

import re
from enum import StrEnum
from types import ModuleType

from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.us import ein, itin, ssn

from services.contacts.domain.profile_types import country_name


class TaxIdType(StrEnum):
    SSN = "ssn"
    ITIN = "itin"
    EIN = "ein"
    FOREIGN_TIN = "foreign_tin"


US_TAX_ID_TYPES = frozenset({TaxIdType.SSN, TaxIdType.ITIN, TaxIdType.EIN})

_US_MODULES: dict[TaxIdType, ModuleType] = {
    TaxIdType.SSN: ssn,
    TaxIdType.ITIN: itin,
    TaxIdType.EIN: ein,
}

# Personal (and, for organizations, business) tax numbers by country, most likely first.
_FOREIGN_MODULES: dict[str, tuple[str, ...]] = {
    "AT": ("tin",),
    "AU": ("tfn", "abn"),
    "BE": ("nn",),
    "BR": ("cpf", "cnpj"),
    "CA": ("sin", "bn"),
    "CH": ("ssn", "uid"),
    "CN": ("ric", "uscc"),
    "DE": ("idnr", "stnr"),
    "DK": ("cpr",),
    "ES": ("nif",),
    "FI": ("hetu",),
    "FR": ("nif",),
    "GB": ("utr",),
    "IE": ("pps",),
    "IN": ("pan",),
    "IT": ("codicefiscale",),
    "JP": ("in_", "cn"),
    "KR": ("rrn",),
    "MX": ("rfc", "curp"),
    "NL": ("bsn",),
    "NO": ("fodselsnummer",),
    "PL": ("pesel", "nip"),
    "PT": ("nif",),
    "SE": ("personnummer",),
}

_GENERIC_TIN = re.compile(r"^[A-Z0-9][A-Z0-9 ./-]{2,39}$")


def normalize_tax_id(value: str, kind: TaxIdType, country: str | None) -> str:
    """The checked, normalized tax id, or ``ValueError`` saying what was expected."""
    if kind in _US_MODULES:
        return _checked(value, (_US_MODULES[kind],), f"a valid US {kind.value.upper()}")
    if not country:
        raise ValueError("a foreign TIN needs the tax residence country to be checked")
    modules = country_modules(country)
    if not modules:
        return _generic(value)
    expected = " or ".join(_describe(module) for module in modules)
    return _checked(value, modules, f"a valid {country_name(country)} tax id: {expected}")


def country_modules(country: str) -> tuple[ModuleType, ...]:
    """The stdnum modules that can check a tax id of ``country`` (may be empty)."""
    names = (*_FOREIGN_MODULES.get(country, ()), "personalid", "vat")
    found: list[ModuleType] = []
    for name in names:
        module = _module(country, name)
        if module is not None and module not in found:
            found.append(module)
    return tuple(found)


def _module(country: str, name: str) -> ModuleType | None:
    try:
        return get_cc_module(country.lower(), name)  # type: ignore[return-value]
    except ImportError:
        return None


def _checked(value: str, modules: tuple[ModuleType, ...], expected: str) -> str:
    for module in modules:
        try:
            compact = module.validate(value)
        except StdnumError:
            continue
        return module.format(compact) if hasattr(module, "format") else compact
    raise ValueError(f"{value!r} is not {expected}")


def _describe(module: ModuleType) -> str:
    first_line = (module.__doc__ or module.__name__).strip().splitlines()[0]
    return first_line.split(" (")[0].rstrip(".")


def _generic(value: str) -> str:
    text = value.upper()
    if not _GENERIC_TIN.match(text):
        raise ValueError(
            f"{value!r} is not a tax id: use 3 to 40 letters, digits, spaces, '.', '/' or '-'"
        )
    return text
