"""What every service needs, written once: settings, logging, telemetry, database and migrations,
transactional outbox relay, idempotent inbox, dead-lettering, broker factory and health."""
