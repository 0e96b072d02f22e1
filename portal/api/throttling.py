"""Throttling: anonymous clients per address, authenticated ones per user, and the token
endpoint per address with a stricter rate. Rates come from the environment
(``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` in settings.py); an exceeded rate is a 429
with ``Retry-After``."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from portal.network import client_address


class SettingsRateMixin:
    """The rate read from the settings when the request is throttled, not when the module
    was imported (DRF's default), so that a changed setting takes effect; the client's
    address as the rest of the portal reads it (``portal.network``, behind
    ``TRUSTED_PROXY_COUNT`` proxies), not by DRF's own ``NUM_PROXIES``."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_address(request) or request.META.get("REMOTE_ADDR", "")


class AnonymousThrottle(SettingsRateMixin, AnonRateThrottle):
    scope = "anon"


class UserThrottle(SettingsRateMixin, UserRateThrottle):
    scope = "user"


class TokenEndpointThrottle(SettingsRateMixin, SimpleRateThrottle):
    """Asking for a token: per address, whoever is logged in (guessing passwords)."""

    scope = "auth_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
