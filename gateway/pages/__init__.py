"""The portal's server-rendered pages; ``PAGE_ROUTERS`` lists them (areas last: a catch-all)."""

from gateway.pages import (
    agenda,
    areas,
    audit,
    auth,
    broker_messages,
    calendar_feed,
    contact_record,
    contacts,
    dashboard,
    devices,
    documents,
    events,
    fees,
    full_service,
    groups,
    imports,
    invitations,
    linkage,
    mail,
    margin,
    merge,
    message_center,
    message_templates,
    messages,
    notes,
    notices,
    queries,
    reports,
    settings,
    staging,
    timeline,
    tools,
    transactions,
    users,
    vendor,
    workflows,
)

PAGE_ROUTERS = (
    auth,
    vendor,
    dashboard,
    transactions,
    queries,
    timeline,  # /contacts/{id}/timeline
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
    calendar_feed,  # /settings/calendar (issue 15)
    settings,
    users,
    audit,
    mail,
    message_templates,
    broker_messages,  # /messages/broker before a catch-all
    staging,  # /messages/staging
    messages,
    message_center,
    notices,
    linkage,  # /contacts/{id}/linkage, /linkage...
    full_service,  # /contacts/{id}/full-service, /funding/confirmations
    margin,  # /contacts/{id}/margin
    reports,  # /contacts/{id}/reports, /contacts/{id}/performance, /reports/statements
    devices,
    tools,  # /tools/..., and the public /esg/{token}
    fees,
    areas,
)
