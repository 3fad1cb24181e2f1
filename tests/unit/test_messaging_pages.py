"""The communication center pages' pure helpers: a compose form read as the service's command,
a send's progress and its status summary."""

from __future__ import annotations

from uuid import uuid4

from contracts.api.messages import MessageSend
from contracts.api.recipients import SignatureOption
from contracts.messaging import DeliveryStatus
from gateway.pages.message_forms import compose_command, listed, progress, status_summary

ANN = SignatureOption(user_id="u1", display_name="Ann Advisor", email="ann@example.com")
BOB = SignatureOption(user_id="u2", display_name="Bob Broker", email=None)


def test_a_compose_form_becomes_the_send_command() -> None:
    group = str(uuid4())
    form = {"subject": " Hello ", "body": "<p>Hi {{ first_name }}</p>", "channels": ["W", "E"],
            "account_numbers": ["U1234567", "U1234567", "u7654321"], "group_ids": group,
            "per_household": "on", "with_banner": "on", "signature_user_id": "u1",
            "reply_to_user_id": "u1"}  # fmt: skip
    command = MessageSend.model_validate(compose_command(form, [ANN, BOB]))
    assert command.subject == "Hello" and command.body == "<p>Hi {{ first_name }}</p>"
    assert [channel.value for channel in command.channels] == ["W", "E"]
    assert command.recipients.account_numbers == ["U1234567", "U7654321"]
    assert [str(g) for g in command.recipients.group_ids] == [group]
    assert command.recipients.per_household and command.with_banner and not command.with_footer
    assert command.signature == "Ann Advisor" and command.reply_to == "ann@example.com"


def test_a_reply_to_needs_an_address_and_a_template_replaces_the_body() -> None:
    template = str(uuid4())
    form = {"subject": "S", "body": "ignored", "template_id": template, "channels": "B",
            "reply_to_user_id": "u2", "signature_user_id": "nobody"}  # fmt: skip
    command = compose_command(form, [ANN, BOB])
    assert command["template_id"] == template and "body" not in command
    assert "reply_to" not in command and "signature" not in command
    assert command["channels"] == ["B"]


def test_listed_reads_a_field_sent_any_number_of_times() -> None:
    assert listed({}, "x") == [] and listed({"x": " a "}, "x") == ["a"]
    assert listed({"x": ["a", "", "b"]}, "x") == ["a", "b"]


def test_progress_counts_finished_deliveries_of_recipients_times_channels() -> None:
    statuses = {DeliveryStatus.DELIVERED: 2, DeliveryStatus.QUEUED: 1, DeliveryStatus.SENT: 0}
    shown = progress(statuses, recipients=2, channels=2)
    assert shown.expected == 4 and shown.finished == 2 and shown.percent == 50 and not shown.done
    shown = progress(
        {DeliveryStatus.DELIVERED: 2, DeliveryStatus.FAILED: 2}, recipients=2, channels=2
    )
    assert shown.done and shown.percent == 100
    assert not progress({}, recipients=0, channels=1).done


def test_the_status_summary_names_each_status_present() -> None:
    assert status_summary({}) == "none yet"
    summary = {DeliveryStatus.FAILED: 1, DeliveryStatus.DELIVERED: 3}
    assert status_summary(summary) == "3 delivered, 1 failed"
