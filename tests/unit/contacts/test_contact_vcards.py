"""vCard import (C4): 2.1/3.0/4.0, one or many cards, errors by card and property."""

from __future__ import annotations

from datetime import date

from services.contacts.domain.profile import Salutation
from services.contacts.files.results import ImportResult
from services.contacts.files.vcards import parse_vcards

CARD_30 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Müller;Hans;Peter;Dr.;Jr.\r\n"
    "FN:Dr. Hans Peter Müller Jr.\r\n"
    "EMAIL;TYPE=INTERNET:hans.private@example.de\r\n"
    "EMAIL;TYPE=INTERNET,PREF:hans@example.de\r\n"
    "TEL;TYPE=CELL:+49 151 12345678\r\n"
    "TEL;TYPE=WORK,VOICE:030 1234567\r\n"
    "TEL;TYPE=HOME,FAX:030 7654321\r\n"
    "ADR;TYPE=WORK:;;Friedrichstr. 1;Berlin;;10117;Germany\r\n"
    "ADR;TYPE=HOME:;Hinterhaus;Unter den Linden 1;Berlin;;10117;Germany\r\n"
    "ORG:ACME GmbH;Sales\r\n"
    "TITLE:Engineer\r\n"
    "BDAY:1980-05-17\r\n"
    "NOTE:A long note that is fol\r\n"
    " ded over two lines\\, with a comma\\nand a new line\r\n"
    "END:VCARD\r\n"
)

CARD_40 = (
    "BEGIN:VCARD\n"
    "VERSION:4.0\n"
    "KIND:individual\n"
    "FN:Jane Q. Doe\n"
    "N:Doe;Jane;Q.;Ms.;\n"
    'TEL;VALUE=uri;TYPE="voice,cell":tel:+1-201-555-0123\n'
    "TEL;VALUE=uri;TYPE=home:tel:+1-201-555-0124;ext=12\n"
    "EMAIL;PREF=1:jane@example.com\n"
    "BDAY:19850203\n"
    "ADR;TYPE=home:;;123 Main St;New York;NY;10001;USA\n"
    "END:VCARD\n"
)

CARD_21_QP = (
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=B6rg\r\n"
    "FN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:J=F6rg M=FC=\r\n"
    "ller\r\n"
    "TEL;CELL:+4915112345678\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Erste Zeile=0D=0AZweite Zeile mit =\r\n"
    "Umlaut =C3=A4\r\n"
    "END:VCARD\r\n"
)


def card(first: str, last: str, *extra: str) -> str:
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"N:{last};{first};;;", f"FN:{first} {last}", *extra]
    return "\r\n".join([*lines, "END:VCARD"]) + "\r\n"


def errors_of(result: ImportResult) -> dict[tuple[int, str], str]:
    assert result.contacts == []
    return {(error.row, error.column): error.message for error in result.errors}


def test_vcard_30_maps_every_property() -> None:
    result = parse_vcards(CARD_30.encode())
    assert result.errors == []
    (draft,) = result.contacts
    profile = draft.profile
    contact, address, employment = profile.contact, profile.address, profile.employment
    assert contact and address and employment and profile.prospect
    assert (draft.first_name, draft.last_name) == ("Hans", "Müller")
    assert contact.salutation is Salutation.DR
    assert (contact.middle_name, contact.suffix) == ("Peter", "Jr.")
    assert (contact.email, contact.secondary_email) == (
        "hans@example.de",
        "hans.private@example.de",
    )
    assert contact.mobile_phone == "+4915112345678"
    assert contact.work_phone == "+49301234567"  # national number read in Germany
    assert contact.home_phone is None  # the home line is a fax
    assert contact.date_of_birth == date(1980, 5, 17)
    assert (address.street_line_1, address.street_line_2) == ("Unter den Linden 1", "Hinterhaus")
    assert (address.city, address.postal_code, address.country) == ("Berlin", "10117", "DE")
    assert (employment.employer, employment.occupation) == ("ACME GmbH", "Engineer")
    assert profile.prospect.notes == (
        "A long note that is folded over two lines, with a comma\nand a new line"
    )
    assert draft.email == "hans@example.de" and draft.phone == "+4915112345678"


def test_vcard_40() -> None:
    result = parse_vcards(CARD_40.encode())
    assert result.errors == []
    profile = result.contacts[0].profile
    assert profile.contact and profile.address
    assert profile.contact.salutation is Salutation.MS
    assert profile.contact.mobile_phone == "+12015550123"
    assert profile.contact.home_phone == "+12015550124"
    assert profile.contact.date_of_birth == date(1985, 2, 3)
    assert (profile.address.state_province, profile.address.country) == ("NY", "US")


def test_vcard_21_quoted_printable_and_charsets() -> None:
    result = parse_vcards(CARD_21_QP.encode("latin-1"))
    assert result.errors == []
    draft = result.contacts[0]
    assert (draft.first_name, draft.last_name) == ("Jörg", "Müller")
    assert draft.profile.prospect
    assert draft.profile.prospect.notes == "Erste Zeile\nZweite Zeile mit Umlaut ä"


def test_many_cards_in_one_file() -> None:
    content = (CARD_30 + CARD_40 + "\r\n" + card("Ann", "Lee")).encode()
    result = parse_vcards(content)
    assert result.errors == []
    assert [draft.last_name for draft in result.contacts] == ["Müller", "Doe", "Lee"]


def test_name_from_fn_when_n_is_missing() -> None:
    content = b"BEGIN:VCARD\nVERSION:3.0\nFN:Mary Ann Smith\nEND:VCARD\n"
    draft = parse_vcards(content).contacts[0]
    assert (draft.first_name, draft.last_name) == ("Mary Ann", "Smith")


def test_card_without_a_name_is_refused() -> None:
    content = card("Ann", "Lee") + "BEGIN:VCARD\nVERSION:3.0\nEMAIL:x@example.com\nEND:VCARD\n"
    errors = errors_of(parse_vcards(content.encode()))
    assert errors == {(2, "N"): "the card has neither N nor FN; a name is required"}


def test_errors_by_card_number_and_property() -> None:
    content = (
        card("Ann", "Lee")
        + card("Bo", "Ek", "EMAIL:bo@", "TEL:12345")
        + card("Cy", "Ho", "BDAY:1980-13-45", "ADR:;;1 Road;Town;;;Narnia")
        + "BEGIN:VCARD\nVERSION:3.0\nFN:Madonna\nEND:VCARD\n"
    )
    errors = errors_of(parse_vcards(content.encode()))
    assert set(errors) == {(2, "EMAIL"), (2, "TEL"), (3, "BDAY"), (3, "ADR"), (4, "FN")}
    assert "unknown country 'Narnia'" in errors[(3, "ADR")]


def test_duplicate_cards_are_flagged() -> None:
    errors = errors_of(parse_vcards((card("Ann", "Lee") * 2).encode()))
    assert errors == {(2, ""): "duplicate of card 1"}


def test_unknown_prefix_and_yearless_birthday_are_left_out() -> None:
    content = card("Ann", "Lee", "BDAY:--0517").replace("N:Lee;Ann;;;", "N:Lee;Ann;;Sir;")
    result = parse_vcards(content.encode())
    assert result.errors == []
    contact = result.contacts[0].profile.contact
    assert contact and contact.salutation is None and contact.date_of_birth is None


def test_file_limits() -> None:
    too_big = card("Ann", "Lee", "NOTE:" + "x" * (1024 * 1024)).encode()
    assert "at most 1,048,576" in parse_vcards(too_big).errors[0].message
    many = "".join(card(f"N{i}", "Lee") for i in range(101)).encode()
    result = parse_vcards(many)
    assert result.contacts == [] and "101 vCards" in result.errors[0].message
    assert parse_vcards("".join(card(f"N{i}", "Lee") for i in range(100)).encode()).count == 100


def test_not_a_vcard() -> None:
    assert "no vCard" in parse_vcards(b"first_name,last_name\nA,B\n").errors[0].message
    assert "binary" in parse_vcards(b"BEGIN:VCARD\x00\x01").errors[0].message


def test_broken_card_is_reported_with_its_number() -> None:
    broken = "BEGIN:VCARD\nVERSION:3.0\nN:Lee;Bo;;;\nthis line is not a property\nEND:VCARD\n"
    errors = errors_of(parse_vcards((card("Ann", "Lee") + broken).encode()))
    assert list(errors) == [(2, "")] and "cannot be read" in errors[(2, "")]
    unterminated = card("Ann", "Lee") + "BEGIN:VCARD\nVERSION:3.0\nN:Lee;Bo;;;\n"
    assert list(errors_of(parse_vcards(unterminated.encode()))) == [(2, "")]


def test_deeply_nested_cards_are_refused_clearly() -> None:
    """A card may hold one other (vCard 2.1's AGENT); deeper nesting is refused before vobject,
    which reads nested parts recursively, would run out of stack."""
    nested = card("Ann", "Lee").replace("END:VCARD", card("Bo", "Lee") + "END:VCARD")
    assert parse_vcards(nested.encode()).errors == []
    opening = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nFN:Ann Lee\r\n"
    deep = (opening * 2000 + "END:VCARD\r\n" * 2000).encode()
    message = only_message(parse_vcards(deep))
    assert "nested more than 2 deep" in message and "recursion" not in message
    parts = (opening + "BEGIN:X\r\n" * 5000 + "END:X\r\n" * 5000 + "END:VCARD\r\n").encode()
    message = only_message(parse_vcards(parts))
    assert "nested too deeply" in message and "recursion" not in message


def only_message(result: ImportResult) -> str:
    assert result.contacts == [] and len(result.errors) == 1, result.errors
    return result.errors[0].message
