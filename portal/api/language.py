"""The API's language: the request's (the ``django_language`` cookie, then
``Accept-Language``), French by default. The pages take theirs from the URL's prefix, and
LocaleMiddleware gives an unprefixed URL the default language: the API, outside the
prefixes, chooses here."""

from __future__ import annotations

from django.utils import translation
from django.utils.cache import patch_vary_headers


class RequestLanguageMixin:
    """For every API view: messages, labels and errors in the request's language."""

    def initial(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.setdefault("Content-Language", translation.get_language())
        return response
