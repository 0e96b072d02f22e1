"""The two timeouts of a signed-in person's session.

- Idle: the session ends ``SESSION_COOKIE_AGE`` after it was last written. Each request
  writes it again when it was last written more than ``session_refresh_seconds()`` ago
  (a minute), rather than on every request as ``SESSION_SAVE_EVERY_REQUEST`` would: a
  person typing in a dossier autosaves every few seconds, and each write was a
  transaction of its own.
- Absolute: whatever the activity, a person logged in for longer than
  ``SESSION_ABSOLUTE_SECONDS`` is logged out and asked to log in again."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _

from .sessions import SESSION_LOGIN_AT, SESSION_REFRESHED_AT, session_refresh_seconds


class AbsoluteSessionTimeoutMiddleware:
    """After the authentication and messages middleware. A session without the instant
    of its login (opened before this existed) gets it now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            logged_in_at = request.session.get(SESSION_LOGIN_AT)
            now = int(time.time())
            if logged_in_at is None:
                request.session[SESSION_LOGIN_AT] = now
            elif now - int(logged_in_at) > settings.SESSION_ABSOLUTE_SECONDS:
                return self._expired(request)
            refreshed_at = request.session.get(SESSION_REFRESHED_AT)
            if refreshed_at is None or now - int(refreshed_at) >= session_refresh_seconds():
                # Written by the session middleware on the way out, with a new expiry.
                request.session[SESSION_REFRESHED_AT] = now
        return self.get_response(request)

    def _expired(self, request) -> HttpResponse:
        logout(request)
        if request.path.startswith("/api/"):
            # The API answers for itself: the request goes on, anonymous.
            return self.get_response(request)
        messages.warning(request, _("Votre session a expiré : reconnectez-vous, s'il vous plaît."))
        if request.headers.get("HX-Request") == "true":
            # htmx: the whole page goes to the login page.
            response = HttpResponse(status=401)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        if request.method == "GET":
            return redirect_to_login(request.get_full_path())
        return redirect(settings.LOGIN_URL)
