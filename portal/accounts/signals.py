"""Sessions follow the account: recorded at login, forgotten at logout, all ended (with
the API token) when the account is disabled — through the admin or any code that saves
the user. (A ``QuerySet.update(is_active=False)`` sends no signal: call
``sessions_end_all`` with it.)"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from .sessions import session_forget, session_record, sessions_end_all


@receiver(user_logged_in, dispatch_uid="accounts.session_record")
def record_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_record(user=user, request=request)


@receiver(user_logged_out, dispatch_uid="accounts.session_forget")
def forget_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_forget(session_key=request.session.session_key)


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.disabled_account")
def end_sessions_of_a_disabled_account(sender, instance, created, raw=False, **kwargs):
    if not created and not raw and not instance.is_active:
        sessions_end_all(user=instance, revoke_token=True)
