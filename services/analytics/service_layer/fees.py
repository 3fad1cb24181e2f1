"""Fee administration (A9): templates, client fee configuration, invoices for a period (with
their PDF and CSV) and reimbursements. Accounts linked under one username (L3) share a template's
minimum (``domain/fees.py`` states the rule)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from fpdf import FPDF

from contracts.access import ClientScope
from contracts.api.fees import (  # fmt: skip
    ClientFeeIn,
    ClientFeeList,
    ClientFeeOut,
    FeeTemplateIn,
    FeeTemplateList,
    FeeTemplateOut,
    InvoiceLineOut,
    InvoiceList,
    InvoiceOut,
    InvoiceRun,
    ReimbursementIn,
    ReimbursementOut,
    Tier,
)
from services.analytics.domain import fees as rules
from services.analytics.service_layer import account_links
from services.analytics.service_layer.fees_uow import FeesUnitOfWork
from services.runtime.errors import Invalid, NotFound


def _template(row: dict[str, Any]) -> rules.FeeTemplate:
    return rules.FeeTemplate(kind=rules.FeeKind(row["kind"]), amount=Decimal(row["amount"]),
                             minimum=Decimal(row.get("minimum") or 0), tiers=tuple(
        rules.Tier(None if t["up_to"] is None else Decimal(t["up_to"]), Decimal(t["annual_percent"])) for t in row["tiers"]))  # fmt: skip


def _template_out(row: dict[str, Any]) -> FeeTemplateOut:
    return FeeTemplateOut(id=row["template_id"], name=row["name"], kind=row["kind"], amount=row["amount"],
                          minimum=row.get("minimum") or Decimal(0), tiers=[Tier(**t) for t in row["tiers"]],
                          created_at=row["created_at"])  # fmt: skip


async def add_template(
    uow: FeesUnitOfWork, master: str, command: FeeTemplateIn, *, now: datetime
) -> FeeTemplateOut:
    row = {"template_id": uuid4(), "master_account_id": master, "name": command.name, "kind": command.kind,
           "tiers": [t.model_dump(mode="json") for t in command.tiers], "amount": command.amount,
           "minimum": command.minimum, "created_at": now}  # fmt: skip
    rules.check_template(_template(row))
    await uow.fees.add_template(row)
    return _template_out(row)


async def templates(uow: FeesUnitOfWork, master: str) -> FeeTemplateList:
    return FeeTemplateList(
        items=[_template_out(r) for r in await uow.fees.templates(master_account_id=master)]
    )


async def configure(
    uow: FeesUnitOfWork, master: str, command: ClientFeeIn, *, scope: ClientScope
) -> ClientFeeList:
    if (
        await uow.segment_facts.facts_of(
            master_account_id=master, account_number=command.account_number, scope=scope
        )
        is None
    ):
        raise NotFound("account")
    if command.template_id not in {
        t["template_id"] for t in await uow.fees.templates(master_account_id=master)
    }:
        raise Invalid("no such fee template", field="template_id")
    await uow.fees.configure({"master_account_id": master, "account_number": command.account_number,
                              "template_id": command.template_id})  # fmt: skip
    return await client_fees(uow, master, scope=scope)


def _name(row: dict[str, Any]) -> str | None:
    return " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or None


async def client_fees(uow: FeesUnitOfWork, master: str, *, scope: ClientScope) -> ClientFeeList:
    linked = await account_links.linked_accounts(uow, master, scope=scope)
    return ClientFeeList(items=[ClientFeeOut(account_number=r["account_number"], name=_name(r), template_id=r["template_id"],
                                             template_name=r["template_name"], linked_accounts=linked.get(r["account_number"], []))
                                for r in await uow.fees.client_fees(master_account_id=master, scope=scope)])  # fmt: skip


async def generate_invoices(
    uow: FeesUnitOfWork, master: str, command: InvoiceRun, *, scope: ClientScope, now: datetime
) -> InvoiceList:
    """An invoice per configured account within reach for the period (one already made for the
    same account and period is kept, not made again). A template's minimum is charged once per
    link group, on its payer's invoice, against the charges of every account of the group on
    that template, within the caller's reach or not (the group shares one minimum)."""
    days = rules.period_days(command.period_start, command.period_end)
    by_id = {t["template_id"]: t for t in await uow.fees.templates(master_account_id=master)}
    reached = [
        c["account_number"]
        for c in await uow.fees.client_fees(master_account_id=master, scope=scope)
    ]
    configured = {c["account_number"]: c["template_id"] for c in await uow.fees.client_fees(
        master_account_id=master, scope=ClientScope.everything())}  # fmt: skip
    groups = await account_links.groups_of(uow, master, on_or_before=command.period_end)
    shares = {payer: [s for s in found if _template(by_id[s.template_id]).minimum > 0]
              for payer, found in rules.minimum_shares(configured, groups).items()}  # fmt: skip
    needed = set(reached) | {
        a for payer in reached for share in shares.get(payer, []) for a in share.accounts
    }
    lines: dict[str, rules.InvoiceLine] = {}
    for account in sorted(needed):
        template_row = by_id[configured[account]]
        average, nav_days, trades = await uow.activity.period(
            master_account_id=master, account_number=account,
            start=command.period_start, end=command.period_end)  # fmt: skip
        lines[account] = rules.invoice_line(_template(template_row), template_row["name"],
                                            rules.PeriodActivity(average, nav_days, trades), days)  # fmt: skip
    count = await uow.fees.count_invoices(master_account_id=master)
    rows = []
    for account in reached:
        template_row = by_id[configured[account]]
        invoice_lines = [lines[account]]
        for share in shares.get(account, []):
            charges = sum((lines[a].amount for a in share.accounts), Decimal(0))
            minimum = rules.minimum_line(_template(by_id[share.template_id]), by_id[share.template_id]["name"],
                                         charges, len(share.accounts), days)  # fmt: skip
            if minimum is not None:
                invoice_lines.append(minimum)
        count += 1
        rows.append({"invoice_id": uuid4(), "master_account_id": master, "number": f"INV-{command.period_end:%Y%m}-{count:05d}",
                     "account_number": account, "template_name": template_row["name"],
                     "period_start": command.period_start, "period_end": command.period_end,
                     "lines": [{"description": line.description, "basis": line.basis, "amount": str(line.amount)}
                               for line in invoice_lines],
                     "total": sum((line.amount for line in invoice_lines), Decimal(0)), "created_at": now})  # fmt: skip
    await uow.fees.add_invoices(rows)
    return await invoices(uow, master, scope=scope)


async def invoices(
    uow: FeesUnitOfWork,
    master: str,
    *,
    scope: ClientScope,
    invoice_id: UUID | None = None,
    lock: bool = False,
) -> InvoiceList:
    rows = await uow.fees.invoices(
        master_account_id=master, scope=scope, invoice_id=invoice_id, lock=lock
    )
    paid = await uow.fees.reimbursements(invoice_ids=[r["invoice_id"] for r in rows])
    names = {
        f["account_number"]: _name(f)
        for f in await uow.fees.client_fees(master_account_id=master, scope=scope)
    }
    items = []
    for row in rows:
        mine = [p for p in paid if p["invoice_id"] == row["invoice_id"]]
        items.append(InvoiceOut(
            id=row["invoice_id"], number=row["number"], account_number=row["account_number"],
            name=names.get(row["account_number"]), template_name=row["template_name"],
            period_start=row["period_start"], period_end=row["period_end"],
            lines=[InvoiceLineOut(**line) for line in row["lines"]], total=row["total"],
            reimbursed=sum((Decimal(p["amount"]) for p in mine), Decimal("0.00")),
            reimbursements=[ReimbursementOut(id=p["reimbursement_id"], amount=p["amount"], reason=p["reason"],
                                             created_at=p["created_at"], created_by=p["created_by"]) for p in mine],
            created_at=row["created_at"]))  # fmt: skip
    return InvoiceList(items=items)


async def invoice(
    uow: FeesUnitOfWork, master: str, invoice_id: UUID, *, scope: ClientScope, lock: bool = False
) -> InvoiceOut:
    found = (await invoices(uow, master, scope=scope, invoice_id=invoice_id, lock=lock)).items
    if not found:
        raise NotFound("invoice")
    return found[0]


async def reimburse(uow: FeesUnitOfWork, master: str, user_id: str, invoice_id: UUID, command: ReimbursementIn, *,
                    scope: ClientScope, now: datetime) -> InvoiceOut:  # fmt: skip
    current = await invoice(uow, master, invoice_id, scope=scope, lock=True)
    rules.reimbursable(current.total, current.reimbursed, command.amount)
    await uow.fees.add_reimbursement({"reimbursement_id": uuid4(), "invoice_id": invoice_id, "master_account_id": master,
                                      "amount": command.amount, "reason": command.reason, "created_at": now,
                                      "created_by": user_id})  # fmt: skip
    return await invoice(uow, master, invoice_id, scope=scope)


CSV_COLUMNS = ("number", "account_number", "name", "template", "period_start", "period_end", "description", "basis", "amount", "total", "reimbursed")  # fmt: skip


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return (
        "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
    )  # no formulas in a spreadsheet


def invoices_csv(listing: InvoiceList) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for inv in listing.items:
        for line in inv.lines:
            writer.writerow([_cell(v) for v in (inv.number, inv.account_number, inv.name, inv.template_name, inv.period_start,
                                                 inv.period_end, line.description, line.basis, line.amount, inv.total, inv.reimbursed)])  # fmt: skip
    return out.getvalue().encode("utf-8")


def invoice_pdf(inv: InvoiceOut, master: str) -> bytes:
    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    def safe(text: object) -> str:
        return str(text).encode("latin-1", "replace").decode("latin-1")

    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, safe(f"Invoice {inv.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for label, value in (("Master account", master), ("Account", f"{inv.account_number} {inv.name or ''}"),
                         ("Period", f"{inv.period_start} to {inv.period_end}"), ("Fee template", inv.template_name)):  # fmt: skip
        pdf.cell(0, 6, safe(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for line in inv.lines:
        pdf.multi_cell(
            0,
            6,
            safe(f"{line.description} - {line.basis}: {line.amount}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, safe(f"Total: {inv.total} USD"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for paid in inv.reimbursements:
        pdf.cell(
            0,
            6,
            safe(f"Reimbursed {paid.amount} on {paid.created_at:%Y-%m-%d}: {paid.reason}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)
    pdf.cell(
        0,
        6,
        "Each line rounded half up to the cent; the total is the sum of the lines.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
