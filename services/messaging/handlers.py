"""Messaging' Kafka handler table: event type -> batch use case."""

from __future__ import annotations

from services.runtime.consumers import HandlerTable

HANDLERS: HandlerTable = {}
