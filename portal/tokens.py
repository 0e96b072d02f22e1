"""The token of e-mail confirmation links (its own salt, and a hash over what confirming
changes, so a used link stops working). The account services that send and accept the
links are in ``portal.services``."""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens of confirmation links: their own salt (a password-reset token is no
    confirmation token), and a hash over the state that confirming changes (``is_active``,
    then ``last_login`` when the person is logged in), so a used link stops working."""

    key_salt = "portal.tokens.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        last_login = (
            ""
            if user.last_login is None
            else user.last_login.replace(microsecond=0, tzinfo=None).isoformat()
        )
        return f"{user.pk}{user.is_active}{last_login}{user.email}{timestamp}"


email_confirmation_token = EmailConfirmationTokenGenerator()
