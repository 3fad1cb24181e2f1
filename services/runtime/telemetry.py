"""OpenTelemetry: one tracer provider per process; spans cross HTTP and Kafka headers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased

_configured = False


def configure_telemetry(*, service: str, otlp_endpoint: str | None) -> TracerProvider:
    """Install the tracer provider; spans are exported only when an OTLP endpoint is given."""
    global _configured
    provider = trace.get_tracer_provider()
    if _configured and isinstance(provider, TracerProvider):
        return provider
    # Without an exporter spans are not recorded, but every span still has its ids, so trace
    # ids still cross HTTP and Kafka and still label the logs.
    # A caller that sends a sampled traceparent is followed even without an exporter here: its
    # spans reach whatever processor is installed (a test's in-memory exporter).
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}),
        sampler=ParentBased(ALWAYS_ON if otlp_endpoint else ALWAYS_OFF),
    )
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured = True
    return provider


def instrument_http(app: Any) -> None:
    """Trace incoming FastAPI requests and outgoing httpx calls."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    # paths that carry a secret (a set-password or application link's token) are not traced:
    # a span would record the path. No span per ASGI message ("http send", "http receive"):
    # two more spans on every request that say nothing the request's own span does not.
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="healthz,set-password/,apply/,applications/",
        exclude_spans=["receive", "send"],
    )  # fmt: skip
    HTTPXClientInstrumentor().instrument()


@contextmanager
def within_trace(saved: Context | None) -> Iterator[None]:
    """Run the block inside ``saved`` (a context extracted from an outbox row or a Kafka
    record), so the spans it starts and the events it publishes continue that trace."""
    if saved is None:
        yield
        return
    token = otel_context.attach(saved)
    try:
        yield
    finally:
        otel_context.detach(token)
