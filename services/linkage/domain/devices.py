"""Security devices and access codes (L4): the kinds of device as data, the rules of temporary
codes, device passcodes and charges. Pure: no I/O, time passed in."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from contracts.linkage import AccessCodeKind, ChargeStatus, DeviceStatus
from services.runtime.errors import Conflict, Invalid


@dataclass(frozen=True)
class DeviceKind:
    code: str
    label: str
    level: int  # the higher, the stronger; the surviving account of a link holds the highest
    return_required: bool  # must be returned once it stops working, else the lost-device charge
    pin_required: bool  # a PIN is set up online before activation
    charge_usd: Decimal | None  # lost, damaged or not returned; None: nothing to charge
    physical: bool = True


DEVICE_KINDS: dict[str, DeviceKind] = {
    kind.code: kind
    for kind in (
        DeviceKind("online_security_code_card", "Online security code card", 1, False, False,
                   None, physical=False),
        DeviceKind("security_code_card", "Security code card", 1, False, False, Decimal("20.00")),
        DeviceKind("hardware_token", "Security token", 2, False, False, Decimal("50.00")),
        DeviceKind("digital_security_card", "Digital security card", 3, False, True,
                   Decimal("80.00")),
        DeviceKind("digital_security_card_plus", "Digital security card+", 4, False, True,
                   Decimal("100.00")),
        DeviceKind("gold", "Gold security device", 3, True, False, Decimal("100.00")),
        DeviceKind("platinum", "Platinum security device", 4, True, False, Decimal("120.00")),
        DeviceKind("alpine", "Alpine security device", 5, True, False, Decimal("150.00")),
    )
}  # fmt: skip
"""The seed's devices: Gold, Platinum and Alpine must be returned when they stop working; cards
may be discarded; a lost, damaged or unreturned device costs 20-150 USD by kind."""

REPLACEMENT_KINDS = tuple(code for code, kind in DEVICE_KINDS.items() if kind.physical)
SHIPPING_METHODS = {"standard": "Standard mail", "express": "Express", "courier": "Courier"}


def kind_of(code: str) -> DeviceKind:
    """The kind of a device; one the back office names but we do not know counts as a card."""
    return DEVICE_KINDS.get(code) or DeviceKind(code, code.replace("_", " ").capitalize(), 1,
                                                False, False, Decimal("20.00"))  # fmt: skip


class Access(StrEnum):
    FULL = "full"  # trading platform and every part of account management
    RESTRICTED = "restricted"  # restricted account management only


FULL_ACCESS = timedelta(days=2)
RESTRICTED_ACCESS = timedelta(days=10)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_code(length: int = 10) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def hash_code(key: bytes, code: str) -> str:
    """Codes are random and long, so a keyed hash (not a slow one) keeps them safe at rest."""
    return hmac.new(key, normalised(code).encode(), hashlib.sha256).hexdigest()


def code_matches(key: bytes, code: str, stored: str) -> bool:
    return hmac.compare_digest(hash_code(key, code), stored)


@dataclass(frozen=True)
class TemporaryCodeWindow:
    issued_at: datetime

    @property
    def full_until(self) -> datetime:
        return self.issued_at + FULL_ACCESS

    @property
    def restricted_until(self) -> datetime:
        return self.issued_at + RESTRICTED_ACCESS

    def access_at(self, now: datetime) -> Access | None:
        """Full access for two days, restricted for ten, then nothing."""
        if now < self.full_until:
            return Access.FULL
        if now < self.restricted_until:
            return Access.RESTRICTED
        return None


CARD_SIZE = 24


def new_card() -> list[str]:
    """An online security code card: numbered three-digit codes."""
    return [f"{secrets.randbelow(1000):03d}" for _ in range(CARD_SIZE)]


def challenge_position() -> int:
    return secrets.randbelow(CARD_SIZE) + 1


# --- device passcodes: what the device shows, derived from its serial by the back office's key

PASSCODE_STEP_SECONDS = 30


def passcode_step(at: datetime) -> int:
    return int(at.timestamp()) // PASSCODE_STEP_SECONDS


def device_passcode(key: bytes, serial_number: str, step: int) -> str:
    """The six-digit passcode a device shows during ``step`` (HOTP over the serial's secret)."""
    secret = hmac.new(key, serial_number.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, step.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def matching_step(key: bytes, serial_number: str, passcode: str, now: datetime) -> int | None:
    """The step (now, or one either side for clock drift) whose passcode this is, if any."""
    current = passcode_step(now)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(device_passcode(key, serial_number, step), passcode.strip()):
            return step
    return None


def new_serial(kind: str) -> str:
    prefix = "".join(part[0] for part in kind.split("_")).upper()[:3]
    return f"{prefix}{secrets.randbelow(10**9):09d}"


def activation_time(ship_on: date, after: timedelta) -> datetime:
    """Replacements activate by themselves a set time after their ship date (00:00 UTC)."""
    return datetime.combine(ship_on, datetime.min.time()).replace(tzinfo=UTC) + after


def check_pin(pin: str | None, kind: DeviceKind) -> None:
    if kind.pin_required and not pin:
        raise Invalid(f"a {kind.label} needs a PIN: choose 4 to 8 digits", field="pin")
    if pin is not None and pin != "" and (not pin.isdigit() or not 4 <= len(pin) <= 8):
        raise Invalid("a PIN is 4 to 8 digits", field="pin")


class RateLimit:
    """Wrong codes allowed per account in a window."""

    def __init__(self, failures: int, window: timedelta) -> None:
        self.failures = failures
        self.window = window

    def blocked(self, recent_failures: int) -> bool:
        return recent_failures >= self.failures


# --- a device and its life -------------------------------------------------------------------


@dataclass
class Device:
    id: UUID
    master_account_id: str
    account_number: str
    kind: str
    serial_number: str | None
    status: DeviceStatus
    created_at: datetime
    updated_at: datetime
    charge_usd: Decimal | None = None
    charge_status: ChargeStatus = ChargeStatus.NONE
    ship_on: date | None = None
    ship_method: str | None = None
    shipping_address: str | None = None
    pin_hash: str | None = None
    activate_at: datetime | None = None
    activated_at: datetime | None = None
    back_office_request_id: str | None = None
    last_passcode_step: int | None = None

    @property
    def info(self) -> DeviceKind:
        return kind_of(self.kind)

    @property
    def awaiting_activation(self) -> bool:
        return self.status in (DeviceStatus.REQUESTED, DeviceStatus.SHIPPED)

    def report(self, what: str, now: datetime) -> None:
        """Lost, damaged or stolen: it stops working and its charge applies."""
        if self.status is not DeviceStatus.ACTIVE:
            raise Conflict(f"only an active device can be reported {what}; this one is "
                           f"{self.status.value}")  # fmt: skip
        self.status = DeviceStatus.DAMAGED if what == "damaged" else DeviceStatus.LOST
        if self.info.charge_usd is not None:
            self.charge_usd = self.info.charge_usd
            self.charge_status = ChargeStatus.CHARGED
        self.updated_at = now

    def stop_for_link(self, now: datetime) -> None:
        """Its account was linked into another: it stops working; a return-required kind must
        come back or its lost-device charge applies (a card may be discarded)."""
        self.status = DeviceStatus.DEACTIVATED
        if self.info.return_required and self.info.charge_usd is not None:
            self.charge_usd = self.info.charge_usd
            self.charge_status = ChargeStatus.DUE_UNLESS_RETURNED
        self.updated_at = now

    def returned(self, now: datetime) -> None:
        if self.charge_status is not ChargeStatus.DUE_UNLESS_RETURNED:
            raise Conflict("this device is not awaiting its return")
        self.status = DeviceStatus.RETURNED
        self.charge_status = ChargeStatus.WAIVED
        self.updated_at = now

    def activate(self, now: datetime) -> None:
        if not self.awaiting_activation:
            raise Conflict(f"this device is {self.status.value}, not awaiting activation")
        self.status = DeviceStatus.ACTIVE
        self.activated_at = now
        self.updated_at = now

    def replaced(self, now: datetime) -> None:
        """An active device superseded by a newly activated one of the same account."""
        self.status = DeviceStatus.DEACTIVATED
        self.updated_at = now


@dataclass
class AccessCode:
    id: UUID
    master_account_id: str
    account_number: str
    kind: AccessCodeKind
    status: str  # issued, active, revoked
    code_hashes: list[str]
    issued_at: datetime
    changed_at: datetime
    challenge_position: int | None = None
    full_until: datetime | None = None
    restricted_until: datetime | None = None
