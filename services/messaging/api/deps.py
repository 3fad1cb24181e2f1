"""The messaging routes' dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.messaging.service_layer.email_delivery import EmailSender
from services.messaging.service_layer.unit_of_work import SqlMessagingUnitOfWork
from services.runtime.db import Database
from services.runtime.service import get_database

DatabaseDep = Annotated[Database[SqlMessagingUnitOfWork], Depends(get_database)]


def get_email_sender(request: Request) -> EmailSender:
    """The service's email sender (its transport and From address; tests swap the transport)."""
    sender: EmailSender = request.app.state.email_sender
    return sender


EmailSenderDep = Annotated[EmailSender, Depends(get_email_sender)]
