"""Composition root of the analytics service."""

from __future__ import annotations

from fastapi import FastAPI

from contracts import topics
from services.analytics import handlers
from services.analytics.api import (
    dashboard,
    esg,
    fees,
    history,
    margin,
    queries,
    reports,
    risk,
    segments,
    statistics,
)
from services.analytics.service_layer import reports as report_jobs
from services.analytics.service_layer import statement_runs
from services.analytics.service_layer.unit_of_work import SqlAnalyticsUnitOfWork
from services.analytics.settings import AnalyticsSettings
from services.runtime.clock import Clock
from services.runtime.service import ServiceDefinition, create_service

DEFINITION = ServiceDefinition(
    name="analytics",
    settings=AnalyticsSettings,
    unit_of_work=SqlAnalyticsUnitOfWork,
    routers=[
        statistics.router,
        dashboard.router,
        history.router,
        queries.router,
        segments.router,
        risk.router,
        esg.router,
        esg.links,
        fees.router,
        margin.router,
        reports.router,
    ],
    subscriptions=[
        (topics.CONTACTS, handlers.CONTACT_HANDLERS),
        (topics.CRM_RECORDS, handlers.CRM_HANDLERS),
        (topics.ACCOUNT_LIFECYCLE, handlers.LIFECYCLE_HANDLERS),
        (topics.ACCOUNT_TRANSACTIONS, handlers.TRANSACTION_HANDLERS),
        (topics.ACCOUNT_VALUATIONS, handlers.VALUATION_HANDLERS),
        (topics.CORPORATE_ACTIONS, handlers.CORPORATE_ACTION_HANDLERS),
        (topics.BROKER_MESSAGES, handlers.BROKER_MESSAGE_HANDLERS),
        (topics.SECURITY_DEVICES, handlers.DEVICE_HANDLERS),
        (topics.MESSAGING, handlers.MESSAGING_HANDLERS),
        (topics.STAGING, handlers.STAGING_HANDLERS),
        (topics.ACCOUNT_PROFILES, handlers.ACCOUNT_PROFILE_HANDLERS),
        (topics.INVESTOR_PROFILES, handlers.INVESTOR_PROFILE_HANDLERS),
        (topics.LINKAGE, handlers.LINKAGE_HANDLERS),
        (topics.LINKAGE_DEVICES, handlers.LINKED_DEVICE_HANDLERS),
        (topics.FULL_SERVICE, handlers.FULL_SERVICE_HANDLERS),
        (topics.USERS, handlers.MASTER_HANDLERS),
        (topics.ACCOUNT_MARGIN, handlers.MARGIN_HANDLERS),
        (topics.BENCHMARKS, handlers.BENCHMARK_HANDLERS),
        (topics.REPORT_DELIVERY_OUTCOMES, handlers.REPORT_OUTCOME_HANDLERS),
    ],
    jobs=(report_jobs.schedule_job, statement_runs.runs_job),  # A10: schedules, group statements
)


def create_app(settings: AnalyticsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return create_service(DEFINITION, settings, clock=clock)
