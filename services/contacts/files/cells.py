"""Spreadsheet cell safety (OWASP "CSV injection"): neutralize on export, refuse on import.

A text cell that starts with ``= + - @`` (or tab / carriage return) may be run as a formula by
a spreadsheet. Exports prefix such text with an apostrophe; imports refuse it unless it is a
plain number or phone number, and accept the apostrophe-prefixed form back as the literal text.
A text that itself starts with an apostrophe before one of those characters gets one more
apostrophe on export, so export -> import gives back exactly what was stored.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"
_ESCAPABLE = frozenset((*FORMULA_PREFIXES, _QUOTE))
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_PHONE = re.compile(r"\+[\d ()./-]{4,30}")


def neutralize(value: Any) -> Any:
    """The exported form of a cell value: risky text gets a leading apostrophe."""
    if isinstance(value, str) and _needs_quote(value):
        return _QUOTE + value
    return value


def _needs_quote(text: str) -> bool:
    if text.startswith(FORMULA_PREFIXES):
        return True
    return text.startswith(_QUOTE) and text[1:2] in _ESCAPABLE


def is_quoted(text: str) -> bool:
    """True for an apostrophe-escaped value as ``neutralize`` writes it."""
    return text.startswith(_QUOTE) and text[1:2] in _ESCAPABLE


def formula_problem(text: str) -> str | None:
    """Why an imported text cell may not be taken as it is, or None if it is safe."""
    stripped = text.strip()
    if not text.startswith(FORMULA_PREFIXES) and not stripped.startswith(FORMULA_PREFIXES):
        return None
    if _PLAIN_NUMBER.fullmatch(stripped) or _PHONE.fullmatch(stripped):
        return None
    first = stripped[:1] if not text.startswith(("\t", "\r")) else text[:1]
    return (
        f"starts with {first!r} and could run as a spreadsheet formula; formulas are not "
        "accepted — enter the value itself (in a CSV file, an apostrophe in front keeps it "
        "as text)"
    )


def imported_text(text: str) -> str:
    """The literal text of an apostrophe-escaped cell, else the text unchanged."""
    return text[1:] if is_quoted(text) else text
