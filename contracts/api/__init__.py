"""Commands and views of the services' HTTP APIs, shared by each service and the gateway."""
