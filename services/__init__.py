"""The five services and the runtime they share."""
