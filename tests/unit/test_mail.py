"""The pluggable mail transport: SMTP with retries of transient failures, and the capturing sink."""

from __future__ import annotations

import email
import smtplib
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from services.runtime.mail import (
    CapturingTransport,
    MailError,
    SmtpConfig,
    SmtpTransport,
    captured_mail,
    classify,
    open_captured,
    sender_address,
    transport_from_settings,
)
from services.runtime.mail_headers import MASTER_HEADER
from services.runtime.settings import MailSettings


def a_message(message_id: str = "<invitation-1@harbor.example>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "crm@harbor.example"
    message["To"] = "pat@example.com"
    message["Subject"] = "Welcome"
    message["Message-ID"] = message_id
    message.set_content("secret body: https://portal.example/apply/F1.token")
    return message


class FakeServer:
    """Stands in for smtplib.SMTP: fails with the given errors first, then accepts."""

    def __init__(self, failures: list[BaseException]) -> None:
        self.failures = failures
        self.logins: list[tuple[str, str]] = []
        self.sent: list[EmailMessage] = []
        self.connections = 0

    def connect(self, _config: SmtpConfig) -> Any:
        self.connections += 1
        return self

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def login(self, user: str, password: str) -> None:
        self.logins.append((user, password))

    def send_message(self, message: EmailMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)


def transport(server: FakeServer, delays: list[float], **config: Any) -> SmtpTransport:
    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    return SmtpTransport(SmtpConfig(host="smtp.example", **config), sleep=sleep,
                         connect=server.connect)  # fmt: skip


async def test_transient_failures_are_retried_with_a_growing_delay() -> None:
    server = FakeServer([smtplib.SMTPServerDisconnected("gone"),
                         smtplib.SMTPResponseException(451, b"try later")])  # fmt: skip
    delays: list[float] = []
    smtp = transport(server, delays, username="crm", password=SecretStr("pw"))
    await smtp.send(a_message())
    assert len(server.sent) == 1 and server.connections == 3
    assert delays == [1.0, 2.0]
    assert server.logins == [("crm", "pw")] * 3


async def test_permanent_failures_are_not_retried_and_transient_ones_give_up() -> None:
    server = FakeServer(
        [smtplib.SMTPRecipientsRefused({"pat@example.com": (550, b"no such user")})]
    )
    delays: list[float] = []
    with pytest.raises(MailError) as refused:
        await transport(server, delays).send(a_message())
    assert not refused.value.transient and delays == [] and "550" in refused.value.reason

    server = FakeServer([ConnectionRefusedError()] * 3)
    with pytest.raises(MailError) as unreachable:
        await transport(server, delays).send(a_message())
    assert unreachable.value.transient and server.connections == 3


def test_errors_are_classified_by_reply_code() -> None:
    assert classify(smtplib.SMTPResponseException(421, b"busy")).transient
    assert not classify(smtplib.SMTPResponseException(554, b"rejected")).transient
    assert not classify(smtplib.SMTPAuthenticationError(535, b"bad credentials")).transient
    assert not classify(smtplib.SMTPNotSupportedError()).transient
    assert classify(TimeoutError()).transient
    greylisted = smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"greylisted")})
    assert classify(greylisted).transient
    # the reason never carries the server's text (it may quote addresses) nor credentials
    assert (
        "bad credentials"
        not in classify(smtplib.SMTPAuthenticationError(535, b"bad credentials")).reason
    )


async def test_the_capturing_transport_writes_each_message_as_an_eml_file(tmp_path: Path) -> None:
    sink = CapturingTransport(tmp_path / "mail")
    await sink.send(a_message("<invitation-1@harbor.example>"))
    await sink.send(a_message("<invitation-2@harbor.example>"))
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert [path.name.split("-", 1)[1] for path in files] == [
        "invitation-1@harbor.example.eml", "invitation-2@harbor.example.eml"]  # fmt: skip
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == "<invitation-1@harbor.example>"
    plain = parsed.get_body(("plain",))
    assert plain is not None
    assert "apply/F1.token" in plain.get_content()
    assert not sink.messages, "with a directory the files are the record: none kept in memory"
    assert not list((tmp_path / "mail").glob("*.part"))


async def test_no_message_id_cannot_escape_the_capture_directory(tmp_path: Path) -> None:
    sink = CapturingTransport(tmp_path)
    await sink.send(a_message("<../../etc/passwd>"))
    written = sorted(tmp_path.rglob("*"))  # noqa: ASYNC240 - a test's tmp dir
    assert [path.parent for path in written] == [tmp_path] and written[0].suffix == ".eml"


def test_settings_choose_the_transport(tmp_path: Path) -> None:
    captured = transport_from_settings(MailSettings(mail_capture_dir=tmp_path))
    assert isinstance(captured, CapturingTransport) and captured.directory == tmp_path
    assert sender_address(MailSettings()) == "Advisor Portal <no-reply@localhost>"
    smtp = MailSettings(smtp_host="smtp.example", mail_from="crm@harbor.example")
    assert isinstance(transport_from_settings(smtp), SmtpTransport)
    with pytest.raises(ValidationError, match="MAIL_FROM"):
        MailSettings(smtp_host="smtp.example")
    with pytest.raises(ValidationError, match="STARTTLS"):
        MailSettings(environment="production", smtp_host="smtp.example",
                     mail_from="crm@harbor.example", smtp_username="crm",
                     smtp_starttls=False)  # fmt: skip


def _tagged(master: str | None, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "advisor@harbor.example"
    message["To"] = "client@example.com"
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@harbor.example>"
    if master:
        message[MASTER_HEADER] = master
    message.set_content("Hello")
    message.add_alternative("<p>Hello</p>", subtype="html")
    return message


async def test_captured_mail_is_listed_and_opened_for_its_master_only(tmp_path: Path) -> None:
    sink = CapturingTransport(tmp_path)
    await sink.send(_tagged("F1", "for harbor"))
    await sink.send(_tagged("F2", "for alpine"))
    await sink.send(_tagged(None, "set your password"))  # never listed to anyone
    listed = captured_mail(tmp_path, "F1")
    assert [mail.subject for mail in listed] == ["for harbor"]
    opened = open_captured(tmp_path, "F1", listed[0].name)
    assert opened is not None and opened["Subject"] == "for harbor"
    assert open_captured(tmp_path, "F2", listed[0].name) is None
    assert open_captured(tmp_path, "F1", "../../etc/passwd") is None
    assert captured_mail(tmp_path / "missing", "F1") == []


async def test_smtp_strips_the_master_header() -> None:
    sent: list[EmailMessage] = []

    class Recording:
        def __enter__(self) -> Recording:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def send_message(self, message: EmailMessage) -> None:
            sent.append(message)

    transport = SmtpTransport(SmtpConfig(host="mail.example"), connect=lambda _: Recording())  # type: ignore[arg-type,return-value]
    message = _tagged("F1", "tagged")
    await transport.send(message)
    assert MASTER_HEADER not in sent[0]
    assert message[MASTER_HEADER] == "F1"  # the caller's message is left as it was


async def test_a_message_sent_again_replaces_its_captured_file(tmp_path: Path) -> None:
    await CapturingTransport(tmp_path).send(_tagged("F1", "once only"))
    await CapturingTransport(tmp_path).send(_tagged("F1", "once only"))  # after a restart
    await CapturingTransport(tmp_path).send(_tagged("F1", "another"))
    assert len(captured_mail(tmp_path, "F1")) == 2
