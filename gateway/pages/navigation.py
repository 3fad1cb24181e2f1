"""The portal's areas, one per part of the product, in the order of the navigation; each with
the access rights that open it (any one of them; none: every user)."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.access import Right
from gateway.store.users import User

CRM = (Right.CRM,)


@dataclass(frozen=True)
class Area:
    slug: str
    label: str
    path: str
    features: str
    summary: str
    ready: bool = False
    rights: tuple[Right, ...] = ()

    def open_to(self, user: User | None) -> bool:
        """Whether the user holds a right the area needs (the primary user holds them all)."""
        return user is not None and (not self.rights or user.access.has_any(*self.rights))


AREAS: tuple[Area, ...] = (
    Area("dashboard", "Dashboard", "/dashboard", "A1", "Your book at a glance.", ready=True),
    Area("contacts", "Contacts", "/contacts", "C1–C11", "Prospects and clients.", ready=True, rights=CRM),
    Area("calendar", "Calendar", "/calendar", "C7", "Events with your contacts, by month or day.", ready=True, rights=CRM),
    Area("groups", "Groups & households", "/groups", "C10", "Public and private groups; households.", ready=True, rights=CRM),
    Area("messages", "Communication center", "/messages", "M1–M8", "Compose, send and track messages to clients.", ready=True, rights=(Right.COMMUNICATION_CENTER,)),
    Area("staging", "Message staging", "/messages/staging", "S1–S5", "Review broker messages before they reach clients.", ready=True, rights=(Right.MESSAGE_STAGING,)),
    Area("linkage", "Account linkage", "/linkage", "L1–L3", "Link a client's accounts under one username.", ready=True, rights=(Right.ACCOUNT_LINKAGE,)),
    Area("devices", "Security devices", "/devices", "L4", "Replace, activate and track security devices.", ready=True, rights=(Right.ACCOUNT_LINKAGE,)),
    Area("transactions", "Transaction history", "/transactions", "A2", "Ninety days of deposits, withdrawals and transfers.", ready=True, rights=(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER)),
    Area("funding", "Withdrawals to confirm", "/funding/confirmations", "C12", "Full Service withdrawals waiting for a Funding Authorizer.", ready=True, rights=(Right.FUNDING_AUTHORIZER,)),
    Area("tools", "Tools", "/tools", "A3–A8", "Client and account data queries, risk scores, goal tracker, ESG, RMD.", ready=True, rights=(Right.TOOLS,)),
    Area("fees", "Fee administration", "/fees", "A9", "Fee templates, client fees, invoices, reimbursements.", ready=True, rights=(Right.FEE_ADMINISTRATION,)),
    Area("reports", "Client reports", "/reports/statements", "A10", "Statements of a whole group or segment, built in the background.", ready=True, rights=(Right.ACTIVITY_STATEMENT,)),
    Area("settings", "Settings", "/settings", "G2–G3", "Users, access rights and two-factor authentication.", ready=True),
)  # fmt: skip

BY_SLUG = {area.slug: area for area in AREAS}
