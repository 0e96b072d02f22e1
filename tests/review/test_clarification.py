"""Clarification requests: the officer names the sections to reopen and writes the question;
the lead's members are told; only the reopened sections are editable, by those who could
edit them on a draft; the resubmission freezes a new version and answers the request."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from applications.choices import ApplicationStatus, CostCategory
from applications.models import BudgetLine, ClarificationRequest, Snapshot, StatusChange
from applications.services import ServiceRefused, application_submit, section_save
from applications.workflow import transition
from review.screening import clarification_request
from tests import factories as f

pytestmark = pytest.mark.django_db

QUESTION = "Précisez le calendrier du module 2 et le budget du partenaire B."


@pytest.fixture
def submitted(dossier, alice):
    application_submit(application=dossier, actor=alice)
    dossier.refresh_from_db()
    return dossier


def _ask(application, olivia, sections=("identification", "budget")):
    clarification_request(
        application=application, sections=list(sections), question=QUESTION, actor=olivia
    )
    application.refresh_from_db()
    return application


def _url(application):
    return reverse("review:clarification", args=[application.reference])


def _app_url(name, application, *args):
    return reverse(f"applications:{name}", args=[application.reference, *args])


def _identification(version, **changes):
    data = {
        "version": str(version),
        "acronym": "PASSERELLE",
        "title": "Passerelle vers l'emploi",
        "summary": "Accompagner vers l'emploi.",
        "start_date": "2027-01-01",
        "end_date": "2028-06-30",
        "save": "1",
    }
    data.update(changes)
    return data


def _budget(version=0):
    return {
        "version": str(version),
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-cost_category": CostCategory.STAFF,
        "lines-0-year": "2027",
        "lines-0-work_package": "",
        "lines-0-description": "Chargée de mission",
        "lines-0-amount": "12 500,50",
        "save": "1",
    }


# --- the officer asks ----------------------------------------------------------------------


def test_the_officer_reopens_sections_with_a_question_and_the_lead_is_told(
    client, olivia, submitted, django_capture_on_commit_callbacks
):
    client.force_login(olivia)
    page = client.get(_url(submitted)).content.decode()
    assert "Sections à rouvrir" in page
    assert 'value="submission"' not in page  # the submission page is never reopened

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(submitted),
            {
                "sections": ["identification", "budget"],
                "question": QUESTION,
                "seen_status": "submitted",
            },
        )

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.CLARIFICATION_REQUESTED
    request = ClarificationRequest.objects.get(application=submitted)
    assert (request.question, request.sections, request.asked_by) == (
        QUESTION,
        ["identification", "budget"],
        olivia,
    )
    change = StatusChange.objects.get(to_status="clarification_requested")
    assert (change.from_status, change.actor, change.comment) == ("submitted", olivia, QUESTION)
    # The lead's members only (Bob belongs to the partner).
    assert [m.to for m in mail.outbox] == [["alice@a.example.org"]]
    assert submitted.reference in mail.outbox[0].subject
    assert QUESTION in mail.outbox[0].body
    assert "Identification" in mail.outbox[0].body and "Budget" in mail.outbox[0].body


def test_a_clarification_can_be_asked_during_the_screening(olivia, submitted):
    transition(application=submitted, to_status="eligibility_review", actor=olivia)
    _ask(submitted, olivia)
    assert submitted.status == ApplicationStatus.CLARIFICATION_REQUESTED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sections": [], "question": QUESTION}, "Choisissez au moins une section à rouvrir."),
        ({"sections": ["budget"], "question": "  "}, "Écrivez la question posée au porteur."),
        ({"sections": ["submission"], "question": QUESTION}, "Sélectionnez un choix valide"),
    ],
)
def test_a_request_without_sections_or_question_is_refused_and_nothing_saved(
    client, olivia, submitted, data, message
):
    client.force_login(olivia)
    response = client.post(_url(submitted), {**data, "seen_status": "submitted"})
    assert response.status_code == 422
    assert message in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert not ClarificationRequest.objects.exists()
    assert mail.outbox == []


def test_no_clarification_once_the_dossier_is_admissible(client, olivia, submitted):
    transition(application=submitted, to_status="eligibility_review", actor=olivia)
    transition(application=submitted, to_status="admissible", actor=olivia)
    client.force_login(olivia)
    page = client.get(_url(submitted)).content.decode()
    assert "Envoyer la demande de compléments" not in page
    response = client.post(
        _url(submitted), {"sections": ["budget"], "question": QUESTION, "seen_status": "admissible"}
    )
    assert response.status_code == 409
    assert not ClarificationRequest.objects.exists()


# --- the applicant edits only the reopened sections ------------------------------------


def test_alice_sees_the_question_and_the_reopened_sections(client, alice, olivia, submitted):
    _ask(submitted, olivia)
    client.force_login(alice)
    html = client.get(_app_url("overview", submitted)).content.decode()
    assert "Le service instructeur demande des compléments" in html
    assert "Précisez le calendrier du module 2" in html
    assert f'href="{_app_url("identification", submitted)}"' in html
    assert "Déposer à nouveau le dossier" in html


def test_alice_edits_a_reopened_section_but_not_the_others(client, alice, olivia, submitted):
    _ask(submitted, olivia)
    client.force_login(alice)
    saved = client.post(_app_url("identification", submitted), _identification(0))
    assert saved.status_code == 302
    submitted.refresh_from_db()
    assert submitted.acronym == "PASSERELLE"

    refused = client.post(
        _app_url("context", submitted),
        {"version": "0", "context": "Autre contexte", "objectives": "Autres", "save": "1"},
    )
    assert refused.status_code == 403
    assert "ne rouvre pas cette section" in refused.content.decode()
    submitted.refresh_from_db()
    assert submitted.context != "Autre contexte"


def test_bob_edits_his_own_budget_only_when_the_budget_is_reopened(client, bob, olivia, submitted):
    _ask(submitted, olivia, sections=["identification"])
    client.force_login(bob)
    refused = client.post(_app_url("partner_budget", submitted, 2), _budget())
    assert refused.status_code == 403
    assert not BudgetLine.objects.exists()
    # Bob cannot edit the shared identification, reopened or not: it is the lead's.
    assert client.post(_app_url("identification", submitted), _identification(0)).status_code == (
        403
    )


def test_bob_edits_his_own_budget_when_it_is_reopened_but_not_the_leads(
    client, bob, olivia, submitted
):
    _ask(submitted, olivia, sections=["budget"])
    client.force_login(bob)
    saved = client.post(_app_url("partner_budget", submitted, 2), _budget())
    assert saved.status_code == 302
    assert BudgetLine.objects.get(partner__number=2).amount == Decimal("12500.50")
    assert client.post(_app_url("partner_budget", submitted, 1), _budget()).status_code == 403
    assert BudgetLine.objects.count() == 1


def test_the_save_service_refuses_a_section_not_reopened(alice, olivia, submitted):
    _ask(submitted, olivia, sections=["budget"])
    with pytest.raises(ServiceRefused) as refused:
        section_save(
            application=submitted, key="context", version=0, actor=alice, write=lambda: None
        )
    assert "ne rouvre pas cette section" in refused.value.message
    lead = submitted.partners.get(number=1)
    assert (
        section_save(
            application=submitted,
            key=f"budget-{lead.pk}",
            version=0,
            actor=alice,
            write=lambda: None,
        )
        == 1
    )


def test_nothing_is_editable_once_the_dossier_is_resubmitted(client, alice, olivia, submitted):
    _ask(submitted, olivia)
    application_submit(application=submitted, actor=alice)
    client.force_login(alice)
    response = client.post(_app_url("identification", submitted), _identification(0))
    assert response.status_code == 403


# --- resubmission --------------------------------------------------------------------------


def test_the_resubmission_freezes_a_new_version_and_answers_the_request(
    client, alice, olivia, submitted
):
    _ask(submitted, olivia)
    client.force_login(alice)
    client.post(_app_url("identification", submitted), _identification(0, acronym="NOUVEAU"))
    response = client.post(_app_url("submit", submitted), {"confirm": "on"})
    assert response.status_code == 302
    client.get(response["Location"])  # the confirmation message is read
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    first, second = Snapshot.objects.filter(application=submitted).order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.sha256 != second.sha256
    assert second.data["acronym"] == "NOUVEAU"
    request = ClarificationRequest.objects.get()
    assert request.answered_by == alice
    assert request.answered_at == second.created_at

    client.force_login(olivia)
    v1 = client.get(reverse("review:snapshot", args=[submitted.reference, 1])).content.decode()
    v2 = client.get(reverse("review:snapshot", args=[submitted.reference, 2])).content.decode()
    assert first.sha256 in v1 and second.sha256 not in v1
    assert second.sha256 in v2
    assert "<dd>NOUVEAU</dd>" in v2 and "<dd>NOUVEAU</dd>" not in v1
    assert "pas la version la plus récente" in v1
    assert "pas la version la plus récente" not in v2
    dossier_page = client.get(reverse("review:dossier", args=[submitted.reference])).content
    html = dossier_page.decode()
    assert second.sha256 in html
    assert reverse("review:snapshot", args=[submitted.reference, 1]) in html
    assert "Répondue par" in html


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "oscar", "ada"])
def test_only_the_calls_officers_ask_for_clarification(client, request, persona, submitted):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(submitted)).status_code == 404
    response = client.post(
        _url(submitted), {"sections": ["budget"], "question": QUESTION, "seen_status": "submitted"}
    )
    assert response.status_code == 404
    assert not ClarificationRequest.objects.exists()


def test_a_visitor_is_sent_to_the_login_page(client, submitted):
    response = client.get(_url(submitted))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_service_refuses_an_officer_of_another_authority(oscar, submitted):
    with pytest.raises(ServiceRefused):
        _ask(submitted, oscar)
    assert not ClarificationRequest.objects.exists()


def test_an_unrelated_member_still_sees_nothing_of_a_reopened_dossier(
    client, charlie, olivia, submitted
):
    _ask(submitted, olivia)
    client.force_login(charlie)
    assert client.get(_app_url("identification", submitted)).status_code == 404
    assert client.post(_app_url("identification", submitted), _identification(0)).status_code == (
        404
    )


def test_a_second_organisation_member_of_the_lead_edits_too(client, org_a, olivia, submitted):
    colleague = f.UserFactory()
    f.MembershipFactory(user=colleague, organisation=org_a)
    _ask(submitted, olivia)
    client.force_login(colleague)
    assert client.post(_app_url("identification", submitted), _identification(0)).status_code == (
        302
    )


def test_reopened_attachments_and_partnership_accept_their_changes(alice, bob, olivia, submitted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.models import Attachment
    from applications.uploads import attachment_add
    from partners import services as partner_services

    _ask(submitted, olivia, sections=("attachments", "consortium"))
    document_type = f.DocumentTypeFactory(name="Statuts")
    attachment_add(
        application=submitted,
        partner=None,
        document_type=document_type,
        uploaded_file=SimpleUploadedFile("statuts.pdf", f.pdf_bytes()),
        actor=alice,
    )
    assert Attachment.objects.filter(application=submitted).count() == 1
    partner_b = submitted.partners.get(number=2)
    partner_services.partner_sign_commitment(partner=partner_b, actor=bob)
    partner_b.refresh_from_db()
    assert partner_b.commitment_signed_at is not None
    # The composition of the partnership stays closed during a clarification.
    with pytest.raises(partner_services.ServiceRefused, match="ne se modifie plus"):
        partner_services.partner_remove(partner=partner_b, actor=alice)


def test_attachments_not_reopened_stay_closed(alice, olivia, submitted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.uploads import attachment_add

    _ask(submitted, olivia, sections=("identification",))
    with pytest.raises(ServiceRefused):
        attachment_add(
            application=submitted,
            partner=None,
            document_type=f.DocumentTypeFactory(name="Statuts"),
            uploaded_file=SimpleUploadedFile("statuts.pdf", f.pdf_bytes()),
            actor=alice,
        )
