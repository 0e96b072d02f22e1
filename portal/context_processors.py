"""Values every page's layout needs."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _


def portal(request):
    return {
        "PORTAL_NAME": _("Portail des fonds européens"),
        "DEBUG": settings.DEBUG,
        "SESSION_SECONDS": settings.SESSION_COOKIE_AGE,
        "SESSION_WARNING_SECONDS": settings.SESSION_EXPIRY_WARNING_SECONDS,
    }
