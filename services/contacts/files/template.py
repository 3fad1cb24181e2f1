"""The downloadable import template (C4): an .xlsx with a "Data" sheet to fill in and
reference sheets "Codes", "Examples" and "Instructions"."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from services.contacts.domain.profile import Profile
from services.contacts.domain.profile_fields import annotation_parts
from services.contacts.files.codes import CodeList, code_list_of, code_lists, subdivision_rows
from services.contacts.files.imports import MAX_FILE_BYTES
from services.contacts.files.profile_columns import (
    PROFILE_COLUMNS,
    REQUIRED_COLUMNS,
    ProfileColumn,
    flatten,
    unflatten,
)
from services.contacts.files.results import MAX_IMPORT_ROWS
from services.contacts.files.table import MAX_CELL_CHARS

DATA_ROWS = range(2, MAX_IMPORT_ROWS + 2)
CODES_FIRST_ROW = 4

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_NUMBER_FORMATS = {date: "yyyy-mm-dd", Decimal: "#,##0.00", int: "0", str: "@"}

EXAMPLE_ROWS: tuple[dict[str, Any], ...] = (
    {
        "salutation": "Mr",
        "first_name": "John",
        "middle_name": "Robert",
        "last_name": "Smith",
        "email": "john.smith@example.com",
        "mobile_phone": "+1 201 555 0123",
        "date_of_birth": "1975-04-12",
        "citizenship": "US",
        "preferred_language": "en",
        "street_line_1": "123 Main Street",
        "street_line_2": "Apt 4B",
        "city": "Hoboken",
        "state_province": "NJ",
        "postal_code": "07030",
        "country": "US",
        "tax_residence_country": "US",
        "tax_id_type": "ssn",
        "tax_id": "536-90-4399",
        "w8_w9_form": "w9",
        "employment_status": "employed",
        "employer": "Acme Corp",
        "occupation": "Engineer",
        "employer_business": "Manufacturing",
        "employer_country": "US",
        "annual_net_income": 150000,
        "net_worth": 900000,
        "liquid_net_worth": 400000,
        "currency": "USD",
        "source_of_funds": "employment_income, savings",
        "investment_objectives": "growth, income",
        "stocks_years": 10,
        "stocks_trades_per_year": 24,
        "stocks_knowledge": "good",
        "options_years": 3,
        "options_trades_per_year": 12,
        "options_knowledge": "limited",
        "trading_permissions": "stocks, options",
        "account_type": "individual",
        "priority": "high",
        "marketing_source": "referral",
        "notes": "Referred by Jane Doe; interested in a retirement plan.",
    },
    {
        "salutation": "Ms",
        "first_name": "Yuki",
        "last_name": "Tanaka",
        "email": "yuki.tanaka@example.jp",
        "mobile_phone": "+81 90 1234 5678",
        "citizenship": "JP",
        "preferred_language": "ja",
        "street_line_1": "1-1 Marunouchi",
        "city": "Chiyoda-ku",
        "state_province": "Tokyo",
        "postal_code": "100-0001",
        "country": "JP",
        "tax_residence_country": "JP",
        "tax_id_type": "foreign_tin",
        "tax_id": "1234 5678 9018",
        "w8_w9_form": "w8ben",
        "employment_status": "retired",
        "currency": "JPY",
        "net_worth": 120000000,
        "source_of_funds": "pension",
        "investment_objectives": "preservation",
        "funds_years": 15,
        "funds_knowledge": "extensive",
        "trading_permissions": "funds, bonds",
        "account_type": "joint",
        "priority": "medium",
        "marketing_source": "seminar",
    },
    {"first_name": "Anna", "last_name": "Müller", "email": "anna.mueller@example.de"},
)

INSTRUCTIONS = (
    "How to import contacts",
    "",
    "1. Fill in the Data sheet: one contact per row, starting on row 2. Keep the header row.",
    f"2. At most {MAX_IMPORT_ROWS} contacts per file; split larger lists into several files.",
    "3. Only first_name and last_name are required (orange headers); leave unknown cells empty.",
    "4. Save as Excel Workbook (.xlsx) or CSV UTF-8 (comma, semicolon or tab separated) and "
    "upload it.",
    "5. Every wrong cell is listed by row and column and nothing is imported until all are "
    "fixed; then you see how many contacts were added.",
    "",
    "Formats",
    "- Codes: use the codes on the Codes sheet (case does not matter). Columns that take "
    "several codes separate them with commas, e.g. employment_income, savings.",
    "- Countries: ISO codes such as US, GB, JP (English names and 3-letter codes are accepted).",
    "- Dates: YYYY-MM-DD, e.g. 1980-05-17.",
    "- Phones: + country code and number, e.g. +1 201 555 0123; a national number is read in "
    "the residential country.",
    "- Amounts: plain numbers without currency signs, at most 2 decimals; currency in the "
    "currency column.",
    "- Postal codes and phone numbers: keep the column formatted as Text so leading zeros stay.",
    "- Liquid net worth may not exceed net worth; an employer is required when employed or "
    "self-employed; options and futures permissions need at least limited knowledge.",
    f"- A cell holds at most {MAX_CELL_CHARS} characters (notes: 2000).",
    "- Cells starting with = + - @ are refused as possible formulas (numbers and phone "
    "numbers excepted).",
    "- Identical rows are reported as duplicates.",
    f"- Files: at most {MAX_FILE_BYTES // (1024 * 1024)} MB. vCard (.vcf) files can be "
    "imported too (at most 1 MB).",
    "",
    "Columns",
)


def build_import_template() -> bytes:
    """The import template workbook."""
    workbook = Workbook()
    data = workbook.active
    data.title = "Data"
    codes = workbook.create_sheet("Codes")
    ranges = _write_codes(codes)
    _write_data(data, ranges)
    _write_examples(workbook.create_sheet("Examples"))
    _write_instructions(workbook.create_sheet("Instructions"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def example_profiles() -> list[Profile]:
    return [unflatten(row) for row in EXAMPLE_ROWS]


# --- Data -----------------------------------------------------------------------------------


def _write_data(sheet: Worksheet, ranges: dict[str, str]) -> None:
    _write_header(sheet, with_notes=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(PROFILE_COLUMNS, start=1):
        letter = get_column_letter(index)
        number_format = _NUMBER_FORMATS[_value_type(column)]
        for row in DATA_ROWS:
            sheet.cell(row=row, column=index).number_format = number_format
        codes = code_list_of(column.name)
        if codes is not None:
            sheet.add_data_validation(_dropdown(codes, ranges[codes.key], letter))


def _write_header(sheet: Worksheet, *, with_notes: bool) -> None:
    for index, column in enumerate(PROFILE_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.name)
        cell.font = _BOLD
        required = column.name in REQUIRED_COLUMNS
        cell.fill = _REQUIRED_FILL if required else _HEADER_FILL
        if with_notes:
            note = f"{column.label}{' (required)' if required else ''}: {column.description}"
            cell.comment = Comment(note.rstrip(": "), "Advisor Portal")
        width = max(len(column.name), len(column.example), 12) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 40)


def _value_type(column: ProfileColumn) -> type:
    parts = annotation_parts(column.path)
    return next((kind for kind in (date, Decimal, int) if kind in parts), str)


def _dropdown(codes: CodeList, source: str, letter: str) -> DataValidation:
    validation = DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showErrorMessage=not codes.multiple,  # several codes are typed, comma-separated
        errorTitle="Unknown code",
        error=f"Use a code from the Codes sheet ({codes.title}).",
    )
    validation.add(f"{letter}{DATA_ROWS.start}:{letter}{DATA_ROWS.stop - 1}")
    return validation


# --- Codes ----------------------------------------------------------------------------------


def _write_codes(sheet: Worksheet) -> dict[str, str]:
    """Each code list in two columns side by side; the range of its codes, by list key."""
    ranges: dict[str, str] = {}
    for block, codes in enumerate(code_lists()):
        first = block * 3 + 1
        rows = [(code, meaning) for code, meaning in codes.codes]
        _write_block(sheet, first, codes.title, f"Columns: {', '.join(codes.columns)}", rows)
        letter = get_column_letter(first)
        last_row = CODES_FIRST_ROW + len(rows) - 1
        ranges[codes.key] = f"Codes!${letter}${CODES_FIRST_ROW}:${letter}${last_row}"
    first = len(code_lists()) * 3 + 1
    _write_block(
        sheet,
        first,
        "States and provinces",
        "Column: state_province (checked for these countries)",
        subdivision_rows(),
        headers=("Country", "Code", "Name"),
    )
    sheet.freeze_panes = "A4"
    return ranges


def _write_block(
    sheet: Worksheet,
    first: int,
    title: str,
    used_in: str,
    rows: Sequence[Sequence[str]],
    headers: tuple[str, ...] = ("Code", "Meaning"),
) -> None:
    sheet.cell(row=1, column=first, value=title).font = _BOLD
    sheet.cell(row=2, column=first, value=used_in)
    for offset, header in enumerate(headers):
        cell = sheet.cell(row=3, column=first + offset, value=header)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for row_index, row in enumerate(rows, start=CODES_FIRST_ROW):
        for offset, value in enumerate(row):
            sheet.cell(row=row_index, column=first + offset, value=value)
    for offset, header in enumerate(headers):
        longest = max([len(str(row[offset])) for row in rows] + [len(header)])
        sheet.column_dimensions[get_column_letter(first + offset)].width = min(longest + 2, 45)


# --- Examples and Instructions --------------------------------------------------------------


def _write_examples(sheet: Worksheet) -> None:
    _write_header(sheet, with_notes=False)
    sheet.freeze_panes = "A2"
    for row, profile in enumerate(example_profiles(), start=2):
        values = flatten(profile)
        for index, column in enumerate(PROFILE_COLUMNS, start=1):
            cell = sheet.cell(row=row, column=index, value=values[column.name])
            cell.number_format = _NUMBER_FORMATS[_value_type(column)]


def _write_instructions(sheet: Worksheet) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 34
    sheet.column_dimensions["C"].width = 12
    sheet.column_dimensions["D"].width = 70
    sheet.column_dimensions["E"].width = 30
    for row, line in enumerate(INSTRUCTIONS, start=1):
        cell = sheet.cell(row=row, column=1, value=line)
        if row == 1:
            cell.font = _TITLE
        elif line in ("Formats", "Columns"):
            cell.font = _BOLD
    start = len(INSTRUCTIONS) + 1
    headers = ("Column", "Label", "Required", "Format", "Example")
    for offset, header in enumerate(headers, start=1):
        cell = sheet.cell(row=start, column=offset, value=header)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for row, column in enumerate(PROFILE_COLUMNS, start=start + 1):
        required = "yes" if column.name in REQUIRED_COLUMNS else ""
        values = (column.name, column.label, required, column.description, column.example)
        for offset, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=offset, value=value)
            cell.alignment = Alignment(wrap_text=offset == 4, vertical="top")
