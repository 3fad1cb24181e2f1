"""The gateway's own tables: master accounts, users, login attempts."""
