"""The staging service (review holds on broker-originated messages): no calls yet; it has no
HTTP API."""
