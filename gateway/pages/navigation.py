"""The portal's areas, one per part of the product, in the order of the navigation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    slug: str
    label: str
    path: str
    features: str
    summary: str
    ready: bool = False


AREAS: tuple[Area, ...] = (
    Area("dashboard", "Dashboard", "/dashboard", "A1", "Your book at a glance.", ready=True),
    Area("contacts", "Contacts", "/contacts", "C1–C11", "Prospects and clients.", ready=True),
    Area("calendar", "Calendar", "/calendar", "C7", "Events with your contacts, by month or day.", ready=True),
    Area("groups", "Groups & households", "/groups", "C10", "Public and private groups; households.", ready=True),
    Area("messages", "Communication center", "/areas/messages", "M1–M8", "Compose, send and track messages to clients."),
    Area("staging", "Message staging", "/areas/staging", "S1–S5", "Review broker messages before they reach clients."),
    Area("linkage", "Account linkage", "/areas/linkage", "L1–L3", "Link a client's accounts under one username."),
    Area("devices", "Security devices", "/areas/devices", "L4", "Replace, activate and track security devices."),
    Area("transactions", "Transaction history", "/areas/transactions", "A2", "Ninety days of deposits, withdrawals and transfers."),
    Area("tools", "Tools", "/areas/tools", "A3–A8", "Client and account data queries, risk scores, goal tracker, ESG, RMD."),
    Area("fees", "Fee administration", "/areas/fees", "A9", "Fee templates, client fees, invoices, reimbursements."),
    Area("settings", "Settings", "/settings", "G2–G3", "Users, access rights and two-factor authentication.", ready=True),
)  # fmt: skip

BY_SLUG = {area.slug: area for area in AREAS}
