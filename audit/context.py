"""Where the current request comes from, for the services that record an event without a
request in hand: set by ``audit.middleware.AuditMiddleware`` for the request's duration."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from portal.network import client_address

USER_AGENT_LENGTH = 300


@dataclass(frozen=True)
class Client:
    ip_address: str | None = None
    user_agent: str = ""


NOWHERE = Client()
_current: ContextVar[Client] = ContextVar("audit_client", default=NOWHERE)


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
