"""The linkage service's HTTP API (reached only through the gateway)."""
