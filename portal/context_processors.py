"""Values every page's layout needs."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _


def portal(request):
    return {"PORTAL_NAME": _("Portail des fonds européens"), "DEBUG": settings.DEBUG}
