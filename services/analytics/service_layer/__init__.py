"""Analytics' use cases: the only callers of ``store/``."""
