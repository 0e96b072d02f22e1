"""Creating and withdrawing dossiers."""

from __future__ import annotations

import datetime as dt

import pytest

from applications.choices import ApplicationStatus
from applications.models import Application
from applications.services import ServiceRefused, application_create, application_withdraw
from applications.workflow import transition
from partners.choices import PartnerRole
from tests import factories as f


def test_a_member_creates_a_draft_led_by_their_organisation_with_a_reference(call, org_a, alice):
    application = application_create(
        call=call, organisation=org_a, actor=alice, title="Passerelles"
    )

    assert application.status == ApplicationStatus.DRAFT
    assert application.reference == f"{call.application_prefix}-0001"
    assert application.title == "Passerelles"
    lead = application.partners.get()
    assert (lead.organisation, lead.role, lead.number) == (org_a, PartnerRole.LEAD, 1)
    assert lead.contact_email == "alice@a.example.org"


def test_someone_outside_the_organisation_cannot_create_a_dossier_in_its_name(call, org_a, charlie):
    with pytest.raises(ServiceRefused, match="Seuls les membres de Organisation A"):
        application_create(call=call, organisation=org_a, actor=charlie)
    assert not Application.objects.exists()


def test_an_upcoming_call_refuses_a_dossier_and_says_when_it_opens(call, org_a, alice):
    call.opens_at = dt.datetime(2030, 1, 15, 9, 0, tzinfo=dt.UTC)
    call.closes_at = dt.datetime(2030, 3, 1, 11, 0, tzinfo=dt.UTC)
    call.save()
    with pytest.raises(ServiceRefused) as refused:
        application_create(call=call, organisation=org_a, actor=alice)
    assert "ouvre le 15 janvier 2030 10:00" in refused.value.message
    assert not Application.objects.exists()


def test_a_closed_call_refuses_a_dossier_and_says_when_it_closed(call, org_a, alice):
    with pytest.raises(ServiceRefused) as refused:
        application_create(
            call=call, organisation=org_a, actor=alice, now=call.closes_at + dt.timedelta(seconds=1)
        )
    assert "a été clos le" in refused.value.message


def test_a_dossier_is_withdrawn_until_a_decision_but_not_after(dossier, alice, olivia):
    application_withdraw(application=dossier, actor=alice, reason="Projet reporté")
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.WITHDRAWN

    decided = f.lead_application(call=dossier.call, created_by=alice)
    for status in ("submitted", "eligibility_review", "admissible", "under_assessment", "selected"):
        transition(application=decided, to_status=status, actor=olivia)
    with pytest.raises(ServiceRefused, match="ne peut pas passer à l'état « Retiré »"):
        application_withdraw(application=decided, actor=alice)
