"""Use cases of choosing recipients (M3, M4, X4): the open client accounts a user reaches, the
groups to choose them by, who a selection resolves to, and the users who may sign a message."""

from __future__ import annotations

from uuid import UUID

from contracts.api.recipients import (
    RecipientGroupOut,
    RecipientOut,
    RecipientPage,
    RecipientSelection,
    ResolvedRecipients,
    SignatureOption,
)
from services.messaging.domain.recipients import Recipient, distinct_sorted, fold_households
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import Invalid, Location

MAX_PROBLEMS = 20  # an error list stays short, however many accounts were refused


def _refused(problems: list[tuple[Location, str]], total: int, field: str) -> Invalid:
    if total > len(problems):
        problems.append(((field,), f"{total - len(problems)} more refused"))
    return Invalid.of(problems)


async def resolve_recipients(
    uow: MessagingUnitOfWork, caller: Caller, selection: RecipientSelection
) -> list[Recipient]:
    """The open client accounts of the caller's master within their scope that the selection
    names (accounts, and the members of groups they see), each once, sorted; with
    ``per_household`` a household's accounts go once, to its head. An account named that is
    unknown, not an open client or out of scope, or a group the caller does not see, is
    ``Invalid`` (naming it)."""
    master, scope = caller.master_account_id, caller.access.scope
    if selection.group_ids:
        seen = await uow.client_groups.visible(
            master_account_id=master, user_id=caller.user_id, scope=scope
        )
        known = {group_id for group_id, *_ in seen}
        unknown = [g for g in dict.fromkeys(selection.group_ids) if g not in known]
        if unknown:
            problems: list[tuple[Location, str]] = [
                (("group_ids", selection.group_ids.index(g)), f"{g}: not a group you can choose")
                for g in unknown[:MAX_PROBLEMS]
            ]
            raise _refused(problems, len(unknown), "group_ids")
    numbers = list(dict.fromkeys(selection.account_numbers))
    named = await uow.clients.open_clients(
        master_account_id=master, scope=scope, account_numbers=numbers
    )
    reached = {recipient.account_number for recipient in named}
    missing = [number for number in numbers if number not in reached]
    if missing:
        problems = [
            (("account_numbers", selection.account_numbers.index(number)),
             f"{number}: not an open client account you can reach")
            for number in missing[:MAX_PROBLEMS]
        ]  # fmt: skip
        raise _refused(problems, len(missing), "account_numbers")
    members = (
        await uow.clients.open_clients(
            master_account_id=master, scope=scope, group_ids=selection.group_ids
        )
        if selection.group_ids
        else []
    )
    selected = distinct_sorted([*named, *members])
    if not selection.per_household or not selected:
        return selected
    household_of = await uow.households.of_contacts(
        master_account_id=master, contact_ids=[r.contact_id for r in selected]
    )
    head_ids = {link.head_contact_id for link in household_of.values() if link.head_contact_id}
    heads = await uow.clients.open_clients(
        master_account_id=master, scope=scope, contact_ids=head_ids
    )
    return fold_households(selected, household_of, {head.contact_id: head for head in heads})


def recipient_out(recipient: Recipient) -> RecipientOut:
    return RecipientOut(
        contact_id=recipient.contact_id,
        account_number=recipient.account_number,
        name=recipient.name,
        first_name=recipient.first_name,
        last_name=recipient.last_name,
        title=recipient.title,
        email=recipient.email,
        household_name=recipient.household_name,
        folded_accounts=list(recipient.folded_accounts),
    )


async def resolved(
    uow: MessagingUnitOfWork, caller: Caller, selection: RecipientSelection
) -> ResolvedRecipients:
    """``resolve_recipients`` as the composer shows it: who receives it, and which accounts were
    folded into which head."""
    recipients = await resolve_recipients(uow, caller, selection)
    return ResolvedRecipients(
        recipients=[recipient_out(r) for r in recipients],
        count=len(recipients),
        accounts_covered=sum(1 + len(r.folded_accounts) for r in recipients),
        folded_households=sum(1 for r in recipients if r.folded_accounts),
    )


async def recipient_page(
    uow: MessagingUnitOfWork,
    caller: Caller,
    *,
    search: str | None,
    group_id: UUID | None,
    page: int,
    page_size: int,
) -> RecipientPage:
    """One page of the open client accounts the caller reaches, filtered by account number,
    name or title, or by group."""
    total, items = await uow.clients.page(
        master_account_id=caller.master_account_id, scope=caller.access.scope,
        search=(search or "").strip() or None, group_id=group_id,
        offset=(page - 1) * page_size, limit=page_size,
    )  # fmt: skip
    return RecipientPage(
        items=[recipient_out(r) for r in items], total=total, page=page, page_size=page_size
    )


async def recipient_groups(uow: MessagingUnitOfWork, caller: Caller) -> list[RecipientGroupOut]:
    """The master's groups the caller sees, with their open client accounts within scope."""
    groups = await uow.client_groups.visible(
        master_account_id=caller.master_account_id, user_id=caller.user_id,
        scope=caller.access.scope,
    )  # fmt: skip
    return [
        RecipientGroupOut(id=group_id, name=name, visibility=visibility, open_clients=count)
        for group_id, name, visibility, count in groups
    ]


async def signatures(uow: MessagingUnitOfWork, caller: Caller) -> list[SignatureOption]:
    """The master's active users: a message's signature, and its reply-to address (M4)."""
    users = await uow.master_users.active(caller.master_account_id)
    return [
        SignatureOption(user_id=user.user_id, display_name=user.display_name, email=user.email)
        for user in users
    ]
