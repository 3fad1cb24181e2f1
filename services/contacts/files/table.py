"""Validation of a contacts table (a header row, then one contact per row) from CSV or xlsx.

Every cell of every row is checked before anything is returned: the result holds either all
contacts or all errors, each at its spreadsheet row and header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from services.contacts.domain.profile import error_message
from services.contacts.files.cells import formula_problem, imported_text, is_quoted
from services.contacts.files.columns import READ_ONLY_COLUMNS
from services.contacts.files.profile_columns import (
    PROFILE_COLUMNS,
    REQUIRED_COLUMNS,
    column_for_error,
    unflatten,
)
from services.contacts.files.results import (
    MAX_IMPORT_ROWS,
    CellError,
    ContactDraft,
    ImportResult,
    duplicate_errors,
)

MAX_CELL_CHARS = 1000
_CELL_LIMITS = {"notes": 2000}  # the notes field itself allows 2000 characters
HEADER_ROW = 1

Row = tuple[int, Sequence[Any]]


def header_key(text: str) -> str:
    """Headers match by column name or label, ignoring case, punctuation and a "*" mark."""
    return re.sub(r"[^0-9a-z]+", "_", text.casefold().replace("*", "")).strip("_")


_HEADER_KEYS: dict[str, str] = {
    **{header_key(column.label): column.name for column in PROFILE_COLUMNS},
    **{header_key(column.name): column.name for column in PROFILE_COLUMNS},
}
_IGNORED_KEYS = frozenset(header_key(name) for name in READ_ONLY_COLUMNS)


@dataclass
class Header:
    """Which position holds which profile column, as read from the header row."""

    columns: dict[int, str] = field(default_factory=dict)
    """position -> profile column name"""
    shown: dict[str, str] = field(default_factory=dict)
    """profile column name -> header text as written in the file"""
    skipped: set[int] = field(default_factory=set)
    """positions of unknown or read-only columns (their cells are not checked)"""
    errors: list[CellError] = field(default_factory=list)

    def place(self, position: int) -> str:
        name = self.columns.get(position)
        return self.shown[name] if name else f"column {get_column_letter(position + 1)}"


def read_header(cells: Sequence[Any]) -> Header:
    header = Header()
    for position, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        if text:
            _place_header(header, position, text)
    for name in REQUIRED_COLUMNS:
        if name not in header.shown:
            header.errors.append(CellError(HEADER_ROW, name, "required column is missing"))
    return header


def _place_header(header: Header, position: int, text: str) -> None:
    key = header_key(text)
    name = _HEADER_KEYS.get(key)
    if key in _IGNORED_KEYS:
        header.skipped.add(position)
    elif name is None:
        header.skipped.add(position)
        header.errors.append(CellError(HEADER_ROW, text, "unknown column (see the template)"))
    elif name in header.shown:
        header.skipped.add(position)
        header.errors.append(
            CellError(HEADER_ROW, text, f"the column {header.shown[name]!r} appears twice")
        )
    else:
        header.columns[position] = name
        header.shown[name] = text


def validate_table(header_cells: Sequence[Any], rows: Iterable[Row]) -> ImportResult:
    """Contacts of every non-blank row, or every error found in the header and the rows."""
    if all(_blank(cell) for cell in header_cells):
        return ImportResult.file_error(
            "the first row must be the header row with the column names of the template"
        )
    header = read_header(header_cells)
    if any(error.column in REQUIRED_COLUMNS for error in header.errors):
        return ImportResult.failed(header.errors)
    data, total = _data_rows(rows)
    if total > MAX_IMPORT_ROWS:
        return ImportResult.file_error(
            f"the file has {total} contacts; at most {MAX_IMPORT_ROWS} can be imported at "
            "once — split it into several files"
        )
    if total == 0:
        return ImportResult.file_error("the file has no contacts below the header row")
    return _validate_rows(header, data)


def _data_rows(rows: Iterable[Row]) -> tuple[list[Row], int]:
    """The non-blank rows (the first ones, up to the limit) and how many there are."""
    kept: list[Row] = []
    total = 0
    for number, cells in rows:
        if all(_blank(cell) for cell in cells):
            continue
        total += 1
        if total <= MAX_IMPORT_ROWS:
            kept.append((number, cells))
    return kept, total


def _validate_rows(header: Header, data: list[Row]) -> ImportResult:
    errors = list(header.errors)
    drafts: list[tuple[int, ContactDraft]] = []
    for number, cells in data:
        draft, row_errors = validate_row(header, number, cells)
        errors += row_errors
        if draft is not None:
            drafts.append((number, draft))
    errors += duplicate_errors(drafts)
    if errors:
        return ImportResult.failed(errors)
    return ImportResult(contacts=[draft for _, draft in drafts])


def validate_row(
    header: Header, number: int, cells: Sequence[Any]
) -> tuple[ContactDraft | None, list[CellError]]:
    values, errors = _row_values(header, number, cells)
    for name in REQUIRED_COLUMNS:
        if name not in values and not any(e.column == header.shown[name] for e in errors):
            errors.append(CellError(number, header.shown[name], "required"))
    try:
        profile = unflatten(values)
    except ValidationError as exc:
        errors += [
            CellError(number, _shown(header, column_for_error(error["loc"])), error_message(error))
            for error in exc.errors(include_url=False)
        ]
        return None, errors
    if errors:
        return None, errors
    return ContactDraft.of(profile), []


def _shown(header: Header, column: str) -> str:
    return header.shown.get(column, column)


def _row_values(
    header: Header, number: int, cells: Sequence[Any]
) -> tuple[dict[str, Any], list[CellError]]:
    values: dict[str, Any] = {}
    errors: list[CellError] = []
    for position, cell in enumerate(cells):
        if _blank(cell) or position in header.skipped:
            continue
        name = header.columns.get(position)
        if name is None:
            errors.append(
                CellError(number, header.place(position), "value in a column without a header")
            )
            continue
        value, problem = cell_input(cell, name)
        if problem:
            errors.append(CellError(number, header.shown[name], problem))
        else:
            values[name] = value
    return values, errors


def cell_input(cell: Any, column: str) -> tuple[Any, str | None]:
    """The value of a cell as the profile reads it, or the reason it is refused."""
    if isinstance(cell, bool):
        return str(cell).upper(), None
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return int(cell), None
    if isinstance(cell, Decimal | int | float) or not isinstance(cell, str):
        return cell, None
    limit = _CELL_LIMITS.get(column, MAX_CELL_CHARS)
    if len(cell) > limit:
        return None, f"is {len(cell)} characters long; at most {limit} are allowed"
    if is_quoted(cell):
        return imported_text(cell), None
    problem = formula_problem(cell)
    return (None, problem) if problem else (cell, None)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())
