"""The messaging service (the communication center): no calls yet; it has no HTTP API."""
