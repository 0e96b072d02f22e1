"""PASS'EMPLOI (the demo's project in progress, from the source documents): its progress
report of 27-04-2021 rendered to PDF shows its five modules, module 5 not started, and its
budget to the cent, per partner and in total."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from applications.models import Application
from portal.models import User
from reporting import documents as service
from reporting.choices import DocumentKind
from reporting.models import ProgressReport
from tests.reporting.test_documents import pdf_of, text_of


@pytest.fixture
def pass_emploi(db):
    with override_settings(
        DEBUG=True, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ):
        call_command("load_demo", stdout=StringIO())
    return Application.objects.get(acronym="PASS'EMPLOI")


def test_the_pass_emploi_report_pdf_shows_its_modules_and_its_budget_to_the_cent(pass_emploi):
    report = ProgressReport.objects.get(application=pass_emploi)
    lead_member = User.objects.get(email="lillomomes@demo.example")
    document = service.document_request(
        kind=DocumentKind.PROGRESS_REPORT, actor=lead_member, report=report
    )

    assert service.document_render(document_id=document.pk) == "done"
    reader = pdf_of(document)
    text = text_of(reader)
    assert f"Rapport d'avancement n° 1 du projet {pass_emploi.reference}" in text
    for number in range(1, 6):
        assert f"Module {number}" in text
    assert "Non démarré" in text and "27-04-2021" in text
    assert "957 913,76 €" in text  # the project's budget, to the cent
    for partner_budget in ("431 061,19 €", "335 269,82 €", "191 582,75 €"):
        assert partner_budget in text
    assert "Plus-value transfrontalière" in text
    assert f"page {len(reader.pages)} / {len(reader.pages)}" in text
