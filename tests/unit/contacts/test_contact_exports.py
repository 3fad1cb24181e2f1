"""Exports (C5): summary and pending tasks CSV, client data Excel; neutralized, re-importable."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from contracts.accounts import AccountType, ApplicationStage
from contracts.contacts import ContactKind
from services.contacts.domain.profile import Profile
from services.contacts.files.cells import imported_text, neutralize
from services.contacts.files.columns import SUMMARY_COLUMNS
from services.contacts.files.exports import (
    ExportContact,
    PendingTask,
    client_data_xlsx,
    contact_summary_csv,
    pending_tasks_csv,
)
from services.contacts.files.imports import parse_contacts_file
from services.contacts.files.profile_columns import PROFILE_COLUMNS, flatten, unflatten

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "'=quoted", "''=twice"]


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def client(profile: Profile, **fields: object) -> ExportContact:
    contact = profile.contact
    name = f"{contact.first_name} {contact.last_name}" if contact else "?"
    return ExportContact(contact=name, profile=profile, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["plain", "", "=1+1", "+", "-", "@", "\tx", "\rx", "'", "'x", "'=x", "''=x", "'''", "a=b"],
)
def test_neutralize_is_undone_exactly_by_the_import(text: str) -> None:
    exported = neutralize(text)
    assert not exported.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert imported_text(exported) == text


def test_contact_summary_csv() -> None:
    row = ExportContact(
        contact="Jane Doe",
        kind=ContactKind.CLIENT,
        title='=HYPERLINK("http://evil")',
        account_type=AccountType.ROTH_IRA,
        account_number="U1234567",
        status=ApplicationStage.OPEN,
        username="@jane",
        email="jane@example.com",
        phone="+12015550123",
        net_asset_value=Decimal("1234.50"),
    )
    lines = read_csv(contact_summary_csv([row, ExportContact(contact="Bo Ek")]))
    assert lines[0] == [
        "Title",
        "Contact",
        "Type",
        "Account type",
        "Account number",
        "Status",
        "Username",
        "Email",
        "Phone",
        "Net asset value",
    ]
    assert lines[1] == [
        '\'=HYPERLINK("http://evil")',
        "Jane Doe",
        "Client",
        "Roth IRA",
        "U1234567",
        "Open",
        "'@jane",
        "jane@example.com",
        "'+12015550123",
        "1234.50",
    ]
    assert lines[2] == ["", "Bo Ek", "Prospect", "", "", "", "", "", "", ""]


def test_pending_tasks_csv() -> None:
    tasks = [
        PendingTask("Jane Doe", "U1234567", ApplicationStage.PENDING, "Upload proof of address"),
        PendingTask("-Evil", None, None, "=cmd|' /C calc'!A0"),
    ]
    lines = read_csv(pending_tasks_csv(tasks))
    assert lines == [
        ["Contact", "Account number", "Status", "Task"],
        ["Jane Doe", "U1234567", "Pending", "Upload proof of address"],
        ["'-Evil", "", "", "'=cmd|' /C calc'!A0"],
    ]


def test_every_exported_csv_cell_is_neutralized() -> None:
    rows = [ExportContact(contact=text, title=text, username=text) for text in HOSTILE]
    for line in read_csv(contact_summary_csv(rows))[1:]:
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_client_data_workbook(full_profile: Profile) -> None:
    row = client(
        full_profile,
        kind=ContactKind.CLIENT,
        title="=evil()",
        account_number="U1234567",
        status=ApplicationStage.OPEN,
        net_asset_value=Decimal("99.90"),
    )
    at = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    workbook = load_workbook(
        io.BytesIO(client_data_xlsx([row], exported_by="alice", exported_at=at))
    )
    assert workbook.sheetnames == ["Data", "Export"]
    data = workbook["Data"]
    header = [cell.value for cell in data[1]]
    assert header == [c.name for c in PROFILE_COLUMNS] + [c.column for c in SUMMARY_COLUMNS]
    values = dict(zip(header, [cell.value for cell in data[2]], strict=True))
    assert values["crm_title"] == "'=evil()" and values["crm_type"] == "Client"
    assert values["crm_status"] == "Open" and values["crm_net_asset_value"] == 99.9
    assert values["mobile_phone"] == "'+12015550123"
    assert values["notes"].startswith("'=Met")
    assert all(cell.data_type != "f" for row_cells in data.iter_rows() for cell in row_cells)
    info = {r[0]: r[1] for r in workbook["Export"].iter_rows(values_only=True)}
    assert info["Exported by"] == "alice" and info["Exported at"] == "2025-03-04T05:06:07+00:00"
    assert info["Contacts"] == 1


def test_export_then_import_keeps_every_field(
    full_profile: Profile, minimal_profile: Profile
) -> None:
    hostile = [
        unflatten({"first_name": text, "last_name": f"Lee{i}", "notes": text, "city": text})
        for i, text in enumerate(HOSTILE)
    ]
    profiles = [full_profile, minimal_profile, *hostile]
    content = client_data_xlsx(
        [client(p, title="x", account_number="U1") for p in profiles], exported_by="alice"
    )
    result = parse_contacts_file("clients.xlsx", content)
    assert result.errors == []
    assert [draft.profile for draft in result.contacts] == profiles
    for draft, profile in zip(result.contacts, profiles, strict=True):
        assert flatten(draft.profile) == flatten(profile)
    imported = result.contacts[0]
    assert imported.email == "jose.muller@example.com" and imported.phone == "+12015550123"
    assert imported.account_type is AccountType.ROTH_IRA


def test_client_data_is_written_from_a_stream_of_rows(
    full_profile: Profile, minimal_profile: Profile
) -> None:
    taken: list[int] = []

    def rows() -> Iterator[ExportContact]:  # as the database batches hand them over
        for n in range(1500):
            taken.append(n)
            yield client(full_profile if n % 2 else minimal_profile, account_number=f"U{n}")

    content = client_data_xlsx(rows(), exported_by="alice")
    assert len(taken) == 1500
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    data = list(workbook["Data"].iter_rows(values_only=True))
    assert len(data) == 1501
    header = data[0]
    assert [dict(zip(header, row, strict=False))["crm_account_number"] for row in data[1:]] == [
        f"U{n}" for n in range(1500)
    ]
    info = {r[0]: r[1] for r in workbook["Export"].iter_rows(values_only=True)}
    assert info["Contacts"] == 1500


def test_client_data_cells_keep_their_types_and_the_layout(full_profile: Profile) -> None:
    row = client(full_profile, net_asset_value=Decimal("1234567.89"), title="Retirement")
    workbook = load_workbook(io.BytesIO(client_data_xlsx([row], exported_by="alice")))
    data = workbook["Data"]
    assert data.freeze_panes == "A2"
    header = list(data[1])
    assert all(cell.font.b for cell in header)
    assert {cell.fill.fgColor.rgb[-6:] for cell in header} == {"DDEBF7"}
    cells = {h.value: cell for h, cell in zip(header, data[2], strict=True)}
    birth = cells["date_of_birth"]
    assert birth.is_date and birth.value == datetime(1970, 2, 28)
    assert birth.number_format == "yyyy-mm-dd"
    for name, amount in (("annual_net_income", 250000.5), ("net_worth", 1250000),
                         ("liquid_net_worth", 400000.25), ("crm_net_asset_value", 1234567.89)):  # fmt: skip
        assert (cells[name].data_type, cells[name].value) == ("n", amount)
        assert cells[name].number_format == "#,##0.00"
    assert (cells["stocks_years"].data_type, cells["stocks_years"].value) == ("n", 20)
    assert (cells["forex_years"].data_type, cells["forex_years"].value) == ("n", 0)
    assert cells["source_of_funds"].value == "employment_income, savings"
    assert cells["crm_account_type"].value is None and cells["crm_title"].value == "Retirement"
    info = {r[0]: r[1] for r in workbook["Export"].iter_rows(values_only=True)}
    assert list(info) == ["Export", "Exported at", "Exported by", "Contacts", "Note"]
    assert all(row[0].font.b for row in workbook["Export"].iter_rows())


# XlsxWriter copies text shaped like its rich string XML into the sheet as it is
XML_LOOKALIKES = [
    '<r><t>x</t></r></is></c><c r="B2"><f>1+1</f></c><c t="inlineStr"><is><r><t>y</t></r>',
    "<r></r>",
    "<r>&amp; <b></r>",
]


def test_text_that_looks_like_sheet_xml_stays_text() -> None:
    profiles = [
        unflatten({"first_name": "X", "last_name": f"Lee{i}", "notes": text, "city": text})
        for i, text in enumerate(XML_LOOKALIKES)
    ]
    rows = [client(p, title=t) for p, t in zip(profiles, XML_LOOKALIKES, strict=True)]
    content = client_data_xlsx(rows, exported_by=XML_LOOKALIKES[0])
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        assert all(cell.data_type != "f" for cells in sheet.iter_rows() for cell in cells)
    data = list(workbook["Data"].iter_rows(values_only=True))
    assert len(data) == 1 + len(XML_LOOKALIKES)
    titles = [dict(zip(data[0], row, strict=True))["crm_title"] for row in data[1:]]
    assert titles == XML_LOOKALIKES
    info = {r[0]: r[1] for r in workbook["Export"].iter_rows(values_only=True)}
    assert info["Exported by"] == XML_LOOKALIKES[0]
    result = parse_contacts_file("clients.xlsx", content)
    assert result.errors == []
    assert [draft.profile for draft in result.contacts] == profiles


def test_text_with_ooxml_escape_lookalikes_round_trips() -> None:
    # XlsxWriter writes a literal _xHHHH_ as _x005F_xHHHH_, the escape the format requires
    profile = unflatten({"first_name": "Ann_x0041_", "last_name": "Lee", "notes": "a_x00e9_b_x"})
    content = client_data_xlsx([client(profile)], exported_by="alice")
    assert [draft.profile for draft in parse_contacts_file("x.xlsx", content).contacts] == [profile]
