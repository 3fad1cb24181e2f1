"""Staging: staging elections, held broker messages, decisions, deadline release."""
