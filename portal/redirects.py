"""Where to go after a step that was reached from elsewhere (an invitation link, a call's
"Déposer un dossier"): a ``next`` address, kept only when it is a path of this site."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, value: str | None = None) -> str:
    """The ``next`` address of ``request`` (POST first, then GET, or ``value``) when it is
    a path of this site; an empty string otherwise (another site, a scheme, ``//host``)."""
    target = value if value is not None else (request.POST.get("next") or request.GET.get("next"))
    if not target or not target.startswith("/"):
        return ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts=None, require_https=False):
        return target
    return ""
