"""Messaging rules, with no I/O."""
