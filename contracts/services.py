"""The registry of the platform's services: the one list the gateway, the embedded stack and the
compose file follow. Adding a service means adding it here (a test checks the compose file)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    default_port: int
    """Where the gateway looks for it when no ``<NAME>_URL`` is set (a local run by hand)."""
    summary: str

    @property
    def module(self) -> str:
        """``python -m <module>`` runs it."""
        return f"services.{self.name}"

    @property
    def url_variable(self) -> str:
        """The gateway's environment variable holding its address."""
        return f"{self.name.upper()}_URL"


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry("contacts", 8101, "prospects, clients, CRM records, groups, households"),
    ServiceEntry("messaging", 8102, "the communication center"),
    ServiceEntry("staging", 8103, "review holds on broker-originated messages"),
    ServiceEntry("linkage", 8104, "account linkage and security devices"),
    ServiceEntry("analytics", 8105, "dashboard read models and tools"),
)
SERVICE_NAMES: tuple[str, ...] = tuple(entry.name for entry in SERVICES)


def service_named(name: str) -> ServiceEntry:
    for entry in SERVICES:
        if entry.name == name:
            return entry
    raise KeyError(f"no service named {name!r}")
