"""Analytics' read-model tables, queries and migrations."""
