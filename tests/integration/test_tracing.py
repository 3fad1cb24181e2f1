"""One trace from a request to the last consumer: HTTP -> contacts -> outbox -> Kafka -> analytics."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from contracts import topics
from contracts.accounts import ApplicationStage
from tests.integration.conftest import Book, RunningService, a_master, eventually
from tests.integration.test_batch_consumption import application, record, send_all


@pytest.fixture
def finished_spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider), "the services install the SDK's provider"
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    yield exporter
    processor.shutdown()  # later spans are no longer collected


def of_trace(exporter: InMemorySpanExporter, trace_id: int) -> list[ReadableSpan]:
    return [
        s for s in exporter.get_finished_spans() if s.context and s.context.trace_id == trace_id
    ]


async def test_a_created_contact_is_one_trace_from_the_request_to_the_analytics_consumer(
    contacts_service: RunningService,
    analytics_service: RunningService,
    finished_spans: InMemorySpanExporter,
) -> None:
    trace_id, traceparent = a_sampled_trace()
    book = Book(contacts_service)
    book.headers = {**book.headers, "traceparent": traceparent}
    await book.contact("Trace", "Followed")

    def names() -> list[str]:
        return [span.name for span in of_trace(finished_spans, trace_id)]

    applied = f"analytics.{topics.CONTACTS.name} apply contact.created"
    await eventually(lambda: _async(applied in names()))
    spans = of_trace(finished_spans, trace_id)
    kinds = {span.kind for span in spans}
    assert {trace.SpanKind.SERVER, trace.SpanKind.PRODUCER, trace.SpanKind.CONSUMER} <= kinds
    assert f"{topics.CONTACTS.name} publish" in names(), "the relay published within the trace"
    consumer = next(span for span in spans if span.name == applied)
    assert consumer.parent is not None, "the consumer's span continues the producer's"


async def test_a_back_office_event_is_one_trace_through_two_consumers_and_the_outbox_between(
    contacts_service: RunningService,
    analytics_service: RunningService,
    kafka_bootstrap: str,
    finished_spans: InMemorySpanExporter,
) -> None:
    """account event -> contacts (creates the contact, writes its outbox) -> analytics."""
    trace_id, traceparent = a_sampled_trace()
    envelope = application(a_master(), "U7700001", ApplicationStage.SUBMITTED)
    key, value, headers = record(envelope)
    await send_all(
        kafka_bootstrap, [(key, value, [*headers, ("traceparent", traceparent.encode())])]
    )

    def names() -> list[str]:
        return [span.name for span in of_trace(finished_spans, trace_id)]

    applied = f"analytics.{topics.CONTACTS.name} apply contact.created"
    await eventually(lambda: _async(applied in names()))
    lifecycle = topics.ACCOUNT_LIFECYCLE.name
    assert f"contacts.{lifecycle} apply account.application_status_changed" in names()
    assert f"{topics.CONTACTS.name} publish" in names(), "the contact's outbox row kept the trace"


def a_sampled_trace() -> tuple[int, str]:
    trace_id = secrets.randbits(128) | 1
    return trace_id, f"00-{trace_id:032x}-{secrets.randbits(64) | 1:016x}-01"


async def _async(value: bool) -> bool:
    return value
