"""Importing and exporting contacts (C4, C5) through the contacts service, on the real database
and broker: all or nothing, every bad cell reported, limits, formulas, round trip, 2FA gate."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import httpx
from openpyxl import Workbook, load_workbook

from contracts import topics
from contracts.accounts import AccountType, Applicant, ApplicationStage, ApplicationStatusChanged
from services.contacts.domain.contact import Contact, profile_of
from services.contacts.domain.contact_table import ContactQuery
from services.contacts.files.profile_columns import PROFILE_COLUMNS
from services.contacts.files.template import EXAMPLE_ROWS
from services.contacts.store.contact_table import ContactTableRepository
from tests.integration.conftest import RunningService, a_master, eventually, publish, read_topic

VERIFIED = {"X-Two-Factor": "verified"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_file(rows: list[dict[str, Any]]) -> bytes:
    names = [c.name for c in PROFILE_COLUMNS if any(c.name in row for row in rows)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(names)
    writer.writerows([[row.get(name, "") for name in names] for row in rows])
    return buffer.getvalue().encode("utf-8")


def xlsx_file(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def upload(
    service: RunningService, master: str, name: str, content: bytes, mime: str = "text/csv"
) -> httpx.Response:
    return await service.http.post(
        "/contacts/import", files={"file": (name, content, mime)}, headers=service.as_master(master)
    )


async def contacts_of(service: RunningService, master: str) -> list[Contact]:
    async with service.app.state.context.database.read() as session:
        found, _ = await ContactTableRepository(session).search(ContactQuery(master, limit=500))
    return found


async def export(service: RunningService, master: str, path: str, **headers: str) -> bytes:
    response = await service.http.get(
        f"/contacts/export/{path}",
        params={"exported_by": "Ada Lovelace"} if path.endswith("xlsx") else None,
        headers=service.as_master(master) | headers,
    )
    assert response.status_code == 200, response.text
    return response.content


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def data_sheet(content: bytes) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in workbook["Data"].iter_rows(values_only=True)]


# --- import -----------------------------------------------------------------------------


async def test_the_template_downloads_as_a_workbook(contacts_service: RunningService) -> None:
    response = await contacts_service.http.get(
        "/contacts/import/template.xlsx", headers=contacts_service.as_master(a_master())
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Data"
    assert {"Codes", "Examples", "Instructions"} <= set(workbook.sheetnames)


async def test_a_csv_import_adds_every_row_and_publishes_each_contact(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    response = await upload(contacts_service, master, "book.csv", csv_file(list(EXAMPLE_ROWS)))
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["added"] == len(EXAMPLE_ROWS) == len(report["contact_ids"])

    stored = await contacts_of(contacts_service, master)
    assert sorted(c.display_name for c in stored) == ["Anna Müller", "John Smith", "Yuki Tanaka"]
    john = next(c for c in stored if c.last_name == "Smith")
    assert john.profile.address and john.profile.address.city == "Hoboken"
    assert john.email == "john.smith@example.com"

    async def created_events() -> list[dict[str, Any]] | None:
        events = [
            message
            for message in await read_topic(kafka_bootstrap, topics.CONTACTS.name)
            if message["master_account_id"] == master and message["type"] == "contact.created"
        ]
        return events if len(events) == len(EXAMPLE_ROWS) else None

    events = await eventually(created_events)
    assert {e["payload"]["contact"]["contact_id"] for e in events} == set(report["contact_ids"])


async def test_an_xlsx_import(contacts_service: RunningService) -> None:
    master = a_master()
    content = xlsx_file(
        [
            ["First name", "Last name", "Email", "Date of birth", "Net worth"],
            ["Grace", "Hopper", "grace@navy.example", "1906-12-09", 250000],
            ["Alan", "Turing", None, None, None],
        ]
    )
    response = await upload(contacts_service, master, "book.xlsx", content, XLSX)
    assert response.status_code == 201, response.text
    assert response.json()["added"] == 2
    grace = next(c for c in await contacts_of(contacts_service, master) if c.last_name == "Hopper")
    assert grace.profile.contact and str(grace.profile.contact.date_of_birth) == "1906-12-09"


async def test_a_vcard_import_of_versions_3_and_4(contacts_service: RunningService) -> None:
    master = a_master()
    cards = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lamarr;Hedy;;;\r\nFN:Hedy Lamarr\r\n"
        "EMAIL;TYPE=INTERNET:hedy@example.com\r\nTEL;TYPE=CELL:+1 201 555 0199\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Noether;Emmy;;;\r\nFN:Emmy Noether\r\n"
        "ADR;TYPE=home:;;Bunsenstr. 3;Göttingen;;37073;DE\r\nEND:VCARD\r\n"
    )
    response = await upload(
        contacts_service, master, "cards.vcf", cards.encode("utf-8"), "text/vcard"
    )
    assert response.status_code == 201, response.text
    stored = {c.last_name: c for c in await contacts_of(contacts_service, master)}
    assert set(stored) == {"Lamarr", "Noether"}
    assert stored["Noether"].profile.address and stored["Noether"].profile.address.country == "DE"


async def test_every_bad_cell_is_listed_and_nothing_is_saved(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    rows = [
        {"first_name": "Good", "last_name": "Row", "email": "good@example.com"},
        {"first_name": "Bad", "last_name": "Email", "email": "not-an-email"},
        {"first_name": "Bad", "last_name": "Date", "date_of_birth": "31/31/1999"},
        {"first_name": "No", "last_name": "", "country": "Atlantis"},
        {"first_name": "Evil", "last_name": "Formula", "city": '=HYPERLINK("http://x","y")'},
    ]
    response = await upload(contacts_service, master, "bad.csv", csv_file(rows))
    assert response.status_code == 422
    problems = {(p["row"], p["column"]) for p in response.json()["detail"]}
    assert {(3, "email"), (4, "date_of_birth"), (5, "last_name"), (5, "country"),
            (6, "city")} <= problems  # fmt: skip
    assert not any(row == 2 for row, _ in problems)
    assert all(p["message"] for p in response.json()["detail"])
    assert await contacts_of(contacts_service, master) == []


async def test_more_than_a_hundred_rows_are_refused(contacts_service: RunningService) -> None:
    master = a_master()
    rows = [{"first_name": "Row", "last_name": f"Number{n}"} for n in range(101)]
    response = await upload(contacts_service, master, "many.csv", csv_file(rows))
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["row"] == 0 and "at most 100" in problem["message"]
    assert await contacts_of(contacts_service, master) == []


async def test_oversized_files_are_refused_with_their_limit(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    big_csv = b"first_name,last_name\r\n" + b"x" * (3 * 1024 * 1024)
    response = await upload(contacts_service, master, "big.csv", big_csv)
    assert response.status_code == 413 and "2 MB" in response.json()["detail"]

    just_over = b"first_name,last_name\r\n" + b"x" * (2 * 1024 * 1024)
    response = await upload(contacts_service, master, "over.csv", just_over)
    assert response.status_code == 413 and "2 MB" in response.json()["detail"]

    big_vcard = b"BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:" + b"y" * (1024 * 1024 + 10)
    response = await upload(contacts_service, master, "big.vcf", big_vcard, "text/vcard")
    assert response.status_code == 413
    assert "vCard files may have at most 1 MB" in response.json()["detail"]


async def test_wrong_types_are_refused(contacts_service: RunningService) -> None:
    master = a_master()
    response = await upload(contacts_service, master, "book.pdf", b"%PDF-1.7", "application/pdf")
    assert response.status_code == 415 and "book.pdf" in response.json()["detail"]

    disguised = await upload(contacts_service, master, "book.csv", b"%PDF-1.7\n...")
    assert disguised.status_code == 422
    assert "PDF" in disguised.json()["detail"][0]["message"]

    fake_xlsx = await upload(contacts_service, master, "book.xlsx", b"first,last\r\n", XLSX)
    assert fake_xlsx.status_code == 422

    no_file = await contacts_service.http.post(
        "/contacts/import", data={"x": "y"}, headers=contacts_service.as_master(master)
    )
    assert no_file.status_code == 422
    assert no_file.json()["detail"][0]["loc"] == ["body", "file"]
    assert await contacts_of(contacts_service, master) == []


# --- exports ----------------------------------------------------------------------------


async def test_exports_neutralize_formulas_and_cover_the_callers_master_only(
    contacts_service: RunningService,
) -> None:
    master, other = a_master(), a_master()
    rows = [{"first_name": "'@Evil", "last_name": "Person", "city": "'=1+2", "notes": "'-3"}]
    assert (await upload(contacts_service, master, "a.csv", csv_file(rows))).status_code == 201
    other_rows = [{"first_name": "Someone", "last_name": "Else"}]
    assert (await upload(contacts_service, other, "b.csv", csv_file(other_rows))).status_code == 201
    evil = (await contacts_of(contacts_service, master))[0]
    assert (evil.first_name, evil.profile.address.city) == ("@Evil", "=1+2")  # type: ignore[union-attr]

    summary = csv_rows(await export(contacts_service, master, "summary.csv"))
    assert summary[0][:2] == ["Title", "Contact"]
    assert [row[1] for row in summary[1:]] == ["'@Evil Person"]

    sheet = data_sheet(await export(contacts_service, master, "client-data.xlsx", **VERIFIED))
    header, [row] = sheet[0], sheet[1:]
    values = dict(zip(header, row, strict=False))  # read-only mode trims empty cells
    assert (values["first_name"], values["city"], values["notes"]) == ("'@Evil", "'=1+2", "'-3")
    cells = [value for value in row if isinstance(value, str)]
    assert not any(value.startswith(("=", "+", "-", "@")) for value in cells)


async def test_pending_application_tasks_export(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    account = f"U{random.randint(10**7, 10**8 - 1)}"
    event = ApplicationStatusChanged(
        account_number=account, stage=ApplicationStage.PENDING, account_type=AccountType.INDIVIDUAL,
        applicant=Applicant(first_name="Lise", last_name="Meitner"),
        pending_tasks=["Upload proof of address", "=cmd|' /C calc'!A0"],
    )  # fmt: skip
    await publish(kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name, event, master=master)

    async def tasks() -> list[list[str]] | None:
        rows = csv_rows(await export(contacts_service, master, "pending-tasks.csv"))
        return rows if len(rows) == 3 else None

    rows = await eventually(tasks)
    assert rows[0] == ["Contact", "Account number", "Status", "Task"]
    assert rows[1][:2] == ["Lise Meitner", account]
    assert [row[3] for row in rows[1:]] == ["Upload proof of address", "'=cmd|' /C calc'!A0"]
    assert csv_rows(await export(contacts_service, a_master(), "pending-tasks.csv")) == [rows[0]]


async def test_client_data_export_needs_the_gateways_two_factor_assertion(
    contacts_service: RunningService,
) -> None:
    master = a_master()
    headers = contacts_service.as_master(master)
    params = {"exported_by": "Someone"}
    for extra in ({}, {"X-Two-Factor": "yes"}):
        response = await contacts_service.http.get(
            "/contacts/export/client-data.xlsx", params=params, headers=headers | extra
        )
        assert response.status_code == 403
        assert "two-factor" in response.json()["detail"]
    forged = await contacts_service.http.get(
        "/contacts/export/client-data.xlsx",
        params=params,
        headers=headers | VERIFIED | {"X-Internal-Token": "guess"},
    )
    assert forged.status_code == 401


async def test_exported_client_data_imports_into_another_master_with_every_field(
    contacts_service: RunningService,
) -> None:
    source, target = a_master(), a_master()
    hostile = {"first_name": "Quote", "last_name": "Marks", "notes": "'=SUM(A1:A9)",
               "street_line_1": "'+44 Road", "city": "Zürich"}  # fmt: skip
    response = await upload(contacts_service, source, "a.csv", csv_file([*EXAMPLE_ROWS, hostile]))
    assert response.status_code == 201, response.text
    plain = await contacts_service.http.post(
        "/contacts",
        json={
            "first_name": "Table",
            "last_name": "Only",
            "email": "t@example.com",
            "phone": "+1 201 555 0150",
        },
        headers=contacts_service.as_master(source),
    )
    assert plain.status_code == 201, plain.text

    workbook = await export(contacts_service, source, "client-data.xlsx", **VERIFIED)
    response = await upload(contacts_service, target, "client-data.xlsx", workbook, XLSX)
    assert response.status_code == 201, response.text
    assert response.json()["added"] == len(EXAMPLE_ROWS) + 2

    def profiles(found: list[Contact]) -> dict[str, Any]:
        return {c.display_name: profile_of(c) for c in found}

    exported = profiles(await contacts_of(contacts_service, source))
    imported = profiles(await contacts_of(contacts_service, target))
    assert imported == exported
    assert imported["Quote Marks"].prospect and imported["Quote Marks"].prospect.notes == (
        "=SUM(A1:A9)"
    )
    again = await export(contacts_service, target, "client-data.xlsx", **VERIFIED)
    width = len(PROFILE_COLUMNS)  # the crm_* columns after them are the CRM's, not imported
    assert [row[:width] for row in data_sheet(again)] == [
        row[:width] for row in data_sheet(workbook)
    ]
