"""Messaging Kafka handlers (registered in the composition root)."""

from services.runtime.consumers import HandlerTable

HANDLERS: HandlerTable = {}
