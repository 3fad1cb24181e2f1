"""ESG impact preferences (A7): invitations to chosen client accounts, the invited client's
answer through the tokenised link, results per client and in aggregate."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from contracts.access import ClientScope
from contracts.api.tools import (  # fmt: skip
    EsgAnswer,
    EsgForm,
    EsgInvitationList,
    EsgInvitationOut,
    EsgInvite,
    EsgResults,
    ImpactCount,
    ImpactValue,
)
from services.analytics.domain import esg as rules
from services.analytics.service_layer.tools_uow import ToolsUnitOfWork
from services.runtime.errors import Invalid, NotFound


def _name(facts: dict[str, Any]) -> str | None:
    return " ".join(p for p in (facts.get("first_name"), facts.get("last_name")) if p) or None


def _out(
    row: dict[str, Any], names: dict[str, str | None], token: str | None = None
) -> EsgInvitationOut:
    return EsgInvitationOut(id=row["invitation_id"], account_number=row["account_number"],
                            name=names.get(row["account_number"]),
                            status="answered" if row["answered_at"] else "sent", sent_at=row["sent_at"],
                            answered_at=row["answered_at"], values=list(row["impact_values"]), link_token=token)  # fmt: skip


async def invite(
    uow: ToolsUnitOfWork, master: str, command: EsgInvite, *, scope: ClientScope, now: datetime
) -> EsgInvitationList:
    """One invitation (and link) per chosen account; every account must be within reach."""
    chosen = list(dict.fromkeys(command.account_numbers))
    facts = await uow.segment_facts.facts_of_many(
        master_account_id=master, account_numbers=chosen, scope=scope
    )
    missing = [(("account_numbers", n), "no such client account") for n in chosen if n not in facts]
    if missing:
        raise Invalid.of(missing)
    names = {number: _name(f) for number, f in facts.items()}
    made = []
    rows = []
    for number in chosen:
        token = rules.new_token(master)
        row = {"invitation_id": uuid4(), "master_account_id": master, "account_number": number,
               "token_hash": rules.token_hash(token), "sent_at": now, "answered_at": None, "impact_values": []}  # fmt: skip
        rows.append(row)
        made.append(_out(row, names, token))
    await uow.esg.add(rows)
    return EsgInvitationList(items=made)


async def _invitation(uow: ToolsUnitOfWork, master: str, token: str) -> dict[str, Any]:
    if rules.token_master(token) != master:
        raise NotFound("invitation")
    row = await uow.esg.by_token(master_account_id=master, token_hash=rules.token_hash(token))
    if row is None:
        raise NotFound("invitation")
    return row


def _catalogue() -> list[ImpactValue]:
    return [ImpactValue(value=k, label=v) for k, v in rules.IMPACT_VALUES.items()]


async def form(uow: ToolsUnitOfWork, master: str, token: str) -> EsgForm:
    row = await _invitation(uow, master, token)
    return EsgForm(
        values=_catalogue(),
        chosen=list(row["impact_values"]),
        answered=row["answered_at"] is not None,
    )


async def answer(
    uow: ToolsUnitOfWork, master: str, token: str, command: EsgAnswer, *, now: datetime
) -> EsgForm:
    """The client's choice (they may change it while the link lasts); copied to the facts."""
    row = await _invitation(uow, master, token)
    values = rules.check_choice(command.values)
    await uow.esg.answer(invitation_id=row["invitation_id"], values=values, at=now)
    await uow.segment_facts.set_values(
        master_account_id=master, account_number=row["account_number"], esg_values=values
    )
    return EsgForm(values=_catalogue(), chosen=values, answered=True)


async def results(uow: ToolsUnitOfWork, master: str, *, scope: ClientScope) -> EsgResults:
    rows = await uow.esg.list(master_account_id=master, scope=scope)
    facts = await uow.segment_facts.facts_of_many(
        master_account_id=master, account_numbers=[r["account_number"] for r in rows], scope=scope
    )
    names = {number: _name(f) for number, f in facts.items()}
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:  # newest answered invitation per account counts
        if row["answered_at"] and (
            row["account_number"] not in latest
            or row["answered_at"] > latest[row["account_number"]]["answered_at"]
        ):
            latest[row["account_number"]] = row
    answered, counts = rules.aggregate(list(r["impact_values"]) for r in latest.values())
    return EsgResults(invited=len({r["account_number"] for r in rows}), answered=answered,
                      counts=[ImpactCount(value=k, label=rules.IMPACT_VALUES[k], count=v) for k, v in counts.items()],
                      clients=[_out(r, names) for r in rows])  # fmt: skip
