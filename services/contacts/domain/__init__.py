"""The CRM's rules, with no I/O."""
