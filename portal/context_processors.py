"""Values every page's layout needs."""

from django.conf import settings


def portal(request):
    return {"PORTAL_NAME": "Portail des fonds européens", "DEBUG": settings.DEBUG}
