"""Contacts' tables, queries and migrations."""
