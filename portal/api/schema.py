"""The OpenAPI schema's conventions applied once: every operation documents the errors it
may answer, with the one error shape."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions

from .conditional import ConditionalRetrieveMixin
from .serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": _("Requête non valide (un filtre, un champ) : voyez « errors »."),
    "401": _("Authentification requise : jeton absent ou non valide."),
    "403": _("Action non permise pour ce compte."),
    "404": _("Introuvable (ou non visible pour ce compte)."),
    "404-list": _("Page inexistante : numéro au-delà de la dernière page, ou curseur non valide."),
    "429": _("Trop de requêtes : réessayez après le délai indiqué par Retry-After."),
}


class PortalAutoSchema(AutoSchema):
    def _is_public(self) -> bool:
        return all(
            isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        )

    def _error_codes(self) -> list[str]:
        codes = []
        has_body = self.method in ("POST", "PUT", "PATCH")
        if has_body or (self.method == "GET" and self._is_list_view()):
            codes.append("400")
        if not self._is_public():
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        elif self._is_paginated_list():
            codes.append("404-list")
        codes.append("429")
        return codes

    def _is_paginated_list(self) -> bool:
        return (
            self.method == "GET"
            and self._is_list_view()
            and getattr(self.view, "pagination_class", None) is not None
        )

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if (
            isinstance(self.view, ConditionalRetrieveMixin)
            and self.method == "GET"
            and not self._is_list_view()
        ):
            responses.setdefault(
                "304",
                {"description": str(_("Inchangé depuis l'ETag envoyé dans If-None-Match."))},
            )
        for key in self._error_codes():
            code = key.removesuffix("-list")
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = str(ERROR_DESCRIPTIONS[key])
                responses[code] = response
        return responses
