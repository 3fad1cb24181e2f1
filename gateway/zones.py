"""The country of a time zone (tz database's zone.tab): where a master's national phone numbers
are read by default when its address book is imported (issue 15)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def _countries() -> dict[str, str]:
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    countries: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _, zone, *_ = line.split("\t")
        countries[zone] = code
    return countries


def country_of_zone(zone: str, default: str = "US") -> str:
    """The ISO country of an IANA zone (America/Chicago: US), ``default`` for UTC and others."""
    return _countries().get(zone, default)
