"""Exports of the contacts table (C5): contact summary (CSV), pending application tasks (CSV)
and full client data (Excel).

Every text cell is neutralized against formula injection (see :mod:`.cells`). The client data
workbook's "Data" sheet has the import columns first, so it can be imported again unchanged;
its ``crm_*`` summary columns are skipped by the import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from contracts.accounts import AccountType, ApplicationStage
from contracts.contacts import ContactKind
from services.contacts.domain.profile import Profile
from services.contacts.domain.profile_types import meaning
from services.contacts.files.cells import neutralize
from services.contacts.files.columns import SUMMARY_COLUMNS
from services.contacts.files.profile_columns import PROFILE_COLUMNS, flatten

_HEADER_STYLE = {"bold": True, "pattern": 1, "bg_color": "#DDEBF7"}
PENDING_TASK_HEADERS = ("Contact", "Account number", "Status", "Task")


@dataclass(frozen=True)
class ExportContact:
    """One row of the contacts table with its full profile."""

    contact: str
    """the contact's name as the table shows it"""
    kind: ContactKind = ContactKind.PROSPECT
    title: str | None = None
    account_type: AccountType | None = None
    account_number: str | None = None
    status: ApplicationStage | None = None
    username: str | None = None
    email: str | None = None
    phone: str | None = None
    net_asset_value: Decimal | None = None
    profile: Profile = field(default_factory=Profile)


@dataclass(frozen=True)
class PendingTask:
    contact: str
    account_number: str | None
    status: ApplicationStage | None
    task: str


def contact_summary_csv(rows: Iterable[ExportContact], *, header: bool = True) -> bytes:
    """The ten table columns, one line per contact (UTF-8 with BOM so Excel reads it right).

    ``header=False`` gives the lines only (no BOM, no header): the next part of a streamed file.
    """
    lines = [[column.label for column in SUMMARY_COLUMNS]] if header else []
    lines += [[_text(getattr(row, column.field)) for column in SUMMARY_COLUMNS] for row in rows]
    return _csv(lines, bom=header)


def pending_tasks_csv(rows: Iterable[PendingTask], *, header: bool = True) -> bytes:
    """One line per pending application task (``header=False``: as for the summary)."""
    lines = [list(PENDING_TASK_HEADERS)] if header else []
    lines += [
        [_text(row.contact), _text(row.account_number), _text(row.status), _text(row.task)]
        for row in rows
    ]
    return _csv(lines, bom=header)


def client_data_xlsx(
    rows: Iterable[ExportContact], *, exported_by: str, exported_at: datetime | None = None
) -> bytes:
    """Every profile column and the summary fields of each contact, and who exported when.

    Written with XlsxWriter in constant memory mode: each row goes to a temporary file as soon
    as it is complete, so ``rows`` can be an iterator over the database batches and a large
    book is never held in memory (only the finished file is).
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, _WORKBOOK_OPTIONS)
    try:
        count = _write_clients(workbook, rows)
        _write_export_info(workbook, count, exported_by, exported_at)
    finally:
        workbook.close()  # also when a row fails: it deletes the temporary row files
    return buffer.getvalue()


# Text is only ever written with write_string; these keep any generic write() from turning
# text into formulas, links or numbers all the same.
_WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
_LAST_ROW = 1_048_575  # Excel's last row (zero-based); XlsxWriter would skip rows after it


def _write_clients(workbook: Workbook, rows: Iterable[ExportContact]) -> int:
    sheet = workbook.add_worksheet("Data")
    header_format = workbook.add_format(_HEADER_STYLE)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    amount_format = workbook.add_format({"num_format": "#,##0.00"})
    headers = [column.name for column in PROFILE_COLUMNS] + [c.column for c in SUMMARY_COLUMNS]
    for index, header in enumerate(headers):
        sheet.set_column(index, index, max(len(header) + 2, 12))
    sheet.freeze_panes(1, 0)
    for index, header in enumerate(headers):
        _write_text(sheet, 0, index, neutralize(header), header_format)
    count = 0
    for count, row in enumerate(rows, start=1):
        if count > _LAST_ROW:
            raise ValueError(f"more than {_LAST_ROW:,} contacts do not fit in one sheet")
        values = [
            *flatten(row.profile).values(),
            *(_summary_cell(getattr(row, c.field)) for c in SUMMARY_COLUMNS),
        ]
        for index, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                _write_text(sheet, count, index, neutralize(value))
            elif isinstance(value, Decimal):
                sheet.write_number(count, index, float(value), amount_format)
            elif isinstance(value, date):
                sheet.write_datetime(count, index, value, date_format)
            elif isinstance(value, bool):
                sheet.write_boolean(count, index, value)
            elif isinstance(value, int | float):
                sheet.write_number(count, index, value)
            else:
                raise TypeError(f"cannot write a {type(value).__name__} to the client data sheet")
    return count


def _write_text(sheet: Worksheet, row: int, column: int, text: str, style: Any = None) -> None:
    """A text cell, never a formula. In constant memory mode XlsxWriter copies text that looks
    like its own rich string XML (``<r>...</r>``) into the sheet unescaped, which would let a
    value add cells, formulas included; written as a rich string of plain parts, such text is
    escaped like any other."""
    if text.startswith("<r>") and text.endswith("</r>"):
        parts = [text[:1], text[1:2], text[2:]]
        sheet.write_rich_string(row, column, *parts, *([] if style is None else [style]))
    else:
        sheet.write_string(row, column, text, style)


def _write_export_info(workbook: Workbook, count: int, user: str, at: datetime | None) -> None:
    sheet = workbook.add_worksheet("Export")
    label_format = workbook.add_format({"bold": True})
    moment = (at or datetime.now(UTC)).isoformat(timespec="seconds")
    lines = (
        ("Export", "Client data"),
        ("Exported at", moment),
        ("Exported by", user),
        ("Contacts", count),
        ("Note", "Contains personal data: store and share it according to your data policy."),
    )
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 70)
    for row, (label, value) in enumerate(lines):
        _write_text(sheet, row, 0, neutralize(label), label_format)
        if isinstance(value, str):
            _write_text(sheet, row, 1, neutralize(value))
        else:
            sheet.write_number(row, 1, value)


def _summary_cell(value: Any) -> Any:
    return meaning(value) if isinstance(value, StrEnum) else value


def _text(value: Any) -> str:
    """A CSV field: codes by their meaning, amounts plain, text neutralized."""
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        value = meaning(value)
    if isinstance(value, Decimal):
        value = format(value, "f")
    return neutralize(str(value))


def _csv(lines: list[list[str]], *, bom: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(lines)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")
