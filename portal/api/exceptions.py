"""One JSON shape for every error the API answers (400, 401, 403, 404, 405, 409, 429...):

    {"code": "invalid", "message": "…", "errors": {"field": ["…"]}}

``code`` is stable and meant for programs; ``message`` is for people, in the request's
language (French unless the client asks otherwise with ``Accept-Language``); ``errors``
names each field in error with its messages (``non_field_errors`` for the others), empty
when the error is not about the data sent."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD_ERRORS = "non_field_errors"


class Conflict(exceptions.APIException):
    """The object changed under the request (a compare-and-set updated no row): 409."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("L'objet a été modifié entre-temps : rechargez-le et recommencez.")
    default_code = "conflict"


def _messages(detail) -> list[str]:
    if isinstance(detail, list | tuple):
        return [message for item in detail for message in _messages(item)]
    if isinstance(detail, dict):
        return [
            f"{key} : {message}" for key, value in detail.items() for message in _messages(value)
        ]
    return [str(detail)]


def field_errors(detail) -> dict[str, list[str]]:
    """A validation error's detail as ``{field: [messages]}``: a nested serializer's
    fields are named with dots (``partners.0.email``)."""
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub_key, messages in field_errors(value).items():
                    errors[f"{key}.{sub_key}"] = messages
            else:
                errors[str(key)] = _messages(value)
        return errors
    return {NON_FIELD_ERRORS: _messages(detail)}


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def error_body(exc: exceptions.APIException) -> dict:
    """The body of the error shape for a DRF exception."""
    if isinstance(exc, exceptions.ValidationError):
        return {
            "code": "invalid",
            "message": str(_("Les données envoyées ne sont pas valides : voyez « errors ».")),
            "errors": field_errors(exc.detail),
        }
    if isinstance(exc, exceptions.ParseError):
        return {"code": _code(exc), "message": str(exc.detail), "errors": {}}
    detail = exc.detail
    message = " ".join(_messages(detail)) if isinstance(detail, list | dict) else str(detail)
    return {"code": _code(exc), "message": message, "errors": {}}


def api_exception_handler(exc, context) -> Response | None:
    """DRF's handler (it turns Django's Http404 and PermissionDenied into DRF's exceptions,
    sets ``WWW-Authenticate``, ``Retry-After`` and ``Allow``) with our body. Anything else
    is left to Django: a server error stays a 500."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if not isinstance(exc, exceptions.APIException):
        # Http404 and PermissionDenied, as DRF translated them.
        exc = (
            exceptions.NotFound()
            if response.status_code == status.HTTP_404_NOT_FOUND
            else exceptions.PermissionDenied()
        )
    response.data = error_body(exc)
    return response
