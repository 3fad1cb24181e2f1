"""Staging tables, queries and migrations."""
