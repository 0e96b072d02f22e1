"""Generated documents: who may ask for which, the request (a row, then the task once
committed), the render a worker runs, failure and retry.

Nothing is lost and nothing is made twice:

- a request writes its ``GeneratedDocument`` row and enqueues the task only once the
  transaction is committed (``transaction.on_commit``); the task receives the row's id only;
- the worker acknowledges the task after it has run (``task_acks_late``) and a task whose
  worker died is delivered again (``task_reject_on_worker_lost``, the broker's visibility
  timeout): a render interrupted by a SIGKILL is made again by the next worker;
- a render writes its file under a name of its own attempt, then records it with a
  compare-and-set (``status != done``): when two deliveries of the same request run, one
  records its file and the other deletes its own. A request already done is not rendered
  again;
- a render that cannot succeed (a template error, a subject without a frozen version) is
  marked failed with its reason at once; a transient error (database, storage) is retried
  with backoff by the task, then marked failed; a failed document can be retried.

Who may see a document is who may see its subject (``document_visible``): the same
permission functions as the subject's pages.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.choices import ApplicationStatus
from applications.models import Application
from applications.permissions import applications_visible_to
from applications.services import ServiceRefused
from calls.choices import AuthorityRole
from calls.models import Call, Programme
from review.permissions import (
    applications_for_officer,
    assessments_opening_dossiers,
    authorities_of,
)

from .choices import DocumentKind, DocumentStatus
from .document_content import ContentError, content_of
from .models import GeneratedDocument, ProgressReport
from .pdf import html_to_pdf

APPLICATION_KINDS = (
    DocumentKind.DOSSIER,
    DocumentKind.ACKNOWLEDGEMENT,
    DocumentKind.DECISION_LETTER,
)
SNAPSHOT_KINDS = (DocumentKind.DOSSIER, DocumentKind.ACKNOWLEDGEMENT)
ACTIVE = (DocumentStatus.PENDING, DocumentStatus.RUNNING)
# Fault injection for the tests of a worker killed in the middle of a render: seconds to
# wait after the PDF is made and before it is written. Never set in a deployment.
PAUSE_ENV = "PORTAL_DOCUMENTS_TEST_PAUSE_SECONDS"

logger = logging.getLogger(__name__)


class SubjectNotFound(ServiceRefused):
    """The subject of the request does not exist for the actor: the caller answers 404."""


# --- who may see what -----------------------------------------------------------------------


def _reports_visible_to(user) -> QuerySet[ProgressReport]:
    from . import permissions

    return permissions.reports_visible_to(user)


def documents_visible_to(user) -> QuerySet[GeneratedDocument]:
    """The documents whose subject ``user`` may see: a dossier's documents for those who
    see the dossier (its organisations' members, the officers of its call's authority; an
    assigned assessor sees the dossier as submitted), a report's for those who see the
    report, a call's or a programme's summary for the officers of its authority."""
    if not user.is_authenticated:
        return GeneratedDocument.objects.none()
    officer_authorities = authorities_of(user)
    applicant_side = applications_visible_to(user).exclude(status=ApplicationStatus.DRAFT)
    return GeneratedDocument.objects.filter(
        Q(kind__in=APPLICATION_KINDS, application__in=applicant_side.values("pk"))
        | Q(kind__in=APPLICATION_KINDS, application__in=applications_for_officer(user).values("pk"))
        | Q(
            kind=DocumentKind.DOSSIER,
            application__in=assessments_opening_dossiers(user).values("application_id"),
        )
        | Q(kind=DocumentKind.PROGRESS_REPORT, report__in=_reports_visible_to(user).values("pk"))
        | Q(kind=DocumentKind.CALL_SUMMARY, call__authority__in=officer_authorities)
        | Q(
            kind=DocumentKind.PROGRAMME_SUMMARY,
            programme__managing_authority__in=officer_authorities,
        )
    )


def document_or_404(user, pk) -> GeneratedDocument:
    try:
        return documents_visible_to(user).select_related("requested_by").get(pk=pk)
    except (GeneratedDocument.DoesNotExist, ValueError):
        raise Http404 from None


def _may_see_application(user, application: Application, kind: str) -> bool:
    if application.status == ApplicationStatus.DRAFT:
        return False
    if applications_visible_to(user).filter(pk=application.pk).exists():
        return True
    if applications_for_officer(user).filter(pk=application.pk).exists():
        return True
    return (
        kind == DocumentKind.DOSSIER
        and assessments_opening_dossiers(user).filter(application_id=application.pk).exists()
    )


def _is_officer_of(user, authority_id: int) -> bool:
    return authorities_of(user, AuthorityRole.OFFICER).filter(pk=authority_id).exists()


# --- asking for a document ------------------------------------------------------------------


def document_request(
    *,
    kind: str,
    actor,
    application: Application | None = None,
    report: ProgressReport | None = None,
    call: Call | None = None,
    programme: Programme | None = None,
    archive: bool = False,
    language: str | None = None,
) -> GeneratedDocument:
    """Ask for a document of ``kind`` about its subject, rendered by a worker in
    ``language`` (the actor's current one). Refused with ``ServiceRefused`` when the subject
    is not the actor's to see (the caller answers 404) or cannot have this document yet.

    The same request still pending or running is returned rather than made twice; so is a
    dossier's or an acknowledgement's of the same frozen version already done."""
    language = (language or translation.get_language() or "fr").split("-")[0]
    subject: dict = {}
    if kind in APPLICATION_KINDS:
        if application is None or not _may_see_application(actor, application, kind):
            raise SubjectNotFound(_("Ce dossier n'existe pas ou ne vous est pas accessible."))
        subject["application"] = application
        if kind in SNAPSHOT_KINDS:
            if application.current_snapshot_id is None:
                raise ServiceRefused(_("Ce dossier n'a pas encore de version déposée."))
            subject["snapshot_id"] = application.current_snapshot_id
        if kind == DocumentKind.DECISION_LETTER and not hasattr(application, "decision"):
            raise ServiceRefused(_("Aucune décision n'est encore enregistrée pour ce dossier."))
    elif kind == DocumentKind.PROGRESS_REPORT:
        if report is None or not _reports_visible_to(actor).filter(pk=report.pk).exists():
            raise SubjectNotFound(_("Ce rapport n'existe pas ou ne vous est pas accessible."))
        subject["report"] = report
        subject["application"] = report.application
    elif kind == DocumentKind.CALL_SUMMARY:
        if call is None or not _is_officer_of(actor, call.authority_id):
            raise SubjectNotFound(_("Cet appel n'existe pas ou ne vous est pas accessible."))
        subject["call"] = call
    elif kind == DocumentKind.PROGRAMME_SUMMARY:
        if programme is None or not _is_officer_of(actor, programme.managing_authority_id):
            raise SubjectNotFound(_("Ce programme n'existe pas ou ne vous est pas accessible."))
        subject["programme"] = programme
    else:
        raise ServiceRefused(_("Ce type de document ne peut pas être demandé ici."))

    parameters = {"archive": True} if archive else {}
    with transaction.atomic():
        same = GeneratedDocument.objects.filter(
            kind=kind, language=language, parameters=parameters, **subject
        )
        reusable = same.filter(status__in=ACTIVE)
        if kind in SNAPSHOT_KINDS:
            reusable = same.filter(status__in=(*ACTIVE, DocumentStatus.DONE))
        existing = reusable.order_by("-requested_at").first()
        if existing is not None:
            return existing
        document = GeneratedDocument.objects.create(
            kind=kind,
            language=language,
            parameters=parameters,
            requested_by=actor,
            task_id=uuid.uuid4().hex,
            **subject,
        )
        _enqueue_on_commit(document)
    return document


def _enqueue(document_id: int, task_id: str) -> bool:
    """Send the render to the workers. When the broker cannot be reached the request is
    kept (pending) and ``documents_requeue_stalled`` sends it again later: never lost."""
    from .tasks import render_document

    try:
        render_document.apply_async(
            args=[document_id], task_id=task_id, queue=settings.DOCUMENTS_QUEUE
        )
    except Exception:  # kombu's OperationalError, a socket error: the broker is away
        logger.warning("document %s kept pending: the broker is unreachable", document_id)
        return False
    return True


def _enqueue_on_commit(document: GeneratedDocument) -> None:
    document_id, task_id = document.pk, document.task_id
    transaction.on_commit(lambda: _enqueue(document_id, task_id))


def documents_requeue_stalled(*, now=None) -> list[int]:
    """Send again the renders that should have finished: a document pending for longer than
    ``DOCUMENTS_STALLED_AFTER`` seconds (its message never reached the broker, or the broker
    lost it), or running for longer than the task's hard time limit plus that delay (its
    worker died and no other took the task back). A render sent twice still makes one file
    (``document_render``). Run by beat every minute; returns the ids sent again."""
    now = now or timezone.now()
    stalled_after = timezone.timedelta(seconds=settings.DOCUMENTS_STALLED_AFTER)
    running_limit = timezone.timedelta(
        seconds=settings.DOCUMENTS_TIME_LIMIT + settings.DOCUMENTS_STALLED_AFTER
    )
    stalled = GeneratedDocument.objects.filter(
        Q(status=DocumentStatus.PENDING, requested_at__lt=now - stalled_after)
        | Q(status=DocumentStatus.RUNNING, started_at__lt=now - running_limit)
    ).values_list("pk", flat=True)
    sent = []
    for document_id in stalled:
        task_id = uuid.uuid4().hex
        GeneratedDocument.objects.filter(pk=document_id).update(task_id=task_id, requested_at=now)
        if _enqueue(document_id, task_id):
            sent.append(document_id)
    return sent


def document_retry(*, document: GeneratedDocument, actor) -> GeneratedDocument:
    """Ask again for a failed document: back to pending, a new task once committed.
    Refused for a document that has not failed (it is done, or on its way)."""
    with transaction.atomic():
        task_id = uuid.uuid4().hex
        updated = GeneratedDocument.objects.filter(
            pk=document.pk, status=DocumentStatus.FAILED
        ).update(
            status=DocumentStatus.PENDING,
            progress=0,
            error="",
            task_id=task_id,
            started_at=None,
            finished_at=None,
        )
        if not updated:
            raise ServiceRefused(_("Ce document n'est pas en échec : il n'y a rien à relancer."))
        document.refresh_from_db()
        _enqueue_on_commit(document)
    return document


# --- rendering (in a worker) -----------------------------------------------------------------


def _progress(document_id: int, percent: int) -> None:
    GeneratedDocument.objects.filter(pk=document_id, status=DocumentStatus.RUNNING).update(
        progress=percent
    )


def document_fail(*, document_id: int, reason: str) -> bool:
    """Mark the document failed with ``reason`` unless it is done already."""
    return bool(
        GeneratedDocument.objects.filter(pk=document_id)
        .exclude(status=DocumentStatus.DONE)
        .update(status=DocumentStatus.FAILED, error=reason[:2000], finished_at=timezone.now())
    )


def render_html(document: GeneratedDocument) -> str:
    """The document's HTML in its language: the template of its kind with its content."""
    with translation.override(document.language):
        content = content_of(document)
        generated_at = timezone.localtime()
        return render_to_string(
            content.template,
            {
                **content.context,
                "document": document,
                "title": content.title,
                "running_authority": content.authority,
                "running_reference": content.reference,
                "fingerprint": content.fingerprint,
                "fingerprint_label": content.fingerprint_label,
                "generated_at": generated_at,
                "language": document.language,
            },
        )


PERMANENT_ERRORS = (ContentError, TemplateSyntaxError, TemplateDoesNotExist)


def document_render(*, document_id: int) -> str:
    """Render the document ``document_id`` and record its file: ``"done"``,
    ``"already done"`` (nothing made), ``"failed"`` (a permanent error, recorded with its
    reason), ``"superseded"`` (another delivery recorded its file first; ours is deleted)
    or ``"missing"``. Transient errors propagate, for the task to retry."""
    with transaction.atomic():
        document = (
            GeneratedDocument.objects.select_for_update(of=("self",))
            .select_related("snapshot__application__call__authority", "application__call")
            .filter(pk=document_id)
            .first()
        )
        if document is None:
            return "missing"
        if document.status == DocumentStatus.DONE:
            return "already done"
        document.status = DocumentStatus.RUNNING
        document.attempts += 1
        document.started_at = timezone.now()
        document.progress = 5
        document.error = ""
        document.save(update_fields=["status", "attempts", "started_at", "progress", "error"])
    attempt = document.attempts

    try:
        html = render_html(document)
        _progress(document_id, 40)
        rendered = html_to_pdf(html, archive=bool(document.parameters.get("archive")))
    except PERMANENT_ERRORS as error:
        document_fail(document_id=document_id, reason=_reason(error))
        return "failed"
    _progress(document_id, 90)
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    if pause:
        time.sleep(pause)

    digest = hashlib.sha256(rendered.content).hexdigest()
    name = default_storage.save(
        f"documents/{document.kind}/{document.pk}-{attempt}-{uuid.uuid4().hex[:8]}.pdf",
        ContentFile(rendered.content),
    )
    with transaction.atomic():
        recorded = (
            GeneratedDocument.objects.filter(pk=document_id)
            .exclude(status=DocumentStatus.DONE)
            .update(
                status=DocumentStatus.DONE,
                file=name,
                size=len(rendered.content),
                sha256=digest,
                progress=100,
                error="",
                finished_at=timezone.now(),
            )
        )
    if not recorded:
        default_storage.delete(name)
        return "superseded"
    return "done"


def _reason(error: Exception) -> str:
    if isinstance(error, ContentError):
        return str(error)
    return _("Le modèle du document est en erreur (%(kind)s) : %(detail)s") % {
        "kind": type(error).__name__,
        "detail": str(error)[:500],
    }
