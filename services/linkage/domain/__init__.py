"""Linkage rules, with no I/O."""
