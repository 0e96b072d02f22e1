# ruff: noqa: F811 (pytest fixtures imported from other tests are test arguments)
"""Every action of the officers (and of the assessors) on a dossier or a report is recorded
in the transaction of the action, exactly once, with who, what, when, where, the dossier
and its call: a refused action records nothing, and an action that fails half-way rolls
its record back with it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.choices import ApplicationStatus as S
from applications.choices import DecisionOutcome, ScreeningVerdict
from applications.models import Application, Decision
from applications.services import ServiceRefused, application_submit
from applications.workflow import transition
from audit.choices import AuditAction
from audit.models import AuditEvent
from reporting.services import report_accept, report_request_changes, report_submit
from review.assessment import (
    ReviewRefused,
    assessment_assign,
    assessment_decline,
    assessment_remove,
)
from review.assignment import assessments_assign
from review.decisions import (
    DecisionInput,
    application_contract,
    application_start,
    decision_record,
    decisions_record_ranking,
)
from review.screening import (
    ScreeningEntry,
    clarification_request,
    screening_conclude,
    screening_record,
    screening_start,
)
from tests import factories as f
from tests.reporting.test_reports_services import (  # noqa: F401 (fixtures)
    complete,
    draft,
    running,
)
from tests.review.test_assessment import assessor_of, erasmus_criteria, make_admissible, scored
from tests.review.test_decision import _assessed_dossiers, assessed  # noqa: F401

from .helpers import IP, WHERE, assert_who_when_where, only

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def assert_on_dossier(event: AuditEvent, application: Application) -> None:
    assert (event.subject_type, event.subject_ref) == ("application", application.reference)
    assert event.call_id == application.call_id
    assert event.authority_id == application.call.authority_id


@pytest.fixture
def criteria(call):
    return erasmus_criteria(call)


@pytest.fixture
def submitted(dossier, alice):
    application_submit(application=dossier, actor=alice)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def in_review(submitted, olivia):
    screening_start(application=submitted, actor=olivia)
    submitted.refresh_from_db()
    return submitted


@pytest.fixture
def admissible(dossier, alice, olivia):
    return make_admissible(dossier, applicant=alice, officer=olivia)


@pytest.fixture
def report_submitted(complete, alice):
    report_submit(report=complete, actor=alice)
    return complete


# --- screening and clarification ----------------------------------------------------------


def test_opening_the_screening_from_its_page_is_recorded_with_the_requests_address(
    client, submitted, olivia
):
    client.force_login(olivia)
    since = timezone.now()
    response = client.post(
        reverse("review:screening", args=[submitted.reference]),
        {"action": "start", "seen_status": S.SUBMITTED},
        **WHERE,
    )
    assert response.status_code == 302
    event = only(AuditAction.SCREENING_STARTED)
    # The service has no request: the address comes from the middleware's context.
    assert_who_when_where(event, olivia, since=since)
    assert_on_dossier(event, submitted)


def test_the_verdicts_recorded_are_one_event(in_review, olivia):
    rule = f.EligibilityRuleFactory(
        call=in_review.call, kind="min_partners", parameters={"minimum": 2}, position=1
    )
    screening_record(
        application=in_review,
        entries=[ScreeningEntry(rule_id=rule.pk, officer_verdict=ScreeningVerdict.NOT_APPLICABLE)],
        actor=olivia,
    )
    event = only(AuditAction.SCREENING_RECORDED)
    assert event.actor == olivia and event.ip_address is None  # no request: no address
    assert_on_dossier(event, in_review)
    assert event.details == {"verdicts": {str(rule.pk): "not_applicable"}}


def test_the_screenings_conclusion_is_recorded_with_its_outcome(in_review, olivia):
    screening_conclude(
        application=in_review, outcome=S.INELIGIBLE, reasons="Hors délai.", actor=olivia
    )
    event = only(AuditAction.SCREENING_CONCLUDED)
    assert event.details == {"outcome": "ineligible"}
    assert_on_dossier(event, in_review)


def test_a_refused_conclusion_records_nothing(in_review, olivia):
    with pytest.raises(ServiceRefused):
        screening_conclude(application=in_review, outcome=S.INELIGIBLE, reasons=" ", actor=olivia)
    assert not AuditEvent.objects.filter(action=AuditAction.SCREENING_CONCLUDED).exists()


def test_a_clarification_request_is_recorded_with_the_sections_reopened(submitted, olivia):
    clarification_request(
        application=submitted,
        sections=["budget", "identification"],
        question="Précisez le budget.",
        actor=olivia,
    )
    event = only(AuditAction.CLARIFICATION_REQUESTED)
    assert event.actor == olivia
    assert_on_dossier(event, submitted)
    assert event.details == {"sections": ["identification", "budget"]}


def test_an_officer_of_another_authority_records_nothing(submitted, oscar):
    with pytest.raises(ServiceRefused):
        clarification_request(application=submitted, sections=["budget"], question="?", actor=oscar)
    assert not AuditEvent.objects.exclude(action=AuditAction.LOGIN_SUCCEEDED).exists()


# --- assessors ------------------------------------------------------------------------------


def test_assigning_assessors_is_recorded_once_with_their_addresses(admissible, olivia, ada):
    ines = assessor_of(admissible.call.authority, "Ines")
    assessment_assign(application=admissible, assessors=[ada, ines], actor=olivia)
    event = only(AuditAction.ASSESSOR_ASSIGNED)
    assert_on_dossier(event, admissible)
    assert event.details == {"assessors": [ada.email, ines.email]}


def test_assigning_from_the_queue_records_one_event_per_dossier(call, admissible, olivia, ada):
    other = f.lead_application(call=call, reference="DOS-OTHER")
    for status in (S.SUBMITTED, S.ELIGIBILITY_REVIEW, S.ADMISSIBLE):
        transition(application=other, to_status=status, actor=olivia)
    assessments_assign(applications=[admissible, other], assessors=[ada], actor=olivia)
    events = AuditEvent.objects.filter(action=AuditAction.ASSESSOR_ASSIGNED)
    assert sorted(events.values_list("subject_ref", flat=True)) == sorted(
        [admissible.reference, "DOS-OTHER"]
    )
    assert {event.details["assessors"][0] for event in events} == {ada.email}


def test_removing_an_assessor_is_recorded(admissible, olivia, ada):
    (assessment,) = assessment_assign(application=admissible, assessors=[ada], actor=olivia)
    assessment_remove(assessment=assessment, actor=olivia)
    event = only(AuditAction.ASSESSOR_REMOVED)
    assert event.details == {"assessor": ada.email}
    assert_on_dossier(event, admissible)


def test_the_assessors_submission_and_decline_are_recorded(admissible, olivia, ada, criteria):
    ines = assessor_of(admissible.call.authority, "Ines")
    first, second = assessment_assign(application=admissible, assessors=[ada, ines], actor=olivia)
    by_assessor = {first.assessor_id: first, second.assessor_id: second}
    scored(by_assessor[ada.pk], criteria, [20, 25, 15, 20])
    assessment_decline(assessment=by_assessor[ines.pk], actor=ines, reason="Conflit d'intérêts.")
    submitted_event = only(AuditAction.ASSESSMENT_SUBMITTED)
    assert submitted_event.actor == ada
    assert_on_dossier(submitted_event, admissible)
    declined = only(AuditAction.ASSESSMENT_DECLINED)
    assert declined.actor == ines and declined.details == {}


def test_an_incomplete_assessment_submitted_records_nothing(admissible, olivia, ada, criteria):
    (assessment,) = assessment_assign(application=admissible, assessors=[ada], actor=olivia)
    with pytest.raises(ReviewRefused):
        scored(assessment, criteria[:1], [20], submit=True)
    assert not AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_SUBMITTED).exists()


# --- decisions, contract, start -----------------------------------------------------------


def _decide_post(**extra):
    return {
        "outcome": "rejected",
        "amount_granted": "",
        "committee": "Comité de sélection",
        "decided_on": TODAY().isoformat(),
        "reasons": "Sous les seuils.",
        "conditions": "",
        "from_status": S.UNDER_ASSESSMENT,
        **extra,
    }


def test_a_decision_from_its_page_is_recorded_with_its_outcome_and_address(
    client, assessed, olivia
):
    client.force_login(olivia)
    since = timezone.now()
    response = client.post(
        reverse("review:decide", args=[assessed.reference]), _decide_post(), **WHERE
    )
    assert response.status_code == 302
    event = only(AuditAction.DECISION_RECORDED)
    assert_who_when_where(event, olivia, since=since)
    assert_on_dossier(event, assessed)
    assert event.details == {
        "outcome": "rejected",
        "amount_granted": None,
        "committee": "Comité de sélection",
        "decided_on": TODAY().isoformat(),
    }


def test_a_refused_decision_records_nothing(client, assessed, olivia):
    client.force_login(olivia)
    response = client.post(
        reverse("review:decide", args=[assessed.reference]),
        _decide_post(outcome="selected", amount_granted="999 999 999"),
        **WHERE,
    )
    assert response.status_code == 422
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DECISION_RECORDED).exists()


def test_a_ranking_failing_half_way_rolls_its_records_back_with_its_decisions(
    call, olivia, ada, criteria
):
    """The first dossier's decision and its record are written, then the second dossier's
    transition finds its state changed meanwhile: everything rolls back, records too."""
    first, second = _assessed_dossiers(call, olivia, ada, criteria, [[25, 30, 20, 25]] * 2)
    # Another officer moved the second dossier after this one read it.
    Application.objects.filter(pk=second.pk).update(status=S.RESERVE)
    items = [
        DecisionInput(application=first, outcome=DecisionOutcome.REJECTED, reasons="Non."),
        DecisionInput(application=second, outcome=DecisionOutcome.REJECTED, reasons="Non."),
    ]
    with pytest.raises(ReviewRefused) as refused:
        decisions_record_ranking(
            call=call,
            decisions=items,
            committee="Comité",
            decided_on=TODAY(),
            reasons="Classement.",
            actor=olivia,
        )
    assert refused.value.conflict
    assert not Decision.objects.exists()
    assert Application.objects.get(pk=first.pk).status == S.UNDER_ASSESSMENT
    assert not AuditEvent.objects.filter(action=AuditAction.DECISION_RECORDED).exists()


def test_a_whole_ranking_records_one_event_per_dossier(call, olivia, ada, criteria):
    first, second = _assessed_dossiers(call, olivia, ada, criteria, [[25, 30, 20, 25]] * 2)
    decisions_record_ranking(
        call=call,
        decisions=[
            DecisionInput(application=first, outcome=DecisionOutcome.RESERVE),
            DecisionInput(application=second, outcome=DecisionOutcome.REJECTED),
        ],
        committee="Comité",
        decided_on=TODAY(),
        reasons="Classement.",
        actor=olivia,
    )
    outcomes = {
        event.subject_ref: event.details["outcome"]
        for event in AuditEvent.objects.filter(action=AuditAction.DECISION_RECORDED)
    }
    assert outcomes == {first.reference: "reserve", second.reference: "rejected"}


def test_the_contract_and_the_start_of_the_project_are_recorded(assessed, olivia):
    decision_record(
        application=assessed,
        outcome=DecisionOutcome.SELECTED,
        amount_granted=Decimal("50000"),
        decided_on=TODAY() - dt.timedelta(days=10),
        reasons="Retenu.",
        actor=olivia,
    )
    application_contract(
        application=assessed, contract_reference="CONV-2026-01", signed_on=TODAY(), actor=olivia
    )
    contract = only(AuditAction.CONTRACT_RECORDED)
    assert_on_dossier(contract, assessed)
    assert contract.details == {"contract_reference": "CONV-2026-01", "signed_on": str(TODAY())}
    assert only(AuditAction.DECISION_RECORDED).details["amount_granted"] == "50000"

    application_start(application=assessed, actor=olivia)
    assert_on_dossier(only(AuditAction.PROJECT_STARTED), assessed)


def test_a_contract_refused_records_nothing(assessed, olivia):
    with pytest.raises(ReviewRefused):
        application_contract(
            application=assessed, contract_reference="", signed_on=TODAY(), actor=olivia
        )
    assert not AuditEvent.objects.filter(action=AuditAction.CONTRACT_RECORDED).exists()


# --- progress reports ---------------------------------------------------------------------


def test_a_report_accepted_is_recorded(report_submitted, olivia):
    report_accept(report=report_submitted, actor=olivia)
    event = only(AuditAction.REPORT_ACCEPTED)
    application = report_submitted.application
    assert event.actor == olivia
    assert (event.subject_type, event.subject_ref) == (
        "report",
        f"{application.reference}/{report_submitted.number}",
    )
    assert (event.call_id, event.authority_id) == (
        application.call_id,
        application.call.authority_id,
    )


def test_changes_requested_on_a_report_are_recorded_from_its_page(
    client,
    report_submitted,
    olivia,
):
    client.force_login(olivia)
    application = report_submitted.application
    response = client.post(
        reverse(
            "reporting:report_request_changes",
            args=[application.reference, report_submitted.number],
        ),
        {"changes-from_status": "submitted", "changes-comment": "Détaillez les dépenses."},
        **WHERE,
    )
    assert response.status_code == 302, response.content.decode()[:500]
    event = only(AuditAction.REPORT_CHANGES_REQUESTED)
    assert event.actor == olivia and event.ip_address == IP


def test_a_request_for_changes_without_a_comment_records_nothing(
    report_submitted,
    olivia,
):
    with pytest.raises(ServiceRefused):
        report_request_changes(report=report_submitted, actor=olivia, comment=" ")
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_CHANGES_REQUESTED).exists()
