"""The RMD calculator over client accounts (A8) and fee administration (A9) as use cases against
the fake unit of work, with amounts worked by hand: Decimal throughout, each amount rounded half
up to the cent once; within the caller's master and scope (out of reach reads as not found)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from contracts.access import ClientScope
from contracts.api.fees import ClientFeeIn, FeeTemplateIn, InvoiceRun, ReimbursementIn, Tier
from services.analytics.service_layer import fees, rmd
from services.runtime.errors import Conflict, Invalid, NotFound
from tests.unit.analytics.tools_fakes import FakeToolsUnitOfWork

MASTER, OTHER = "F1000001", "F2000002"
NOW = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
EVERYONE = ClientScope.everything()


def only(*accounts: str) -> ClientScope:
    return ClientScope(all_clients=False, account_numbers=frozenset(accounts))


# ---- A8 RMD


def an_ira_book() -> FakeToolsUnitOfWork:
    """U1 a Traditional IRA, owner born 15 June 1950 (75 in 2025, required from 72); U2 a
    Rollover IRA without a birth date; U3 a Roth IRA (no RMD); U4 a Traditional IRA, owner born
    1960 (65 in 2025, required from 75); U9 another master's."""
    uow = FakeToolsUnitOfWork()
    facts = uow.segment_facts
    facts.client(MASTER, "U1000001", account_type="traditional_ira",
                 date_of_birth=date(1950, 6, 15))  # fmt: skip
    facts.client(MASTER, "U1000002", account_type="rollover_ira", date_of_birth=None)
    facts.client(MASTER, "U1000003", account_type="roth_ira", date_of_birth=date(1950, 1, 1))
    facts.client(MASTER, "U1000004", account_type="traditional_ira",
                 date_of_birth=date(1960, 1, 1))  # fmt: skip
    facts.client(OTHER, "U9000009", account_type="traditional_ira",
                 date_of_birth=date(1940, 1, 1))  # fmt: skip
    uow.activity.year_ends[("U1000001", 2024)] = Decimal("100000.00")
    uow.activity.withdrawn_[("U1000001", 2025)] = Decimal("1000.00")
    return uow


async def test_each_eligible_account_gets_its_years_rmd_from_the_event_stream() -> None:
    """U1: 100,000.00 / 24.6 (Uniform Lifetime, age 75) = 4,065.0406... -> 4,065.04; 1,000.00
    withdrawn, 3,065.04 remaining."""
    uow = an_ira_book()
    listed = await rmd.for_accounts(uow.as_tools, MASTER, 2025, scope=EVERYONE)
    by_account = {item.account_number or "": item for item in listed.items}
    assert sorted(by_account) == ["U1000001", "U1000002", "U1000004"], "no Roth, no other master"
    first = by_account["U1000001"]
    assert (first.required, first.owner_age, first.divisor) == (True, 75, Decimal("24.6"))
    assert (first.prior_year_end_balance, first.required_amount) == (
        Decimal("100000.00"), Decimal("4065.04"))  # fmt: skip
    assert (first.withdrawn_to_date, first.remaining) == (Decimal("1000.00"), Decimal("3065.04"))
    assert first.name == "Ada Lovelace"
    assert (by_account["U1000002"].required, by_account["U1000002"].reason) == (
        False, "no date of birth on record")  # fmt: skip
    assert by_account["U1000004"].required is False
    scoped = await rmd.for_accounts(uow.as_tools, MASTER, 2025, scope=only("U1000004"))
    assert [i.account_number for i in scoped.items] == ["U1000004"]


async def test_one_accounts_rmd_and_what_is_out_of_reach() -> None:
    uow = an_ira_book()
    uow.activity.withdrawn_[("U1000001", 2025)] = Decimal("5000.00")
    one = await rmd.for_account(uow.as_tools, MASTER, "U1000001", 2025, scope=EVERYONE)
    assert (one.required_amount, one.remaining) == (Decimal("4065.04"), Decimal(0)), "never < 0"
    for master, account, scope in ((OTHER, "U1000001", EVERYONE),
                                   (MASTER, "U1000001", only("U1000004")),
                                   (MASTER, "U7777777", EVERYONE)):  # fmt: skip
        with pytest.raises(NotFound):
            await rmd.for_account(uow.as_tools, master, account, 2025, scope=scope)


# ---- A9 fee administration

AUM = FeeTemplateIn(name="AUM tiers", kind="aum", tiers=[
    Tier(up_to=Decimal(1_000_000), annual_percent=Decimal(1)),
    Tier(up_to=None, annual_percent=Decimal("0.5"))])  # fmt: skip
FLAT = FeeTemplateIn(name="Flat", kind="flat", amount=Decimal(1200))
JANUARY = InvoiceRun(period_start=date(2026, 1, 1), period_end=date(2026, 1, 31))


async def a_fee_book() -> tuple[FakeToolsUnitOfWork, dict[str, UUID]]:
    uow = FakeToolsUnitOfWork()
    for account in ("U1000001", "U1000002"):
        uow.segment_facts.client(MASTER, account)
    uow.segment_facts.client(OTHER, "U9000009")
    aum = await fees.add_template(uow.as_fees, MASTER, AUM, now=NOW)
    flat = await fees.add_template(uow.as_fees, MASTER, FLAT, now=NOW)
    await fees.configure(uow.as_fees, MASTER,
                         ClientFeeIn(account_number="U1000001", template_id=aum.id), scope=EVERYONE)  # fmt: skip
    await fees.configure(uow.as_fees, MASTER,
                         ClientFeeIn(account_number="U1000002", template_id=flat.id),
                         scope=EVERYONE)  # fmt: skip
    # January: U1 averaged 1,500,000.00 over 21 reported days
    uow.activity.periods["U1000001"] = (Decimal("1500000.00"), 21, 4)
    return uow, {"aum": aum.id, "flat": flat.id}


async def test_an_invoice_line_is_the_periods_share_rounded_half_up_once() -> None:
    """U1 (AUM): 1,000,000 x 1 % + 500,000 x 0.5 % = 12,500.00 a year; x 31/365 =
    1,061.6438... -> 1,061.64. U2 (flat 1,200.00 a year): x 31/365 = 101.9178... -> 101.92."""
    uow, _ = await a_fee_book()
    made = await fees.generate_invoices(uow.as_fees, MASTER, JANUARY, scope=EVERYONE, now=NOW)
    totals = {i.account_number: i.total for i in made.items}
    assert totals == {"U1000001": Decimal("1061.64"), "U1000002": Decimal("101.92")}
    (line,) = next(i for i in made.items if i.account_number == "U1000001").lines
    assert line.amount == Decimal("1061.64") and "21 day(s)" in line.basis
    again = await fees.generate_invoices(uow.as_fees, MASTER, JANUARY, scope=EVERYONE, now=NOW)
    assert len(again.items) == 2 and len(uow.fees.invoices_) == 2, "once per account and period"
    scoped = await fees.invoices(uow.as_fees, MASTER, scope=only("U1000002"))
    assert [i.account_number for i in scoped.items] == ["U1000002"]


async def test_reimbursements_never_take_more_than_the_invoice() -> None:
    uow, _ = await a_fee_book()
    made = await fees.generate_invoices(uow.as_fees, MASTER, JANUARY, scope=only("U1000001"),
                                        now=NOW)  # fmt: skip
    (invoice,) = made.items
    after = await fees.reimburse(uow.as_fees, MASTER, "u-ada", invoice.id,
                                 ReimbursementIn(amount=Decimal("61.64"), reason="goodwill"),
                                 scope=EVERYONE, now=NOW)  # fmt: skip
    assert after.reimbursed == Decimal("61.64")
    with pytest.raises(Conflict, match=r"1000\.00"):
        await fees.reimburse(uow.as_fees, MASTER, "u-ada", invoice.id,
                             ReimbursementIn(amount=Decimal("1000.01"), reason="too much"),
                             scope=EVERYONE, now=NOW)  # fmt: skip
    for master, scope in ((OTHER, EVERYONE), (MASTER, only("U1000002"))):
        with pytest.raises(NotFound):
            await fees.reimburse(uow.as_fees, master, "u-ada", invoice.id,
                                 ReimbursementIn(amount=Decimal(1), reason="x"), scope=scope,
                                 now=NOW)  # fmt: skip
    assert len(uow.fees.reimbursements_) == 1


async def test_configuration_is_checked_and_within_reach() -> None:
    uow, ids = await a_fee_book()
    with pytest.raises(NotFound):
        await fees.configure(uow.as_fees, MASTER,
                             ClientFeeIn(account_number="U9000009", template_id=ids["aum"]),
                             scope=EVERYONE)  # fmt: skip
    with pytest.raises(NotFound):
        await fees.configure(uow.as_fees, MASTER,
                             ClientFeeIn(account_number="U1000002", template_id=ids["aum"]),
                             scope=only("U1000001"))  # fmt: skip
    with pytest.raises(Invalid):
        await fees.configure(uow.as_fees, MASTER,
                             ClientFeeIn(account_number="U1000001", template_id=uuid4()),
                             scope=EVERYONE)  # fmt: skip
    with pytest.raises(Invalid):  # an AUM fee needs tiers
        await fees.add_template(uow.as_fees, MASTER, FeeTemplateIn(name="x", kind="aum"), now=NOW)
    listed = await fees.client_fees(uow.as_fees, MASTER, scope=only("U1000001"))
    assert [(c.account_number, c.template_name) for c in listed.items] == [
        ("U1000001", "AUM tiers")]  # fmt: skip
    assert [t.name for t in (await fees.templates(uow.as_fees, OTHER)).items] == []
