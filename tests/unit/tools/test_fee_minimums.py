"""Linked accounts share activity-fee minimums (L3, A9): the link groups analytics keeps from
``linkage.accounts_linked`` and the invoices' minimum lines, against a fake unit of work."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from contracts.access import ClientScope
from contracts.api.fees import ClientFeeIn, FeeTemplateIn, InvoiceRun
from contracts.envelope import Envelope
from contracts.linkage import AccountsLinked
from services.analytics.domain import fees as rules
from services.analytics.domain.account_links import Link, groups
from services.analytics.service_layer import account_links, fees
from services.runtime.consumers import Delivery
from services.runtime.errors import Invalid
from tests.unit.tools.fake_fees import FakeFeesUnitOfWork

D = Decimal
MASTER = "F1000001"
EVERYONE = ClientScope.everything()
JANUARY = InvoiceRun(period_start=date(2026, 1, 1), period_end=date(2026, 1, 30))  # 30 days
NOW = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
LINKED_ON = datetime(2025, 12, 5, 11, 0, tzinfo=UTC)  # a Friday batch


def linked(survivor: str, *others: str, at: datetime = LINKED_ON) -> Delivery[AccountsLinked]:
    event = AccountsLinked(
        request_id=uuid4(), holder_id="H1", surviving_account=survivor,
        surviving_username=survivor.lower(), linked_accounts=[survivor, *others], profile={},
        banking_instruction_ids=[], executed_at=at,
    )  # fmt: skip
    return Delivery(event, Envelope.wrap(event, master_account_id=MASTER))


def scope_of(*accounts: str) -> ClientScope:
    return ClientScope(all_clients=False, account_numbers=frozenset(accounts))


async def book(
    trades: dict[str, int], *, minimum: str = "120", kind: str = "per_trade"
) -> tuple[FakeFeesUnitOfWork, UUID]:
    """A per-trade template (1.00 a trade, ``minimum`` a year) on every account of ``trades``."""
    uow = FakeFeesUnitOfWork()
    template = await fees.add_template(uow, MASTER, FeeTemplateIn(
        name="Activity", kind=kind, amount=D("1.00"), minimum=D(minimum)), now=NOW)  # type: ignore[arg-type]  # fmt: skip
    for account, count in trades.items():
        uow.segment_facts.known.add((MASTER, account))
        uow.activity.by_account[account] = (D(0), 0, count)
        await fees.configure(uow, MASTER, ClientFeeIn(account_number=account, template_id=template.id),
                             scope=EVERYONE)  # fmt: skip
    return uow, template.id


def lines(invoice: object) -> list[tuple[str, Decimal]]:
    return [(line.description, line.amount) for line in invoice.lines]  # type: ignore[attr-defined]


# 120 a year over 30/365 of a year = 9.8630...
PRORATED = D(120) * 30 / 365


async def test_each_unlinked_account_pays_its_own_minimum() -> None:
    uow, _ = await book({"U0000001": 3, "U0000002": 4, "U0000003": 12})
    invoices = {i.account_number: i for i in (await fees.generate_invoices(
        uow, MASTER, JANUARY, scope=EVERYONE, now=NOW)).items}  # fmt: skip
    assert lines(invoices["U0000001"]) == [("Activity", D("3.00")),
                                           ("Activity: minimum fee", D("6.86"))]  # fmt: skip
    assert lines(invoices["U0000002"]) == [("Activity", D("4.00")),
                                           ("Activity: minimum fee", D("5.86"))]  # fmt: skip
    assert lines(invoices["U0000003"]) == [("Activity", D("12.00"))]  # above the minimum
    assert invoices["U0000001"].total == D("9.86")
    assert "charges of this account: 3.00" in invoices["U0000001"].lines[1].basis


async def test_linked_accounts_share_one_minimum_charged_once_to_the_primary_account() -> None:
    uow, _ = await book({"U0000001": 3, "U0000002": 4, "U0000003": 2})
    await account_links.apply_accounts_linked([linked("U0000002", "U0000001")], uow)
    invoices = {i.account_number: i for i in (await fees.generate_invoices(
        uow, MASTER, JANUARY, scope=EVERYONE, now=NOW)).items}  # fmt: skip
    # the group's charges 3.00 + 4.00 against one prorated minimum of 9.86: 2.86 more, once
    assert lines(invoices["U0000002"]) == [("Activity", D("4.00")),
                                           ("Activity: minimum fee", D("2.86"))]  # fmt: skip
    assert lines(invoices["U0000001"]) == [("Activity", D("3.00"))]
    basis = invoices["U0000002"].lines[1].basis
    assert "consolidated across 2 linked accounts: 7.00" in basis and "9.86" in basis
    assert invoices["U0000001"].total + invoices["U0000002"].total == D("9.86")
    # the unlinked account still has its own
    assert lines(invoices["U0000003"])[1] == ("Activity: minimum fee", D("7.86"))
    assert invoices["U0000002"].total == rules.money(PRORATED - 3)


async def test_a_group_at_or_above_its_minimum_has_no_minimum_line() -> None:
    uow, _ = await book({"U0000001": 5, "U0000002": 5})
    await account_links.apply_accounts_linked([linked("U0000001", "U0000002")], uow)
    invoices = (await fees.generate_invoices(uow, MASTER, JANUARY, scope=EVERYONE, now=NOW)).items
    assert [len(i.lines) for i in invoices] == [1, 1]  # 10.00 >= 9.86


async def test_a_scoped_caller_never_gets_the_minimum_twice_across_the_group() -> None:
    """The minimum is on the primary account's invoice whoever generates it, and counts the
    charges of accounts out of the caller's reach."""
    uow, _ = await book({"U0000001": 3, "U0000002": 4})
    await account_links.apply_accounts_linked([linked("U0000002", "U0000001")], uow)
    first = await fees.generate_invoices(uow, MASTER, JANUARY, scope=scope_of("U0000001"), now=NOW)
    assert [(i.account_number, lines(i)) for i in first.items] == [
        ("U0000001", [("Activity", D("3.00"))])
    ]
    second = await fees.generate_invoices(uow, MASTER, JANUARY, scope=scope_of("U0000002"), now=NOW)
    assert [(i.account_number, lines(i)) for i in second.items] == [
        ("U0000002", [("Activity", D("4.00")), ("Activity: minimum fee", D("2.86"))])
    ]
    again = await fees.generate_invoices(uow, MASTER, JANUARY, scope=EVERYONE, now=NOW)
    assert sum(len(i.lines) for i in again.items) == 3, "made once per account and period"


async def test_the_minimum_goes_to_the_lowest_account_when_the_primary_is_on_another_template() -> (
    None
):
    uow, _ = await book({"U0000002": 1, "U0000003": 2})
    other = await fees.add_template(uow, MASTER, FeeTemplateIn(name="Flat", kind="flat",
                                                                amount=D("365")), now=NOW)  # fmt: skip
    uow.segment_facts.known.add((MASTER, "U0000001"))
    await fees.configure(uow, MASTER, ClientFeeIn(account_number="U0000001", template_id=other.id),
                         scope=EVERYONE)  # fmt: skip
    await account_links.apply_accounts_linked([linked("U0000001", "U0000002", "U0000003")], uow)
    invoices = {i.account_number: i for i in (await fees.generate_invoices(
        uow, MASTER, JANUARY, scope=EVERYONE, now=NOW)).items}  # fmt: skip
    assert lines(invoices["U0000001"]) == [("Flat", D("30.00"))]
    assert lines(invoices["U0000002"]) == [("Activity", D("1.00")),
                                           ("Activity: minimum fee", D("6.86"))]  # fmt: skip
    assert lines(invoices["U0000003"]) == [("Activity", D("2.00"))]


async def test_accounts_linked_after_the_period_do_not_share_its_minimum() -> None:
    uow, _ = await book({"U0000001": 3, "U0000002": 4})
    await account_links.apply_accounts_linked(
        [linked("U0000001", "U0000002", at=datetime(2026, 2, 6, 11, 0, tzinfo=UTC))], uow
    )
    invoices = (await fees.generate_invoices(uow, MASTER, JANUARY, scope=EVERYONE, now=NOW)).items
    assert [len(i.lines) for i in invoices] == [2, 2]


async def test_client_fees_show_the_linked_accounts_within_reach() -> None:
    uow, _ = await book({"U0000001": 0, "U0000002": 0, "U0000003": 0})
    await account_links.apply_accounts_linked([linked("U0000001", "U0000002", "U0000003")], uow)
    everyone = {c.account_number: c.linked_accounts
                for c in (await fees.client_fees(uow, MASTER, scope=EVERYONE)).items}  # fmt: skip
    assert everyone == {"U0000001": ["U0000002", "U0000003"],
                        "U0000002": ["U0000001", "U0000003"],
                        "U0000003": ["U0000001", "U0000002"]}  # fmt: skip
    scoped = (await fees.client_fees(uow, MASTER, scope=scope_of("U0000001", "U0000003"))).items
    assert {c.account_number: c.linked_accounts for c in scoped} == {
        "U0000001": ["U0000003"], "U0000003": ["U0000001"]}  # fmt: skip


async def test_a_repeated_or_late_link_event_changes_nothing() -> None:
    uow = FakeFeesUnitOfWork()
    first = linked("U0000001", "U0000002")
    await account_links.apply_accounts_linked([first, first], uow)
    await account_links.apply_accounts_linked([first], uow)
    assert len(uow.account_links.rows) == 2
    found = await account_links.groups_of(uow, MASTER)
    assert found["U0000002"].accounts == ("U0000001", "U0000002")


async def test_templates_keep_their_minimum_and_a_flat_fee_has_none() -> None:
    uow, template = await book({}, minimum="250.50")
    assert [(t.id, t.minimum) for t in (await fees.templates(uow, MASTER)).items] == [
        (template, D("250.50"))
    ]
    with pytest.raises(Invalid) as refused:
        await fees.add_template(uow, MASTER, FeeTemplateIn(name="F", kind="flat", amount=D("100"),
                                                           minimum=D("10")), now=NOW)  # fmt: skip
    assert refused.value.problems[0][0] == ("minimum",)


def link(survivor: str, *others: str, day: int) -> Link:
    return Link(uuid4(), survivor, (survivor, *others), datetime(2026, 3, day, 11, tzinfo=UTC))


def test_groups_join_links_through_shared_accounts_in_any_order() -> None:
    first = link("U1", "U2", day=6)
    later = link("U3", "U1", day=13)  # U1, kept by the first link, linked under U3
    other = link("U7", "U8", day=6)
    for order in ([first, later, other], [other, later, first], [later, other, first, later]):
        found = groups(order)
        assert found["U2"].accounts == ("U1", "U2", "U3") and found["U2"].primary == "U3"
        assert found["U8"].accounts == ("U7", "U8") and found["U8"].primary == "U7"
        assert found["U1"] is found["U3"]
    before = groups([first, later, other], on_or_before=date(2026, 3, 12))
    assert before["U1"].accounts == ("U1", "U2") and "U3" not in before
    assert groups([]) == {}


def test_the_minimum_line_rounds_the_shortfall_once_half_up() -> None:
    template = rules.FeeTemplate(rules.FeeKind.PER_TRADE, amount=D("1"), minimum=D("365"))
    line = rules.minimum_line(template, "T", D("0.995"), 1, 1)  # 1.00 - 0.995 = 0.005
    assert line is not None and line.amount == D("0.01")
    assert rules.minimum_line(template, "T", D("1.00"), 2, 1) is None
    assert rules.minimum_line(rules.FeeTemplate(rules.FeeKind.PER_TRADE, amount=D("1")), "T",
                              D(0), 1, 30) is None  # fmt: skip
