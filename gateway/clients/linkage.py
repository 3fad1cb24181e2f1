"""The linkage service (account linkage and security devices): no calls yet; it has no HTTP API."""
