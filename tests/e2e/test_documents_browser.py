"""Documents in Chromium with a real worker: an officer of the Interreg secretariat asks for
the summary of the call PASS'EMPLOI was selected on, watches it go from pending to done
without reloading (the page polls), and downloads it; the first page of each kind of PDF
of the demo's PASS'EMPLOI is kept as a PNG beside the screenshots."""

from __future__ import annotations

import io
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from pypdf import PdfReader

from applications.models import Application
from calls.choices import AuthorityRole
from portal.models import User
from reporting import documents as service
from reporting.choices import DocumentKind, DocumentStatus
from reporting.models import GeneratedDocument, ProgressReport
from tests import factories as f
from tests.conftest import require
from tests.reporting.test_document_worker import Worker

from .accessibility import ARTEFACTS, assert_accessible, screenshot
from .test_applicant_journey import _log_in

PASSWORD = "correct-horse-battery"  # UserFactory's

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_world(transactional_db):
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=StringIO())
    application = Application.objects.get(acronym="PASS'EMPLOI")
    officer = f.UserFactory(
        email="claire.dumont@interreg-fwvl.example.eu", first_name="Claire", last_name="Dumont"
    )
    f.AuthorityMemberFactory(
        user=officer, authority=application.call.authority, role=AuthorityRole.OFFICER
    )
    return {"application": application, "officer": officer}


def test_an_officer_watches_a_call_summary_go_from_pending_to_done_and_opens_it(
    demo_world, queue, live_server, browser_page
):
    page = browser_page
    base = live_server.url
    application = demo_world["application"]
    call = application.call

    _log_in(page, base, demo_world["officer"].email, PASSWORD)
    page.goto(base + "/instruction/")
    page.get_by_role("link", name="Synthèses des appels et des programmes (PDF)").click()
    page.get_by_role("heading", name="Synthèses", exact=True).wait_for()
    assert_accessible(page, "documents-summaries")
    screenshot(page, "documents-01-summaries")

    # No worker yet: the request waits in the broker and the page says so.
    page.locator("li", has_text=call.reference).get_by_role(
        "button", name="Synthèse de l'appel (PDF)"
    ).click()
    page.get_by_role("heading", name="Synthèse d'un appel").wait_for()
    status = page.locator("#document-status")
    assert "En attente" in status.text_content()
    assert status.get_attribute("hx-trigger") == "every 2s"
    assert_accessible(page, "documents-pending")
    screenshot(page, "documents-02-pending")
    document = GeneratedDocument.objects.get(kind=DocumentKind.CALL_SUMMARY)
    assert document.status == DocumentStatus.PENDING

    # A worker comes: the same page, not reloaded, turns to "Prêt" with the download.
    worker = Worker(queue)
    try:
        page.get_by_role("link", name="Télécharger le PDF").wait_for(timeout=60_000)
    finally:
        worker.stop()
    assert "Prêt" in page.locator("#document-status").text_content()
    assert_accessible(page, "documents-done")
    screenshot(page, "documents-03-done")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{call.reference}-call_summary.pdf"
    reader = PdfReader(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert f"Synthèse de l'appel {call.reference}" in text
    assert "574 748,25 €" in text  # PASS'EMPLOI's EU share, requested and granted

    page.get_by_role("link", name="Tous mes documents").click()
    page.get_by_role("heading", name="Mes documents").wait_for()
    assert call.reference in page.locator("main").inner_text()
    screenshot(page, "documents-04-list")


def test_the_first_page_of_each_kind_of_pdf_is_kept_as_an_image(demo_world):
    require(bool(shutil.which("pdftoppm")), "pdftoppm (poppler-utils) renders the PDF pages")
    application = demo_world["application"]
    officer = demo_world["officer"]
    lead_member = User.objects.get(email="lillomomes@demo.example")
    report = ProgressReport.objects.get(application=application)
    # The programme's summary is the managing authority's (the Walloon Region for Interreg).
    f.AuthorityMemberFactory(
        user=officer,
        authority=application.call.programme.managing_authority,
        role=AuthorityRole.OFFICER,
    )
    subjects = {
        DocumentKind.DOSSIER: {"application": application},
        DocumentKind.ACKNOWLEDGEMENT: {"application": application},
        DocumentKind.DECISION_LETTER: {"application": application},
        DocumentKind.PROGRESS_REPORT: {"report": report},
        DocumentKind.CALL_SUMMARY: {"call": application.call},
        DocumentKind.PROGRAMME_SUMMARY: {"programme": application.call.programme},
    }
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for kind, subject in subjects.items():
        actor = lead_member if kind == DocumentKind.PROGRESS_REPORT else officer
        document = service.document_request(kind=kind, actor=actor, **subject)
        # Rendered here, unless the request already was (eagerly, without a broker).
        service.document_render(document_id=document.pk)
        document.refresh_from_db()
        assert document.status == DocumentStatus.DONE, document.error
        target = ARTEFACTS / f"pdf-{kind}"
        with default_storage.open(document.file.name, "rb") as handle:
            subprocess.run(
                ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", "-",
                 str(target)],
                input=handle.read(),
                check=True,
            )  # fmt: skip
        image = target.with_suffix(".png")
        assert image.stat().st_size > 10_000, kind  # a page with text, not a blank
