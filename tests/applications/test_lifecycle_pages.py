"""The life of a dossier in pages: starting one from a call, submitting it, withdrawing it.
Alice leads the dossier (organisation A), Bob's organisation B is its partner, Charlie's
organisation C has nothing to do with it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus, FundingSource
from applications.models import Application, Snapshot, StatusChange
from calls.choices import RuleKind
from calls.eligibility.facts import clear_call_cache
from partners.choices import PartnerRole
from partners.models import Partner
from tests import factories as f
from tests.pages.test_public_pages import parse

pytestmark = pytest.mark.django_db


def _url(name, application):
    return reverse(f"applications:{name}", args=[application.reference])


def _start_url(call):
    return reverse("applications:start", args=[call.reference])


def _set_status(application, status):
    Application.objects.filter(pk=application.pk).update(status=status)


@pytest.fixture
def ready(dossier):
    """Alice's dossier with a budget, a co-financing plan and contacts: no rule fails."""
    lead, partner = dossier.partners.order_by("number")
    f.BudgetLineFactory(partner=lead, amount=Decimal("10000.00"))
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("6000.00"))
    partner.contact_email = "contact@b.example.org"
    partner.save()
    f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 2}
    )
    return dossier


def _with_partners(application, n: int) -> None:
    """Partners numbered 3.. up to ``n`` in all, each with a budget line and an EU share."""
    for number in range(application.partners.count() + 1, n + 1):
        partner = f.PartnerFactory(application=application, number=number)
        f.BudgetLineFactory(partner=partner)
        f.CofinancingFactory(partner=partner)


def _count_queries(client, url) -> int:
    clear_call_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- start a dossier from a call ----------------------------------------------------------


def test_the_start_page_preselects_the_only_organisation(client, alice, call, org_a):
    client.force_login(alice)
    response = client.get(_start_url(call))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{org_a.pk}" selected>' in html
    assert "---------" not in html
    assert not parse(response).unlabelled_controls()


def test_starting_a_dossier_on_an_open_call_creates_the_draft_and_its_lead(
    client, alice, call, org_a
):
    client.force_login(alice)
    response = client.post(
        _start_url(call), {"organisation": org_a.pk, "title": "Passerelle vers l'emploi"}
    )

    application = Application.objects.get(call=call)
    assert response.status_code == 302
    assert response["Location"] == _url("identification", application)
    assert application.reference == f"{call.application_prefix}-0001"
    assert application.title == "Passerelle vers l'emploi"
    assert application.status == ApplicationStatus.DRAFT
    lead = application.partners.get()
    assert (lead.organisation, lead.role, lead.number) == (org_a, PartnerRole.LEAD, 1)
    assert lead.contact_email == "alice@a.example.org"
    page = client.get(response["Location"]).content.decode()
    assert f"Le dossier {application.reference} est créé" in page


def test_a_closed_call_refuses_with_its_dates_before_the_form(client, alice, call, org_a):
    call.opens_at = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    call.closes_at = dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.UTC)
    call.save()
    client.force_login(alice)

    response = client.get(_start_url(call))
    html = response.content.decode()
    assert "a été clos le 31 mars 2026 12:00 (heure de Paris)" in html
    assert 'name="organisation"' not in html

    response = client.post(_start_url(call), {"organisation": org_a.pk})
    assert response.status_code == 409
    assert "a été clos le" in response.content.decode()
    assert not Application.objects.exists()


def test_an_upcoming_call_refuses_with_its_opening(client, alice, call, org_a):
    call.opens_at = timezone.now() + dt.timedelta(days=3)
    call.closes_at = timezone.now() + dt.timedelta(days=30)
    call.save()
    client.force_login(alice)

    html = client.get(_start_url(call)).content.decode()
    assert f"L&#x27;appel {call.reference} ouvre le" in html
    assert 'name="organisation"' not in html
    assert client.post(_start_url(call), {"organisation": org_a.pk}).status_code == 409
    assert not Application.objects.exists()


def test_a_visitor_is_sent_to_log_in_and_back(client, call):
    response = client.get(_start_url(call))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]
    assert client.post(_start_url(call), {}).status_code == 302
    assert not Application.objects.exists()


def test_a_person_without_organisation_is_told_how_to_get_one(client, call):
    user = f.UserFactory(email="solo@example.org")
    client.force_login(user)

    response = client.get(_start_url(call))
    html = response.content.decode()
    assert "une personne seule ne peut pas déposer de dossier" in html
    assert reverse("partners:create") in html
    assert reverse("partners:join") in html
    assert 'name="organisation"' not in html
    assert client.post(_start_url(call), {"organisation": "1"}).status_code == 403
    assert not Application.objects.exists()


def test_one_cannot_start_a_dossier_for_an_organisation_one_is_not_a_member_of(
    client, alice, call, org_b
):
    client.force_login(alice)
    response = client.post(_start_url(call), {"organisation": org_b.pk})
    assert response.status_code == 422
    assert "au nom d&#x27;une organisation dont vous êtes membre" in response.content.decode()
    assert not Application.objects.exists()


def test_a_too_long_title_is_refused_with_a_message(client, alice, call, org_a):
    client.force_login(alice)
    response = client.post(_start_url(call), {"organisation": org_a.pk, "title": "x" * 300})
    assert response.status_code == 422
    assert "255 caractères" in response.content.decode()
    assert not Application.objects.exists()


def test_an_unknown_or_unpublished_call_is_not_found(client, alice, call):
    client.force_login(alice)
    assert client.get(reverse("applications:start", args=["NOPE-0000"])).status_code == 404
    call.is_published = False
    call.save()
    assert client.get(_start_url(call)).status_code == 404


def test_the_call_page_offers_to_apply_on_an_open_call_and_gives_dates_otherwise(client, call):
    html = client.get(reverse("calls:detail", args=[call.reference])).content.decode()
    assert "Déposer un dossier" in html
    assert _start_url(call) in html

    call.opens_at = timezone.now() - dt.timedelta(days=40)
    call.closes_at = timezone.now() - dt.timedelta(days=1)
    call.save()
    html = client.get(reverse("calls:detail", args=[call.reference])).content.decode()
    assert _start_url(call) not in html
    assert "il n'est plus possible d'y déposer un dossier" in html

    call.opens_at = timezone.now() + dt.timedelta(days=2)
    call.closes_at = timezone.now() + dt.timedelta(days=40)
    call.save()
    html = client.get(reverse("calls:detail", args=[call.reference])).content.decode()
    assert _start_url(call) not in html
    assert "Les dossiers pourront être déposés à partir du" in html


# --- submit -------------------------------------------------------------------------------


def test_the_submit_page_shows_the_failures_to_fix_the_budget_and_the_deadline(
    client, alice, ready
):
    f.EligibilityRuleFactory(call=ready.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 3})
    client.force_login(alice)

    response = client.get(_url("submit", ready))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce qui reste à corriger" in html
    assert "Au moins 3 organisations sont requises ; ce consortium en compte 2." in html
    assert _url("consortium", ready) in html
    assert "10\u00a0000,00\u00a0€" in html  # the budget in total, the French way
    assert "Temps restant" in html
    assert "Je certifie l&#x27;exactitude des informations" in html
    assert not parse(response).unlabelled_controls()


def test_a_submission_refused_by_a_blocking_rule_lists_the_reasons_and_changes_nothing(
    client, alice, ready, django_capture_on_commit_callbacks
):
    f.EligibilityRuleFactory(call=ready.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 3})
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("submit", ready), {"confirm": "on"})

    assert response.status_code == 422
    html = response.content.decode()
    assert "Le dossier n'a pas été déposé" in html
    assert "Au moins 3 organisations sont requises ; ce consortium en compte 2." in html
    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.DRAFT
    assert not Snapshot.objects.exists()
    assert not StatusChange.objects.exists()
    assert mail.outbox == []


def test_a_submission_after_the_deadline_is_refused(client, alice, ready):
    call = ready.call
    call.closes_at = timezone.now() - dt.timedelta(seconds=1)
    call.save()
    client.force_login(alice)

    response = client.post(_url("submit", ready), {"confirm": "on"})

    assert response.status_code == 422
    assert "L&#x27;appel a été clos le" in response.content.decode()
    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.DRAFT
    assert not Snapshot.objects.exists()


def test_a_submission_without_the_certification_is_refused_with_a_message(client, alice, ready):
    client.force_login(alice)
    response = client.post(_url("submit", ready), {})
    assert response.status_code == 422
    assert "Cochez cette case" in response.content.decode()
    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.DRAFT


def test_a_submission_freezes_the_dossier_and_sends_the_acknowledgement(
    client, alice, ready, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("submit", ready), {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == _url("overview", ready)
    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.SUBMITTED
    snapshot = Snapshot.objects.get(application=ready)
    change = StatusChange.objects.get(application=ready)
    assert (change.from_status, change.to_status, change.actor) == ("draft", "submitted", alice)
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@a.example.org", "contact@b.example.org"]
    assert snapshot.sha256 in mail.outbox[0].body
    page = client.get(response["Location"]).content.decode()
    assert f"Le dossier {ready.reference} a été déposé le" in page
    assert snapshot.sha256 in page
    # the submission page now shows the fingerprint and that the dossier is read-only
    html = client.get(_url("submit", ready)).content.decode()
    assert snapshot.sha256 in html
    assert "il se lit, il ne se modifie plus" in html
    assert 'name="confirm"' not in html
    assert client.post(_url("submit", ready), {"confirm": "on"}).status_code == 403


def test_the_partner_sees_the_submit_page_without_the_form_and_cannot_submit(client, bob, ready):
    client.force_login(bob)
    html = client.get(_url("submit", ready)).content.decode()
    assert 'name="confirm"' not in html
    assert "Seuls les membres de l'organisation chef de file" in html
    assert client.post(_url("submit", ready), {"confirm": "on"}).status_code == 403
    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.DRAFT


def test_an_unrelated_member_gets_404_on_every_lifecycle_page(client, charlie, dossier):
    client.force_login(charlie)
    for name in ("submit", "withdraw", "copy"):
        assert client.get(_url(name, dossier)).status_code == 404
        assert client.post(_url(name, dossier), {"confirm": "on"}).status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.DRAFT


def test_the_submit_page_runs_the_same_queries_for_2_and_for_20_partners(client, alice, ready):
    client.force_login(alice)
    with_two = _count_queries(client, _url("submit", ready))
    _with_partners(ready, 20)
    with_twenty = _count_queries(client, _url("submit", ready))
    assert with_twenty == with_two
    # session, user; dossier and partners (2); menu counts; the checklist (12, cold);
    # budget overview; latest snapshot
    assert with_two == 20


# --- withdraw -----------------------------------------------------------------------------


def test_the_lead_withdraws_a_submitted_dossier_with_a_reason(client, alice, dossier):
    _set_status(dossier, ApplicationStatus.SUBMITTED)
    client.force_login(alice)
    page = client.get(_url("withdraw", dossier))
    assert page.status_code == 200
    assert "Confirmer le retrait" in page.content.decode()
    assert not parse(page).unlabelled_controls()

    response = client.post(_url("withdraw", dossier), {"reason": "Projet reporté."})

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.WITHDRAWN
    change = StatusChange.objects.get(application=dossier)
    assert (change.to_status, change.actor, change.comment) == (
        "withdrawn",
        alice,
        "Projet reporté.",
    )
    assert "est retiré" in client.get(response["Location"]).content.decode()


def test_a_dossier_cannot_be_withdrawn_after_a_decision(client, alice, dossier):
    _set_status(dossier, ApplicationStatus.SELECTED)
    client.force_login(alice)
    html = client.get(_url("withdraw", dossier)).content.decode()
    assert "ne peut plus être retiré" in html
    assert 'name="reason"' not in html

    response = client.post(_url("withdraw", dossier), {"reason": ""})

    assert response.status_code == 409
    assert "ne peut pas passer à l&#x27;état « Retiré »" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.SELECTED
    assert not StatusChange.objects.exists()


def test_a_too_long_reason_is_refused_and_nothing_changes(client, alice, dossier):
    client.force_login(alice)
    response = client.post(_url("withdraw", dossier), {"reason": "x" * 2001})
    assert response.status_code == 422
    assert "2000 caractères" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.DRAFT


def test_the_partner_cannot_withdraw_the_dossier(client, bob, dossier):
    client.force_login(bob)
    html = client.get(_url("withdraw", dossier)).content.decode()
    assert "Seuls les membres du chef de file peuvent retirer ce dossier." in html
    assert client.post(_url("withdraw", dossier), {"reason": ""}).status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.DRAFT


def test_the_withdraw_page_runs_the_same_queries_for_2_and_for_20_partners(client, alice, dossier):
    client.force_login(alice)
    with_two = _count_queries(client, _url("withdraw", dossier))
    _with_partners(dossier, 20)
    assert _count_queries(client, _url("withdraw", dossier)) == with_two
    # session, user; dossier and partners (2); menu counts; the checklist (12, cold)
    assert with_two == 18
    assert Partner.objects.filter(application=dossier).count() == 20
