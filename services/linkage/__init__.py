"""Linkage: account-linking requests and their execution, usernames, security devices."""
