"""The dossier as the officer sees it: the latest version exactly as submitted with its
fingerprint, the eligibility verdicts frozen at submission beside a fresh run, the history
of its states, the partners' commitments, its files; earlier versions readable; nobody but
the call's officers sees it; the same number of queries for 2 partners or 20."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus, FundingSource
from applications.services import application_submit
from applications.workflow import transition
from calls.choices import RuleKind
from partners.choices import PartnerRole
from partners.models import Partner
from tests import factories as f

pytestmark = pytest.mark.django_db

# session, user, the dossier (narrowed to the officer's authorities), its versions, the
# engine's facts (4), the call's rules, the screenings, the clarification requests, the
# document types named in the version, the files still joined, the history, the partners'
# commitments, the assessments, the decision (the session is written again once a minute,
# not here). The priorities, target groups and measure named in the version add one query
# each when the dossier has some.
EXPECTED_DOSSIER_QUERIES = 18


def _url(application):
    return reverse("review:dossier", args=[application.reference])


def _fill(application, alice):
    """Budget lines, co-financing, an indicator, a work package and a file for each part
    of the page."""
    for partner in application.partners.all():
        f.BudgetLineFactory(partner=partner, amount=Decimal("10000.00"))
        f.CofinancingFactory(partner=partner, source=FundingSource.EU, amount=Decimal("6000.00"))
    f.IndicatorFactory(application=application, code="CO01")
    f.WorkPackageFactory(application=application, number=1, title="Coordination")
    f.AttachmentFactory(
        application=application,
        document_type=f.DocumentTypeFactory(code="statuts", name="Statuts"),
        uploaded_by=alice,
    )


@pytest.fixture
def submitted(dossier, alice, call):
    f.EligibilityRuleFactory(call=call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 2})
    lead = dossier.partners.get(number=1)
    lead.commitment_signed_at = timezone.now()
    lead.commitment_signed_by = alice
    lead.save()
    _fill(dossier, alice)
    snapshot = application_submit(application=dossier, actor=alice)
    dossier.refresh_from_db()
    dossier.snapshot = snapshot
    return dossier


def test_the_officer_sees_the_version_submitted_with_its_fingerprint(client, olivia, submitted):
    client.force_login(olivia)
    response = client.get(_url(submitted))
    assert response.status_code == 200
    html = response.content.decode()
    assert submitted.snapshot.sha256 in html
    assert "Version déposée" in html
    assert "Organisation A" in html and "Organisation B" in html
    assert "Coordination" in html  # the work package
    assert "CO01" in html  # the indicator
    assert "20\u00a0000,00\u00a0€" in html  # the budget in total, from the frozen lines
    assert "Statuts" in html and "statuts.pdf" in html


def test_the_page_shows_the_frozen_verdicts_beside_a_fresh_run_with_the_differences(
    client, olivia, submitted
):
    Partner.objects.filter(application=submitted, number=2).delete()
    client.force_login(olivia)
    html = client.get(_url(submitted)).content.decode()
    assert "Au moins 2 organisations sont requises ; ce consortium en compte 2." in html
    assert "1 règle ne donne plus le même verdict qu" in html
    assert "Différent du dépôt" in html
    assert 'class="is-changed"' in html


def test_without_a_change_no_difference_is_flagged(client, olivia, submitted):
    client.force_login(olivia)
    html = client.get(_url(submitted)).content.decode()
    assert "Aucune différence avec les verdicts figés au dépôt." in html
    assert "Différent du dépôt" not in html


def test_the_history_of_states_names_who_when_and_why(client, olivia, alice, submitted):
    transition(application=submitted, to_status="eligibility_review", actor=olivia)
    transition(
        application=submitted, to_status="ineligible", actor=olivia, comment="Hors territoire."
    )
    client.force_login(olivia)
    html = client.get(_url(submitted)).content.decode()
    history = html.split("Historique des états")[1].split("Engagements des partenaires")[0]
    assert history.index("Brouillon") < history.index("Recevabilité en cours")
    assert "Alice Martin" in history
    assert "Olivia" in history
    assert "Irrecevable" in history
    assert "Hors territoire." in history


def test_the_partners_commitments_are_listed_with_who_signed(client, olivia, submitted):
    client.force_login(olivia)
    html = client.get(_url(submitted)).content.decode()
    commitments = html.split("Engagements des partenaires")[1].split("Demandes de compléments")[0]
    assert "Alice Martin" in commitments  # signed the lead's commitment
    assert "Non signé" in commitments  # partner B has not


def test_the_officer_downloads_the_files_of_the_version(client, olivia, submitted):
    client.force_login(olivia)
    attachment = submitted.attachments.get()
    url = reverse("applications:attachment_download", args=[submitted.reference, attachment.pk])
    assert url in client.get(_url(submitted)).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("persona", ["charlie", "oscar", "ada"])
def test_others_cannot_download_the_files(client, request, persona, submitted):
    attachment = submitted.attachments.get()
    client.force_login(request.getfixturevalue(persona))
    url = reverse("applications:attachment_download", args=[submitted.reference, attachment.pk])
    assert client.get(url).status_code == 404


def test_the_officer_does_not_download_the_files_of_a_draft(client, olivia, dossier, alice):
    attachment = f.AttachmentFactory(application=dossier, uploaded_by=alice)
    client.force_login(olivia)
    url = reverse("applications:attachment_download", args=[dossier.reference, attachment.pk])
    assert client.get(url).status_code == 404


def test_an_unknown_version_is_404(client, olivia, submitted):
    client.force_login(olivia)
    assert client.get(reverse("review:snapshot", args=[submitted.reference, 1])).status_code == 200
    assert client.get(reverse("review:snapshot", args=[submitted.reference, 2])).status_code == 404


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "oscar", "ada"])
def test_only_the_calls_officers_see_the_dossier_page(client, request, persona, submitted):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(submitted)).status_code == 404
    assert client.get(reverse("review:snapshot", args=[submitted.reference, 1])).status_code == 404


def test_a_visitor_is_sent_to_the_login_page(client, submitted):
    for url in (_url(submitted), reverse("review:snapshot", args=[submitted.reference, 1])):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_a_draft_does_not_exist_for_the_officer(client, olivia, dossier):
    client.force_login(olivia)
    assert client.get(_url(dossier)).status_code == 404


def _dossier_with_partners(call, alice, org_a, count):
    application = f.lead_application(call=call, organisation=org_a, created_by=alice)
    for number in range(2, count + 1):
        f.PartnerFactory(
            application=application,
            organisation=f.OrganisationFactory(
                legal_name=f"Partenaire {number}", country="DE", nuts_code="", legal_type="other"
            ),
            role=PartnerRole.PARTNER,
            number=number,
        )
    _fill(application, alice)
    application_submit(application=application, actor=alice)
    return application


def _queries(client, url) -> int:
    client.get(url)  # warm the engine's cache of the call and the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dossier_page_costs_the_same_queries_for_2_and_20_partners(
    client, olivia, alice, org_a, call
):
    small = _dossier_with_partners(call, alice, org_a, 2)
    large = _dossier_with_partners(call, alice, org_a, 20)
    client.force_login(olivia)
    two = _queries(client, _url(small))
    twenty = _queries(client, _url(large))
    assert two == twenty
    assert two == EXPECTED_DOSSIER_QUERIES, two


def test_the_snapshot_page_costs_the_same_queries_for_2_and_20_partners(
    client, olivia, alice, org_a, call
):
    small = _dossier_with_partners(call, alice, org_a, 2)
    large = _dossier_with_partners(call, alice, org_a, 20)
    client.force_login(olivia)
    two = _queries(client, reverse("review:snapshot", args=[small.reference, 1]))
    twenty = _queries(client, reverse("review:snapshot", args=[large.reference, 1]))
    assert two == twenty


def test_the_status_shown_is_the_dossiers(client, olivia, submitted):
    client.force_login(olivia)
    html = client.get(_url(submitted)).content.decode()
    assert f'badge--{ApplicationStatus.SUBMITTED}">Déposé' in html
