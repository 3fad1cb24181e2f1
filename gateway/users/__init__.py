"""The users of a master account, managed by its primary user (G2): the use cases (``use_cases``),
their views (``views``) and the email with a one-time set-password link (``mailer``)."""
