"""Conditional GET on detail endpoints: the ETag is a digest of the representation as it
is sent (so it changes with the data and with the language of its labels), and a request
whose ``If-None-Match`` names it is answered 304 without a body."""

from __future__ import annotations

import hashlib

from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


def representation_etag(data) -> str:
    body = JSONRenderer().render(data)
    return quote_etag(hashlib.sha256(body).hexdigest()[:32])


def etag_matches(etag: str, if_none_match: str) -> bool:
    if not if_none_match:
        return False
    candidates = parse_etags(if_none_match)
    # Weak comparison (RFC 9110, 13.1.2), as for any If-None-Match.
    bare = etag.removeprefix("W/")
    return "*" in candidates or any(tag.removeprefix("W/") == bare for tag in candidates)


class ConditionalRetrieveMixin:
    """``retrieve`` with an ETag and a 304 to a matching ``If-None-Match``."""

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        etag = representation_etag(data)
        if etag_matches(etag, request.headers.get("If-None-Match", "")):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = Response(data)
        response["ETag"] = etag
        patch_vary_headers(response, ("Accept-Language",))
        return response
