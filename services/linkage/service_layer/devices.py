"""Use cases of security devices (L4): an account's devices and codes, a lost or damaged device
(its charge, a temporary code), temporary codes checked (full access two days, restricted ten),
the online security code card, a replacement request, automatic activation after shipping,
activation by serial number and passcode, returns. Codes are random, kept hashed, and wrong
ones are rate limited per account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from contracts import topics
from contracts.api.linkage import (
    AccessCodeView,
    AccountDevices,
    CodeAccess,
    DeviceKindView,
    DeviceView,
    IssuedCard,
    IssuedCode,
    ReplacementRequest,
)
from contracts.linkage import AccessCodeChanged, AccessCodeKind, DeviceChanged, DeviceStatus
from services.linkage.domain import devices as rules
from services.linkage.domain.devices import AccessCode, Device, TemporaryCodeWindow
from services.linkage.domain.links import ClientAccount
from services.linkage.service_layer.unit_of_work import LinkageUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound


@dataclass(frozen=True)
class DeviceSettings:
    code_key: bytes  # hashes codes at rest
    device_key: bytes  # the back office's key deriving each device's passcodes
    activation_after: timedelta  # automatic activation after the ship date
    failures_allowed: int = 5
    failure_window: timedelta = timedelta(minutes=15)


def device_view(device: Device) -> DeviceView:
    info = device.info
    return DeviceView(
        id=device.id, account_number=device.account_number, kind=device.kind, label=info.label,
        level=info.level, serial_number=device.serial_number, status=device.status,
        return_required=info.return_required, charge_usd=device.charge_usd,
        charge_status=device.charge_status, ship_on=device.ship_on,
        ship_method=device.ship_method, activate_at=device.activate_at,
        activated_at=device.activated_at,
    )  # fmt: skip


def _code_view(code: AccessCode) -> AccessCodeView:
    return AccessCodeView(id=code.id, kind=code.kind, status=code.status,
                          issued_at=code.issued_at, full_access_until=code.full_until,
                          restricted_access_until=code.restricted_until,
                          challenge_position=code.challenge_position if code.status == "issued"
                          else None)  # fmt: skip


async def publish_device(uow: LinkageUnitOfWork, device: Device, *, action: str,
                         actor: str) -> None:  # fmt: skip
    info = device.info
    await uow.publish(topics.LINKAGE_DEVICES.name, DeviceChanged(
        device_id=device.id, account_number=device.account_number, device_kind=device.kind,
        serial_number=device.serial_number, status=device.status, action=action,
        return_required=info.return_required, charge_usd=device.charge_usd,
        charge_status=device.charge_status, activate_at=device.activate_at,
        ship_on=device.ship_on, changed_by=actor, changed_at=device.updated_at,
    ), master_account_id=device.master_account_id)  # fmt: skip
    detail = f"{info.label} {device.serial_number or ''}".strip() + f": {action.replace('_', ' ')}"
    if device.charge_usd is not None and action in ("lost", "damaged", "stolen",
                                                    "deactivated_by_link"):  # fmt: skip
        detail += (
            f"; charge {device.charge_usd} USD ({device.charge_status.value.replace('_', ' ')})"
        )
    await _history(uow, device.master_account_id, device.account_number, actor, action,
                   detail, device.updated_at)  # fmt: skip


async def _history(uow: LinkageUnitOfWork, master: str, account: str, actor: str, action: str,
                   detail: str, at: datetime) -> None:  # fmt: skip
    await uow.history.add([{"master_account_id": master, "holder_id": None,
                            "account_number": account, "request_id": None, "at": at,
                            "actor": actor, "action": action, "detail": detail}])  # fmt: skip


async def _publish_code(uow: LinkageUnitOfWork, code: AccessCode, actor: str) -> None:
    await uow.publish(topics.LINKAGE_DEVICES.name, AccessCodeChanged(
        code_id=code.id, account_number=code.account_number, kind=code.kind,
        status=code.status,  # type: ignore[arg-type]
        full_access_until=code.full_until, restricted_access_until=code.restricted_until,
        changed_by=actor, changed_at=code.changed_at), master_account_id=code.master_account_id)  # fmt: skip
    await _history(uow, code.master_account_id, code.account_number, actor,
                   f"{code.kind.value}_{code.status}",
                   f"{code.kind.value.replace('_', ' ')} {code.status}", code.changed_at)  # fmt: skip


async def _account(uow: LinkageUnitOfWork, caller: Caller, account_number: str) -> ClientAccount:
    found = await uow.accounts.of_master(master_account_id=caller.master_account_id,
                                         scope=caller.access.scope,
                                         account_numbers=[account_number])  # fmt: skip
    if not found:
        raise NotFound("account")
    return found[0]


async def account_devices(uow: LinkageUnitOfWork, caller: Caller,
                          account_number: str) -> AccountDevices:  # fmt: skip
    account = await _account(uow, caller, account_number)
    found = await uow.devices.of_accounts([account_number])
    codes = await uow.codes.of_accounts([account_number])
    kinds = [DeviceKindView(code=k.code, label=k.label, level=k.level,
                            return_required=k.return_required, pin_required=k.pin_required,
                            charge_usd=k.charge_usd)
             for k in rules.DEVICE_KINDS.values() if k.physical]  # fmt: skip
    return AccountDevices(account_number=account_number, username=account.username,
                          devices=[device_view(d) for d in reversed(found)],
                          codes=[_code_view(c) for c in codes if c.status != "revoked"],
                          kinds=kinds,
                          address=account.profile.get("residential_address", ""))  # fmt: skip


async def _device_of(uow: LinkageUnitOfWork, caller: Caller, account_number: str,
                     device_id: UUID) -> Device:  # fmt: skip
    await _account(uow, caller, account_number)
    device = await uow.devices.get(device_id, lock=True)
    if device is None or device.account_number != account_number:
        raise NotFound("device")
    return device


async def _issue_temporary_code(uow: LinkageUnitOfWork, settings: DeviceSettings, master: str,
                                account: str, actor: str, now: datetime) -> IssuedCode:  # fmt: skip
    previous = await uow.codes.current(account, AccessCodeKind.TEMPORARY_CODE, lock=True)
    if previous is not None:
        previous.status, previous.changed_at = "revoked", now
        await uow.codes.save(previous)
        await _publish_code(uow, previous, actor)
    plain = rules.new_code()
    window = TemporaryCodeWindow(now)
    code = AccessCode(uuid4(), master, account, AccessCodeKind.TEMPORARY_CODE, "issued",
                      [rules.hash_code(settings.code_key, plain)], now, now,
                      full_until=window.full_until, restricted_until=window.restricted_until)  # fmt: skip
    await uow.codes.save(code)
    await _publish_code(uow, code, actor)
    return IssuedCode(id=code.id, code=plain, full_access_until=window.full_until,
                      restricted_access_until=window.restricted_until)  # fmt: skip


async def report_device(uow: LinkageUnitOfWork, caller: Caller, settings: DeviceSettings,
                        account_number: str, device_id: UUID, what: str,
                        now: datetime) -> tuple[DeviceView, IssuedCode]:  # fmt: skip
    """A lost, damaged or stolen device stops working, its charge applies, and a temporary code
    lets the client log in until the replacement arrives."""
    device = await _device_of(uow, caller, account_number, device_id)
    device.report(what, now)
    await uow.devices.save(device)
    await publish_device(uow, device, action=what, actor=caller.user_id)
    code = await _issue_temporary_code(uow, settings, caller.master_account_id, account_number,
                                       caller.user_id, now)  # fmt: skip
    return device_view(device), code


async def issue_temporary_code(uow: LinkageUnitOfWork, caller: Caller, settings: DeviceSettings,
                               account_number: str, now: datetime) -> IssuedCode:  # fmt: skip
    await _account(uow, caller, account_number)
    return await _issue_temporary_code(uow, settings, caller.master_account_id, account_number,
                                       caller.user_id, now)  # fmt: skip


async def _throttled(uow: LinkageUnitOfWork, settings: DeviceSettings, account: str,
                     now: datetime) -> None:  # fmt: skip
    failures = await uow.codes.failures_since(account, now - settings.failure_window)
    if failures >= settings.failures_allowed:
        raise Forbidden("too many wrong codes for this account: try again in "
                        f"{int(settings.failure_window.total_seconds() // 60)} minutes")  # fmt: skip


async def check_temporary_code(uow: LinkageUnitOfWork, caller: Caller, settings: DeviceSettings,
                               account_number: str, plain: str,
                               now: datetime) -> CodeAccess | DomainError:  # fmt: skip
    """What a login with the temporary code may do now. A refusal is returned, not raised, so
    the route commits the wrong attempt (the rate limit counts it) before answering."""
    await _account(uow, caller, account_number)
    await _throttled(uow, settings, account_number, now)
    code = await uow.codes.current(account_number, AccessCodeKind.TEMPORARY_CODE)
    if code is None or not rules.code_matches(settings.code_key, plain, code.code_hashes[0]):
        await uow.codes.add_failure(account_number, now)
        return Invalid("wrong code", field="code")
    access = TemporaryCodeWindow(code.issued_at).access_at(now)
    if access is None:
        return Gone("this temporary code expired (it gives restricted access for 10 days)")
    until = code.full_until if access is rules.Access.FULL else code.restricted_until
    assert until is not None
    return CodeAccess(access=access.value, until=until)


async def issue_security_card(uow: LinkageUnitOfWork, caller: Caller, settings: DeviceSettings,
                              account_number: str, now: datetime) -> IssuedCard:  # fmt: skip
    """A new online security code card (the previous one revoked), shown once; it is activated
    by typing the code at the position asked."""
    await _account(uow, caller, account_number)
    previous = await uow.codes.current(account_number, AccessCodeKind.SECURITY_CODE_CARD, lock=True)
    if previous is not None:
        previous.status, previous.changed_at = "revoked", now
        await uow.codes.save(previous)
        await _publish_code(uow, previous, caller.user_id)
    plain = rules.new_card()
    position = rules.challenge_position()
    card = AccessCode(uuid4(), caller.master_account_id, account_number,
                      AccessCodeKind.SECURITY_CODE_CARD, "issued",
                      [rules.hash_code(settings.code_key, f"{i}:{c}") for i, c in
                       enumerate(plain, start=1)], now, now, challenge_position=position)  # fmt: skip
    await uow.codes.save(card)
    await _publish_code(uow, card, caller.user_id)
    return IssuedCard(id=card.id, codes=plain, challenge_position=position)


async def activate_security_card(uow: LinkageUnitOfWork, caller: Caller,
                                 settings: DeviceSettings, account_number: str, plain: str,
                                 now: datetime) -> DomainError | None:  # fmt: skip
    await _account(uow, caller, account_number)
    await _throttled(uow, settings, account_number, now)
    card = await uow.codes.current(account_number, AccessCodeKind.SECURITY_CODE_CARD, lock=True)
    if card is None or card.status != "issued" or card.challenge_position is None:
        return Conflict("no online security code card is waiting for activation")
    position = card.challenge_position
    if not rules.code_matches(settings.code_key, f"{position}:{plain}",
                              card.code_hashes[position - 1]):  # fmt: skip
        await uow.codes.add_failure(account_number, now)
        return Invalid(f"wrong code for position {position}", field="code")
    card.status, card.changed_at, card.challenge_position = "active", now, None
    await uow.codes.save(card)
    await _publish_code(uow, card, caller.user_id)
    return None


async def request_replacement(uow: LinkageUnitOfWork, caller: Caller, settings: DeviceSettings,
                              account_number: str, command: ReplacementRequest,
                              now: datetime, today: date) -> DeviceView:  # fmt: skip
    """A new device: kind, shipping address, ship date, method, PIN where the kind needs one.
    Offered once the online security code card is active (as the back office does)."""
    account = await _account(uow, caller, account_number)
    card = await uow.codes.current(account_number, AccessCodeKind.SECURITY_CODE_CARD)
    if card is None or card.status != "active":
        raise Conflict("activate the online security code card first; then request the device")
    kind = rules.DEVICE_KINDS.get(command.device_kind)
    if kind is None or not kind.physical:
        raise Invalid("choose a kind of device that can be shipped", field="device_kind")
    rules.check_pin(command.pin or None, kind)
    if command.ship_on < today or command.ship_on > today + timedelta(days=60):
        raise Invalid("the ship date is from today to 60 days ahead", field="ship_on")
    address = command.shipping_address or account.profile.get("residential_address", "")
    if not address:
        raise Invalid("give the address to ship to", field="shipping_address")
    pending = [d for d in await uow.devices.of_accounts([account_number]) if d.awaiting_activation]
    if pending:
        raise Conflict(f"a {pending[0].info.label} is already on its way to this account")
    device = Device(uuid4(), caller.master_account_id, account_number, kind.code,
                    rules.new_serial(kind.code), DeviceStatus.REQUESTED, now, now,
                    ship_on=command.ship_on, ship_method=command.method,
                    shipping_address=address,
                    pin_hash=rules.hash_code(settings.code_key, command.pin) if command.pin else None,
                    activate_at=rules.activation_time(command.ship_on, settings.activation_after))  # fmt: skip
    await uow.devices.save(device)
    await publish_device(uow, device, action="replacement_requested", actor=caller.user_id)
    return device_view(device)


async def _activate(uow: LinkageUnitOfWork, device: Device, now: datetime, actor: str,
                    action: str) -> None:  # fmt: skip
    for other in await uow.devices.of_accounts([device.account_number], lock=True):
        if other.id != device.id and other.status is DeviceStatus.ACTIVE:
            other.replaced(now)
            await uow.devices.save(other)
            await publish_device(uow, other, action="replaced", actor=actor)
    device.activate(now)
    await uow.devices.save(device)
    await publish_device(uow, device, action=action, actor=actor)


async def activate_device(uow: LinkageUnitOfWork, caller: Caller, settings: DeviceSettings,
                          account_number: str, serial: str, passcode: str,
                          now: datetime) -> DeviceView | DomainError:  # fmt: skip
    """Activation by the serial number on the back of the device and a passcode it shows; a
    passcode is good once (a reused one is refused)."""
    await _account(uow, caller, account_number)
    await _throttled(uow, settings, account_number, now)
    device = await uow.devices.by_serial(serial, lock=True)
    if device is None or device.account_number != account_number:
        await uow.codes.add_failure(account_number, now)
        return Invalid("no device with this serial number is on its way to this account; "
                       "check the number on the back of the device", field="serial_number")  # fmt: skip
    if not device.awaiting_activation:
        return Conflict(f"this device is {device.status.value}, not awaiting activation")
    step = rules.matching_step(settings.device_key, serial, passcode, now)
    if step is None:
        await uow.codes.add_failure(account_number, now)
        return Invalid("wrong passcode", field="passcode")
    if device.last_passcode_step is not None and step <= device.last_passcode_step:
        await uow.codes.add_failure(account_number, now)
        return Invalid("this passcode was already used: wait for the next one", field="passcode")
    device.last_passcode_step = step
    await _activate(uow, device, now, caller.user_id, "activated")
    return device_view(device)


async def activate_due(uow: LinkageUnitOfWork, now: datetime, limit: int = 100) -> int:
    """Replacements whose automatic activation time has come (``SKIP LOCKED``: one runner each)."""
    due = await uow.devices.claim_due_activations(now, limit)
    for device in due:
        await _activate(uow, device, now, "automatic-activation", "activated_automatically")
    return len(due)


async def return_device(uow: LinkageUnitOfWork, caller: Caller, account_number: str,
                        device_id: UUID, now: datetime) -> DeviceView:  # fmt: skip
    device = await _device_of(uow, caller, account_number, device_id)
    device.returned(now)
    await uow.devices.save(device)
    await publish_device(uow, device, action="returned", actor=caller.user_id)
    return device_view(device)


async def verify_passcode(uow: LinkageUnitOfWork, caller: Caller, settings: DeviceSettings,
                          account_number: str, serial: str, passcode: str,
                          now: datetime) -> DeviceView | DomainError:  # fmt: skip
    """A login's second factor, as the systems holding logins ask it: the account's active
    device and a passcode it shows, each passcode good once. A deactivated device (replaced,
    lost, or its account linked into another) no longer works."""
    await _account(uow, caller, account_number)
    await _throttled(uow, settings, account_number, now)
    device = await uow.devices.by_serial(serial, lock=True)
    if device is None or device.account_number != account_number:
        await uow.codes.add_failure(account_number, now)
        return Invalid("no such device on this account", field="serial_number")
    if device.status is not DeviceStatus.ACTIVE:
        return Forbidden(f"this device no longer works ({device.status.value})")
    step = rules.matching_step(settings.device_key, serial, passcode, now)
    if step is None:
        await uow.codes.add_failure(account_number, now)
        return Invalid("wrong passcode", field="passcode")
    if device.last_passcode_step is not None and step <= device.last_passcode_step:
        await uow.codes.add_failure(account_number, now)
        return Invalid("this passcode was already used: wait for the next one", field="passcode")
    device.last_passcode_step = step
    await uow.devices.save(device)
    return device_view(device)
