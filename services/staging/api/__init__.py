"""The staging service's HTTP API (reached only through the gateway)."""
