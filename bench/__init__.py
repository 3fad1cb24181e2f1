"""Benchmarks (operator tools, not part of the services)."""
