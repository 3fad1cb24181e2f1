"""Calling the services over HTTP on behalf of a user: tenancy headers, errors mapped to 4xx/502,
files in and out. The typed functions beside this module are the only callers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import structlog
from fastapi import HTTPException, status

from contracts.services import SERVICES
from gateway.settings import GatewaySettings
from gateway.store.users import User

log = structlog.get_logger(__name__)


class ServiceUnavailable(HTTPException):
    def __init__(self, service: str) -> None:
        super().__init__(status.HTTP_502_BAD_GATEWAY, f"the {service} service is unavailable")


class NamedFile(Protocol):
    """A file to hand to a service as the multipart form's ``file``."""

    @property
    def filename(self) -> str: ...

    @property
    def content(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...


def multipart(file: NamedFile) -> dict[str, tuple[str, bytes, str]]:
    """The ``files`` of a request that uploads ``file``."""
    return {"file": (file.filename, file.content, file.content_type)}


@dataclass(frozen=True)
class Download:
    """A file as a service answered it: its bytes and its headers (type, how to save it)."""

    content: bytes
    headers: httpx.Headers


class ServiceClient:
    def __init__(self, name: str, base_url: str, *, internal_token: str, timeout: float) -> None:
        self.name = name
        self._internal_token = internal_token
        # trust_env=False: calls inside the deployment never go through an HTTP proxy;
        # httpx's default pool: its cost per request grows with the connections it keeps, and
        # idle ones are dropped after 5 s, before the service would close them (30 s)
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, trust_env=False)

    async def call(self, method: str, path: str, user: User, **kwargs: Any) -> httpx.Response:
        """Send the request as ``user``; a service's 4xx is passed on to the caller as is."""
        headers = {
            "X-Master-Account-Id": user.master_account_id,
            "X-User-Id": str(user.id),
            "X-Internal-Token": self._internal_token,
            **user.access.to_headers(),
            **kwargs.pop("headers", {}),
        }
        try:
            response = await self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            log.warning("service call failed", service=self.name, error=type(error).__name__)
            raise ServiceUnavailable(self.name) from error
        if response.status_code >= 500:
            log.warning("service error", service=self.name, status=response.status_code)
            raise ServiceUnavailable(self.name)
        if response.status_code >= 400:
            raise HTTPException(response.status_code, _detail(response))
        return response

    async def json(self, method: str, path: str, user: User, **kwargs: Any) -> Any:
        return (await self.call(method, path, user, **kwargs)).json()

    async def download(self, path: str, user: User, **kwargs: Any) -> Download:
        found = await self.call("GET", path, user, **kwargs)
        return Download(found.content, found.headers)

    async def health(self) -> str:
        try:
            response = await self._http.get("/healthz", timeout=3)
        except httpx.HTTPError as error:
            return f"down: {type(error).__name__}"
        if response.status_code != 200:
            return f"down: HTTP {response.status_code}"
        try:
            answered_by = response.json().get("service")
        except ValueError:
            answered_by = None
        if answered_by != self.name:
            return f"down: {answered_by or 'another server'} answers at this address"
        return "ok"

    async def close(self) -> None:
        await self._http.aclose()


def _detail(response: httpx.Response) -> Any:
    try:
        return response.json().get("detail", response.text)
    except ValueError:
        return response.text


class ServiceClients:
    """One client per service of the registry (contracts/services.py)."""

    def __init__(self, settings: GatewaySettings) -> None:
        token = settings.internal_token.get_secret_value()
        self.by_name = {
            entry.name: ServiceClient(
                entry.name,
                settings.service_urls[entry.name],
                internal_token=token,
                timeout=settings.service_timeout_seconds,
            )
            for entry in SERVICES
        }

    @property
    def contacts(self) -> ServiceClient:
        return self.by_name["contacts"]

    @property
    def analytics(self) -> ServiceClient:
        return self.by_name["analytics"]

    @property
    def messaging(self) -> ServiceClient:
        return self.by_name["messaging"]

    async def close(self) -> None:
        for client in self.by_name.values():
            await client.close()
