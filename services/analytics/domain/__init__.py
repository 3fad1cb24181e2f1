"""Analytics rules, with no I/O."""
