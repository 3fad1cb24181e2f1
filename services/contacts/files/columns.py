"""The summary columns of the contacts table (C1) as the exports write them.

The full client data export writes them after the profile columns under the ``crm_`` names
below; the import ignores those columns, so an exported workbook can be imported again.
"""

from __future__ import annotations

from typing import NamedTuple


class SummaryColumn(NamedTuple):
    field: str
    """attribute of ``ExportContact``"""
    label: str
    """header in the contact summary CSV"""
    column: str
    """header in the client data workbook"""


SUMMARY_COLUMNS: tuple[SummaryColumn, ...] = (
    SummaryColumn("title", "Title", "crm_title"),
    SummaryColumn("contact", "Contact", "crm_contact"),
    SummaryColumn("kind", "Type", "crm_type"),
    SummaryColumn("account_type", "Account type", "crm_account_type"),
    SummaryColumn("account_number", "Account number", "crm_account_number"),
    SummaryColumn("status", "Status", "crm_status"),
    SummaryColumn("username", "Username", "crm_username"),
    SummaryColumn("email", "Email", "crm_email"),
    SummaryColumn("phone", "Phone", "crm_phone"),
    SummaryColumn("net_asset_value", "Net asset value", "crm_net_asset_value"),
)

READ_ONLY_COLUMNS = frozenset(column.column for column in SUMMARY_COLUMNS)
"""Columns the import skips: what the CRM derives, not what a person enters."""
