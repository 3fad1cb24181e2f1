"""Messaging' use cases: the only callers of ``store/`` and the only publishers."""
