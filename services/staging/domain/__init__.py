"""Staging rules, with no I/O."""
