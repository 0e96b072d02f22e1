"""Services on the sessions of an account: recording them at login, ending them all."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from portal.network import client_address

from .models import UserSession

# The instant of the login (seconds since the epoch), kept in the session for the
# absolute timeout (portal.accounts.middleware).
SESSION_LOGIN_AT = "portal_login_at"
# The instant the session was last written, for the idle timeout's refresh.
SESSION_REFRESHED_AT = "portal_refreshed_at"


def session_refresh_seconds() -> int:
    """How often a signed-in person's activity writes their session again (which moves its
    idle expiry): ``SESSION_REFRESH_SECONDS``, and never more than a tenth of the idle
    timeout, so that a short timeout is still extended by every request."""
    return max(0, min(settings.SESSION_REFRESH_SECONDS, settings.SESSION_COOKIE_AGE // 10))


def session_record(*, user, request) -> None:
    """At login: note the instant in the session and record the session against the
    account (its key, the IP and browser it came from); rows of the account's sessions
    that no longer exist (expired, deleted) are dropped on the way."""
    request.session[SESSION_LOGIN_AT] = request.session[SESSION_REFRESHED_AT] = int(time.time())
    session_remember(user=user, request=request)


def session_remember(*, user, request) -> None:
    """Record the request's session against ``user`` (again after its key changed, as
    ``update_session_auth_hash`` does), leaving the instant of the login as it was."""
    session = request.session
    if session.session_key is None:
        session.save()
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    UserSession.objects.filter(user=user).exclude(session_key__in=live).delete()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip_address": client_address(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
        },
    )


def session_forget(*, session_key: str | None) -> None:
    """At logout: the session is no longer the account's."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_end_all(*, user, keep_session_key: str | None = None, revoke_token: bool) -> int:
    """End every session of ``user`` (but ``keep_session_key``, the one making the
    change): their rows are deleted, so the next request of each is anonymous. With
    ``revoke_token``, the account's API token stops working too. Returns the number of
    sessions ended."""
    with transaction.atomic():
        records = UserSession.objects.filter(user=user)
        if keep_session_key:
            records = records.exclude(session_key=keep_session_key)
        keys = list(records.values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=keys).delete()
        records.delete()
        if revoke_token:
            Token.objects.filter(user=user).delete()
    return len(keys)
