"""Security devices on the real PostgreSQL: a lost device's charge and temporary code (full
access two days, restricted ten, then refused; wrong codes refused and rate limited), the online
security code card, a replacement request, activation by serial and passcode (reuse refused),
automatic activation at its time, and a device that stops working."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from contracts.accounts import SecurityDeviceShipped
from services.linkage.domain.devices import device_passcode, passcode_step
from services.linkage.service_layer import directory
from services.linkage.service_layer.devices import activate_due
from tests.integration.conftest import a_master
from tests.integration.test_linkage import TUESDAY, a_client, feed, headers, linkage

__all__ = ["linkage"]  # the module's service fixture

DEVICE_KEY = b"local-only-device-key"


def passcode(serial: str, at: datetime, steps_later: int = 0) -> str:
    return device_passcode(DEVICE_KEY, serial, passcode_step(at) + steps_later)


async def test_lost_device_temporary_code_card_replacement_and_activation(linkage: Any) -> None:
    service, clock = linkage
    clock.set(TUESDAY)
    master, holder = a_master(), f"H{uuid4().hex[:8].upper()}"
    account = (await a_client(service, master, holder, devices=("platinum", "gold")))[0]
    h = headers(service, master)
    base = f"/accounts/{account}"
    devices = (await service.http.get(f"{base}/devices", headers=h)).json()["devices"]
    platinum = devices[0]
    reported = await service.http.post(f"{base}/devices/{platinum['id']}/report", headers=h,
                                       json={"what": "lost"})  # fmt: skip
    assert reported.status_code == 201, reported.text
    code = reported.json()["code"]
    after = (await service.http.get(f"{base}/devices", headers=h)).json()
    assert [(d["status"], d["charge_usd"], d["charge_status"]) for d in after["devices"]] == [
        ("lost", "120.00", "charged")
    ]
    assert code not in str(after)  # only its hash is kept

    async def check(value: str) -> Any:
        return await service.http.post(f"{base}/temporary-codes/check", headers=h,
                                       json={"code": value})  # fmt: skip

    assert (await check(code)).json()["access"] == "full"
    clock.set(TUESDAY + timedelta(days=2, seconds=1))
    assert (await check(code.lower())).json()["access"] == "restricted"
    clock.set(TUESDAY + timedelta(days=10, seconds=1))
    expired = await check(code)
    assert expired.status_code == 410
    assert (await check("WRONGCODE1")).status_code == 422
    # a new code replaces the old one
    clock.set(TUESDAY + timedelta(days=11))
    fresh = (await service.http.post(f"{base}/temporary-codes", headers=h)).json()["code"]
    assert (await check(fresh)).json()["access"] == "full"

    # the replacement is offered once the online security code card is active
    request = {"device_kind": "digital_security_card", "ship_on": "2026-03-16",
               "method": "express"}  # fmt: skip
    refused = await service.http.post(f"{base}/replacements", headers=h, json=request)
    assert refused.status_code == 409 and "security code card" in refused.text
    card = (await service.http.post(f"{base}/security-card", headers=h)).json()
    position = card["challenge_position"]
    wrong = f"{(int(card['codes'][position - 1]) + 1) % 1000:03d}"
    bad = await service.http.post(f"{base}/security-card/activate", headers=h, json={"code": wrong})
    assert bad.status_code == 422
    ok = await service.http.post(f"{base}/security-card/activate", headers=h,
                                 json={"code": card["codes"][position - 1]})  # fmt: skip
    assert ok.status_code == 204
    no_pin = await service.http.post(f"{base}/replacements", headers=h, json=request)
    assert no_pin.status_code == 422 and "PIN" in no_pin.text
    past = await service.http.post(f"{base}/replacements", headers=h,
                                   json={**request, "pin": "4321", "ship_on": "2026-03-01"})  # fmt: skip
    assert past.status_code == 422
    made = await service.http.post(
        f"{base}/replacements", headers=h, json={**request, "pin": "4321"}
    )
    assert made.status_code == 201, made.text
    replacement = made.json()
    assert replacement["activate_at"] == "2026-03-23T00:00:00Z"  # ship date + 7 days
    serial = replacement["serial_number"]
    activate = f"{base}/devices/activate"
    now = clock.now()
    wrong_serial = await service.http.post(activate, headers=h, json={
        "serial_number": "XX000000", "passcode": passcode(serial, now)})  # fmt: skip
    assert wrong_serial.status_code == 422
    wrong_code = await service.http.post(activate, headers=h, json={
        "serial_number": serial, "passcode": f"{(int(passcode(serial, now)) + 1) % 10**6:06d}"})  # fmt: skip
    assert wrong_code.status_code == 422
    good = await service.http.post(activate, headers=h, json={
        "serial_number": serial, "passcode": passcode(serial, now)})  # fmt: skip
    assert good.status_code == 200 and good.json()["status"] == "active"
    verify = f"{base}/devices/verify"
    clock.advance(timedelta(seconds=30))
    once = {"serial_number": serial, "passcode": passcode(serial, clock.now())}
    assert (await service.http.post(verify, headers=h, json=once)).status_code == 200
    reused = await service.http.post(verify, headers=h, json=once)
    assert reused.status_code == 422 and "already used" in reused.text
    # the lost one no longer works
    lost_serial = platinum["serial_number"]
    gone = await service.http.post(verify, headers=h, json={
        "serial_number": lost_serial, "passcode": passcode(lost_serial, clock.now())})  # fmt: skip
    assert gone.status_code == 403

    # rate limit: five wrong codes in the window, then even a right one waits
    for _ in range(2):
        await check("WRONGCODE2")
    limited = await check(fresh)
    assert limited.status_code == 403 and "too many" in limited.text
    clock.advance(timedelta(minutes=16))
    assert (await check(fresh)).status_code == 200


async def test_shipped_device_activates_by_itself_at_its_time(linkage: Any) -> None:
    service, clock = linkage
    clock.set(TUESDAY)
    master, holder = a_master(), f"H{uuid4().hex[:8].upper()}"
    account = (await a_client(service, master, holder, devices=("security_code_card", "gold")))[0]
    serial = f"DSC{uuid4().int % 10**9:09d}"
    await feed(service, directory.apply_devices_shipped, [SecurityDeviceShipped(
        account_number=account, request_id=f"SDR{uuid4().hex[:6]}",
        device_kind="digital_security_card", serial_number=serial,
        shipped_on=date(2026, 3, 2))], master)  # fmt: skip
    h = headers(service, master)
    database = service.app.state.context.database
    due = datetime(2026, 3, 9, tzinfo=UTC)

    async def statuses() -> dict[str, str]:
        found = (await service.http.get(f"/accounts/{account}/devices", headers=h)).json()
        return {d["kind"]: d["status"] for d in found["devices"]}

    for moment, expected in ((due - timedelta(seconds=1), "shipped"), (due, "active")):
        clock.set(moment)
        async with database.unit_of_work() as uow:
            await activate_due(uow, clock.now())
            await uow.commit()
        assert (await statuses())["digital_security_card"] == expected
    assert (await statuses())["security_code_card"] == "deactivated"  # replaced
