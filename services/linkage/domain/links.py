"""Linking a client's accounts (L1-L3): the accounts a holder may link, the wizard's steps as
state transitions of a link request, what must be reconciled, the device rule, and when the
weekly batch executes a confirmed request. Pure: no I/O, time passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from contracts.linkage import LinkStatus
from services.linkage.domain.devices import kind_of
from services.runtime.errors import Conflict, Invalid


@dataclass
class ClientAccount:
    """What linkage knows of one client account (from the back office's events)."""

    account_number: str
    master_account_id: str
    holder_id: str | None = None
    username: str | None = None
    username_active: bool = True
    open: bool = False
    profile: dict[str, str] = field(default_factory=dict)  # field -> value (RECONCILED_FIELDS)
    banking: list[dict[str, str]] = field(default_factory=list)
    profile_version: int = 0
    linked_into: str | None = None  # the surviving account, once linked
    contact_id: UUID | None = None
    device_level: int = 0  # of its strongest active device
    device_kind: str | None = None


RECONCILED_FIELDS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "email": "Email",
    "phone": "Phone",
    "residential_address": "Residential address",
}
"""The personal information compared across the accounts to link, in the order asked."""


def linkable(accounts: Iterable[ClientAccount]) -> list[ClientAccount]:
    """Open accounts, not yet linked into another one, with a holder and a username."""
    return [
        a for a in accounts
        if a.open and a.linked_into is None and a.holder_id and a.username and a.username_active
    ]  # fmt: skip


def eligible_holders(accounts: Iterable[ClientAccount]) -> dict[str, list[ClientAccount]]:
    """Holders with more than one linkable account: the clients eligible to be linked."""
    by_holder: dict[str, list[ClientAccount]] = {}
    for account in linkable(accounts):
        assert account.holder_id is not None
        by_holder.setdefault(account.holder_id, []).append(account)
    return {h: sorted(a, key=lambda x: x.account_number)
            for h, a in by_holder.items() if len(a) > 1}  # fmt: skip


def differences(accounts: Sequence[ClientAccount]) -> dict[str, dict[str, str]]:
    """Per field that differs between the accounts: account number -> its value."""
    found: dict[str, dict[str, str]] = {}
    for name in RECONCILED_FIELDS:
        values = {a.account_number: a.profile.get(name, "") for a in accounts}
        if len(set(values.values())) > 1:
            found[name] = values
    return found


def check_survivor(accounts: Sequence[ClientAccount], survivor: str) -> None:
    """The surviving account must hold the highest-level security device of the accounts."""
    chosen = next(a for a in accounts if a.account_number == survivor)
    best = max(accounts, key=lambda a: a.device_level)
    if chosen.device_level < best.device_level:
        label = kind_of(best.device_kind or "").label
        raise Invalid(
            f"the account whose username is kept must hold the highest-level security device: "
            f"{best.account_number} holds a {label} (level {best.device_level}), "
            f"{survivor} only level {chosen.device_level}; keep {best.account_number}'s "
            f"username instead",
            field="surviving_account",
        )


STEPS = ("started", "accounts", "reconciliation", "banking", "confirmed")


@dataclass
class LinkRequest:
    id: UUID
    master_account_id: str
    holder_id: str
    created_by: str
    created_at: datetime
    status: LinkStatus = LinkStatus.DRAFT
    step: str = "started"
    accounts: list[str] = field(default_factory=list)
    surviving_account: str | None = None
    choices: dict[str, str] = field(default_factory=dict)  # field -> account whose value is kept
    profile: dict[str, str] = field(default_factory=dict)  # field -> value kept
    banking_instruction_ids: list[str] = field(default_factory=list)
    execute_after: datetime | None = None
    confirmed_at: datetime | None = None
    executed_at: datetime | None = None
    updated_at: datetime | None = None
    failures: int = 0
    last_error: str | None = None

    @classmethod
    def start(cls, master: str, holder: str, by: str, now: datetime) -> LinkRequest:
        return cls(uuid4(), master, holder, by, now, updated_at=now)

    def _editable(self) -> None:
        if self.status is not LinkStatus.DRAFT:
            raise Conflict(f"this request is {self.status.value}; it can no longer change")

    def _reached(self, step: str) -> None:
        if STEPS.index(self.step) < STEPS.index(step):
            raise Conflict(f"complete the {step} step first")

    def choose_accounts(self, available: Sequence[ClientAccount], chosen: Sequence[str],
                        survivor: str, now: datetime) -> None:  # fmt: skip
        """Step 1: the accounts to link and the account whose username is kept."""
        self._editable()
        by_number = {a.account_number: a for a in available}
        unknown = [n for n in chosen if n not in by_number]
        if unknown:
            raise Invalid(f"not an eligible account of this client: {', '.join(unknown)}",
                          field="accounts")  # fmt: skip
        picked = list(dict.fromkeys(chosen))
        if len(picked) < 2:
            raise Invalid("choose at least two accounts to link", field="accounts")
        if survivor not in picked:
            raise Invalid("the username kept must be one of the accounts linked",
                          field="surviving_account")  # fmt: skip
        selected = [by_number[n] for n in picked]
        check_survivor(selected, survivor)
        self.accounts = sorted(picked)
        self.surviving_account = survivor
        self.choices, self.profile, self.banking_instruction_ids = {}, {}, []
        self.step = "accounts"
        self.updated_at = now

    def reconcile(self, available: Sequence[ClientAccount], choices: Mapping[str, str],
                  now: datetime) -> None:  # fmt: skip
        """Step 2: for each field that differs, the account whose value is kept."""
        self._editable()
        self._reached("accounts")
        selected = self.selected(available)
        differing = differences(selected)
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for name in choices:
            if name not in RECONCILED_FIELDS:
                problems.append(((name,), "not a field of the personal information"))
            elif name in differing and choices[name] not in differing[name]:
                problems.append(((name,), "choose one of the accounts being linked"))
        for name in differing:
            if not choices.get(name):
                problems.append(((name,), f"{RECONCILED_FIELDS[name]} differs between the "
                                          "accounts: choose the value to keep"))  # fmt: skip
        if problems:
            raise Invalid.of(problems)
        survivor = next(a for a in selected if a.account_number == self.surviving_account)
        self.choices = {name: choices[name] for name in differing}
        self.profile = {
            name: differing[name][self.choices[name]] if name in differing
            else survivor.profile.get(name, "")
            for name in RECONCILED_FIELDS
        }  # fmt: skip
        self.step = "reconciliation"
        self.updated_at = now

    def keep_banking(self, available: Sequence[ClientAccount], instruction_ids: Sequence[str],
                     now: datetime) -> None:  # fmt: skip
        """Step 3: any or all of the standing banking instructions of the accounts."""
        self._editable()
        self._reached("reconciliation")
        known = {b["instruction_id"] for a in self.selected(available) for b in a.banking}
        unknown = [i for i in instruction_ids if i not in known]
        if unknown:
            raise Invalid(f"not a banking instruction of these accounts: {', '.join(unknown)}",
                          field="instruction_ids")  # fmt: skip
        self.banking_instruction_ids = sorted(set(instruction_ids))
        self.step = "banking"
        self.updated_at = now

    def confirm(self, available: Sequence[ClientAccount], now: datetime,
                execute_after: datetime) -> None:  # fmt: skip
        """Step 4: confirmed; the next weekly batch executes it."""
        self._editable()
        self._reached("banking")
        selected = self.selected(available)  # the accounts must still be linkable
        if any(name not in self.choices for name in differences(selected)):
            raise Conflict("the personal information changed since it was reconciled: "
                           "reconcile it again")  # fmt: skip
        assert self.surviving_account is not None
        check_survivor(selected, self.surviving_account)
        self.status = LinkStatus.CONFIRMED
        self.step = "confirmed"
        self.confirmed_at = now
        self.execute_after = execute_after
        self.updated_at = now

    def cancel(self, now: datetime) -> None:
        if self.status not in (LinkStatus.DRAFT, LinkStatus.CONFIRMED):
            raise Conflict(f"this request is {self.status.value}; it cannot be cancelled")
        self.status = LinkStatus.CANCELLED
        self.updated_at = now

    def selected(self, available: Sequence[ClientAccount]) -> list[ClientAccount]:
        by_number = {a.account_number: a for a in available}
        missing = [n for n in self.accounts if n not in by_number]
        if missing:
            raise Conflict(f"no longer eligible to be linked: {', '.join(missing)}; "
                           "choose the accounts again")  # fmt: skip
        return [by_number[n] for n in self.accounts]

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def next_batch(now: datetime, zone: ZoneInfo, weekday: int, at: time) -> datetime:
    """The first weekly batch (``weekday``: Monday 0 ... Friday 4, at ``at`` in the master's
    zone) strictly after ``now``: a request confirmed on Friday after the batch waits a week."""
    local = now.astimezone(zone)
    day: date = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    moment = datetime.combine(day, at, tzinfo=zone)
    if moment <= now:
        moment = datetime.combine(day + timedelta(days=7), at, tzinfo=zone)
    return moment
