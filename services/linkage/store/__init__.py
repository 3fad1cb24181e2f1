"""Linkage tables, queries and migrations."""
