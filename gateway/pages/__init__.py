"""The portal's server-rendered pages; ``PAGE_ROUTERS`` lists them (areas last: a catch-all)."""

from gateway.pages import (
    areas,
    auth,
    contacts,
    dashboard,
    groups,
    imports,
    invitations,
    merge,
    records,
    settings,
)

PAGE_ROUTERS = (
    auth,
    dashboard,
    imports,
    merge,
    invitations,  # /contacts/pending-tasks before /contacts/{contact_id}
    groups,
    contacts,
    records,
    settings,
    areas,
)
