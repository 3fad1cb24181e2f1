"""Running Advisor Portal: the embedded one-command stack, the back-office simulator, demo data."""
