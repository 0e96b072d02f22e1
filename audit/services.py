"""Writing the audit log: :func:`record`, called by the services of the other apps inside
the transaction of the action they record (it rolls back with it), by the download views
and by the authentication signals."""

from __future__ import annotations

from django.db import models

from .choices import AuditAction
from .context import USER_AGENT_LENGTH, client_of, current_client
from .models import AuditEvent

# Never kept in the details, whatever a caller passes.
SECRET_WORDS = ("password", "passwd", "secret", "token", "key", "csrf", "session")


def _clean(details: dict | None) -> dict:
    return {
        str(name): value
        for name, value in (details or {}).items()
        if not any(word in str(name).lower() for word in SECRET_WORDS)
    }


def _subject(subject) -> tuple[str, str, object]:
    """(type, reference, call) of what the event is about: a dossier (its reference and
    call), a ``(type, reference)`` pair, or nothing."""
    from applications.models import Application

    if subject is None:
        return "", "", None
    if isinstance(subject, Application):
        return "application", subject.reference, subject.call
    if isinstance(subject, tuple):
        kind, reference = subject
        return str(kind), str(reference), None
    if isinstance(subject, models.Model):
        return subject._meta.model_name, str(subject.pk), None
    return "", str(subject), None


def record(
    *,
    actor,
    action: str,
    request=None,
    call=None,
    authority=None,
    subject=None,
    details: dict | None = None,
    label: str | None = None,
) -> AuditEvent:
    """Write one event: ``actor`` (a user, or None / anonymous) and ``label`` (their e-mail
    address at the time by default), ``action`` (an ``AuditAction``), what it is about
    (``subject``: a dossier, or a ``(type, reference)`` pair) and the call (a dossier's
    own by default) and authority (the call's by default) whose officers read it; where
    from: ``request``'s address and user agent, else those of the request being served
    (``audit.middleware``), else none. ``details`` must hold no secret: keys naming one
    (password, token, key...) are dropped."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    kind, reference, subject_call = _subject(subject)
    call = call if call is not None else subject_call
    if authority is None and call is not None:
        authority_id = call.authority_id
    else:
        authority_id = getattr(authority, "pk", authority)
    person = actor if actor is not None and actor.is_authenticated else None
    if label is None:
        label = person.email if person is not None else ""
    client = client_of(request) if request is not None else current_client()
    return AuditEvent.objects.create(
        actor=person,
        actor_label=label[:254],
        action=action,
        subject_type=kind[:40],
        subject_ref=reference[:300],
        call=call,
        authority_id=authority_id,
        ip_address=client.ip_address,
        user_agent=client.user_agent[:USER_AGENT_LENGTH],
        details=_clean(details),
    )


# --- downloads ---------------------------------------------------------------------------


def record_document_download(*, request, document) -> AuditEvent:
    """A generated document downloaded: a dossier's PDF (``dossier_downloaded``) or another
    document (acknowledgement, decision letter, report, summaries), with the call (or the
    programme's authority) it belongs to."""
    from reporting.choices import DocumentKind

    call, authority, reference = None, None, ""
    if document.report_id:
        application = document.report.application
        call, reference = application.call, f"{application.reference}/{document.report.number}"
    elif document.application_id:
        call, reference = document.application.call, document.application.reference
    elif document.call_id:
        call, reference = document.call, document.call.reference
    elif document.programme_id:
        authority, reference = document.programme.managing_authority_id, document.programme.code
    return record(
        actor=request.user,
        action=AuditAction.DOSSIER_DOWNLOADED
        if document.kind == DocumentKind.DOSSIER
        else AuditAction.DOCUMENT_DOWNLOADED,
        request=request,
        call=call,
        authority=authority,
        subject=("document", reference),
        details={"kind": document.kind, "archive": bool(document.parameters.get("archive"))},
    )


def record_export(*, request, format: str) -> AuditEvent:
    """The officers' queue exported (CSV or XLSX): its filters (the query string) and how
    many dossiers were ticked. The call is the filtered one (when it is one of the
    officer's), else the authority the officer's when they are the officer of one only."""
    from review.permissions import authorities_of, calls_for_officer

    call, authority = None, None
    reference = request.GET.get("call", "")
    if reference:
        call = calls_for_officer(request.user).filter(reference=reference).first()
    if call is None:
        authorities = list(authorities_of(request.user).values_list("pk", flat=True)[:2])
        authority = authorities[0] if len(authorities) == 1 else None
    given = request.POST if request.method == "POST" else request.GET
    query = request.GET.copy()
    query.pop("page", None)
    return record(
        actor=request.user,
        action=AuditAction.EXPORT_DOWNLOADED,
        request=request,
        call=call,
        authority=authority,
        subject=("export", f"instruction.{format}"),
        details={
            "format": format,
            "filters": query.urlencode()[:500],
            "ticked": len(given.getlist("ids")),
        },
    )
