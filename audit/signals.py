"""The account's events, from Django's authentication signals: a login, a failed login
(with the address typed, never the password) and a logout."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .choices import AuditAction
from .services import record

# The credentials' field naming the account (the e-mail address: USERNAME_FIELD).
IDENTITY_FIELDS = ("email", "username")


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs):
    record(
        actor=user,
        action=AuditAction.LOGIN_SUCCEEDED,
        request=request,
        subject=("account", user.email),
    )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    typed = next((credentials.get(name) for name in IDENTITY_FIELDS if credentials.get(name)), "")
    typed = str(typed).strip().lower()[:254]
    record(
        actor=None,
        label=typed,
        action=AuditAction.LOGIN_FAILED,
        request=request,
        subject=("account", typed),
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    if user is None:
        return
    record(
        actor=user,
        action=AuditAction.LOGOUT,
        request=request,
        subject=("account", user.email),
    )
