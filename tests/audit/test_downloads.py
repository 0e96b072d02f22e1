"""Downloads of dossiers and documents are recorded, one row each, with the call and
authority whose officers read them: a dossier's attachment, a generated PDF (the dossier
as submitted, or another document), a report's attachment, and the officers' queue
exported as CSV or XLSX (its filters and how many dossiers were ticked)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus
from applications.workflow import transition
from audit.choices import AuditAction
from audit.models import AuditEvent
from reporting.choices import DocumentKind, DocumentStatus
from reporting.models import GeneratedDocument, ReportAttachment
from tests import factories as f
from tests.reporting.test_reports_services import (  # noqa: F401 (fixtures)
    draft,
    running,
)

from .helpers import WHERE, assert_who_when_where, only

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(dossier, alice):
    transition(application=dossier, to_status=ApplicationStatus.SUBMITTED, actor=alice)
    return dossier


@pytest.mark.parametrize("persona", ["alice", "olivia"])
def test_an_attachment_downloaded_is_recorded_for_the_calls_authority(
    client, request, submitted, call, persona
):
    attachment = f.AttachmentFactory(application=submitted, original_name="statuts.pdf")
    user = request.getfixturevalue(persona)
    client.force_login(user)
    since = timezone.now()
    url = reverse("applications:attachment_download", args=[submitted.reference, attachment.pk])
    assert client.get(url, **WHERE).status_code == 200
    event = only(AuditAction.ATTACHMENT_DOWNLOADED)
    assert_who_when_where(event, user, since=since)
    assert (event.subject_type, event.subject_ref) == (
        "attachment",
        f"{submitted.reference} — statuts.pdf",
    )
    assert (event.call_id, event.authority_id) == (call.pk, call.authority_id)


def test_a_refused_download_is_a_refused_access_not_a_download(client, submitted, charlie):
    attachment = f.AttachmentFactory(application=submitted)
    client.force_login(charlie)
    url = reverse("applications:attachment_download", args=[submitted.reference, attachment.pk])
    assert client.get(url, **WHERE).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()
    assert only(AuditAction.ACCESS_DENIED).actor == charlie


def _document(kind, **subject) -> GeneratedDocument:
    document = GeneratedDocument(kind=kind, status=DocumentStatus.DONE, sha256="0" * 64, **subject)
    document.file.save("document.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    document.save()
    return document


@pytest.mark.parametrize(
    "kind,action",
    [
        (DocumentKind.DOSSIER, AuditAction.DOSSIER_DOWNLOADED),
        (DocumentKind.ACKNOWLEDGEMENT, AuditAction.DOCUMENT_DOWNLOADED),
    ],
)
def test_a_generated_pdf_downloaded_is_recorded(client, submitted, call, olivia, kind, action):
    document = _document(kind, application=submitted)
    client.force_login(olivia)
    since = timezone.now()
    response = client.get(reverse("reporting:document_download", args=[document.pk]), **WHERE)
    assert response.status_code == 200
    event = only(action)
    assert_who_when_where(event, olivia, since=since)
    assert (event.subject_type, event.subject_ref) == ("document", submitted.reference)
    assert (event.call_id, event.authority_id) == (call.pk, call.authority_id)
    assert event.details == {"kind": kind, "archive": False}


def test_a_call_summary_downloaded_is_recorded_for_its_authority(client, call, olivia):
    document = _document(DocumentKind.CALL_SUMMARY, call=call)
    client.force_login(olivia)
    assert (
        client.get(reverse("reporting:document_download", args=[document.pk]), **WHERE).status_code
        == 200
    )
    event = only(AuditAction.DOCUMENT_DOWNLOADED)
    assert (event.call_id, event.authority_id, event.subject_ref) == (
        call.pk,
        call.authority_id,
        call.reference,
    )


def test_a_reports_attachment_downloaded_is_recorded(client, draft, alice, call):  # noqa: F811
    attachment = ReportAttachment(
        report=draft,
        title="Émargement",
        original_name="emargement.pdf",
        content_type="application/pdf",
        size=15,
        sha256="0" * 64,
        uploaded_by=alice,
    )
    attachment.file.save("emargement.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    attachment.save()
    client.force_login(alice)
    since = timezone.now()
    url = reverse(
        "reporting:report_attachment",
        args=[draft.application.reference, draft.number, attachment.pk],
    )
    assert client.get(url, **WHERE).status_code == 200
    event = only(AuditAction.ATTACHMENT_DOWNLOADED)
    assert_who_when_where(event, alice, since=since)
    assert event.subject_type == "report_attachment"
    assert event.subject_ref == f"{draft.application.reference}/{draft.number} — emargement.pdf"
    assert event.call_id == call.pk


@pytest.mark.parametrize(
    "name,file_format", [("queue_export", "csv"), ("queue_export_xlsx", "xlsx")]
)
def test_the_queue_exported_is_recorded_with_its_filters(
    client, submitted, call, olivia, name, file_format
):
    client.force_login(olivia)
    since = timezone.now()
    response = client.get(reverse(f"review:{name}"), {"call": call.reference, "page": "2"}, **WHERE)
    assert response.status_code == 200
    event = only(AuditAction.EXPORT_DOWNLOADED)
    assert_who_when_where(event, olivia, since=since)
    assert (event.call_id, event.authority_id) == (call.pk, call.authority_id)
    assert event.details == {
        "format": file_format,
        "filters": f"call={call.reference}",
        "ticked": 0,
    }


def test_the_ticked_dossiers_exported_are_counted(client, submitted, call, olivia):
    client.force_login(olivia)
    response = client.post(reverse("review:queue_export"), {"ids": [submitted.pk]}, **WHERE)
    assert response.status_code == 200
    event = only(AuditAction.EXPORT_DOWNLOADED)
    assert event.details["ticked"] == 1
    # No call filtered: the officer's only authority.
    assert (event.call_id, event.authority_id) == (None, call.authority_id)
