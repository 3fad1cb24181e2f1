"""HTTP commands and views of account linkage (L1-L3) and security devices (L4), shared by the
linkage service and the gateway."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.linkage import AccessCodeKind, ChargeStatus, DeviceStatus, LinkStatus

AccountNo = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,32}$")]
Holder = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{1,32}$")]
FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
InstructionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,40}$")]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountView(BaseModel):
    account_number: str
    username: str | None
    username_active: bool
    open: bool
    linked_into: str | None
    device_kind: str | None
    device_label: str | None
    device_level: int
    profile: dict[str, str]
    banking: list[dict[str, str]]
    contact_id: UUID | None


class EligibleClient(BaseModel):
    holder_id: str
    name: str
    accounts: list[str]
    open_request_id: UUID | None = None


class EligibleClients(BaseModel):
    items: list[EligibleClient]


class ClientAccounts(BaseModel):
    holder_id: str
    name: str
    accounts: list[AccountView]


class LinkStart(_Command):
    holder_id: Holder


class AccountChoice(_Command):
    accounts: list[AccountNo] = Field(min_length=2, max_length=50)
    surviving_account: AccountNo


class Reconciliation(_Command):
    choices: dict[FieldName, AccountNo] = Field(default_factory=dict, max_length=20)


class BankingChoice(_Command):
    instruction_ids: list[InstructionId] = Field(default_factory=list, max_length=100)


class Difference(BaseModel):
    field: str
    label: str
    values: dict[str, str]  # account number -> value


class LinkRequestView(BaseModel):
    id: UUID
    holder_id: str
    client_name: str
    status: LinkStatus
    step: str
    accounts: list[str]
    surviving_account: str | None
    surviving_username: str | None
    choices: dict[str, str]
    profile: dict[str, str]
    banking_instruction_ids: list[str]
    differences: list[Difference]
    available: list[AccountView]
    created_by: str
    created_at: datetime
    confirmed_at: datetime | None
    execute_after: datetime | None
    executed_at: datetime | None
    last_error: str | None = None


class LinkRequestList(BaseModel):
    items: list[LinkRequestView]


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    account_number: str | None
    detail: str


class HistoryList(BaseModel):
    items: list[HistoryEntry]


class DeviceView(BaseModel):
    id: UUID
    account_number: str
    kind: str
    label: str
    level: int
    serial_number: str | None
    status: DeviceStatus
    return_required: bool
    charge_usd: Decimal | None
    charge_status: ChargeStatus
    ship_on: date | None
    ship_method: str | None
    activate_at: datetime | None
    activated_at: datetime | None


class AccessCodeView(BaseModel):
    id: UUID
    kind: AccessCodeKind
    status: str
    issued_at: datetime
    full_access_until: datetime | None
    restricted_access_until: datetime | None
    challenge_position: int | None


class DeviceKindView(BaseModel):
    code: str
    label: str
    level: int
    return_required: bool
    pin_required: bool
    charge_usd: Decimal | None


class AccountDevices(BaseModel):
    account_number: str
    username: str | None
    devices: list[DeviceView]
    codes: list[AccessCodeView]
    kinds: list[DeviceKindView]
    address: str


class DeviceReport(_Command):
    what: Literal["lost", "damaged", "stolen"]


class IssuedCode(BaseModel):
    """The code, shown once: only its hash is kept."""

    id: UUID
    code: str
    full_access_until: datetime
    restricted_access_until: datetime


class IssuedCard(BaseModel):
    """The online security code card, shown once; activate it with the code at ``challenge``."""

    id: UUID
    codes: list[str]
    challenge_position: int


class CardActivation(_Command):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12)]


class CodeCheck(_Command):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class CodeAccess(BaseModel):
    access: Literal["full", "restricted"]
    until: datetime


class ReplacementRequest(_Command):
    device_kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
    ship_on: date
    method: Literal["standard", "express", "courier"]
    shipping_address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=400)] = ""
    pin: Annotated[str, StringConstraints(strip_whitespace=True, max_length=8)] = ""


class DeviceActivation(_Command):
    serial_number: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                                    pattern=r"^[A-Z0-9]{4,24}$")]  # fmt: skip
    passcode: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]
