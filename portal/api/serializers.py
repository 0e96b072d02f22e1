"""Serializers of the API's foundation: the error shape (a schema component every
operation refers to) and the token endpoint's request and answer."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from portal.accounts.lockout import LockedOut, locked_until


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Filtre non valide / Invalid filter",
            value={
                "code": "invalid",
                "message": "Les données envoyées ne sont pas valides : voyez « errors ».",
                "errors": {"status": ["Sélectionnez un choix valide. soon n'en fait pas partie."]},
            },
            status_codes=["400"],
            response_only=True,
        ),
        OpenApiExample(
            "Introuvable / Not found",
            value={"code": "not_found", "message": "Non trouvé.", "errors": {}},
            status_codes=["404"],
            response_only=True,
        ),
        OpenApiExample(
            "Trop de requêtes / Too many requests",
            value={
                "code": "throttled",
                "message": "Requête ralentie. Réessayer dans 42 secondes.",
                "errors": {},
            },
            status_codes=["429"],
            response_only=True,
        ),
    ]
)
class ErrorSerializer(serializers.Serializer):
    """Every error of the API (400, 401, 403, 404, 405, 409, 429) has this shape.
    / Every error of the API has this shape."""

    code = serializers.CharField(
        help_text=_("Code stable, pour les programmes (invalid, not_authenticated, not_found…).")
    )
    message = serializers.CharField(
        help_text=_("Message pour les personnes, dans la langue de la requête (français sinon).")
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_(
            "Les messages de chaque champ en erreur (non_field_errors pour les autres) ; "
            "vide si l'erreur ne porte pas sur les données envoyées."
        ),
    )


class CredentialsSerializer(serializers.Serializer):
    """An account's e-mail address and password."""

    email = serializers.EmailField(label=_("adresse e-mail"))
    password = serializers.CharField(
        label=_("mot de passe"),
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
    )

    def validate(self, attrs):
        request = self.context.get("request")
        user = authenticate(request, username=attrs["email"], password=attrs["password"])
        if user is None and getattr(request, "axes_locked_out", False):
            # Too many failures (django-axes, as on the login page): 429, code locked_out.
            credentials = getattr(request, "axes_credentials", None)
            raise LockedOut(until=locked_until(request, credentials))
        if user is None:
            # The same message whether the address is unknown, the password wrong or the
            # account not yet confirmed: the answer never tells whether an account exists.
            raise serializers.ValidationError(
                _(
                    "Adresse e-mail ou mot de passe incorrect, ou compte pas encore confirmé. "
                    "Vérifiez-les sur la page de connexion du portail."
                ),
                code="invalid_credentials",
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("À envoyer dans l'en-tête « Authorization: Token <jeton> ».")
    )
    created = serializers.DateTimeField()
