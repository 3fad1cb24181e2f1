"""The downloadable import template (C4)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.workbook import Workbook as WorkbookType

from contracts.accounts import AccountType
from services.contacts.files.imports import parse_contacts_file
from services.contacts.files.profile_columns import PROFILE_COLUMNS, REQUIRED_COLUMNS
from services.contacts.files.template import build_import_template


@pytest.fixture(scope="module")
def template() -> WorkbookType:
    return load_workbook(io.BytesIO(build_import_template()))


def test_template_has_data_and_reference_sheets(template: WorkbookType) -> None:
    assert template.sheetnames == ["Data", "Codes", "Examples", "Instructions"]


def test_data_sheet_header(template: WorkbookType) -> None:
    data = template["Data"]
    assert [cell.value for cell in data[1]] == [column.name for column in PROFILE_COLUMNS]
    assert data.freeze_panes == "A2"
    fills = {cell.value: cell.fill.fgColor.rgb for cell in data[1]}
    assert fills["first_name"] == fills["last_name"] != fills["email"]
    first_name = data.cell(row=1, column=2)
    assert first_name.comment is not None and "required" in first_name.comment.text
    assert data.column_dimensions["A"].width >= 12


def test_data_sheet_has_dropdowns_for_codes(template: WorkbookType) -> None:
    validations = template["Data"].data_validations.dataValidation
    by_range = {str(validation.sqref): validation for validation in validations}
    salutation = by_range["A2:A101"]  # salutation is the first column
    assert salutation.type == "list" and salutation.formula1.startswith("Codes!$")
    assert len(validations) >= 15


def test_codes_sheet_lists_every_code(template: WorkbookType) -> None:
    values = {cell.value for row in template["Codes"].iter_rows() for cell in row if cell.value}
    assert {member.value for member in AccountType} <= values
    assert {"US", "GB", "JP", "Mr", "self_employed", "employment_income", "w8ben", "NY"} <= values
    assert "Countries (ISO 3166)" in values and "Account type" in values


def test_instructions_tell_the_rules(template: WorkbookType) -> None:
    text = " ".join(str(c.value) for row in template["Instructions"].iter_rows() for c in row)
    assert "At most 100 contacts" in text
    assert "YYYY-MM-DD" in text
    assert all(name in text for name in REQUIRED_COLUMNS)


def test_example_rows_import_cleanly(template: WorkbookType) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    for row in template["Examples"].iter_rows(values_only=True):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_contacts_file("examples.xlsx", buffer.getvalue())
    assert result.errors == []
    assert 2 <= result.count <= 3


def test_empty_template_imports_nothing() -> None:
    result = parse_contacts_file("template.xlsx", build_import_template())
    assert result.contacts == []
    assert "no contacts" in result.errors[0].message
