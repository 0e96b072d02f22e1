"""Generated documents' pages: ask for one (a POST that creates the row and enqueues the
render once committed), follow it (pending, running with its progress, done, failed with
its reason; the page refreshes itself), download it, retry a failed one; the list of one's
documents; the officers' summaries of their calls and programmes.

A document is seen and downloaded only by those who may see its subject
(``reporting.documents.documents_visible_to``); for anyone else it does not exist (404).
"""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from applications.models import Application
from applications.services import ServiceRefused
from applications.uploads import file_download
from audit import services as audit
from calls.models import Call, Programme
from review.permissions import authorities_of, calls_for_officer, is_officer

from ..choices import DocumentKind, DocumentStatus
from ..documents import (
    SubjectNotFound,
    document_or_404,
    document_request,
    document_retry,
    documents_visible_to,
)
from ..models import GeneratedDocument, ProgressReport

ACTIVE = (DocumentStatus.PENDING, DocumentStatus.RUNNING)


def _subject(request) -> dict:
    """The subject named by the posted form, or 404 when it does not exist."""
    kind = request.POST.get("kind", "")
    if kind not in DocumentKind.values:
        raise Http404
    subject: dict = {"kind": kind}
    if kind in (DocumentKind.DOSSIER, DocumentKind.ACKNOWLEDGEMENT, DocumentKind.DECISION_LETTER):
        subject["application"] = get_object_or_404(
            Application.objects.select_related("call"), reference=request.POST.get("reference")
        )
    elif kind == DocumentKind.PROGRESS_REPORT:
        report = request.POST.get("report", "")
        if not report.isdigit():
            raise Http404
        subject["report"] = get_object_or_404(
            ProgressReport.objects.select_related("application"), pk=report
        )
    elif kind == DocumentKind.CALL_SUMMARY:
        subject["call"] = get_object_or_404(Call, reference=request.POST.get("call"))
    elif kind == DocumentKind.PROGRAMME_SUMMARY:
        subject["programme"] = get_object_or_404(Programme, code=request.POST.get("programme"))
    else:
        raise Http404
    return subject


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_POST
def request_document(request):
    """Ask for a document; then its page, which follows the render."""
    subject = _subject(request)
    try:
        document = document_request(
            actor=request.user, archive=request.POST.get("archive") == "1", **subject
        )
    except SubjectNotFound:
        raise Http404 from None
    except ServiceRefused as refusal:
        messages.error(request, refusal.message)
        return HttpResponseRedirect(_back(request, reverse("reporting:documents")))
    return HttpResponseRedirect(reverse("reporting:document", args=[document.pk]))


def _subject_label(document: GeneratedDocument) -> str:
    if document.report_id:
        return f"{document.application.reference} — {document.report}"
    if document.application_id:
        return document.application.reference
    if document.call_id:
        return document.call.reference
    if document.programme_id:
        return document.programme.name
    return ""


def _document_context(document: GeneratedDocument) -> dict:
    return {
        "document": document,
        "subject": _subject_label(document),
        "active": document.status in ACTIVE,
        "archive": bool(document.parameters.get("archive")),
    }


def _with_subject(queryset):
    return queryset.select_related(
        "application", "report__application", "call", "programme", "requested_by"
    )


def _visible_document(request, pk: int) -> GeneratedDocument:
    document = document_or_404(request.user, pk)
    return _with_subject(GeneratedDocument.objects).get(pk=document.pk)


@login_required
@require_GET
def document_detail(request, pk: int):
    document = _visible_document(request, pk)
    return render(request, "reporting/document.html", _document_context(document))


@login_required
@require_GET
def document_status(request, pk: int):
    """The status block alone, polled by the page while the document is on its way."""
    document = _visible_document(request, pk)
    return render(request, "reporting/_document_status.html", _document_context(document))


@login_required
@require_GET
def document_download(request, pk: int):
    document = _visible_document(request, pk)
    if document.status != DocumentStatus.DONE or not document.file:
        raise Http404
    subject = _subject_label(document).split(" — ")[0] or "document"
    variant = "-pdfa" if document.parameters.get("archive") else ""
    filename = f"{subject}-{document.kind}{variant}{PurePath(document.file.name).suffix}"
    audit.record_document_download(request=request, document=document)
    return file_download(
        default_storage.open(document.file.name, "rb"),
        filename=filename,
        content_type="application/pdf",
    )


@login_required
@require_POST
def retry_document(request, pk: int):
    document = document_or_404(request.user, pk)
    try:
        document_retry(document=document, actor=request.user)
    except ServiceRefused as refusal:
        messages.error(request, refusal.message)
    return HttpResponseRedirect(reverse("reporting:document", args=[document.pk]))


@login_required
@require_GET
def documents(request):
    """The documents the user asked for, most recent first, that they may still see."""
    rows = _with_subject(
        documents_visible_to(request.user).filter(requested_by=request.user)
    ).order_by("-requested_at")[:100]
    items = [_document_context(document) for document in rows]
    return render(
        request,
        "reporting/documents.html",
        {"items": items, "active": any(item["active"] for item in items)},
    )


@login_required
@require_GET
def summaries(request):
    """The officer's calls and programmes, each with the request of its summary and the
    latest summaries made."""
    if not is_officer(request.user):
        raise Http404
    calls = list(calls_for_officer(request.user).select_related("programme").order_by("-opens_at"))
    programmes = list(
        Programme.objects.filter(managing_authority__in=authorities_of(request.user)).order_by(
            "name"
        )
    )
    recent = _with_subject(
        documents_visible_to(request.user).filter(
            kind__in=(DocumentKind.CALL_SUMMARY, DocumentKind.PROGRAMME_SUMMARY)
        )
    ).order_by("-requested_at")[:20]
    return render(
        request,
        "reporting/summaries.html",
        {
            "calls": calls,
            "programmes": programmes,
            "recent": [_document_context(document) for document in recent],
        },
    )
