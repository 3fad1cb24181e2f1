"""What the communication center's pages read from their forms and show of a message: the
channels and statuses in words, a compose form as the service's command, a send's progress.
Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from contracts.accounts import Channel
from contracts.api.recipients import SignatureOption
from contracts.messaging import TERMINAL_STATUSES, DeliveryStatus

CHANNEL_LABELS = {
    Channel.MESSAGE_CENTER: "Message Center",
    Channel.EMAIL: "Email",
    Channel.BULLETIN: "Bulletin",
}
STATUS_LABELS = {
    DeliveryStatus.QUEUED: "Queued",
    DeliveryStatus.SENT: "Sent",
    DeliveryStatus.DELIVERED: "Delivered",
    DeliveryStatus.FAILED: "Failed",
    DeliveryStatus.BOUNCED: "Bounced",
}


def listed(form: Mapping[str, Any], key: str) -> list[str]:
    """A field sent any number of times (checkboxes), as a list of its non-empty values."""
    value = form.get(key, [])
    values = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in values if str(item).strip()]


def ticked(form: Mapping[str, Any], key: str) -> bool:
    return str(form.get(key, "")).strip().lower() in {"on", "true", "1", "yes"}


def _user_of(choices: Iterable[SignatureOption], user_id: str) -> SignatureOption | None:
    return next((choice for choice in choices if choice.user_id == user_id), None)


def compose_command(
    form: Mapping[str, Any], signatures: Iterable[SignatureOption]
) -> dict[str, Any]:
    """The compose form as ``MessageSend``'s fields (validated by the caller): the signature and
    the reply-to address are those of the users chosen among ``signatures``."""
    choices = list(signatures)
    signer = _user_of(choices, str(form.get("signature_user_id", "")))
    replier = _user_of(choices, str(form.get("reply_to_user_id", "")))
    command: dict[str, Any] = {
        "subject": str(form.get("subject", "")).strip(),
        "channels": listed(form, "channels"),
        "recipients": {
            "account_numbers": list(
                dict.fromkeys(n.upper() for n in listed(form, "account_numbers"))
            ),
            "group_ids": list(dict.fromkeys(listed(form, "group_ids"))),
            "per_household": ticked(form, "per_household"),
        },
        "with_banner": ticked(form, "with_banner"),
        "with_footer": ticked(form, "with_footer"),
    }
    template_id = str(form.get("template_id", "")).strip()
    if template_id:
        command["template_id"] = template_id
    else:
        command["body"] = str(form.get("body", ""))
    if signer is not None:
        command["signature"] = signer.display_name
    if replier is not None and replier.email:
        command["reply_to"] = replier.email
    return command


@dataclass(frozen=True)
class Progress:
    """How far a message's deliveries went: counts by status, of all it will make."""

    counts: dict[DeliveryStatus, int]
    expected: int

    @property
    def finished(self) -> int:
        return sum(count for status, count in self.counts.items() if status in TERMINAL_STATUSES)

    @property
    def done(self) -> bool:
        return self.expected > 0 and self.finished >= self.expected

    @property
    def percent(self) -> int:
        return 100 if self.expected == 0 else min(100, self.finished * 100 // self.expected)


def progress(statuses: Mapping[DeliveryStatus, int], *, recipients: int, channels: int) -> Progress:
    """Each recipient gets one delivery per channel."""
    counts = {status: int(statuses.get(status, 0)) for status in DeliveryStatus}
    return Progress(counts, recipients * channels)


def status_summary(statuses: Mapping[DeliveryStatus, int]) -> str:
    """``3 delivered, 1 failed`` (in the order of ``STATUS_LABELS``), or ``none yet``."""
    parts = [f"{statuses[status]} {label.lower()}" for status, label in STATUS_LABELS.items()
             if statuses.get(status)]  # fmt: skip
    return ", ".join(parts) or "none yet"
