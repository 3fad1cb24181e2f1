"""Contacts as a .vcf file (issue 15): vCard 4.0 (RFC 6350), or 3.0 (RFC 2426) for older
address books, written with ``vobject``.

Each card holds what the vCard import reads (``files/vcards.py``), so an export imports again
unchanged: N and FN, EMAIL (the first one preferred), TEL (cell, home, work), the residential
ADR (country by its English name), ORG (employer), TITLE (occupation), BDAY, NOTE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

import pycountry
import vobject

from services.contacts.domain.profile import Profile
from services.contacts.files.profile_columns import flatten

VCARD_MEDIA_TYPE = "text/vcard; charset=utf-8"
PRODUCT_ID = "-//Advisor Portal//Contacts//EN"


class VCardVersion(StrEnum):
    V4 = "4.0"
    V3 = "3.0"


@dataclass(frozen=True, slots=True)
class CardContact:
    """A contact to write: its id (the card's UID) and its profile (names included)."""

    profile: Profile
    id: UUID | None = None


_PHONE_TYPES = (("mobile_phone", "cell"), ("home_phone", "home"), ("work_phone", "work"))


def vcard_file(contacts: Iterable[CardContact], version: VCardVersion = VCardVersion.V4) -> bytes:
    """The cards of ``contacts``, one after the other (CRLF line ends, UTF-8)."""
    return "".join(vcard_text(contact, version) for contact in contacts).encode()


def vcard_text(contact: CardContact, version: VCardVersion = VCardVersion.V4) -> str:
    columns = flatten(contact.profile)
    card = vobject.vCard()
    card.add("version").value = version.value
    card.add("prodid").value = PRODUCT_ID
    if contact.id is not None:
        card.add("uid").value = (
            f"urn:uuid:{contact.id}" if version is VCardVersion.V4 else str(contact.id)
        )
    _names(card, columns)
    for rank, column in enumerate(("email", "secondary_email")):
        if columns.get(column):
            line = card.add("email")
            line.value = str(columns[column])
            if version is VCardVersion.V4:
                line.params["PREF"] = [str(rank + 1)]
            else:
                line.params["TYPE"] = ["INTERNET", *(["PREF"] if rank == 0 else [])]
    for column, kind in _PHONE_TYPES:
        if columns.get(column):
            _phone(card, str(columns[column]), kind, version)
    _address(card, columns, version)
    for column, name in (("employer", "org"), ("occupation", "title"), ("notes", "note")):
        if columns.get(column):
            line = card.add(name)
            line.value = [str(columns[column])] if name == "org" else str(columns[column])
    birthday = columns.get("date_of_birth")
    if isinstance(birthday, date):
        card.add("bday").value = birthday.isoformat()
    return str(card.serialize())


def _names(card: Any, columns: dict[str, Any]) -> None:
    first, last = str(columns.get("first_name") or ""), str(columns.get("last_name") or "")
    salutation = columns.get("salutation")
    card.add("n").value = vobject.vcard.Name(
        family=last,
        given=first,
        additional=str(columns.get("middle_name") or ""),
        prefix=f"{salutation}." if salutation else "",
        suffix=str(columns.get("suffix") or ""),
    )
    parts = (first, columns.get("middle_name"), last, columns.get("suffix"))
    card.add("fn").value = " ".join(str(part) for part in parts if part)


def _phone(card: Any, number: str, kind: str, version: VCardVersion) -> None:
    line = card.add("tel")
    if version is VCardVersion.V4:
        line.value = f"tel:{number}"
        line.params["VALUE"] = ["uri"]
        line.params["TYPE"] = [kind, "voice"] if kind != "cell" else ["cell"]
    else:
        line.value = number
        line.params["TYPE"] = [kind.upper(), "VOICE"]


def _address(card: Any, columns: dict[str, Any], version: VCardVersion) -> None:
    fields = ("street_line_1", "street_line_2", "city", "state_province", "postal_code", "country")
    if not any(columns.get(name) for name in fields):
        return
    code = columns.get("country")
    country = pycountry.countries.get(alpha_2=str(code)) if code else None
    line = card.add("adr")
    line.value = vobject.vcard.Address(
        street=str(columns.get("street_line_1") or ""),
        extended=str(columns.get("street_line_2") or ""),
        city=str(columns.get("city") or ""),
        region=str(columns.get("state_province") or ""),
        code=str(columns.get("postal_code") or ""),
        country=country.name if country is not None else str(code or ""),
    )
    line.params["TYPE"] = ["home"] if version is VCardVersion.V4 else ["HOME"]
