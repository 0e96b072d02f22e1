"""Two cheap duties around every request: keep where it comes from (IP address, user agent)
for the services that record an event without the request in hand; and record a refused
access (403 or 404) of a signed-in person to a protected page (a dossier, the officers'
pages, a report, a document, the API). Any other response costs no query."""

from __future__ import annotations

from .choices import AuditAction
from .context import client_of, reset_client, set_client

# The URL namespaces of protected resources (the API's is "api").
PROTECTED_NAMESPACES = frozenset(
    {"applications", "review", "reporting", "partners", "audit", "api"}
)
DENIED_STATUSES = frozenset({403, 404})


def _protected(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespaces:
        return match.namespaces[0] in PROTECTED_NAMESPACES
    return request.path_info.startswith("/api/")


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_client(client_of(request))
        try:
            response = self.get_response(request)
            if response.status_code in DENIED_STATUSES and _protected(request):
                self._record_denied(request, response)
        finally:
            reset_client(token)
        return response

    @staticmethod
    def _record_denied(request, response) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        from .services import record

        record(
            actor=user,
            action=AuditAction.ACCESS_DENIED,
            request=request,
            subject=("url", request.path[:300]),
            details={"status": response.status_code, "method": request.method},
        )
