"""Messaging: templates, composed messages, recipients, delivery per channel, sent-by-broker copies, inbox."""
