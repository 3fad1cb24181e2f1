"""One router per resource; ``API_ROUTERS`` lists those served under /api/v1."""

from gateway.api.routes import (
    audit,
    auth,
    broker_messages,
    contacts,
    dashboard,
    groups,
    imports,
    invitations,
    merge,
    message_templates,
    messages,
    notices,
    preferences,
    records,
    security,
    users,
)

# fixed paths (/contacts/import..., /contacts/duplicates, /contacts/merge,
# /contacts/pending-tasks) before /contacts/{id}
API_ROUTERS = (auth, security, imports, merge, invitations, contacts, records, groups, dashboard,
               preferences, users, audit, message_templates, messages, broker_messages,
               notices)  # fmt: skip
