"""Shared, versioned message contracts: the only coupling between services.

Every message on Kafka is an :class:`~contracts.envelope.Envelope` whose payload is one of the
event models declared here; :mod:`contracts.topics` names the topics and which events each carries.
"""
