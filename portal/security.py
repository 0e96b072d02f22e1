"""The portal's own security headers and its page for a refused form.

Django's ``SecurityMiddleware`` sends HSTS, ``X-Content-Type-Options``, ``Referrer-Policy``
and ``Cross-Origin-Opener-Policy``; ``XFrameOptionsMiddleware`` sends ``X-Frame-Options``;
django-csp's ``CSPMiddleware`` sends the ``Content-Security-Policy``
(``settings.CONTENT_SECURITY_POLICY``). What none of them sends is added here: the
``Permissions-Policy`` header (``settings.PERMISSIONS_POLICY``) that turns off the browser
features the portal never uses, so that an injected script or a framed page cannot use them
either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

PERMISSIONS_POLICY_HEADER = "Permissions-Policy"


def permissions_policy(features: Mapping[str, Sequence[str]]) -> str:
    """The header's value for ``{feature: [origins]}``: no origin is ``feature=()`` (off
    everywhere), ``"self"`` becomes ``self``, any other origin is quoted."""
    parts = []
    for feature, origins in features.items():
        allowed = " ".join(
            origin if origin in {"self", "*"} else f'"{origin}"' for origin in origins
        )
        parts.append(f"{feature}=({allowed})")
    return ", ".join(parts)


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` to every response that has none (a view may send its
    own). The value is built once, when the process starts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault(PERMISSIONS_POLICY_HEADER, self.header)
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without its security token, with an expired one,
    or from another site. A 403 page in the portal's layout that says what happened and
    what to do (reload the page, send again), rather than Django's technical page. The
    reason is logged by Django (``django.security.csrf``), never shown. The link back is
    the page the form was on (its ``Referer``) when that page is on this site."""
    referer = request.headers.get("Referer", "")
    back_url = (
        referer
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    return render(request, "403_csrf.html", {"back_url": back_url}, status=403)
