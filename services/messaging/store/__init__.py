"""Messaging tables, queries and migrations."""
