"""The contacts service's use cases: one function per command or event, taking a unit of work.

The only callers of ``store/`` (through the unit of work's repositories) and the only place that
publishes (``uow.publish``). Routes and Kafka handlers call these and nothing below them.
"""
