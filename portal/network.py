"""Where a request comes from: the one answer the audit log, the login lockout, the
sessions' records and the API's throttles all use.

``TRUSTED_PROXY_COUNT`` (``DJANGO_TRUSTED_PROXY_COUNT``) says how many reverse proxies
stand in front of the portal, each appending the address it saw to ``X-Forwarded-For``.
With none (the default), the peer's address (``REMOTE_ADDR``) is the client's and the
header is ignored; with N, the address the outermost proxy saw, the N-th from the right
(the entries on its left are whatever the client wrote, and are not believed). A header
with fewer entries than proxies gives the peer's address. What is not an IP address is
not kept (None)."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid_ip(value: str) -> str | None:
    value = (value or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request) -> str | None:
    meta = request.META
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return _valid_ip(forwarded[-count])
    return _valid_ip(meta.get("REMOTE_ADDR", ""))
