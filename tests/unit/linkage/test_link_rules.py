"""The linking rules without I/O: who is eligible, the wizard's steps as state transitions and
their refusals, the device rule, and when the weekly batch executes a confirmed request."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.linkage import LinkStatus
from services.linkage.domain.links import (
    ClientAccount,
    LinkRequest,
    differences,
    eligible_holders,
    next_batch,
)
from services.runtime.errors import Conflict, Invalid

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # a Tuesday


def account(number: str, *, holder: str = "H1", level: int = 1, kind: str = "security_code_card",
            street: str = "1 Main St", open_: bool = True, **profile: str) -> ClientAccount:  # fmt: skip
    return ClientAccount(number, "F1", holder_id=holder, username=f"user{number}", open=open_,
                         profile={"first_name": "Ada", "last_name": "Lovelace",
                                  "residential_address": street, **profile},
                         banking=[{"instruction_id": f"BI-{number}"}], device_level=level,
                         device_kind=kind)  # fmt: skip


def test_only_holders_with_two_linkable_accounts_are_eligible() -> None:
    accounts = [account("U1"), account("U2"), account("U3", holder="H2"),
                account("U4", holder="H3"), account("U5", holder="H3", open_=False)]  # fmt: skip
    linked = account("U6", holder="H4")
    linked.linked_into = "U7"
    assert list(eligible_holders([*accounts, linked, account("U7", holder="H4")])) == ["H1"]


def test_differences_name_each_differing_field_with_each_accounts_value() -> None:
    found = differences([account("U1"), account("U2", street="9 Elm St", email="a@b.c")])
    assert found == {"email": {"U1": "", "U2": "a@b.c"},
                     "residential_address": {"U1": "1 Main St", "U2": "9 Elm St"}}  # fmt: skip


def walk() -> tuple[LinkRequest, list[ClientAccount]]:
    accounts = [account("U1", level=5, kind="alpine"), account("U2", level=3, kind="gold",
                                                              street="9 Elm St")]  # fmt: skip
    return LinkRequest.start("F1", "H1", "u-ada", NOW), accounts


def test_the_surviving_account_must_hold_the_highest_level_device() -> None:
    request, accounts = walk()
    with pytest.raises(Invalid) as refused:
        request.choose_accounts(accounts, ["U1", "U2"], "U2", NOW)
    assert "Alpine" in refused.value.message and "keep U1" in refused.value.message
    assert request.step == "started"


@pytest.mark.parametrize(("chosen", "survivor", "field"), [
    (["U1"], "U1", "accounts"),  # one account is no link
    (["U1", "U9"], "U1", "accounts"),  # not the client's
    (["U1", "U2"], "U3", "surviving_account"),
])  # fmt: skip
def test_the_accounts_step_refuses_bad_choices(
    chosen: list[str], survivor: str, field: str
) -> None:
    request, accounts = walk()
    with pytest.raises(Invalid) as refused:
        request.choose_accounts(accounts, chosen, survivor, NOW)
    assert refused.value.field == field


def test_steps_go_in_order_and_differences_must_be_reconciled() -> None:
    request, accounts = walk()
    with pytest.raises(Conflict):
        request.reconcile(accounts, {}, NOW)
    request.choose_accounts(accounts, ["U2", "U1"], "U1", NOW)
    assert request.accounts == ["U1", "U2"]
    with pytest.raises(Conflict):
        request.keep_banking(accounts, [], NOW)
    with pytest.raises(Invalid) as refused:
        request.reconcile(accounts, {}, NOW)
    assert refused.value.problems[0][0] == ("residential_address",)
    with pytest.raises(Invalid):
        request.reconcile(accounts, {"residential_address": "U9"}, NOW)
    with pytest.raises(Invalid):
        request.reconcile(accounts, {"residential_address": "U2", "shoe_size": "U1"}, NOW)
    request.reconcile(accounts, {"residential_address": "U2"}, NOW)
    assert request.profile["residential_address"] == "9 Elm St"
    assert request.profile["first_name"] == "Ada"
    with pytest.raises(Invalid):
        request.keep_banking(accounts, ["BI-ELSEWHERE"], NOW)
    request.keep_banking(accounts, ["BI-U2", "BI-U2"], NOW)
    assert request.banking_instruction_ids == ["BI-U2"]
    friday = next_batch(NOW, ZoneInfo("UTC"), 4, time(6))
    request.confirm(accounts, NOW, friday)
    assert (request.status, request.execute_after) == (LinkStatus.CONFIRMED, friday)
    with pytest.raises(Conflict):
        request.choose_accounts(accounts, ["U1", "U2"], "U1", NOW)


def test_choosing_accounts_again_clears_the_later_steps() -> None:
    request, accounts = walk()
    request.choose_accounts(accounts, ["U1", "U2"], "U1", NOW)
    request.reconcile(accounts, {"residential_address": "U1"}, NOW)
    request.choose_accounts(accounts, ["U1", "U2"], "U1", NOW)
    assert (request.step, request.choices) == ("accounts", {})


def test_a_change_of_information_after_reconciling_is_caught_at_confirmation() -> None:
    request, accounts = walk()
    request.choose_accounts(accounts, ["U1", "U2"], "U1", NOW)
    request.reconcile(accounts, {"residential_address": "U1"}, NOW)
    request.keep_banking(accounts, [], NOW)
    accounts[1].profile["email"] = "new@example.com"
    with pytest.raises(Conflict):
        request.confirm(accounts, NOW, NOW)


def test_a_closed_account_stops_the_request() -> None:
    request, accounts = walk()
    request.choose_accounts(accounts, ["U1", "U2"], "U1", NOW)
    with pytest.raises(Conflict):
        request.reconcile(accounts[:1], {"residential_address": "U1"}, NOW)


def test_cancel_only_before_execution() -> None:
    request, _ = walk()
    request.cancel(NOW)
    assert request.status is LinkStatus.CANCELLED
    with pytest.raises(Conflict):
        request.cancel(NOW)


NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 3, 3, 15, 0, tzinfo=UTC), datetime(2026, 3, 6, 6, 0, tzinfo=NEW_YORK)),  # Tue
    (datetime(2026, 3, 6, 10, 59, tzinfo=UTC), datetime(2026, 3, 6, 6, 0, tzinfo=NEW_YORK)),  # Fri before
    (datetime(2026, 3, 6, 11, 0, tzinfo=UTC), datetime(2026, 3, 13, 6, 0, tzinfo=NEW_YORK)),  # Fri at
    (datetime(2026, 3, 7, 3, 0, tzinfo=UTC), datetime(2026, 3, 13, 6, 0, tzinfo=NEW_YORK)),  # Fri night
])  # fmt: skip
def test_the_batch_is_the_next_friday_in_the_masters_zone(
    now: datetime, expected: datetime
) -> None:
    assert next_batch(now, NEW_YORK, 4, time(6)) == expected


def test_the_batch_day_and_time_are_configurable_and_follow_daylight_saving() -> None:
    monday = next_batch(datetime(2026, 3, 3, tzinfo=UTC), ZoneInfo("Asia/Tokyo"), 0, time(22, 30))
    assert monday.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%a %H:%M") == "Mon 22:30"
    before = next_batch(datetime(2026, 3, 3, tzinfo=UTC), NEW_YORK, 4, time(6))
    after = next_batch(before + timedelta(minutes=1), NEW_YORK, 4, time(6))  # DST starts Mar 8
    assert (before.utcoffset(), after.utcoffset()) == (timedelta(hours=-5), timedelta(hours=-4))
