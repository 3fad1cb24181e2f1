"""Authentication: password hashing, session tokens, the current user, login throttling."""
