"""Contacts from vCard files (C4): vCard 2.1, 3.0 and 4.0, one or many cards per file.

Cards are split apart first, so a broken card is reported by its number without hiding the
others' errors. Errors name the card (``CellError.row`` = card number, 1-based) and the vCard
property (``CellError.column``, e.g. "TEL"); a property's error starts with its line in the file
("line 7: ..."), so two TEL lines of one card are told apart. Mapped: N, FN, EMAIL, TEL, ADR, ORG,
TITLE, BDAY, NOTE. A name prefix that is not a known salutation and a birthday without a year are
left out.

Real address books' exports are read as the vCard RFCs allow: property and parameter names in any
case, grouped properties (Apple's ``item1.TEL`` with its ``item1.X-ABLabel``), an Apple address's
country code in ``X-ABADR`` when the ADR has none. A phone number in national form
(``(415) 555-2671``) is read in the card's address country, else in the ``default_country`` the
importing user chose (issue 15).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import vobject
from pydantic import ValidationError

from services.contacts.domain.profile import PHONE_FIELDS, Salutation, error_message
from services.contacts.domain.profile_types import code_parser, national_to_e164, to_country
from services.contacts.files.profile_columns import column_for_error, unflatten
from services.contacts.files.results import (
    CellError,
    ContactDraft,
    FileRejected,
    ImportResult,
    duplicate_errors,
)
from services.contacts.files.text import decode_text

MAX_VCARD_BYTES = 1024 * 1024
MAX_CARDS = 100
MAX_NESTING = 2
"""A card may hold another (vCard 2.1's AGENT), which holds none: deeper nesting is refused
before vobject, which reads nested cards recursively, is handed it."""

_PROPERTY_OF_COLUMN = {
    "salutation": "N",
    "first_name": "N",
    "middle_name": "N",
    "last_name": "N",
    "suffix": "N",
    "email": "EMAIL",
    "secondary_email": "EMAIL",
    "mobile_phone": "TEL",
    "home_phone": "TEL",
    "work_phone": "TEL",
    "date_of_birth": "BDAY",
    "street_line_1": "ADR",
    "street_line_2": "ADR",
    "city": "ADR",
    "state_province": "ADR",
    "postal_code": "ADR",
    "country": "ADR",
    "employer": "ORG",
    "occupation": "TITLE",
    "notes": "NOTE",
}
_BDAY = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$")
_parse_salutation = code_parser(Salutation)

Values = dict[str, Any]


def parse_vcards(content: bytes, *, default_country: str | None = None) -> ImportResult:
    """Contacts of every card of a .vcf file, or every error found in it. National phone numbers
    of a card without an address country are read in ``default_country`` (ISO code), if given."""
    try:
        cards = _numbered_cards(_vcard_text(content))
    except FileRejected as rejected:
        return ImportResult.file_error(str(rejected))
    if not cards:
        return ImportResult.file_error("the file holds no vCard (BEGIN:VCARD ... END:VCARD)")
    if len(cards) > MAX_CARDS:
        return ImportResult.file_error(
            f"the file has {len(cards)} vCards; at most {MAX_CARDS} can be imported at once"
        )
    errors: list[CellError] = []
    drafts: list[tuple[int, ContactDraft]] = []
    for number, (first_line, card) in enumerate(cards, start=1):
        draft, card_errors = read_card(
            number, card, first_line=first_line, default_country=default_country
        )
        errors += card_errors
        if draft is not None:
            drafts.append((number, draft))
    errors += duplicate_errors(drafts, unit="card")
    if errors:
        return ImportResult.failed(errors)
    return ImportResult(contacts=[draft for _, draft in drafts])


def _vcard_text(content: bytes) -> str:
    if len(content) > MAX_VCARD_BYTES:
        raise FileRejected(
            f"the file is {len(content):,} bytes; vCard files may have at most {MAX_VCARD_BYTES:,}"
        )
    return decode_text(content)


def split_cards(text: str) -> list[str]:
    """The text of each top-level card (an unterminated last card is kept, to be reported)."""
    return [card for _, card in _numbered_cards(text)]


def _numbered_cards(text: str) -> list[tuple[int, str]]:
    """Each top-level card's first line number in the file, and its text."""
    cards: list[tuple[int, str]] = []
    current: list[str] = []
    start = 1
    depth = 0
    for index, line in enumerate(join_soft_line_breaks(text.splitlines()), start=1):
        marker = line.rstrip().upper()
        depth += marker == "BEGIN:VCARD"
        if depth > MAX_NESTING:
            raise FileRejected(
                f"vCard {len(cards) + 1} holds vCards nested more than {MAX_NESTING} deep; "
                "a contact's card may hold one other card at most"
            )
        if depth:
            if not current:
                start = index
            current.append(line)
        if marker == "END:VCARD" and depth:
            depth -= 1
            if depth == 0:
                cards.append((start, "\r\n".join(current) + "\r\n"))
                current = []
    if current:
        cards.append((start, "\r\n".join(current) + "\r\n"))
    return cards


def join_soft_line_breaks(lines: Iterable[str]) -> list[str]:
    """Quoted-printable values (vCard 2.1) continue on the next line after a trailing "="."""
    joined: list[str] = []
    continues = False
    for line in lines:
        if continues:
            joined[-1] = joined[-1][:-1] + line
        else:
            joined.append(line)
        head = joined[-1].split(":", 1)[0].upper()
        continues = "QUOTED-PRINTABLE" in head and joined[-1].endswith("=")
    return joined


def read_card(
    number: int, text: str, *, first_line: int = 1, default_country: str | None = None
) -> tuple[ContactDraft | None, list[CellError]]:
    try:
        card = vobject.readOne(text)
    except RecursionError:
        return None, [CellError(number, "", "the card cannot be read: it is nested too deeply")]
    except Exception as exc:  # vobject raises assorted errors on damaged cards
        return None, [CellError(number, "", f"the card cannot be read: {exc}")]
    values, errors = card_values(card, number)
    values = _national_phones(card, values, default_country)
    lines = _property_lines(text, first_line)
    try:
        profile = unflatten(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            column = column_for_error(error["loc"])
            where = _line_of(card, column, values, lines)
            message = error_message(error)
            errors.append(
                CellError(
                    number, _property(column), f"line {where}: {message}" if where else message
                )
            )
        return None, errors
    if errors:
        return None, errors
    return ContactDraft.of(profile), []


def _property(column: str) -> str:
    return _PROPERTY_OF_COLUMN.get(column, column)


def _property_lines(text: str, first_line: int) -> dict[str, list[int]]:
    """The file line numbers of each property of a card (by upper-case name, group left out),
    in the order the card writes them (vobject keeps that order)."""
    lines: dict[str, list[int]] = {}
    for offset, line in enumerate(text.splitlines()):
        if not line or line[0] in " \t":
            continue  # a folded line's continuation
        name = re.split(r"[;:]", line, maxsplit=1)[0].rsplit(".", 1)[-1].strip().upper()
        lines.setdefault(name, []).append(first_line + offset)
    return lines


def _line_of(card: Any, column: str, values: Values, lines: dict[str, list[int]]) -> int | None:
    """The file line of the property a profile column was read from."""
    name = _property(column)
    numbers = lines.get(name, [])
    if name == "TEL":
        wanted = values.get(column)
        for index, line in enumerate(_lines(card, "tel")):
            if index < len(numbers) and _tel_number(_text(line.value)) == wanted:
                return numbers[index]
        return numbers[0] if len(numbers) == 1 else None
    if name == "EMAIL":
        wanted = values.get(column)
        for index, line in enumerate(_lines(card, "email")):
            if index < len(numbers) and _text(line.value) == wanted:
                return numbers[index]
        return None
    if name == "ADR":
        chosen = _chosen_address(_lines(card, "adr"))
        if chosen is None:
            return None
        index = _lines(card, "adr").index(chosen)
        return numbers[index] if index < len(numbers) else None
    return numbers[0] if numbers else None


def _national_phones(card: Any, values: Values, default_country: str | None) -> Values:
    """Phone numbers in national form read in the address's country, else the default country
    the importing user chose; any other number is left for the profile's rules to judge."""
    region = _country_code(values.get("country")) or (
        None if values.get("country") else default_country
    )
    if values.get("country") is None and (apple := _apple_country(card)):
        values = {**values, "country": apple}
        region = apple
    if not region:
        return values
    return {
        key: national_to_e164(value, region) if key in PHONE_FIELDS else value
        for key, value in values.items()
    }


def _country_code(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return to_country(value)
    except ValueError:
        return None


def _apple_country(card: Any) -> str | None:
    """Apple Contacts writes an address's ISO country code as ``itemN.X-ABADR`` beside
    ``itemN.ADR``, and leaves ADR's country empty when the user did not type one."""
    chosen = _chosen_address(_lines(card, "adr"))
    if chosen is None or not chosen.group:
        return None
    for line in _lines(card, "x-abadr"):
        if line.group and line.group.lower() == chosen.group.lower():
            return _country_code(_text(line.value).upper())
    return None


def card_values(card: Any, number: int) -> tuple[Values, list[CellError]]:
    """Profile columns of a card, and the errors of its name."""
    names, errors = _names(card, number)
    values = {
        **names,
        **_emails(_lines(card, "email")),
        **_phones(_lines(card, "tel")),
        **_address(_lines(card, "adr")),
        **_single(card, "org", "employer"),
        **_single(card, "title", "occupation"),
        **_single(card, "note", "notes"),
        **_birthday(_lines(card, "bday")),
    }
    return {key: value for key, value in values.items() if value}, errors


def _lines(card: Any, name: str) -> list[Any]:
    return list(card.contents.get(name, []))


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(part).strip() for part in value if str(part).strip())
    return str(value or "").strip()


def _names(card: Any, number: int) -> tuple[Values, list[CellError]]:
    n_lines, fn_lines = _lines(card, "n"), _lines(card, "fn")
    if not n_lines and not fn_lines:
        return {}, [CellError(number, "N", "the card has neither N nor FN; a name is required")]
    values = _structured_name(n_lines[0].value) if n_lines else {}
    if fn_lines and not (values.get("first_name") and values.get("last_name")):
        values = {**_formatted_name(_text(fn_lines[0].value)), **_present(values)}
    if values.get("first_name") and values.get("last_name"):
        return values, []
    where = "N" if n_lines else "FN"
    return values, [CellError(number, where, "a first and a last name are required")]


def _structured_name(name: Any) -> Values:
    if isinstance(name, str):
        return _formatted_name(name.replace(";", " "))
    values: Values = {
        "first_name": _text(name.given),
        "last_name": _text(name.family),
        "middle_name": _text(name.additional),
        "suffix": _text(name.suffix),
    }
    prefix = _text(name.prefix)
    try:
        values["salutation"] = _parse_salutation(prefix) if prefix else None
    except ValueError:
        values["salutation"] = None  # "Sir", "Hon." ...: not one of our salutations
    return values


def _formatted_name(full_name: str) -> Values:
    parts = full_name.split()
    if len(parts) < 2:
        return {"first_name": full_name, "last_name": ""} if parts else {}
    return {"first_name": " ".join(parts[:-1]), "last_name": parts[-1]}


def _present(values: Values) -> Values:
    return {key: value for key, value in values.items() if value}


def _types(line: Any) -> set[str]:
    declared = [*line.params.get("TYPE", []), *getattr(line, "singletonparams", [])]
    return {part.strip().lower() for item in declared for part in str(item).split(",")}


def _is_preferred(line: Any) -> bool:
    return "pref" in _types(line) or bool(line.params.get("PREF"))


def _emails(lines: list[Any]) -> Values:
    ordered = sorted(lines, key=lambda line: not _is_preferred(line))
    addresses = [_text(line.value) for line in ordered if _text(line.value)]
    return dict(zip(("email", "secondary_email"), addresses, strict=False))


def _phone_slot(types: set[str]) -> str | None:
    if types & {"cell", "mobile", "iphone"}:
        return "mobile_phone"
    if "home" in types:
        return "home_phone"
    if "work" in types:
        return "work_phone"
    return None


def _phones(lines: list[Any]) -> Values:
    slots: Values = {}
    untyped: list[str] = []
    for line in lines:
        types, number = _types(line), _tel_number(_text(line.value))
        if not number or types & {"fax", "pager"}:
            continue
        slot = _phone_slot(types)
        if slot and slot not in slots:
            slots[slot] = number
        else:
            untyped.append(number)
    free = [slot for slot in PHONE_FIELDS if slot not in slots]
    return {**slots, **dict(zip(free, untyped, strict=False))}


def _tel_number(value: str) -> str:
    """The number of a TEL value; vCard 4.0 may write it as a URI (tel:+1-201-555-0123;ext=1)."""
    return value.removeprefix("tel:").split(";", 1)[0].strip()


def _chosen_address(lines: list[Any]) -> Any:
    """The address a contact gets: the first home address, else the first one."""
    if not lines:
        return None
    homes = [line for line in lines if "home" in _types(line)]
    return (homes or lines)[0]


def _address(lines: list[Any]) -> Values:
    chosen = _chosen_address(lines)
    if chosen is None:
        return {}
    address = chosen.value
    if isinstance(address, str):
        return {"street_line_1": address}
    street = [part for part in _text_lines(address.street) if part]
    rest = [*street[1:], _text(address.extended), _text(address.box)]
    return {
        "street_line_1": street[0] if street else None,
        "street_line_2": ", ".join(part for part in rest if part) or None,
        "city": _text(address.city),
        "state_province": _text(address.region),
        "postal_code": _text(address.code),
        "country": _text(address.country),
    }


def _text_lines(value: Any) -> list[str]:
    parts = value if isinstance(value, list | tuple) else [value]
    return [line.strip() for part in parts for line in str(part or "").splitlines()]


def _single(card: Any, name: str, column: str) -> Values:
    lines = _lines(card, name)
    if not lines:
        return {}
    value = lines[0].value
    if name == "org" and isinstance(value, list | tuple):
        value = value[0] if value else ""
    return {column: _text(value)}


def _birthday(lines: list[Any]) -> Values:
    """ISO birthday (1980-05-17, 19800517, with or without time); yearless ones are left out."""
    if not lines:
        return {}
    value = _text(lines[0].value)
    match = _BDAY.match(value)
    if match:
        return {"date_of_birth": "-".join(match.groups())}
    if value.startswith("--"):
        return {}
    return {"date_of_birth": value}
