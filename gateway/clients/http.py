"""Calling the services over HTTP on behalf of a user: tenancy headers, errors mapped to 4xx/502,
files in and out. The typed functions beside this module are the only callers.

The calls go over one kept-alive aiohttp session per service: the gateway's busiest work is
passing a request on, so the client's own cost per call decides much of its throughput, and
httpx cost about 1.4 ms more CPU per call than aiohttp (bench/README.md, the contacts table).
"""

from __future__ import annotations

import json as json_module
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import aiohttp
import structlog
from fastapi import HTTPException, status
from opentelemetry import propagate

from contracts.services import SERVICES
from gateway.settings import GatewaySettings
from gateway.store.users import User
from services.runtime.service import SERVER_KEEP_ALIVE_SECONDS

log = structlog.get_logger(__name__)

IDLE_CONNECTION_SECONDS = SERVER_KEEP_ALIVE_SECONDS / 2
"""A kept-alive connection is dropped sooner than the service would close it, so a request never
goes out on a connection the service is closing at that very moment."""

QueryValue = str | int | float | bool | None
Query = Mapping[str, QueryValue | Sequence[QueryValue]] | Sequence[tuple[str, QueryValue]]

_to_json = partial(json_module.dumps, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


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


Files = Mapping[str, tuple[str, bytes, str]]


def multipart(file: NamedFile) -> dict[str, tuple[str, bytes, str]]:
    """The ``files`` of a request that uploads ``file``."""
    return {"file": (file.filename, file.content, file.content_type)}


@dataclass(frozen=True)
class ServiceResponse:
    """A service's answer, read whole: its status, bytes and headers (looked up in any case)."""

    status_code: int
    content: bytes
    headers: Mapping[str, str]

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        return json_module.loads(self.content)


@dataclass(frozen=True)
class Download:
    """A file as a service answered it: its bytes and its headers (type, how to save it)."""

    content: bytes
    headers: Mapping[str, str]


def _query_text(value: QueryValue) -> str:
    """A query value written as httpx wrote it (the services' parsers expect these)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def query_pairs(params: Query | None) -> list[tuple[str, str]] | None:
    """``params`` as the pairs of a query string: a list or tuple value repeats its key."""
    if params is None:
        return None
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else (value,)
        pairs += [(key, _query_text(each)) for each in values]
    return pairs


def _form(files: Files | None) -> aiohttp.FormData | None:
    if not files:
        return None
    form = aiohttp.FormData()
    for field, (filename, content, content_type) in files.items():
        form.add_field(field, content, filename=filename, content_type=content_type)
    return form


class ServiceClient:
    def __init__(self, name: str, base_url: str, *, internal_token: str, timeout: float) -> None:
        self.name = name
        self._base_url = base_url.rstrip("/")
        self._internal_token = internal_token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        """The session, made on first use: aiohttp binds it to the running event loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS),
                timeout=self._timeout,
                json_serialize=_to_json,
                # the gateway is not a browser: no cookies kept between users' calls
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def call(
        self,
        method: str,
        path: str,
        user: User,
        *,
        params: Query | None = None,
        json: Any = None,
        files: Files | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the call's own limit, for aiohttp
    ) -> ServiceResponse:
        """Send the request as ``user``; a service's 4xx is passed on to the caller as is."""
        sent = {
            "X-Master-Account-Id": user.master_account_id,
            "X-User-Id": str(user.id),
            "X-Internal-Token": self._internal_token,
            **user.access.to_headers(),
            **(headers or {}),
        }
        propagate.inject(sent)  # the service's spans continue this request's trace
        try:
            async with self._http().request(
                method, self._base_url + path, params=query_pairs(params), json=json,
                data=_form(files), headers=sent,
                timeout=aiohttp.ClientTimeout(total=timeout) if timeout else None,
            ) as answer:  # fmt: skip
                response = ServiceResponse(answer.status, await answer.read(), answer.headers)
        except (aiohttp.ClientError, TimeoutError) as error:
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
            async with self._http().get(
                self._base_url + "/healthz", timeout=aiohttp.ClientTimeout(total=3)
            ) as answer:
                response = ServiceResponse(answer.status, await answer.read(), answer.headers)
        except (aiohttp.ClientError, TimeoutError) as error:
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
        if self._session is not None:
            await self._session.close()


def _detail(response: ServiceResponse) -> Any:
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
