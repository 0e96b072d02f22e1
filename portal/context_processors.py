"""Values every page's layout needs."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .accounts.sessions import session_refresh_seconds
from .signals import SESSION_ROLES


def portal(request):
    session = getattr(request, "session", None)
    roles = session.get(SESSION_ROLES, []) if session is not None else []
    return {
        "IS_OFFICER": "officer" in roles,
        "IS_ASSESSOR": "assessor" in roles,
        "PORTAL_NAME": _("Portail des fonds européens"),
        "DEBUG": settings.DEBUG,
        # The page counts from its own load; the session may have been written up to a
        # refresh interval before (portal.accounts.middleware): the page counts from then.
        "SESSION_SECONDS": settings.SESSION_COOKIE_AGE - session_refresh_seconds(),
        "SESSION_WARNING_SECONDS": settings.SESSION_EXPIRY_WARNING_SECONDS,
    }
