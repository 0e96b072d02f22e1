# ruff: noqa: F811 (pytest fixtures imported from test_reports_services are test arguments)
"""Documents joined to a progress report: members of the lead and of the partners join
them while the report is open to changes (type read from the content, size limited by the
call, name never trusted), every reader downloads them, they are removed by whoever joined
them or by the lead, and nothing changes once the report is submitted."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting.models import ReportAttachment
from tests import factories as f
from tests.reporting.test_reports_services import (  # noqa: F401
    _fast_passwords,
    complete,
    draft,
    running,
    submitted,
)

pytestmark = pytest.mark.django_db

PDF = f.pdf_bytes("Feuille d'émargement")


def join_url(report) -> str:
    return reverse(
        "reporting:report_attachment_join", args=[report.application.reference, report.number]
    )


def post_file(client, user, report, *, name="emargement.pdf", content=PDF, title="Émargement"):
    client.force_login(user)
    return client.post(
        join_url(report), {"title": title, "file": SimpleUploadedFile(name, content)}
    )


def test_the_lead_joins_a_pdf_and_every_reader_downloads_it(client, draft, alice, bob):
    response = post_file(client, alice, draft, name="../../etc/émargement mars.pdf")

    assert response.status_code == 302
    attachment = ReportAttachment.objects.get()
    assert attachment.original_name == "émargement mars.pdf"  # the path is never kept
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert "etc" not in attachment.file.name and attachment.file.name.startswith(
        "report-attachments/"
    )
    detail = client.get(
        reverse("reporting:report_detail", args=[draft.application.reference, draft.number])
    ).content.decode()
    assert "émargement mars.pdf" in detail and attachment.sha256 in detail

    client.force_login(bob)
    download = client.get(
        reverse(
            "reporting:report_attachment",
            args=[draft.application.reference, draft.number, attachment.pk],
        )
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF


def test_a_partners_member_joins_their_own_proofs(client, draft, bob):
    assert post_file(client, bob, draft, title="Factures").status_code == 302
    assert ReportAttachment.objects.get().uploaded_by == bob


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("vide.pdf", b"", "est vide"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "format accepté : son contenu est du texte"),
        ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "extension .pdf mais son contenu"),
    ],
)
def test_a_bad_file_is_said_beside_the_field_and_nothing_is_saved(
    client, draft, alice, name, content, message
):
    response = post_file(client, alice, draft, name=name, content=content)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ReportAttachment.objects.exists()


def test_a_file_over_the_calls_limit_is_refused(client, draft, alice):
    call = draft.application.call
    call.max_attachment_mb = 1
    call.save(update_fields=["max_attachment_mb"])

    response = post_file(client, alice, draft, content=PDF + b"0" * (1024 * 1024))

    assert response.status_code == 422
    assert "pèse" in response.content.decode()
    assert not ReportAttachment.objects.exists()


def test_nothing_is_joined_nor_removed_once_the_report_is_submitted(
    client, submitted, alice, olivia
):
    assert post_file(client, alice, submitted).status_code == 403
    assert not ReportAttachment.objects.exists()
    # The officer reads the report but joins nothing.
    assert post_file(client, olivia, submitted).status_code == 403


def test_a_document_is_removed_by_whoever_joined_it_or_by_the_lead(
    client, draft, alice, bob, django_capture_on_commit_callbacks
):
    post_file(client, bob, draft)
    attachment = ReportAttachment.objects.get()
    remove = reverse(
        "reporting:report_attachment_remove",
        args=[draft.application.reference, draft.number, attachment.pk],
    )

    stored = attachment.file.name
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove)
    assert response.status_code == 302
    assert not ReportAttachment.objects.exists()
    assert not default_storage.exists(stored)  # the file goes with its row

    post_file(client, alice, draft)
    mine = ReportAttachment.objects.get()
    client.force_login(bob)
    response = client.post(
        reverse(
            "reporting:report_attachment_remove",
            args=[draft.application.reference, draft.number, mine.pk],
        )
    )
    assert response.status_code == 403  # Bob did not join it, and is not the lead
    assert ReportAttachment.objects.filter(pk=mine.pk).exists()


@pytest.mark.parametrize("persona,expected", [("charlie", 404), ("oscar", 404), ("ada", 404)])
def test_outsiders_see_nothing_of_the_attachments(client, request, draft, alice, persona, expected):
    post_file(client, alice, draft)
    attachment = ReportAttachment.objects.get()
    client.force_login(request.getfixturevalue(persona))
    reference, number = draft.application.reference, draft.number

    assert (
        client.get(
            reverse("reporting:report_attachment", args=[reference, number, attachment.pk])
        ).status_code
        == expected
    )
    assert post_file(client, request.getfixturevalue(persona), draft).status_code == expected
    assert ReportAttachment.objects.count() == 1


def test_an_officer_downloads_the_attachments_of_a_submitted_report(
    client, complete, alice, olivia
):
    from reporting.services import report_submit

    post_file(client, alice, complete)
    report_submit(report=complete, actor=alice)
    attachment = ReportAttachment.objects.get()
    client.force_login(olivia)
    response = client.get(
        reverse(
            "reporting:report_attachment",
            args=[complete.application.reference, complete.number, attachment.pk],
        )
    )
    assert response.status_code == 200
