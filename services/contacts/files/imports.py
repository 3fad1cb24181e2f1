"""Bulk import of contacts from a CSV or Excel (.xlsx) file (C4), bytes in, contacts out.

The file is checked as a whole first (size, real type by its magic bytes, encoding, zip size,
row count), then every cell; the result holds all contacts or all errors, never a part.
A ``.vcf`` file is handed to :func:`services.contacts.files.vcards.parse_vcards`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from services.contacts.files.results import FileRejected, ImportResult
from services.contacts.files.table import Row, validate_table
from services.contacts.files.text import decode_text
from services.contacts.files.vcards import parse_vcards

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_SHEET_ROWS = 10_000
MAX_COLUMNS = 200
DATA_SHEET = "Data"
CSV_EXTENSIONS = (".csv", ".tsv", ".txt")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (_OLE_MAGIC, "an old Excel 97-2003 (.xls) or a password-protected workbook"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
    (_ZIP_MAGIC, "a zip archive (such as an Excel workbook)"),
)
_ZIP_KINDS: tuple[tuple[str, str], ...] = (
    ("Index/Document.iwa", "an Apple Numbers document"),
    ("word/document.xml", "a Word document"),
    ("content.xml", "an OpenDocument file"),
)
_SAVE_AS = "save it as Excel Workbook (.xlsx) or CSV UTF-8 from the template"


def parse_contacts_file(
    filename: str, content: bytes, *, default_country: str | None = None
) -> ImportResult:
    """Contacts of a .csv, .xlsx or .vcf file, or every error that prevents importing it;
    ``default_country``: where a vCard's national phone numbers are read without an address
    country."""
    extension = PurePath(filename).suffix.lower()
    if extension in (".vcf", ".vcard"):
        return parse_vcards(content, default_country=default_country)
    try:
        if len(content) > MAX_FILE_BYTES:
            raise FileRejected(
                f"the file is {len(content):,} bytes; at most {MAX_FILE_BYTES:,} are accepted"
            )
        if extension in CSV_EXTENSIONS:
            header, rows = read_csv(content)
        elif extension == ".xlsx":
            header, rows = read_xlsx(content)
        else:
            raise FileRejected(f"{filename!r} is not a .csv, .xlsx or .vcf file; {_SAVE_AS}")
        return validate_table(header, rows)
    except FileRejected as rejected:
        return ImportResult.file_error(str(rejected))


# --- CSV ----------------------------------------------------------------------------------


def read_csv(content: bytes) -> tuple[Sequence[Any], list[Row]]:
    """Header cells and numbered rows of a CSV file (delimiter , ; or tab)."""
    _refuse_binary(content, "CSV")
    text = decode_text(content)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(_within_columns(record, len(records) + 1))
            if len(records) > MAX_SHEET_ROWS:
                raise FileRejected(f"the file has more than {MAX_SHEET_ROWS:,} lines")
    except csv.Error as exc:
        raise FileRejected(f"row {len(records) + 1}: the CSV is malformed ({exc})") from None
    if not records:
        raise FileRejected("the file is empty")
    return records[0], list(enumerate(records[1:], start=2))


def _within_columns(record: list[str], line: int) -> list[str]:
    """The record without its trailing empty cells, refused past ``MAX_COLUMNS`` (as many as an
    .xlsx sheet is read to): a line of thousands of short cells is not a contacts list."""
    while record and not record[-1].strip():
        record.pop()
    if len(record) > MAX_COLUMNS:
        raise FileRejected(
            f"line {line} has {len(record):,} columns; at most {MAX_COLUMNS} are read"
        )
    return record


def sniff_delimiter(text: str) -> str:
    """The delimiter used most in the header line: comma, semicolon or tab."""
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _refuse_binary(content: bytes, expected: str) -> None:
    for magic, kind in _MAGICS:
        if content.startswith(magic):
            raise FileRejected(f"the file is {kind}, not {expected}; {_SAVE_AS}")


# --- xlsx ---------------------------------------------------------------------------------


def read_xlsx(content: bytes) -> tuple[Sequence[Any], list[Row]]:
    """Header cells and numbered rows of the "Data" sheet (else the first sheet)."""
    check_xlsx_container(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise FileRejected(f"the workbook cannot be read ({type(exc).__name__})") from None
    try:
        names = workbook.sheetnames
        sheet = workbook[DATA_SHEET] if DATA_SHEET in names else workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust the declared size; read what is there
        rows = list(_sheet_rows(sheet))
    finally:
        workbook.close()
    if not rows:
        raise FileRejected("the sheet is empty")
    return rows[0][1], rows[1:]


def _sheet_rows(sheet: Any) -> Iterator[Row]:
    cells = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    for number, values in enumerate(cells, start=1):
        if number > MAX_SHEET_ROWS:
            raise FileRejected(f"the sheet has more than {MAX_SHEET_ROWS:,} rows")
        yield number, [_cell_text(value) for value in values]


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _cell_text(value: Any) -> Any:
    """Array and data-table formulas as "=..." text, so they are refused like any formula;
    text with its OOXML escapes (``_xHHHH_``, which openpyxl leaves as they are) undone."""
    if isinstance(value, ArrayFormula | DataTableFormula):
        return f"={getattr(value, 'text', None) or ''}"
    if isinstance(value, str) and "_x" in value:
        return _OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)
    return value


def check_xlsx_container(content: bytes) -> None:
    """Refuse anything that is not a reasonably sized Excel workbook, before opening it."""
    if not content.startswith(_ZIP_MAGIC):
        _refuse_binary(content, "an Excel .xlsx workbook")
        raise FileRejected(f"the file is not an Excel .xlsx workbook; {_SAVE_AS}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        raise FileRejected("the workbook is damaged (not a readable zip archive)") from None
    with archive:
        members = archive.infolist()
    _check_members(members)


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        kind = next((kind for name, kind in _ZIP_KINDS if name in names), "a zip archive")
        raise FileRejected(f"the file is {kind}, not an Excel .xlsx workbook; {_SAVE_AS}")
    if len(members) > MAX_ZIP_MEMBERS:
        raise FileRejected(f"the workbook has {len(members):,} parts; it is not a contacts list")
    if any(member.flag_bits & 0x1 for member in members):
        raise FileRejected("the workbook is encrypted; remove the password and save it again")
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_XLSX_UNCOMPRESSED:
        raise FileRejected(
            f"the workbook unpacks to {unpacked:,} bytes; at most "
            f"{MAX_XLSX_UNCOMPRESSED:,} are accepted"
        )
