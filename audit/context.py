"""Where the current request comes from, for the services that record an event without a
request in hand: set by ``audit.middleware.AuditMiddleware`` for the request's duration."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings

USER_AGENT_LENGTH = 300


@dataclass(frozen=True)
class Client:
    ip_address: str | None = None
    user_agent: str = ""


NOWHERE = Client()
_current: ContextVar[Client] = ContextVar("audit_client", default=NOWHERE)


def _valid_ip(value: str) -> str | None:
    value = (value or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's IP address: ``REMOTE_ADDR``, unless ``TRUSTED_PROXY_COUNT`` says the
    portal is behind that many proxies, each appending the address it saw to
    ``X-Forwarded-For``: then the address the outermost of them saw (the entries on its
    left are whatever the client sent, and are not believed)."""
    meta = request.META
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return _valid_ip(forwarded[-count])
    return _valid_ip(meta.get("REMOTE_ADDR", ""))


def client_of(request) -> Client:
    return Client(
        ip_address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
    )


def current_client() -> Client:
    return _current.get()


def set_client(client: Client):
    return _current.set(client)


def reset_client(token) -> None:
    _current.reset(token)
