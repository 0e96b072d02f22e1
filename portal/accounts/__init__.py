"""Security of the accounts: login throttling (django-axes), sessions (a record of each
logged-in session, an absolute timeout, every session ended when an account is disabled),
and re-authentication before a password or e-mail address change."""
