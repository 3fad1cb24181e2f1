"""Events of the mail system (external): what happened to an email after a mail server accepted
it. A delivery status notification (a bounce) names the email by its Message-ID header, which
the communication center derives from the message and the recipient."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from contracts.envelope import Envelope, Event


class EmailBounced(Event):
    """The mail system could not deliver an email it had accepted (a DSN came back)."""

    type: Literal["mail.bounced"] = "mail.bounced"
    message_id_header: str = Field(
        min_length=3, max_length=998, description="the bounced email's Message-ID, with <>"
    )
    recipient: str = Field(max_length=320)
    reason: str = Field(max_length=500, description="the diagnostic the mail system gave")
    bounced_at: datetime

    def partition_key(self) -> str:
        return self.message_id_header


MailEnvelope = Envelope[EmailBounced]
