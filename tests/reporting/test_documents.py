"""Generated documents in the process: each kind rendered to a real PDF and read back
(pypdf), the request and its idempotence, a render recorded once, failures with their
reason and the retry, the pages that follow a render, and who may see and download what.

The same renders go through a real worker against Redis in ``test_document_worker.py``."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from applications.choices import ApplicationStatus as S
from applications.services import ServiceRefused
from portal.celery import app
from reporting import documents as service
from reporting.choices import DocumentKind, DocumentStatus
from reporting.models import GeneratedDocument
from reporting.pdf import ResourceRefused, url_fetcher
from review.decisions import application_contract, application_start

ONE_SPACE = re.compile(r"\s+")


@pytest.fixture
def eager():
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def pdf_of(document: GeneratedDocument) -> PdfReader:
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE, document.error
    with default_storage.open(document.file.name, "rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def text_of(reader: PdfReader) -> str:
    """The text of every page, its spaces (narrow and non-breaking included) made one."""
    return ONE_SPACE.sub(" ", " ".join(page.extract_text() for page in reader.pages))


def without_spaces(text: str) -> str:
    return ONE_SPACE.sub("", text)


def requested(kind, actor, django_capture_on_commit_callbacks, **subject) -> GeneratedDocument:
    """Ask for a document and let the (eager) task render it once committed."""
    with django_capture_on_commit_callbacks(execute=True):
        return service.document_request(kind=kind, actor=actor, **subject)


# --- each kind, read back --------------------------------------------------------------------


def test_the_dossier_as_submitted_reads_back_with_its_reference_amounts_and_fingerprint(
    eager, assessed, alice, django_capture_on_commit_callbacks
):
    document = requested(
        DocumentKind.DOSSIER, alice, django_capture_on_commit_callbacks, application=assessed
    )

    reader = pdf_of(document)
    text = text_of(reader)
    snapshot = assessed.current_snapshot
    assert assessed.reference in text
    assert "Organisation A" in text and "Organisation B" in text
    assert "60 000,00 €" in text  # the EU share frozen with the version (40 000 + 20 000)
    assert snapshot.sha256 in without_spaces(text)
    pages = len(reader.pages)
    assert f"page 1 / {pages}" in text and f"page {pages} / {pages}" in text
    assert reader.metadata.title == f"Dossier {assessed.reference} tel que déposé (version 1)"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("Portail-Sans" in name for name in fonts), fonts
    assert document.size == len(default_storage.open(document.file.name).read())


def test_the_archive_variant_is_pdf_a_3u(
    eager, assessed, alice, django_capture_on_commit_callbacks
):
    document = requested(
        DocumentKind.DOSSIER,
        alice,
        django_capture_on_commit_callbacks,
        application=assessed,
        archive=True,
    )

    reader = pdf_of(document)
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3" pdfaid:conformance="U"' in metadata
    assert "/OutputIntents" in reader.trailer["/Root"]  # the colour profile PDF/A wants
    assert assessed.reference in text_of(reader)


def test_the_acknowledgement_names_the_dossier_its_instant_and_fingerprint(
    eager, assessed, alice, django_capture_on_commit_callbacks
):
    document = requested(
        DocumentKind.ACKNOWLEDGEMENT,
        alice,
        django_capture_on_commit_callbacks,
        application=assessed,
    )

    text = text_of(pdf_of(document))
    assert "Accusé de réception" in text
    assert assessed.reference in text and "Valenciennes Métropole" in text
    assert assessed.current_snapshot.sha256 in without_spaces(text)


def test_the_decision_letter_says_the_outcome_and_the_amount_granted(
    eager, selected, alice, django_capture_on_commit_callbacks
):
    document = requested(
        DocumentKind.DECISION_LETTER,
        alice,
        django_capture_on_commit_callbacks,
        application=selected,
    )

    text = text_of(pdf_of(document))
    assert "Retenu" in text
    assert "50 000,00 €" in text and "60 000,00 €" in text
    assert "Organisation A" in text


def test_there_is_no_decision_letter_before_a_decision(assessed, olivia):
    with pytest.raises(ServiceRefused, match="Aucune décision"):
        service.document_request(
            kind=DocumentKind.DECISION_LETTER, actor=olivia, application=assessed
        )


def test_the_call_summary_counts_and_sums_per_measure_and_country_with_charts(
    eager, selected, olivia, django_capture_on_commit_callbacks
):
    document = requested(
        DocumentKind.CALL_SUMMARY, olivia, django_capture_on_commit_callbacks, call=selected.call
    )

    text = text_of(pdf_of(document))
    assert f"Synthèse de l'appel {selected.call.reference}" in text
    assert "Par mesure" in text and "Par pays du chef de file" in text
    assert "France" in text
    assert "60 000,00 €" in text and "50 000,00 €" in text
    assert "Demandé (UE)" in text  # the charts' legends are text in the PDF


def test_the_programme_summary_lists_projects_in_progress_and_their_reports(
    eager, selected, olivia, django_capture_on_commit_callbacks
):
    application_contract(
        application=selected,
        actor=olivia,
        contract_reference="CONV-2026-001",
        signed_on=selected.decision.decided_on,
    )
    application_start(application=selected, actor=olivia)
    selected.refresh_from_db()
    assert selected.status == S.IN_PROGRESS

    document = requested(
        DocumentKind.PROGRAMME_SUMMARY,
        olivia,
        django_capture_on_commit_callbacks,
        programme=selected.call.programme,
    )

    text = text_of(pdf_of(document))
    assert "Projets en cours du programme" in text
    assert selected.reference in text and "Organisation A" in text


def test_documents_are_rendered_in_the_language_of_the_request(
    eager, assessed, alice, django_capture_on_commit_callbacks
):
    document = requested(
        DocumentKind.ACKNOWLEDGEMENT,
        alice,
        django_capture_on_commit_callbacks,
        application=assessed,
        language="nl",
    )

    reader = pdf_of(document)
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    assert "Ontvangstbevestiging" in text_of(reader)


# --- requests, idempotence, failures, retries ---------------------------------------------


def test_the_same_request_pending_is_not_made_twice(assessed, alice, olivia):
    first = service.document_request(kind=DocumentKind.DOSSIER, actor=alice, application=assessed)
    again = service.document_request(kind=DocumentKind.DOSSIER, actor=olivia, application=assessed)

    assert again.pk == first.pk
    assert GeneratedDocument.objects.count() == 1


def test_a_second_run_of_a_done_document_makes_no_second_file(assessed, alice, settings):
    document = service.document_request(
        kind=DocumentKind.ACKNOWLEDGEMENT, actor=alice, application=assessed
    )

    assert service.document_render(document_id=document.pk) == "done"
    assert service.document_render(document_id=document.pk) == "already done"
    document.refresh_from_db()
    files = list((settings.MEDIA_ROOT / "documents" / "acknowledgement").iterdir())
    assert [path.name for path in files] == [document.file.name.rsplit("/", 1)[1]]
    assert document.attempts == 1


def test_two_deliveries_of_one_request_record_one_file(assessed, alice, settings, monkeypatch):
    """A delivery that finishes second finds the document done: its own file is deleted and
    the first one's stays recorded."""
    document = service.document_request(
        kind=DocumentKind.ACKNOWLEDGEMENT, actor=alice, application=assessed
    )
    real = service.html_to_pdf
    outcomes = []

    def the_other_delivery_finishes_first(html, **options):
        monkeypatch.setattr(service, "html_to_pdf", real)
        outcomes.append(service.document_render(document_id=document.pk))
        return real(html, **options)

    monkeypatch.setattr(service, "html_to_pdf", the_other_delivery_finishes_first)

    assert service.document_render(document_id=document.pk) == "superseded"
    assert outcomes == ["done"]
    document.refresh_from_db()
    files = list((settings.MEDIA_ROOT / "documents" / "acknowledgement").iterdir())
    assert [path.name for path in files] == [document.file.name.rsplit("/", 1)[1]]
    assert document.status == DocumentStatus.DONE and document.attempts == 2


def test_a_template_error_fails_the_document_with_its_reason_and_a_retry_renders_it(
    eager, assessed, olivia, client, django_capture_on_commit_callbacks, monkeypatch, tmp_path,
    settings,
):  # fmt: skip
    from reporting import document_content

    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "broken-for-the-test.html").write_text(
        "{% extends 'pdf/base.html' %}{% block content %}{% if %}{% endif %}{% endblock %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    real = document_content.acknowledgement_content

    def with_broken_template(document):
        content = real(document)
        content.template = "pdf/broken-for-the-test.html"
        return content

    monkeypatch.setitem(
        document_content.BUILDERS, DocumentKind.ACKNOWLEDGEMENT, with_broken_template
    )
    document = requested(
        DocumentKind.ACKNOWLEDGEMENT, olivia, django_capture_on_commit_callbacks,
        application=assessed,
    )  # fmt: skip
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert "TemplateSyntaxError" in document.error and not document.file

    client.force_login(olivia)
    page = client.get(reverse("reporting:document", args=[document.pk])).content.decode()
    assert "pas pu être produit." in page
    assert "TemplateSyntaxError" in page and "Relancer le rendu" in page

    monkeypatch.setitem(document_content.BUILDERS, DocumentKind.ACKNOWLEDGEMENT, real)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:document_retry", args=[document.pk]))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE and document.attempts == 2
    assert document.error == ""


def test_a_document_that_has_not_failed_is_not_retried(assessed, alice):
    document = service.document_request(
        kind=DocumentKind.DOSSIER, actor=alice, application=assessed
    )
    with pytest.raises(ServiceRefused, match="pas en échec"):
        service.document_retry(document=document, actor=alice)


def test_a_transient_error_is_retried_then_the_document_fails_with_the_reason(
    eager, assessed, alice, monkeypatch, settings
):
    from django.db import OperationalError

    from reporting import tasks

    document = service.document_request(
        kind=DocumentKind.DOSSIER, actor=alice, application=assessed
    )
    calls = []

    def database_gone(*, document_id):
        calls.append(document_id)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks.documents, "document_render", database_gone)
    monkeypatch.setattr(tasks.render_document, "max_retries", 2)
    app.conf.task_eager_propagates = False
    try:
        tasks.render_document.apply(args=[document.pk])
    finally:
        app.conf.task_eager_propagates = True

    assert len(calls) == 3  # the first run and two retries
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert "après 3 essais" in document.error and "server closed" in document.error


# --- pages --------------------------------------------------------------------------------


def test_the_page_of_a_pending_document_refreshes_itself(client, assessed, alice):
    document = service.document_request(
        kind=DocumentKind.DOSSIER, actor=alice, application=assessed
    )
    client.force_login(alice)

    page = client.get(reverse("reporting:document", args=[document.pk])).content.decode()
    status_url = reverse("reporting:document_status", args=[document.pk])
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "En attente" in page

    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.RUNNING, progress=40
    )
    fragment = client.get(status_url).content.decode()
    assert 'value="40"' in fragment and "Rendu en cours : 40 %." in fragment


def test_a_done_document_offers_its_download_and_the_page_stops_refreshing(client, assessed, alice):
    document = service.document_request(
        kind=DocumentKind.ACKNOWLEDGEMENT, actor=alice, application=assessed
    )
    service.document_render(document_id=document.pk)
    client.force_login(alice)

    page = client.get(reverse("reporting:document", args=[document.pk])).content.decode()
    assert reverse("reporting:document_download", args=[document.pk]) in page
    assert "hx-trigger" not in page and "http-equiv" not in page

    response = client.get(reverse("reporting:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{assessed.reference}-acknowledgement.pdf"'
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_asking_from_the_dossier_page_leads_to_the_documents_page(client, assessed, alice):
    client.force_login(alice)
    overview = client.get(reverse("applications:overview", args=[assessed.reference]))
    assert 'name="kind" value="dossier"' in overview.content.decode()

    response = client.post(
        reverse("reporting:document_request"),
        {"kind": "dossier", "reference": assessed.reference},
    )

    document = GeneratedDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:document", args=[document.pk])
    assert (document.kind, document.application, document.snapshot) == (
        "dossier",
        assessed,
        assessed.current_snapshot,
    )
    assert document.requested_by == alice and document.language == "fr"
    listing = client.get(reverse("reporting:documents")).content.decode()
    assert "Dossier tel que déposé" in listing and assessed.reference in listing


def test_the_officer_asks_for_summaries_of_their_own_calls_and_programmes(
    client, call, olivia, oscar
):
    client.force_login(olivia)
    page = client.get(reverse("reporting:summaries")).content.decode()
    assert call.reference in page and call.programme.name in page

    client.force_login(oscar)
    assert call.reference not in client.get(reverse("reporting:summaries")).content.decode()


# --- who may see what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,kind,expected",
    [
        ("alice", "dossier", 200),
        ("bob", "dossier", 200),  # a partner's member sees the dossier
        ("olivia", "dossier", 200),
        ("ada", "dossier", 200),  # the assigned assessor reads the dossier as submitted
        ("charlie", "dossier", 404),
        ("oscar", "dossier", 404),
        ("alice", "acknowledgement", 200),
        ("ada", "acknowledgement", 404),
        ("charlie", "acknowledgement", 404),
        ("oscar", "acknowledgement", 404),
    ],
)
def test_a_document_is_seen_only_by_those_who_see_its_subject(
    client, request, assessed, alice, persona, kind, expected
):
    document = service.document_request(kind=kind, actor=alice, application=assessed)
    service.document_render(document_id=document.pk)
    client.force_login(request.getfixturevalue(persona))

    for name in ("document", "document_status", "document_download"):
        response = client.get(reverse(f"reporting:{name}", args=[document.pk]))
        assert response.status_code == expected, (name, persona)


@pytest.mark.parametrize("persona", ["charlie", "oscar"])
def test_asking_for_a_document_of_another_organisations_dossier_is_refused(
    client, request, assessed, persona
):
    client.force_login(request.getfixturevalue(persona))

    for kind in ("dossier", "acknowledgement", "decision_letter"):
        response = client.post(
            reverse("reporting:document_request"), {"kind": kind, "reference": assessed.reference}
        )
        assert response.status_code == 404
    assert not GeneratedDocument.objects.exists()


def test_summaries_are_for_the_officers_of_the_authority_only(client, call, alice, oscar, ada):
    for persona in (alice, oscar, ada):
        client.force_login(persona)
        for kind, field, value in (
            ("call_summary", "call", call.reference),
            ("programme_summary", "programme", call.programme.code),
        ):
            response = client.post(
                reverse("reporting:document_request"), {"kind": kind, field: value}
            )
            assert response.status_code == 404
        page = client.get(reverse("reporting:summaries"))
        # Oscar has a summaries page, of his own authority's calls; the others have none.
        assert page.status_code == (200 if persona == oscar else 404)
        assert call.reference not in page.content.decode()
    assert not GeneratedDocument.objects.exists()


def test_a_visitor_is_sent_to_the_login_page(client, assessed, alice):
    document = service.document_request(
        kind=DocumentKind.DOSSIER, actor=alice, application=assessed
    )
    for name in ("document", "document_status", "document_download"):
        response = client.get(reverse(f"reporting:{name}", args=[document.pk]))
        assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_an_unknown_kind_or_subject_is_a_404(client, alice):
    client.force_login(alice)
    for data in (
        {"kind": "nothing"},
        {"kind": "dossier", "reference": "NOPE"},
        {"kind": "progress_report", "report": "x"},
    ):
        assert client.post(reverse("reporting:document_request"), data).status_code == 404


# --- WeasyPrint reads nothing outside the portal ------------------------------------------


def test_the_pdf_url_fetcher_refuses_urls_and_files_outside_the_portal():
    fetcher = url_fetcher()
    for url in (
        "http://example.org/logo.png",
        "https://example.org/style.css",
        "ftp://example.org/x",
        "file:///etc/passwd",
        "file:///work/../etc/hostname",
    ):
        with pytest.raises(ResourceRefused):
            fetcher.fetch(url)
    from reporting.pdf import static_url

    response = fetcher.fetch(static_url("pdf/document.css"))
    assert b"@font-face" in response.read()


def test_a_dossier_text_with_a_remote_image_renders_without_fetching_it(monkeypatch):
    from reporting.pdf import html_to_pdf

    fetched = []
    from weasyprint.urls import URLFetcher

    real = URLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", spy)
    rendered = html_to_pdf(
        '<html lang="fr"><head><title>T</title></head><body><p>Texte</p>'
        '<img src="http://169.254.169.254/latest/meta-data/"><img src="file:///etc/passwd">'
        "</body></html>"
    )

    assert rendered.content.startswith(b"%PDF-") and rendered.pages == 1
    assert fetched == []  # refused before any opening
    assert Decimal(rendered.layout_seconds) >= 0


def test_an_unexpected_error_fails_the_document_instead_of_leaving_it_pending(
    eager, assessed, alice, monkeypatch
):
    from reporting import tasks

    document = service.document_request(
        kind=DocumentKind.DOSSIER, actor=alice, application=assessed
    )

    def broken(*, document_id):
        raise RuntimeError("a fault of the portal")

    monkeypatch.setattr(tasks.documents, "document_render", broken)
    app.conf.task_eager_propagates = False
    try:
        result = tasks.render_document.apply(args=[document.pk])
    finally:
        app.conf.task_eager_propagates = True

    assert isinstance(result.result, RuntimeError)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert "Erreur inattendue du rendu (RuntimeError) : a fault of the portal" in document.error


@pytest.mark.parametrize(
    "persona,expected",
    [("alice", 200), ("bob", 200), ("olivia", 200), ("charlie", 404), ("oscar", 404), ("ada", 404)],
)
def test_a_progress_reports_pdf_is_seen_by_those_who_see_the_report(
    client, request, selected, alice, persona, expected
):
    """The officers see a report once it has been submitted (as its pages do)."""
    from django.utils import timezone

    from reporting.choices import ReportStatus
    from tests import factories as f

    report = f.ProgressReportFactory(
        application=selected,
        number=1,
        status=ReportStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    document = service.document_request(
        kind=DocumentKind.PROGRESS_REPORT, actor=alice, report=report
    )
    service.document_render(document_id=document.pk)
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("reporting:document_download", args=[document.pk]))
    assert response.status_code == expected
    asked = client.post(
        reverse("reporting:document_request"), {"kind": "progress_report", "report": report.pk}
    )
    assert asked.status_code == (302 if expected == 200 else 404)


def test_the_officers_do_not_see_the_pdf_of_a_draft_report(client, selected, alice, olivia):
    from tests import factories as f

    report = f.ProgressReportFactory(application=selected, number=1)
    document = service.document_request(
        kind=DocumentKind.PROGRESS_REPORT, actor=alice, report=report
    )
    client.force_login(olivia)
    assert client.get(reverse("reporting:document", args=[document.pk])).status_code == 404


# --- nothing lost when the broker is away ----------------------------------------------------


def test_a_request_made_while_the_broker_is_away_is_kept_and_sent_again_by_the_sweep(
    eager, assessed, alice, monkeypatch, settings, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone
    from kombu.exceptions import OperationalError as BrokerDown

    from reporting import tasks

    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.render_document, "apply_async", broker_down)
        document = requested(
            DocumentKind.DOSSIER, alice, django_capture_on_commit_callbacks, application=assessed
        )
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING  # kept, not lost, not failed

    assert service.documents_requeue_stalled() == []  # not stalled yet
    later = timezone.now() + dt.timedelta(seconds=settings.DOCUMENTS_STALLED_AFTER + 1)
    assert service.documents_requeue_stalled(now=later) == [document.pk]
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE


def test_a_render_whose_worker_vanished_is_sent_again_after_the_time_limit(
    eager, assessed, alice, settings
):
    import datetime as dt

    from django.utils import timezone

    document = service.document_request(
        kind=DocumentKind.DOSSIER, actor=alice, application=assessed
    )
    started = timezone.now()
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.RUNNING, started_at=started, attempts=1
    )
    limit = settings.DOCUMENTS_TIME_LIMIT + settings.DOCUMENTS_STALLED_AFTER
    assert service.documents_requeue_stalled(now=started + dt.timedelta(seconds=limit - 1)) == []
    assert service.documents_requeue_stalled(now=started + dt.timedelta(seconds=limit + 1)) == [
        document.pk
    ]
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE and document.attempts == 2


def test_the_report_page_asks_for_its_pdf(client, selected, alice):
    from tests import factories as f

    report = f.ProgressReportFactory(application=selected, number=1)
    client.force_login(alice)
    page = client.get(
        reverse("reporting:report_detail", args=[selected.reference, report.number])
    ).content.decode()
    assert 'name="kind" value="progress_report"' in page
    assert f'name="report" value="{report.pk}"' in page


def test_an_assessor_reads_the_dossiers_pdf_only_once_no_conflict_is_declared(
    client, assessed, alice, olivia, authority
):
    from calls.choices import AuthorityRole
    from review.assessment import assessment_assign, assessment_declare_no_conflict
    from tests import factories as f

    newcomer = f.UserFactory(email="nora@experts.example.org", first_name="Nora")
    f.AuthorityMemberFactory(user=newcomer, authority=authority, role=AuthorityRole.ASSESSOR)
    (assessment,) = assessment_assign(application=assessed, assessors=[newcomer], actor=olivia)
    document = service.document_request(
        kind=DocumentKind.DOSSIER, actor=alice, application=assessed
    )
    client.force_login(newcomer)
    address = reverse("reporting:document", args=[document.pk])

    assert client.get(address).status_code == 404  # as the assessment page: declare first
    assessment_declare_no_conflict(assessment=assessment, actor=newcomer)
    assert client.get(address).status_code == 200
