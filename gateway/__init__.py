"""The gateway: the thin edge that authenticates, checks access rights, routes to the services
and serves the portal's pages."""
