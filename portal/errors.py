"""The portal's answer when a request fails on the server.

A database that is restarting or unreachable (``OperationalError``, ``InterfaceError``) is
not a bug: the request is answered 503 with ``Retry-After`` and a message saying to try
again in a moment; the transaction of the request was rolled back, so nothing is half
written. Any other failure is a 500. Both pages are rendered without the database (no
context processor, no user): the database may be what failed. Under ``/api/`` the answer
is the API's JSON error shape.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (OperationalError, InterfaceError)


def _database_unavailable() -> bool:
    error = sys.exc_info()[1]
    while error is not None:
        if isinstance(error, UNAVAILABLE):
            return True
        error = error.__cause__ or error.__context__
    return False


def server_error(request, template_name: str = "errors/500.html"):
    if _database_unavailable():
        status = 503
        code = "unavailable"
        title = _("Service momentanément indisponible")
        message = _(
            "Le portail ne peut pas joindre sa base de données pour l'instant. Rien n'a été "
            "enregistré à moitié : réessayez dans quelques secondes."
        )
        logger.warning("database unavailable: %s %s", request.method, request.path)
    else:
        status = 500
        code = "server_error"
        title = _("Erreur du serveur")
        message = _(
            "Une erreur inattendue s'est produite. Elle a été signalée ; réessayez plus tard."
        )
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": code, "message": message, "errors": {}}, status=status)
    else:
        body = loader.get_template(template_name).render({"title": title, "message": message})
        response = HttpResponse(body, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
