"""Analytics: dashboard read models, AUM, activity, client and account data queries, calculators."""
