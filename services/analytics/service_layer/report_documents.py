"""Client reports as files (A10): activity statements and performance reports as PDF (fpdf2, as
the fee invoices; the performance charts are drawn with fpdf2's own vector lines) and CSV (one
file, each line naming its section, then ``Header``, ``Data`` or ``Total``, as broker activity
statements do), and a group's statements as one zip of PDFs or one combined PDF."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fpdf import FPDF

from contracts.api.reports import PerformanceOut, PointOut, StatementOut

LABELS = {"summary": "Net asset value", "positions": "Open positions",
          "transactions": "Transactions", "fees": "Fees", "performance": "Performance"}  # fmt: skip
KIND_LABELS = {"deposit": "Deposits", "withdrawal": "Withdrawals",
               "position_transfer_in": "Position transfers in",
               "position_transfer_out": "Position transfers out",
               "internal_transfer": "Internal transfers", "trade": "Trades",
               "dividend": "Dividends", "interest": "Interest"}  # fmt: skip
ACCOUNT_COLOUR, BENCHMARK_COLOUR = (31, 95, 168), (179, 92, 0)


def percent(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f} %"


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _safe(text: object) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return (
        "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text
    )


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


# ---- PDF ---------------------------------------------------------------------------------------


class _Document(FPDF):
    def __init__(self, master: str) -> None:
        super().__init__()
        self.master = master
        self.set_auto_page_break(auto=True, margin=16)
        self.set_title("Advisor Portal report")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 5, _safe(f"{self.master} - page {self.page_no()}"), align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("Helvetica", "B", 11)
        self.cell(0, 7, _safe(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=8)

    def row(self, cells: Sequence[tuple[str, float, str]], *, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", 8)
        for text, width, align in cells:
            self.cell(width, 5, _safe(text)[:90], align=align)  # type: ignore[arg-type]
        self.ln(5)
        self.set_font("Helvetica", size=8)


def _statement_pages(pdf: _Document, view: StatementOut) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, "Consolidated activity statement" if view.accounts else "Activity statement",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("Helvetica", size=9)
    lines = [f"Account: {view.account_number} {view.title or ''}"]
    if view.accounts:
        lines.append(f"Linked accounts ({len(view.accounts)}): {', '.join(view.accounts)}")
    for line in (*lines, f"Period: {view.period_start} to {view.period_end}", f"Master account: {pdf.master}"):  # fmt: skip
        pdf.cell(0, 5, _safe(line), new_x="LMARGIN", new_y="NEXT")
    s = view.summary
    if "summary" in view.sections:
        pdf.heading(LABELS["summary"])
        for label, value in (("Opening value" + (f" ({s.opening_as_of})" if s.opening_as_of else ""), s.opening_nav),
                             ("Deposits, withdrawals and transfers", s.net_flows), ("Dividends", s.dividends),
                             ("Interest", s.interest), ("Change in value", s.change_in_value)):  # fmt: skip
            pdf.row([(label, 120, "L"), (_amount(value), 50, "R")])
        closing = "Closing value" + (f" ({s.closing_as_of})" if s.closing_as_of else "")
        pdf.row([(closing, 120, "L"), (_amount(s.closing_nav), 50, "R")], bold=True)
    if "positions" in view.sections:
        pdf.heading(
            LABELS["positions"] + (f" at {view.positions_as_of}" if view.positions_as_of else "")
        )
        pdf.row([("Symbol", 60, "L"), ("Quantity", 50, "R"), ("Market value", 60, "R")], bold=True)
        for p in view.positions:
            pdf.row([(p.symbol, 60, "L"), (f"{p.quantity.normalize():f}", 50, "R"), (_amount(p.market_value), 60, "R")])  # fmt: skip
        held = sum((p.market_value for p in view.positions), Decimal(0))
        pdf.row([("Total", 110, "L"), (_amount(held), 60, "R")], bold=True)
    if "transactions" in view.sections:
        pdf.heading(LABELS["transactions"])
        wide = 62 if view.accounts else 86  # a consolidated statement names each account
        pdf.row([("Date", 22, "L"), ("Type", 34, "L"), *([("Account", 24, "L")] if view.accounts else []),
                 ("Description", wide, "L"), ("Status", 20, "L"), ("Amount", 28, "R")], bold=True)  # fmt: skip
        for t in view.transactions:
            pdf.row([(str(t.booked_on), 22, "L"), (KIND_LABELS.get(t.kind, t.kind), 34, "L"),
                     *([(t.account_number or "", 24, "L")] if view.accounts else []),
                     (t.description[: 55 if not view.accounts else 40], wide, "L"), (t.status, 20, "L"),
                     (_amount(t.amount), 28, "R")])  # fmt: skip
        for kind_total in view.totals:
            pdf.row([(f"Total {KIND_LABELS.get(kind_total.kind, kind_total.kind).lower()} ({kind_total.count})", 162, "L"),
                     (_amount(kind_total.amount), 28, "R")], bold=True)  # fmt: skip
    if "fees" in view.sections:
        pdf.heading(LABELS["fees"])
        pdf.row([("Invoice", 40, "L"), ("Period", 50, "L"), ("Charged", 30, "R"), ("Reimbursed", 30, "R"), ("Net", 30, "R")], bold=True)  # fmt: skip
        for f in view.fees:
            pdf.row([(f.number, 40, "L"), (f"{f.period_start} - {f.period_end}", 50, "L"), (_amount(f.amount), 30, "R"),
                     (_amount(f.reimbursed), 30, "R"), (_amount(f.amount - f.reimbursed), 30, "R")])  # fmt: skip
        pdf.row([("Total fees", 150, "L"), (_amount(view.fees_total), 30, "R")], bold=True)
    if "performance" in view.sections:
        pdf.heading(LABELS["performance"])
        r = view.returns
        pdf.row([("Time-weighted return (daily-linked)", 120, "L"), (percent(r.twr), 50, "R")])
        pdf.row(
            [("Money-weighted return (IRR of the period)", 120, "L"), (percent(r.mwr), 50, "R")]
        )
        if r.twr_annualized is not None or r.mwr_annualized is not None:
            pdf.row([("Annualised TWR / MWR", 120, "L"), (f"{percent(r.twr_annualized)} / {percent(r.mwr_annualized)}", 50, "R")])  # fmt: skip
    pdf.ln(3)
    pdf.set_font("Helvetica", size=7)
    pdf.multi_cell(0, 4, _safe(view.rounding), new_x="LMARGIN", new_y="NEXT")


def statement_pdf(view: StatementOut, master: str) -> bytes:
    pdf = _Document(master)
    _statement_pages(pdf, view)
    return bytes(pdf.output())


def combined_pdf(views: Sequence[StatementOut], master: str) -> bytes:
    """Every statement in one document, each from a new page."""
    pdf = _Document(master)
    for view in views:
        _statement_pages(pdf, view)
    if not views:
        pdf.add_page()
        pdf.cell(0, 8, "No client account within reach in this group or segment.")
    return bytes(pdf.output())


def zip_of(views: Sequence[StatementOut], master: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for view in views:
            name = f"statement-{view.account_number}-{view.period_start}-{view.period_end}.pdf"
            archive.writestr(name, statement_pdf(view, master))
    return buffer.getvalue()


def _chart_frame(pdf: _Document, x: float, y: float, w: float, h: float, low: float, high: float) -> None:  # fmt: skip
    pdf.set_draw_color(180, 180, 180)
    pdf.rect(x, y, w, h)
    if low < 0 < high:  # the zero line
        zero = y + h * high / (high - low)
        pdf.line(x, zero, x + w, zero)
    pdf.set_font("Helvetica", size=6)
    pdf.set_xy(x - 18, y - 2)
    pdf.cell(17, 4, f"{high * 100:.1f} %", align="R")
    pdf.set_xy(x - 18, y + h - 2)
    pdf.cell(17, 4, f"{low * 100:.1f} %", align="R")


def _line_chart(pdf: _Document, points: Sequence[PointOut], x: float, y: float, w: float, h: float) -> None:  # fmt: skip
    values = [float(v) for p in points for v in (p.account, p.benchmark) if v is not None]
    if len(points) < 2 or not values:
        pdf.set_xy(x, y)
        pdf.cell(w, 6, "Not enough reported values to draw the chart.")
        return
    low, high = min(0.0, *values), max(0.0, *values)
    high = high if high > low else low + 0.01
    _chart_frame(pdf, x, y, w, h, low, high)
    first, span = (
        points[0].day.toordinal(),
        max(1, points[-1].day.toordinal() - points[0].day.toordinal()),
    )
    for attribute, colour in (("account", ACCOUNT_COLOUR), ("benchmark", BENCHMARK_COLOUR)):
        line = [(x + w * (p.day.toordinal() - first) / span, y + h * (high - float(v)) / (high - low))
                for p in points if (v := getattr(p, attribute)) is not None]  # fmt: skip
        if len(line) > 1:
            pdf.set_draw_color(*colour)
            pdf.set_line_width(0.5)
            pdf.polyline(line)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)


def _bar_chart(pdf: _Document, view: PerformanceOut, x: float, y: float, w: float, h: float) -> None:  # fmt: skip
    months = [p for p in view.periods if p.frequency == "month"]
    values = [float(v) for p in months for v in (p.account, p.benchmark) if v is not None]
    if not months or not values:
        return
    low, high = min(0.0, *values), max(0.0, *values)
    high = high if high > low else low + 0.01
    _chart_frame(pdf, x, y, w, h, low, high)
    zero = y + h * high / (high - low)
    slot = w / len(months)
    for index, period in enumerate(months):
        for offset, value, colour in ((0.15, period.account, ACCOUNT_COLOUR), (0.5, period.benchmark, BENCHMARK_COLOUR)):  # fmt: skip
            if value is None:
                continue
            top = y + h * (high - float(value)) / (high - low)
            pdf.set_fill_color(*colour)
            pdf.rect(
                x + slot * (index + offset), min(top, zero), slot * 0.33, abs(zero - top), style="F"
            )
        if len(months) <= 24:
            pdf.set_font("Helvetica", size=5)
            pdf.set_xy(x + slot * index, y + h + 0.5)
            pdf.cell(slot, 3, period.label[2:], align="C")


def performance_pdf(view: PerformanceOut, master: str) -> bytes:
    pdf = _Document(master)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, "Performance report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for line in (f"Account: {view.account_number} {view.title or ''}",
                 f"Period: {view.period_start} to {view.period_end}",
                 f"Benchmark: {view.benchmark or 'none reported'}"):  # fmt: skip
        pdf.cell(0, 5, _safe(line), new_x="LMARGIN", new_y="NEXT")
    pdf.heading("Returns")
    r = view.returns
    pdf.row([("Time-weighted return", 90, "L"), (percent(r.twr), 40, "R")])
    pdf.row([("Money-weighted return", 90, "L"), (percent(r.mwr), 40, "R")])
    pdf.row([("Benchmark", 90, "L"), (percent(view.benchmark_return), 40, "R")])
    pdf.heading("Cumulative return (blue: account, orange: benchmark)")
    top = pdf.get_y() + 2
    _line_chart(pdf, view.points, 30, top, 160, 55)
    pdf.set_y(top + 60)
    pdf.heading("Monthly returns (blue: account, orange: benchmark)")
    top = pdf.get_y() + 2
    _bar_chart(pdf, view, 30, top, 160, 40)
    pdf.set_y(top + 46)
    for frequency, title in (("month", "By month"), ("quarter", "By quarter"), ("year", "By year")):
        pdf.heading(title)
        pdf.row([("Period", 40, "L"), ("Account", 35, "R"), ("Benchmark", 35, "R"), ("Excess", 35, "R")], bold=True)  # fmt: skip
        for p in (p for p in view.periods if p.frequency == frequency):
            pdf.row([(p.label, 40, "L"), (percent(p.account), 35, "R"), (percent(p.benchmark), 35, "R"), (percent(p.excess), 35, "R")])  # fmt: skip
    pdf.ln(3)
    pdf.set_font("Helvetica", size=7)
    pdf.multi_cell(0, 4, _safe(view.rounding), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# ---- CSV ---------------------------------------------------------------------------------------


def statement_csv(view: StatementOut) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)

    def line(section: str, kind: str, *values: Any) -> None:
        w.writerow([section, kind, *(_cell(v) for v in values)])

    line("Statement", "Header", "Field Name", "Field Value")
    for name, value in (("Account", view.account_number), ("Title", view.title), ("Period start", view.period_start),
                        ("Period end", view.period_end), ("Rounding", view.rounding)):  # fmt: skip
        line("Statement", "Data", name, value)
    if view.accounts:
        line("Statement", "Data", "Linked accounts", " ".join(view.accounts))
    named = ["Account"] if view.accounts else []  # a consolidated statement's last column
    s = view.summary
    if "summary" in view.sections:
        line("Net Asset Value", "Header", "Field Name", "Amount", "As Of")
        line("Net Asset Value", "Data", "Opening value", s.opening_nav, s.opening_as_of)
        for label, amount in (("Deposits, withdrawals and transfers", s.net_flows), ("Dividends", s.dividends),
                              ("Interest", s.interest), ("Change in value", s.change_in_value)):  # fmt: skip
            line("Net Asset Value", "Data", label, amount, "")
        line("Net Asset Value", "Total", "Closing value", s.closing_nav, s.closing_as_of)
    if "positions" in view.sections:
        line("Open Positions", "Header", "Symbol", "Quantity", "Market Value", "As Of")
        for p in view.positions:
            line(
                "Open Positions", "Data", p.symbol, p.quantity, p.market_value, view.positions_as_of
            )
        line(
            "Open Positions",
            "Total",
            "",
            "",
            sum((p.market_value for p in view.positions), Decimal(0)),
            "",
        )
    if "transactions" in view.sections:
        line("Transactions", "Header", "Date", "Type", "Id", "Description", "Symbol", "Quantity", "Status", "Amount", "Flow",
             *named)  # fmt: skip
        for t in view.transactions:
            line("Transactions", "Data", t.booked_on, t.kind, t.transaction_id, t.description, t.symbol, t.quantity,
                 t.status, t.amount, t.flow, *([t.account_number] if named else []))  # fmt: skip
        for total in view.totals:
            line(
                "Transactions",
                "Total",
                "",
                total.kind,
                total.count,
                "",
                "",
                "",
                "completed",
                total.amount,
                "",
            )
    if "fees" in view.sections:
        line(
            "Fees",
            "Header",
            "Invoice",
            "Period Start",
            "Period End",
            "Description",
            "Charged",
            "Reimbursed",
        )
        for f in view.fees:
            line(
                "Fees",
                "Data",
                f.number,
                f.period_start,
                f.period_end,
                f.description,
                f.amount,
                f.reimbursed,
            )
        line("Fees", "Total", "", "", "", "", view.fees_total, "")
    if "performance" in view.sections:
        line("Performance", "Header", "Measure", "Return")
        r = view.returns
        for measure, figure in (("TWR", r.twr), ("MWR", r.mwr), ("TWR annualised", r.twr_annualized),
                                ("MWR annualised", r.mwr_annualized)):  # fmt: skip
            line("Performance", "Data", measure, figure)
    return out.getvalue().encode("utf-8")


def performance_csv(view: PerformanceOut) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["frequency", "period", "start", "end", "account", "benchmark", "excess"])
    for p in view.periods:
        w.writerow([p.frequency, p.label, p.start, p.end, p.account, p.benchmark, p.excess])
    w.writerow(["period", f"{view.period_start}..{view.period_end}", view.period_start, view.period_end,
                view.returns.twr, view.benchmark_return, ""])  # fmt: skip
    return out.getvalue().encode("utf-8")
