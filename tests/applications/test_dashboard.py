"""The applicant's dashboard: their organisations, drafts with the checklist's verdict and
the deadline, submitted dossiers with their state, invitations waiting for them, deadlines
coming; in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus
from applications.models import Application
from calls.choices import RuleKind
from calls.eligibility.facts import clear_call_cache
from partners.choices import PartnerRole
from partners.models import ColleagueInvitation, Invitation, Membership, hash_token
from tests import factories as f
from tests.pages.test_public_pages import parse

pytestmark = pytest.mark.django_db

URL = reverse("applications:dashboard")


def _invitation(application, email, inviter, **kwargs):
    return Invitation.objects.create(
        application=application,
        email=email,
        token_hash=hash_token(secrets.token_urlsafe()),
        invited_by=inviter,
        expires_at=timezone.now() + dt.timedelta(days=7),
        **kwargs,
    )


def _colleague_invitation(organisation, email, inviter, **kwargs):
    return ColleagueInvitation.objects.create(
        organisation=organisation,
        email=email,
        token_hash=hash_token(secrets.token_urlsafe()),
        invited_by=inviter,
        expires_at=timezone.now() + dt.timedelta(days=7),
        **kwargs,
    )


def _grow(user, n: int, *, start: int = 0) -> None:
    """``n`` more of everything the dashboard lists for ``user``: organisations they belong
    to, drafts (each with two partners and a budget line) and submitted dossiers led by
    them, on calls closing soon with a rule each, and invitations waiting for them."""
    inviter = f.UserFactory()
    for i in range(start, start + n):
        organisation = f.OrganisationFactory(legal_name=f"Structure {i:03d}")
        Membership.objects.create(user=user, organisation=organisation)
        call = f.CallFactory(closes_at=timezone.now() + dt.timedelta(days=5 + i % 20))
        f.EligibilityRuleFactory(call=call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 3})
        for status in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED):
            application = f.lead_application(
                call=call, organisation=organisation, created_by=user, status=status
            )
            partner = f.PartnerFactory(application=application, number=2)
            f.BudgetLineFactory(partner=partner)
        other = f.lead_application(call=call, created_by=inviter)
        _invitation(other, user.email, inviter)
        _colleague_invitation(f.OrganisationFactory(), user.email, inviter)


def _count_queries(client) -> int:
    clear_call_cache()  # the engine's call facts loaded cold, as after a restart
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_lists_organisations_drafts_submitted_dossiers_and_deadlines(
    client, alice, dossier, org_a, call
):
    f.EligibilityRuleFactory(call=call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 3})
    submitted = f.lead_application(call=call, organisation=org_a, created_by=alice)
    Application.objects.filter(pk=submitted.pk).update(
        status=ApplicationStatus.UNDER_ASSESSMENT,
        submitted_at=dt.datetime(2026, 3, 5, 11, 0, tzinfo=dt.UTC),
    )
    client.force_login(alice)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    # organisations with the role, linked to their page
    assert reverse("partners:detail", args=[org_a.pk]) in html
    assert "Organisation A" in html
    assert "Représentant légal" in html
    # the draft with its call, deadline (days left) and the checklist's verdict
    assert reverse("applications:overview", args=[dossier.reference]) in html
    assert dossier.acronym in html
    assert call.reference in html
    assert "jours restants" in html
    assert "1 point bloquant" in html
    # the submitted dossier with its state and the French date of submission
    assert submitted.reference in html
    assert "En évaluation" in html
    assert "5 mars 2026 à 12:00" in html
    # the call closing within 30 days appears among the deadlines coming
    assert "Échéances à venir" in html
    assert not parse(response).unlabelled_controls()


def test_the_dashboard_shows_invitations_waiting_without_a_link_that_cannot_exist(
    client, alice, bob, dossier, org_c
):
    other = f.lead_application(call=dossier.call, organisation=org_c)
    _invitation(other, "ALICE@a.example.org", bob)
    _invitation(other, "alice@a.example.org", bob, status="revoked")
    expired = _invitation(other, "alice@a.example.org", bob)
    Invitation.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30),
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    _colleague_invitation(org_c, "alice@a.example.org", bob)
    client.force_login(alice)

    html = client.get(URL).content.decode()

    assert "Invitations en attente" in html
    assert html.count(f"Devenir partenaire du dossier {other.reference}") == 1
    assert "Organisation C" in html  # the lead of the dossier, and the organisation to join
    assert "Rejoindre Organisation C comme Rédacteur" in html
    assert "ouvrez le lien reçu par e-mail" in html


def test_a_person_without_organisation_is_told_that_only_organisations_apply(client):
    user = f.UserFactory(email="solo@example.org")
    client.force_login(user)

    response = client.get(URL)

    html = response.content.decode()
    assert "une personne seule ne le peut pas" in html
    assert reverse("partners:create") in html
    assert reverse("partners:join") in html
    assert "Aucun dossier en préparation." in html


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]


def test_charlie_sees_none_of_alice_s_dossiers(client, charlie, dossier):
    client.force_login(charlie)
    html = client.get(URL).content.decode()
    assert dossier.reference not in html
    assert "Organisation C" in html


def test_the_dashboard_runs_the_same_number_of_queries_for_2_and_for_20_of_everything(client):
    user = f.UserFactory(email="busy@example.org")
    client.force_login(user)
    _grow(user, 2)
    with_two = _count_queries(client)
    _grow(user, 18, start=2)
    with_twenty = _count_queries(client)

    assert with_twenty == with_two
    # session, user (2); organisations; pending memberships; dossiers with their lead's
    # name; the engine's batch over the drafts (12 with the call facts cold); partner
    # invitations; colleague invitations; open calls closing within 30 days (the session is
    # written again once a minute, not here)
    assert with_two == 20
    html = client.get(URL).content.decode()
    assert html.count("Devenir partenaire du dossier") == 20
    assert html.count("3 points bloquants") + html.count("1 point bloquant") == 20


def test_drafts_show_the_days_left_before_their_call_closes(client, alice, dossier, call):
    Application.objects.filter(pk=dossier.pk).update(status=ApplicationStatus.DRAFT)
    call.closes_at = timezone.now() + dt.timedelta(days=45)
    call.save()
    client.force_login(alice)
    html = client.get(URL).content.decode()
    # the draft's call appears among the deadlines even though it closes in more than 30 days
    assert html.count(call.reference) >= 2
    assert dossier.partners.get(role=PartnerRole.LEAD).organisation.legal_name in html
