"""Bulk import from CSV and Excel (C4): all contacts or all errors, hostile files refused."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.formula import ArrayFormula

from contracts.accounts import AccountType
from contracts.contacts import ContactKind
from services.contacts.files.imports import parse_contacts_file
from services.contacts.files.results import CellError, ImportResult

HEADER = ["first_name", "last_name", "email", "mobile_phone", "country", "net_worth", "notes"]
GOOD = [
    ["Jane", "Doe", "jane@example.com", "+1 201 555 0123", "US", "1000", "Met at seminar"],
    ["Taro", "Yamada", "taro@example.jp", "03-1234-5678", "JP", "", ""],
]


def csv_bytes(
    rows: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], *, title: str = "Data") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def only_error(result: ImportResult) -> str:
    assert result.contacts == []
    assert len(result.errors) == 1, result.errors
    return result.errors[0].message


def cell_errors(result: ImportResult) -> dict[tuple[int, str], str]:
    assert result.contacts == [], "contacts must not be returned with errors"
    return {(error.row, error.column): error.message for error in result.errors}


# --- success ------------------------------------------------------------------------------


def check_good(result: ImportResult) -> None:
    assert result.ok and result.errors == []
    assert [(c.first_name, c.last_name) for c in result.contacts] == [
        ("Jane", "Doe"),
        ("Taro", "Yamada"),
    ]
    jane, taro = result.contacts
    assert jane.kind is ContactKind.PROSPECT
    assert jane.title == "Jane Doe" and jane.email == "jane@example.com"
    assert jane.phone == "+12015550123"
    assert taro.phone == "+81312345678"  # national number read in Japan
    assert jane.profile.financial and str(jane.profile.financial.net_worth) == "1000.00"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_with_any_delimiter(delimiter: str) -> None:
    check_good(parse_contacts_file("c.csv", csv_bytes([HEADER, *GOOD], delimiter=delimiter)))


def test_tab_separated_text_file() -> None:
    content = csv_bytes([HEADER, *GOOD], delimiter="\t")
    check_good(parse_contacts_file("contacts.tsv", content))


def test_csv_with_bom_and_crlf() -> None:
    content = "\ufeff" + "\r\n".join(",".join(row) for row in [HEADER, *GOOD]) + "\r\n"
    check_good(parse_contacts_file("c.CSV", content.encode("utf-8")))


def test_csv_in_windows_1252() -> None:
    content = csv_bytes(
        [["first_name", "last_name", "notes"], ["Zoë", "Müller", "€ 5"]], encoding="cp1252"
    )
    result = parse_contacts_file("c.csv", content)
    assert result.errors == []
    draft = result.contacts[0]
    assert (draft.first_name, draft.last_name) == ("Zoë", "Müller")
    assert draft.profile.prospect and draft.profile.prospect.notes == "€ 5"


def test_csv_in_utf16_from_excel_unicode_text() -> None:
    content = csv_bytes([["first_name", "last_name"], ["山田", "太郎"]], delimiter="\t")
    result = parse_contacts_file("c.csv", content.decode().encode("utf-16"))
    assert result.errors == [] and result.contacts[0].first_name == "山田"


def test_csv_in_utf16_without_a_bom_is_decoded() -> None:
    content = csv_bytes([["first_name", "last_name"], ["Zoë", "Müller"]])
    for encoding in ("utf-16-le", "utf-16-be"):
        result = parse_contacts_file("c.csv", content.decode().encode(encoding))
        assert result.errors == [] and result.contacts[0].first_name == "Zoë"


@pytest.mark.parametrize(
    ("first_name", "last_name", "encoding"),
    [
        ("Пётр", "Иванов", "cp1251"),
        ("Пётр", "Иванов", "koi8-r"),
        ("Γιώργος", "Παπαδόπουλος", "cp1253"),
        ("太郎", "山田", "shift_jis"),
        ("伟", "张", "gbk"),
        ("大文", "陳", "big5"),
        ("Paweł", "Dąbrowski", "cp1250"),
        ("Jürgen", "Müller", "mac_roman"),
    ],
)
def test_csv_in_another_encoding_is_refused_rather_than_garbled(
    first_name: str, last_name: str, encoding: str
) -> None:
    content = csv_bytes([["first_name", "last_name"], [first_name, last_name]], encoding=encoding)
    message = only_error(parse_contacts_file("c.csv", content))
    assert "UTF-8" in message


def test_western_european_names_in_windows_1252_read_as_they_are() -> None:
    names = ["Zoë Müller", "François Núñez", "Ångström", "Søren", "Þórður", "O’Brien", "Œuvre",
             "Žižek", "José María", "São Paulo", "“Noël”", "€ 5", "N° 5", "2º andar", "Col·legi",
             "DÉSIRÉE", "Jäätelö", "Straße"]  # fmt: skip
    content = csv_bytes([["first_name", "last_name"], *([name, "Lee"] for name in names)],
                        encoding="cp1252")  # fmt: skip
    result = parse_contacts_file("c.csv", content)
    assert result.errors == []
    assert [draft.first_name for draft in result.contacts] == names


def test_an_import_lists_at_most_a_hundred_problems_and_counts_the_rest() -> None:
    """Short bad cells cost a few bytes each in the file and far more in the answer."""
    header = ["first_name", "last_name", *(f"junk{i}" for i in range(150))]
    rows = [["", "", "x"] for _ in range(100)]  # each: first and last name required
    result = parse_contacts_file("c.csv", csv_bytes([header, *rows]))
    assert result.contacts == [] and len(result.errors) == 101
    assert [error.row for error in result.errors[:100]] == [1] * 100
    assert result.errors[-1] == CellError(0, "", "and 250 more problems not listed")
    assert str(result.errors[-1]) == "and 250 more problems not listed"


def test_a_csv_line_with_thousands_of_columns_is_refused() -> None:
    header = ["first_name", "last_name", *(["x"] * 5000)]
    message = only_error(parse_contacts_file("c.csv", csv_bytes([header, ["A", "B"]])))
    assert "line 1 has 5,002 columns; at most 200" in message
    trailing = "first_name,last_name" + "," * 5000 + "\nA,B" + "," * 5000 + "\n"
    assert parse_contacts_file("c.csv", trailing.encode()).errors == []


def test_xlsx_import() -> None:
    check_good(parse_contacts_file("c.xlsx", xlsx_bytes([HEADER, *GOOD])))


def test_xlsx_reads_the_first_sheet_without_a_data_sheet() -> None:
    check_good(parse_contacts_file("c.xlsx", xlsx_bytes([HEADER, *GOOD], title="Contacts")))


def test_xlsx_numbers_and_dates_are_read() -> None:
    rows: list[list[Any]] = [
        ["first_name", "last_name", "date_of_birth", "net_worth", "stocks_years", "postal_code"],
        ["Ann", "Lee", datetime(1980, 5, 17), 1250.5, 7.0, 10117],
    ]
    result = parse_contacts_file("c.xlsx", xlsx_bytes(rows))
    assert result.errors == []
    profile = result.contacts[0].profile
    assert profile.contact and str(profile.contact.date_of_birth) == "1980-05-17"
    assert profile.financial and str(profile.financial.net_worth) == "1250.50"
    assert (
        profile.trading and profile.trading.stocks and profile.trading.stocks.years_experience == 7
    )
    assert profile.address and profile.address.postal_code == "10117"


def test_headers_may_be_labels_with_a_required_mark() -> None:
    rows = [["First name*", "LAST NAME *", "Account type"], ["Ann", "Lee", "Roth IRA"]]
    result = parse_contacts_file("c.csv", csv_bytes(rows))
    assert result.errors == [] and result.contacts[0].account_type is AccountType.ROTH_IRA


def test_blank_rows_are_skipped_and_rows_keep_their_numbers() -> None:
    rows = [HEADER, GOOD[0], [""] * 7, [], [" ", "", "", "", "", "", ""], ["Bo", "", "x@"]]
    errors = cell_errors(parse_contacts_file("c.csv", csv_bytes(rows)))
    assert set(errors) == {(6, "last_name"), (6, "email")}


# --- errors by row and column ---------------------------------------------------------------


def test_every_bad_cell_is_reported_and_nothing_is_returned() -> None:
    rows = [
        [*HEADER, "date_of_birth", "account_type"],
        ["Jane", "Doe", "jane@", "12345", "US", "1000", "", "1980-05-17", "individual"],
        ["Ok", "Row", "ok@example.com", "", "", "", "", "", ""],
        ["", "Smith", "s@example.com", "", "Narnia", "-3", "", "17/05/1980", "savings"],
    ]
    for name, content in (("c.csv", csv_bytes(rows)), ("c.xlsx", xlsx_bytes(rows))):
        errors = cell_errors(parse_contacts_file(name, content))
        assert set(errors) == {
            (2, "email"),
            (2, "mobile_phone"),
            (4, "first_name"),
            (4, "country"),
            (4, "net_worth"),
            (4, "date_of_birth"),
            (4, "account_type"),
        }, errors
        assert "not a valid email" in errors[(2, "email")]
        assert errors[(4, "first_name")] == "required"


def test_errors_name_the_header_as_written() -> None:
    rows = [["First Name", "Last Name", "E-mail"], ["A", "B", "nope"]]
    errors = cell_errors(parse_contacts_file("c.csv", csv_bytes(rows)))
    assert set(errors) == {(1, "E-mail")}  # not a column: reported on the header row
    rows = [["First Name", "Last Name", "Email"], ["A", "B", "nope"]]
    assert set(cell_errors(parse_contacts_file("c.csv", csv_bytes(rows)))) == {(2, "Email")}


def test_missing_required_columns() -> None:
    errors = cell_errors(parse_contacts_file("c.csv", csv_bytes([["email"], ["a@b.co"]])))
    assert errors == {
        (1, "first_name"): "required column is missing",
        (1, "last_name"): "required column is missing",
    }


def test_unknown_and_repeated_columns() -> None:
    rows = [["first_name", "last_name", "shoe_size", "Last name"], ["A", "B", "42", "C"]]
    errors = cell_errors(parse_contacts_file("c.csv", csv_bytes(rows)))
    assert "unknown column" in errors[(1, "shoe_size")]
    assert "appears twice" in errors[(1, "Last name")]


def test_values_beyond_the_header_are_reported() -> None:
    rows = [["first_name", "last_name"], ["A", "B", "stray"]]
    errors = cell_errors(parse_contacts_file("c.csv", csv_bytes(rows)))
    assert errors == {(2, "column C"): "value in a column without a header"}


def test_duplicate_rows_are_flagged() -> None:
    rows = [
        ["first_name", "last_name", "email"],
        ["Ann", "Lee", "a@x.com"],
        ["Bo", "Ek", ""],
        [" Ann ", "Lee", "a@X.com"],
    ]
    errors = cell_errors(parse_contacts_file("c.csv", csv_bytes(rows)))
    assert errors == {(4, ""): "duplicate of row 2"}


def test_at_most_100_rows() -> None:
    rows = [["first_name", "last_name"]] + [[f"N{i}", "Lee"] for i in range(100)]
    assert parse_contacts_file("c.csv", csv_bytes(rows)).count == 100
    rows.append(["Extra", "Lee"])
    for name, content in (("c.csv", csv_bytes(rows)), ("c.xlsx", xlsx_bytes(rows))):
        message = only_error(parse_contacts_file(name, content))
        assert "101 contacts" in message and "at most 100" in message


def test_header_only_and_empty_files() -> None:
    assert "no contacts" in only_error(parse_contacts_file("c.csv", b"first_name,last_name\n"))
    assert "empty" in only_error(parse_contacts_file("c.csv", b""))
    assert "header row" in only_error(parse_contacts_file("c.csv", b",,\nA,B,C\n"))


def test_cell_length_limit() -> None:
    rows = [["first_name", "last_name", "city", "notes"], ["A", "B", "x" * 1001, "y" * 1500]]
    errors = cell_errors(parse_contacts_file("c.csv", csv_bytes(rows)))
    assert errors == {(2, "city"): "is 1001 characters long; at most 1000 are allowed"}


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.example","click")',
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        " =1+1",
    ],
)
def test_formula_injection_is_refused(payload: str) -> None:
    rows = [["first_name", "last_name", "notes"], ["Ann", "Lee", payload]]
    errors = cell_errors(parse_contacts_file("c.csv", csv_bytes(rows)))
    assert list(errors) == [(2, "notes")]
    assert "formula" in errors[(2, "notes")]


def test_formula_cells_in_xlsx_are_refused_not_evaluated() -> None:
    rows = [
        ["first_name", "last_name", "net_worth", "city"],
        ["Ann", "Lee", "=1+1", ArrayFormula("D2", "=SUM(C2:C3)")],
    ]
    errors = cell_errors(parse_contacts_file("c.xlsx", xlsx_bytes(rows)))
    assert list(errors) == [(2, "net_worth"), (2, "city")]
    assert all("formula" in message for message in errors.values())


def test_numbers_phones_and_quoted_text_are_not_formulas() -> None:
    rows = [
        ["first_name", "last_name", "mobile_phone", "annual_net_income", "notes"],
        ["Ann", "Lee", "+1 (201) 555-0123", "-5", "'=not a formula"],
    ]
    errors = cell_errors(parse_contacts_file("c.csv", csv_bytes(rows)))
    assert list(errors) == [(2, "annual_net_income")]  # refused as negative, not as formula
    rows[1][3] = "5"
    result = parse_contacts_file("c.csv", csv_bytes(rows))
    prospect = result.contacts[0].profile.prospect
    assert prospect is not None and prospect.notes == "=not a formula"


def test_oversized_files_are_refused() -> None:
    big = csv_bytes([["first_name", "last_name"], ["A", "B"]]) + b"#" * (2 * 1024 * 1024)
    assert "at most 2,097,152" in only_error(parse_contacts_file("c.csv", big))
    assert "at most" in only_error(parse_contacts_file("c.xlsx", b"PK\x03\x04" + big))


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_opening() -> None:
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"0" * 25_000_000})
    assert len(bomb) < 2 * 1024 * 1024
    message = only_error(parse_contacts_file("c.xlsx", bomb))
    assert "unpacks to 25,000,011 bytes" in message


@pytest.mark.parametrize(
    ("filename", "content", "fragment"),
    [
        ("c.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        ("c.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, ".xls"),
        ("c.xlsx", _zip({"Index/Document.iwa": b"x"}), "Apple Numbers"),
        ("c.xlsx", _zip({"word/document.xml": b"x"}), "Word"),
        ("c.xlsx", b"first_name,last_name\nA,B\n", "not an Excel"),
        ("c.xlsx", b"PK\x03\x04garbage", "damaged"),
        ("c.xlsx", _zip({"xl/workbook.xml": b"<not a workbook"}), "cannot be read"),
        ("c.csv", _zip({"xl/workbook.xml": b"x"}), "zip archive"),
        ("c.csv", b"%PDF-1.4 ...", "PDF"),
        ("c.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        ("c.csv", bytes(range(256)) * 4, "binary"),
        ("c.csv", b"first_name,last_name\n\x1b[31mA,B\n", "binary"),
        ("c.csv", b"first_name,last_name\nA\x81\x8d,B\n", "encoding"),
        ("c.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "not a .csv, .xlsx or .vcf"),
        ("c.numbers", b"PK\x03\x04", "not a .csv, .xlsx or .vcf"),
        ("c.pdf", b"%PDF-1.4", "not a .csv, .xlsx or .vcf"),
    ],
)
def test_wrong_file_types_are_refused(filename: str, content: bytes, fragment: str) -> None:
    message = only_error(parse_contacts_file(filename, content))
    assert fragment in message


def test_file_level_errors_read_well() -> None:
    error = parse_contacts_file("c.pdf", b"%PDF").errors[0]
    assert error.row == 0 and error.column == ""
    assert str(error).startswith("'c.pdf' is not")
    assert str(CellError(3, "email", "bad")) == "row 3, email: bad"


def test_vcf_files_are_handed_to_the_vcard_import() -> None:
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nFN:Ann Lee\r\nEND:VCARD\r\n"
    result = parse_contacts_file("contacts.vcf", card)
    assert result.errors == [] and result.contacts[0].last_name == "Lee"
