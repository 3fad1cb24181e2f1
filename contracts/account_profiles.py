"""External events about the people behind client accounts, from the broker's back office:
each account's holder, username, personal information and standing banking instructions, and the
security devices the accounts hold.

The linkage service learns from these which accounts belong to one person (the holder id), what
differs between them, and which device each account holds. The simulator publishes them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from contracts.accounts import AccountNumber
from contracts.envelope import ContractModel, Envelope, Event

HolderId = Annotated[str, Field(pattern=r"^[A-Z0-9-]{1,32}$")]


class ResidentialAddress(ContractModel):
    street: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str = Field(pattern=r"^[A-Z]{2}$")

    def one_line(self) -> str:
        parts = [self.street, self.city, self.region, self.postal_code, self.country]
        return ", ".join(part for part in parts if part)


class BankingInstruction(ContractModel):
    """A standing instruction to move cash to or from a bank account of the holder."""

    instruction_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,40}$")
    method: Literal["ach", "wire", "sepa", "check"]
    bank_name: str = Field(min_length=1, max_length=120)
    account_ending: str = Field(pattern=r"^[0-9]{2,4}$", description="last digits only")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")


class AccountProfileReported(Event):
    """An account's holder and profile as the back office holds it now (whole state)."""

    type: Literal["account.profile_reported"] = "account.profile_reported"
    account_number: AccountNumber
    holder_id: HolderId = Field(description="the person behind the account, across accounts")
    username: str = Field(min_length=1, max_length=64)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    date_of_birth: date | None = None
    residential_address: ResidentialAddress
    banking_instructions: list[BankingInstruction] = Field(default_factory=list, max_length=20)
    version: int = Field(ge=1, description="increases with every change; keep the highest")

    def partition_key(self) -> str:
        return self.account_number


class SecurityDeviceIssued(Event):
    """A security device the account holds and uses to log in (already active)."""

    type: Literal["security_device.issued"] = "security_device.issued"
    account_number: AccountNumber
    serial_number: str = Field(pattern=r"^[A-Z0-9]{4,24}$")
    device_kind: str = Field(min_length=1, max_length=40)
    issued_on: date

    def partition_key(self) -> str:
        return self.account_number


AccountProfileEvent = Annotated[
    AccountProfileReported | SecurityDeviceIssued, Field(discriminator="type")
]
AccountProfileEnvelope = Envelope[AccountProfileEvent]
