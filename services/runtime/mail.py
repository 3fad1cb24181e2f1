"""Sending email through a pluggable transport.

``SmtpTransport`` talks to a real mail server (stdlib smtplib in a worker thread: STARTTLS or
implicit TLS, optional login, timeouts) and retries transient failures with a growing delay.
``CapturingTransport`` is the embedded stack's sink: it writes each message as a ``.eml`` file
and keeps it in memory. ``transport_from_settings`` picks SMTP when SMTP_HOST is set.

Message bodies, recipients' addresses and credentials are never logged (only Message-IDs).
"""

from __future__ import annotations

import asyncio
import copy
import os
import re
import smtplib
import ssl
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import Protocol

import structlog
from pydantic import SecretStr

from services.runtime.mail_headers import MASTER_HEADER
from services.runtime.settings import MailSettings

log = structlog.get_logger(__name__)

LOCAL_SENDER = "Advisor Portal <no-reply@localhost>"
CAPTURED_LISTED = 200
KEPT_IN_MEMORY = 1000
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._@-]+")


class MailError(Exception):
    """The message was not accepted by the mail server."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand the message over for delivery; raises :class:`MailError` when refused."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = True
    implicit_tls: bool = False
    timeout_seconds: float = 30
    attempts: int = 3
    first_backoff_seconds: float = 1.0


class SmtpTransport:
    def __init__(
        self,
        config: SmtpConfig,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        connect: Callable[[SmtpConfig], smtplib.SMTP] | None = None,
    ) -> None:
        self._config = config
        self._sleep = sleep
        self._connect = connect or _connect

    async def send(self, message: EmailMessage) -> None:
        message_id = message.get("Message-ID", "")
        for attempt in range(1, self._config.attempts + 1):
            try:
                await asyncio.to_thread(self._send_now, message)
                log.info("mail sent", message_id=message_id, attempt=attempt)
                return
            except (smtplib.SMTPException, OSError) as error:
                failure = classify(error)
                if not failure.transient or attempt == self._config.attempts:
                    log.warning("mail refused", message_id=message_id, reason=failure.reason,
                                transient=failure.transient, attempt=attempt)  # fmt: skip
                    raise failure from error
                delay = self._config.first_backoff_seconds * 2 ** (attempt - 1)
                log.info("mail deferred", message_id=message_id, reason=failure.reason,
                         retry_in=delay)  # fmt: skip
                await self._sleep(delay)

    def _send_now(self, message: EmailMessage) -> None:
        if MASTER_HEADER in message:
            message = copy.copy(message)
            del message[MASTER_HEADER]
        with self._connect(self._config) as smtp:
            if self._config.username:
                password = self._config.password.get_secret_value() if self._config.password else ""
                smtp.login(self._config.username, password)
            smtp.send_message(message)


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if config.implicit_tls:
        return smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout_seconds, context=context
        )
    smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
    try:
        smtp.ehlo()
        if config.starttls:
            smtp.starttls(context=context)
            smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp


def classify(error: BaseException) -> MailError:
    """Whether trying again later may help: 4xx replies and connection trouble do; 5xx replies,
    refused logins and a server without STARTTLS do not."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return MailError(f"login refused ({error.smtp_code})", transient=False)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return MailError("the server does not support what was asked (STARTTLS?)", transient=False)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        transient = bool(codes) and all(400 <= code < 500 for code in codes)
        return MailError(f"recipient refused ({', '.join(map(str, codes))})", transient=transient)
    if isinstance(error, smtplib.SMTPResponseException):
        return MailError(
            f"server replied {error.smtp_code}", transient=400 <= error.smtp_code < 500
        )
    if isinstance(error, ssl.SSLError):
        return MailError(f"TLS failed ({type(error).__name__})", transient=False)
    return MailError(f"connection failed ({type(error).__name__})", transient=True)


class CapturingTransport:
    """Given a directory, writes each message as ``<n>-<id>.eml``; without one, keeps the last
    ``KEPT_IN_MEMORY`` in memory (tests read them there). A stack's sink keeps none in memory:
    a thousand emails with their HTML and attached reports held a service's memory 130 MiB up.

    A message sent again with the same Message-ID (a retry after a crash between sending and
    recording it) replaces its file: the sink holds each message once, as a mail system that
    drops duplicate Message-IDs would."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.messages: deque[EmailMessage] = deque(maxlen=0 if directory else KEPT_IN_MEMORY)
        self._files: dict[str, Path] = {}
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            for path in directory.glob("*.eml"):
                self._files.setdefault(path.name.split("-", 1)[-1], path)

    async def send(self, message: EmailMessage) -> None:
        self.messages.append(message)
        if self.directory is not None:
            await asyncio.to_thread(self._write, message)
        log.info("mail captured", message_id=message.get("Message-ID", ""))

    def _write(self, message: EmailMessage) -> None:
        assert self.directory is not None
        name = _UNSAFE_FILE_CHARS.sub("_", message.get("Message-ID", "").strip("<>"))[:120]
        data = message.as_bytes(policy=policy.SMTP)
        key = f"{name}.eml"
        target = self._files.get(key) if name else None
        if target is None:
            target = self.directory / f"{time.time_ns()}-{name or 'message'}.eml"
            if name:
                self._files[key] = target
        # written whole then renamed: a reader never sees half a message
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)


@dataclass(frozen=True)
class CapturedMail:
    """A captured message as the portal lists it."""

    name: str
    subject: str
    to: str
    sent_at: str


def _master_of(path: Path) -> str | None:
    with path.open("rb") as file:
        headers = BytesHeaderParser(policy=policy.default).parse(file)
    master = headers.get(MASTER_HEADER)
    return str(master) if master else None


def captured_mail(directory: Path, master_account_id: str) -> list[CapturedMail]:
    """The newest messages captured for the master (headers only), newest first."""
    if not directory.is_dir():
        return []
    found: list[CapturedMail] = []
    for path in sorted(directory.glob("*.eml"), reverse=True):
        with path.open("rb") as file:
            headers = BytesHeaderParser(policy=policy.default).parse(file)
        if headers.get(MASTER_HEADER) != master_account_id:
            continue
        found.append(CapturedMail(path.name, str(headers.get("Subject", "")),
                                  str(headers.get("To", "")), str(headers.get("Date", ""))))  # fmt: skip
        if len(found) == CAPTURED_LISTED:
            break
    return found


def open_captured(directory: Path, master_account_id: str, name: str) -> EmailMessage | None:
    """One captured message of the master, or None (an unknown name, or another master's)."""
    if not re.fullmatch(r"[0-9]+-[A-Za-z0-9._@-]+\.eml", name):
        return None
    path = directory / name
    if not path.is_file() or _master_of(path) != master_account_id:
        return None
    with path.open("rb") as file:
        parsed = BytesParser(policy=policy.default).parse(file)
    assert isinstance(parsed, EmailMessage)
    return parsed


def sender_address(settings: MailSettings) -> str:
    return settings.mail_from or LOCAL_SENDER


def transport_from_settings(settings: MailSettings) -> MailTransport:
    if not settings.smtp_host:
        if settings.environment == "production":
            log.warning("SMTP_HOST is not set: outgoing email is captured, not delivered")
        return CapturingTransport(settings.mail_capture_dir)
    return SmtpTransport(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls and not settings.smtp_ssl,
            implicit_tls=settings.smtp_ssl,
            timeout_seconds=settings.smtp_timeout_seconds,
        )
    )
