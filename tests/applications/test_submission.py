"""Submitting a dossier: the engine's blocking rules and the deadline on the server's clock
refuse it with reasons; otherwise it is frozen with its fingerprint and acknowledged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from applications.choices import ApplicationStatus, FundingSource
from applications.models import Snapshot, StatusChange
from applications.services import SubmissionRefused, application_submit
from applications.snapshot import dossier_as_data, fingerprint
from calls.choices import RuleKind, RuleSeverity
from tests import factories as f


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
    f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MAX_COFINANCING_RATE, parameters={"rate": "60.00"}
    )
    return dossier


def test_a_submission_freezes_the_dossier_with_its_fingerprint_and_verdicts(
    ready, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = application_submit(application=ready, actor=alice)

    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.SUBMITTED
    assert ready.submitted_at == snapshot.created_at
    assert snapshot.number == 1
    assert snapshot.data["reference"] == ready.reference
    assert snapshot.data["partners"][0]["budget"][0]["amount"] == "10000.00"
    assert snapshot.sha256 == fingerprint(snapshot.data)
    assert [item["status"] for item in snapshot.eligibility_results] == ["pass", "pass"]
    change = StatusChange.objects.get(application=ready)
    assert (change.from_status, change.to_status, change.actor) == ("draft", "submitted", alice)


def test_the_acknowledgement_goes_to_the_lead_members_and_partner_contacts(
    ready, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = application_submit(application=ready, actor=alice)

    acknowledgements = [m for m in mail.outbox if "Accusé de réception" in m.subject]
    recipients = sorted(message.to[0] for message in acknowledgements)
    assert recipients == ["alice@a.example.org", "contact@b.example.org"]
    message = acknowledgements[0]
    assert ready.reference in message.subject
    assert snapshot.sha256 in message.body
    assert ready.reference in message.body


def test_no_acknowledgement_leaves_before_the_transaction_is_committed(ready, alice):
    application_submit(application=ready, actor=alice)
    assert mail.outbox == []


def test_a_failing_blocking_rule_refuses_the_submission_with_its_message_and_changes_nothing(
    ready, alice, django_capture_on_commit_callbacks
):
    f.EligibilityRuleFactory(call=ready.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 3})
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(SubmissionRefused) as refused,
    ):
        application_submit(application=ready, actor=alice)

    assert refused.value.reasons == [
        "Au moins 3 organisations sont requises ; ce consortium en compte 2."
    ]
    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.DRAFT
    assert ready.submitted_at is None
    assert not Snapshot.objects.exists()
    assert not StatusChange.objects.exists()
    assert mail.outbox == []


def test_a_failing_warning_rule_does_not_prevent_the_submission(ready, alice):
    f.EligibilityRuleFactory(
        call=ready.call,
        kind=RuleKind.MIN_PARTNERS,
        parameters={"minimum": 3},
        severity=RuleSeverity.WARNING,
    )
    snapshot = application_submit(application=ready, actor=alice)
    assert "warning" in [item["status"] for item in snapshot.eligibility_results]


def test_a_submission_one_second_after_the_closing_is_refused(ready, alice):
    one_second_late = ready.call.closes_at + dt.timedelta(seconds=1)
    with pytest.raises(SubmissionRefused) as refused:
        application_submit(application=ready, actor=alice, now=one_second_late)
    assert "L'appel a été clos le" in refused.value.reasons[0]
    ready.refresh_from_db()
    assert ready.status == ApplicationStatus.DRAFT


def test_a_submission_one_second_before_the_closing_is_accepted(ready, alice):
    snapshot = application_submit(
        application=ready, actor=alice, now=ready.call.closes_at - dt.timedelta(seconds=1)
    )
    assert snapshot.created_at == ready.call.closes_at - dt.timedelta(seconds=1)


def test_a_submitted_dossier_cannot_be_submitted_again(ready, alice):
    application_submit(application=ready, actor=alice)
    with pytest.raises(SubmissionRefused) as refused:
        application_submit(application=ready, actor=alice)
    assert "Déposé" in refused.value.reasons[0]
    assert Snapshot.objects.count() == 1


def test_the_same_dossier_gives_the_same_fingerprint_and_any_change_another(ready):
    first = fingerprint(dossier_as_data(ready))
    assert fingerprint(dossier_as_data(ready)) == first
    line = ready.partners.get(number=1).budget_lines.get()
    line.amount = Decimal("10000.01")
    line.save()
    assert fingerprint(dossier_as_data(ready)) != first


def test_the_calls_officers_are_told_of_a_submission_in_their_language(
    ready, alice, olivia, oscar, django_capture_on_commit_callbacks
):
    olivia.preferred_language = "en"
    olivia.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = application_submit(application=ready, actor=alice)
    notices = [m for m in mail.outbox if m.to == [olivia.email]]
    assert len(notices) == 1
    assert ready.reference in notices[0].subject
    assert "submitted" in notices[0].subject.lower()
    assert snapshot.sha256 in notices[0].body
    # An officer of another authority hears nothing of it.
    assert not [m for m in mail.outbox if m.to == [oscar.email]]
