"""Values every page's layout needs."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .signals import SESSION_ROLES


def portal(request):
    session = getattr(request, "session", None)
    roles = session.get(SESSION_ROLES, []) if session is not None else []
    return {
        "IS_OFFICER": "officer" in roles,
        "IS_ASSESSOR": "assessor" in roles,
        "PORTAL_NAME": _("Portail des fonds européens"),
        "DEBUG": settings.DEBUG,
        "SESSION_SECONDS": settings.SESSION_COOKIE_AGE,
        "SESSION_WARNING_SECONDS": settings.SESSION_EXPIRY_WARNING_SECONDS,
    }
