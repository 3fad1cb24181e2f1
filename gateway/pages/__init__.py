"""The portal's server-rendered pages; ``PAGE_ROUTERS`` lists them (areas last: a catch-all)."""

from gateway.pages import (
    agenda,
    areas,
    audit,
    auth,
    contact_record,
    contacts,
    dashboard,
    documents,
    events,
    groups,
    imports,
    invitations,
    mail,
    merge,
    notes,
    settings,
    users,
    workflows,
)

PAGE_ROUTERS = (
    auth,
    dashboard,
    imports,
    merge,
    invitations,  # /contacts/pending-tasks before /contacts/{contact_id}
    groups,
    contacts,
    contact_record,
    events,
    notes,
    workflows,
    documents,
    agenda,
    settings,
    users,
    audit,
    mail,
    areas,
)
