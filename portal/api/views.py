"""The API's own endpoints: the token (obtain, revoke), the schema's documentation page
rendered on the server (no CDN, no JavaScript), and a JSON 404 for any other path."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import services as audit
from audit.choices import AuditAction
from portal.services import api_token_revoke

from .language import RequestLanguageMixin
from .serializers import CredentialsSerializer, TokenSerializer
from .throttling import TokenEndpointThrottle


class TokenView(RequestLanguageMixin, APIView):
    """POST: an account's token from its e-mail address and password (the same token
    until it is revoked). DELETE: its owner revokes it (a new POST gives a new one)."""

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(TokenEndpointThrottle())
        return throttles

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary=_("Obtenir un jeton d'accès / Obtain an access token"),
        description=_(
            "Donne le jeton du compte (le même jusqu'à sa révocation). À envoyer ensuite "
            "dans l'en-tête « Authorization: Token <jeton> ». Limité à quelques demandes "
            "par minute et par adresse. / Returns the account's token (the same one until "
            "it is revoked); send it as « Authorization: Token <token> »."
        ),
        request=CredentialsSerializer,
        responses={200: TokenSerializer},
        examples=[
            OpenApiExample(
                "Demande / Request",
                value={"email": "alice@example.org", "password": "••••••••••"},
                request_only=True,
            ),
            OpenApiExample(
                "Jeton / Token",
                value={
                    "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
                    "created": "2026-03-02T10:15:00+01:00",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        with transaction.atomic():
            token, created = Token.objects.get_or_create(user=user)
            if created:
                audit.record(
                    actor=user,
                    action=AuditAction.TOKEN_CREATED,
                    request=request,
                    subject=("account", user.email),
                    details={"replaced": False},
                )
        return Response(TokenSerializer({"token": token.key, "created": token.created}).data)

    @extend_schema(
        operation_id="auth_token_destroy",
        tags=["auth"],
        summary=_("Révoquer son jeton / Revoke one's token"),
        description=_(
            "Révoque le jeton du compte authentifié (par ce jeton ou par la session). Sans "
            "effet s'il n'en a pas. / Revokes the authenticated account's token."
        ),
        request=None,
        responses={204: OpenApiResponse(description=_("Jeton révoqué / Token revoked"))},
    )
    def delete(self, request):
        api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotFoundView(RequestLanguageMixin, APIView):
    """Any other path under /api/v1/: a 404 in the error shape, not an HTML page."""

    schema = None
    permission_classes = [permissions.AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound(_("Aucune ressource de l'API à cette adresse."))


# --- the documentation page ---------------------------------------------------------------

METHODS = ("get", "post", "put", "patch", "delete")


def _type(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"[{_type(schema.get('items', {}))}]"
    if "allOf" in schema or "oneOf" in schema:
        return " | ".join(_type(item) for item in schema.get("allOf") or schema.get("oneOf"))
    kind = schema.get("type", "object")
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _body_type(body: dict) -> str:
    content = body.get("content", {})
    return ", ".join(_type(media.get("schema", {})) for media in content.values())


def schema_outline(schema: dict) -> dict:
    """The schema as the documentation page lists it: every operation with its
    parameters, request body and responses; every component with its fields."""
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            operations.append(
                {
                    "anchor": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "location": parameter["in"],
                            "required": parameter.get("required", False),
                            "type": _type(parameter.get("schema", {})),
                            "enum": parameter.get("schema", {}).get("enum", []),
                            "description": parameter.get("description", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "request": _body_type(operation.get("requestBody", {})),
                    "responses": [
                        {
                            "code": code,
                            "description": response.get("description", ""),
                            "type": _body_type(response),
                        }
                        for code, response in operation.get("responses", {}).items()
                    ],
                }
            )
    components = [
        {
            "name": name,
            "description": component.get("description", ""),
            "fields": [
                {
                    "name": field,
                    "type": _type(definition),
                    "required": field in component.get("required", []),
                    "read_only": definition.get("readOnly", False),
                    "description": definition.get("description", ""),
                }
                for field, definition in component.get("properties", {}).items()
            ],
            "enum": component.get("enum", []),
        }
        for name, component in schema.get("components", {}).get("schemas", {}).items()
    ]
    info = schema.get("info", {})
    return {
        "info": info,
        "description_paragraphs": [
            paragraph for paragraph in info.get("description", "").split("\n\n") if paragraph
        ],
        "operations": operations,
        "components": components,
    }


@functools.lru_cache(maxsize=len(settings.LANGUAGES))
def _outline(language: str) -> dict:
    """The outline in one language: the schema depends only on the code, so each
    process generates it once per language."""
    with translation.override(language):
        return schema_outline(SchemaGenerator().get_schema(request=None, public=True))


def docs(request):
    """The API's documentation, generated from its OpenAPI schema (in the request's
    language), readable without JavaScript."""
    translation.activate(translation.get_language_from_request(request, check_path=False))
    return render(request, "api/docs.html", _outline(translation.get_language()))


class SchemaView(RequestLanguageMixin, SpectacularAPIView):
    """The OpenAPI 3 schema (YAML; JSON with ?format=json), in the request's language."""
