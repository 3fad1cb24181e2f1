"""Device rules without I/O: the kinds as data (levels, return, charges 20-150 USD), temporary
code windows, codes hashed, device passcodes (a step either side), and a device's life."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from contracts.linkage import ChargeStatus, DeviceStatus
from services.linkage.domain import devices as rules
from services.linkage.domain.devices import Device, TemporaryCodeWindow
from services.runtime.errors import Conflict, Invalid

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
KEY = b"k"


def test_the_seeds_kinds_are_data() -> None:
    required = {k.code for k in rules.DEVICE_KINDS.values() if k.return_required}
    assert required == {"gold", "platinum", "alpine"}
    charges = [k.charge_usd for k in rules.DEVICE_KINDS.values() if k.charge_usd is not None]
    assert min(charges) == Decimal("20.00") and max(charges) == Decimal("150.00")
    assert all(isinstance(c, Decimal) for c in charges)
    assert (
        rules.kind_of("alpine").level
        > rules.kind_of("gold").level
        > rules.kind_of("security_code_card").level
    )
    assert rules.kind_of("digital_security_card").pin_required
    assert rules.kind_of("something_new").level == 1  # unknown kinds count as a card


def test_a_temporary_code_gives_full_then_restricted_access_then_nothing() -> None:
    window = TemporaryCodeWindow(NOW)
    assert window.access_at(NOW) is rules.Access.FULL
    assert window.access_at(NOW + timedelta(days=2) - timedelta(seconds=1)) is rules.Access.FULL
    assert window.access_at(NOW + timedelta(days=2)) is rules.Access.RESTRICTED
    assert window.access_at(NOW + timedelta(days=10)) is None


def test_codes_are_random_and_kept_as_keyed_hashes() -> None:
    codes = {rules.new_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == 10 for c in codes)
    code = rules.new_code()
    stored = rules.hash_code(KEY, code)
    assert code not in stored and len(stored) == 64
    assert rules.code_matches(KEY, f" {code[:5]}-{code[5:].lower()} ", stored)
    assert not rules.code_matches(b"other key", code, stored)
    assert len(rules.new_card()) == rules.CARD_SIZE
    assert 1 <= rules.challenge_position() <= rules.CARD_SIZE


def test_a_device_passcode_matches_its_step_or_one_either_side_only() -> None:
    step = rules.passcode_step(NOW)
    for offset in (-1, 0, 1):
        code = rules.device_passcode(KEY, "DSC1", step + offset)
        assert rules.matching_step(KEY, "DSC1", code, NOW) == step + offset
    far = rules.device_passcode(KEY, "DSC1", step + 3)
    assert rules.matching_step(KEY, "DSC1", far, NOW) is None
    assert rules.matching_step(KEY, "DSC2", rules.device_passcode(KEY, "DSC1", step), NOW) is None


def test_replacements_activate_a_set_time_after_their_ship_date() -> None:
    assert rules.activation_time(date(2026, 3, 16), timedelta(days=7)) == datetime(
        2026, 3, 23, tzinfo=UTC
    )


@pytest.mark.parametrize(("pin", "kind", "refused"), [
    (None, "digital_security_card", True), ("12a4", "digital_security_card", True),
    ("123", "digital_security_card_plus", True), ("1234", "digital_security_card", False),
    (None, "gold", False),
])  # fmt: skip
def test_pins_where_the_device_needs_one(pin: str | None, kind: str, refused: bool) -> None:
    if refused:
        with pytest.raises(Invalid):
            rules.check_pin(pin, rules.kind_of(kind))
    else:
        rules.check_pin(pin, rules.kind_of(kind))


def device(kind: str, status: DeviceStatus = DeviceStatus.ACTIVE) -> Device:
    return Device(uuid4(), "F1", "U1", kind, "SN1", status, NOW, NOW)


def test_a_device_stopped_by_a_link_carries_its_charge_only_if_it_must_come_back() -> None:
    gold, card = device("gold"), device("security_code_card")
    gold.stop_for_link(NOW)
    card.stop_for_link(NOW)
    assert (gold.status, gold.charge_usd, gold.charge_status) == (
        DeviceStatus.DEACTIVATED,
        Decimal("100.00"),
        ChargeStatus.DUE_UNLESS_RETURNED,
    )
    assert (card.status, card.charge_usd, card.charge_status) == (
        DeviceStatus.DEACTIVATED,
        None,
        ChargeStatus.NONE,
    )  # may be discarded
    gold.returned(NOW)
    assert (gold.status, gold.charge_status) == (DeviceStatus.RETURNED, ChargeStatus.WAIVED)
    with pytest.raises(Conflict):
        card.returned(NOW)


def test_a_lost_or_damaged_device_is_charged_and_only_an_active_one_is_reported() -> None:
    alpine = device("alpine")
    alpine.report("lost", NOW)
    assert (alpine.status, alpine.charge_usd, alpine.charge_status) == (
        DeviceStatus.LOST,
        Decimal("150.00"),
        ChargeStatus.CHARGED,
    )
    with pytest.raises(Conflict):
        alpine.report("damaged", NOW)
    damaged = device("security_code_card")
    damaged.report("damaged", NOW)
    assert (damaged.status, damaged.charge_usd) == (DeviceStatus.DAMAGED, Decimal("20.00"))


def test_only_a_device_on_its_way_is_activated() -> None:
    shipped = device("gold", DeviceStatus.SHIPPED)
    shipped.activate(NOW)
    assert (shipped.status, shipped.activated_at) == (DeviceStatus.ACTIVE, NOW)
    with pytest.raises(Conflict):
        shipped.activate(NOW)
