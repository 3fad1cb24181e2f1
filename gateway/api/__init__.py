"""The public REST API, version 1, under /api/v1."""
