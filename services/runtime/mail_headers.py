"""Headers the platform's own mail carries (no I/O here: domain rules build messages)."""

MASTER_HEADER = "X-Portal-Master"
"""The master account a message is sent for: the capture sink's mail is listed in the portal to
that master's users only; the SMTP transport strips it before sending. Mail that must not be
listed to a master's users (a user's set-password link) does not carry it."""
