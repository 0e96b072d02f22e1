"""The progress report's state machine: exactly the transitions of its table, who fires
each, compare-and-set with its audit row, and two officers answering at the same instant
(on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from calls.choices import AuthorityRole
from reporting.choices import ReportStatus as R
from reporting.models import ProgressReport, ReportStatusChange
from reporting.services import ReportRefused, report_accept, report_request_changes
from reporting.workflow import (
    APPLICANT,
    FIRED_BY,
    OFFICER,
    TRANSITIONS,
    TransitionError,
    can_transition,
    may_fire,
    report_transition,
)
from tests import factories as f
from tests.conftest import require

pytestmark = pytest.mark.django_db

ALLOWED = {
    (R.DRAFT, R.SUBMITTED),
    (R.SUBMITTED, R.ACCEPTED),
    (R.SUBMITTED, R.CHANGES_REQUESTED),
    (R.CHANGES_REQUESTED, R.SUBMITTED),
}
ALL_PAIRS = list(itertools.product(R.values, repeat=2))


def report_in(status: str, **kwargs) -> ProgressReport:
    """A report put in ``status`` for the test (a submitted instant when out of draft), as
    if the workflow had brought it there."""
    report = f.ProgressReportFactory(**kwargs)
    if status != R.DRAFT:
        ProgressReport.objects.filter(pk=report.pk).update(
            status=status, submitted_at=timezone.now()
        )
        report.refresh_from_db()
    return report


def test_the_table_is_exactly_the_four_transitions_of_a_report():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED
    assert set(TRANSITIONS) == set(R.values)


@pytest.mark.parametrize("from_status, to_status", ALL_PAIRS)
def test_every_transition_outside_the_table_is_refused_and_writes_nothing(
    from_status, to_status, alice
):
    report = report_in(from_status)
    if (from_status, to_status) in ALLOWED:
        assert can_transition(from_status, to_status)
        change = report_transition(report=report, to_status=to_status, actor=alice)
        assert (change.from_status, change.to_status) == (from_status, to_status)
        assert ProgressReport.objects.get(pk=report.pk).status == to_status
        return
    assert not can_transition(from_status, to_status)
    with pytest.raises(TransitionError) as refused:
        report_transition(report=report, to_status=to_status, actor=alice)
    assert not refused.value.conflict
    assert "ne peut pas passer" in refused.value.message
    assert ProgressReport.objects.get(pk=report.pk).status == from_status
    assert not ReportStatusChange.objects.exists()


def test_an_unknown_status_is_refused(alice):
    report = report_in(R.DRAFT)
    with pytest.raises(TransitionError):
        report_transition(report=report, to_status="archived", actor=alice)
    assert ProgressReport.objects.get(pk=report.pk).status == R.DRAFT


def test_the_lead_submits_and_the_officer_accepts_or_asks_for_changes():
    assert FIRED_BY == {
        R.SUBMITTED: APPLICANT,
        R.ACCEPTED: OFFICER,
        R.CHANGES_REQUESTED: OFFICER,
    }
    assert may_fire(APPLICANT, R.SUBMITTED) and not may_fire(OFFICER, R.SUBMITTED)
    assert may_fire(OFFICER, R.ACCEPTED) and not may_fire(APPLICANT, R.ACCEPTED)
    assert not may_fire(APPLICANT, R.DRAFT) and not may_fire(OFFICER, R.DRAFT)


def test_a_transition_writes_its_audit_row_with_the_actor_the_comment_and_the_instant(alice):
    report = report_in(R.DRAFT)
    at = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)
    change = report_transition(
        report=report, to_status=R.SUBMITTED, actor=alice, comment="Remis.", at=at
    )
    saved = ProgressReport.objects.get(pk=report.pk)
    assert (saved.status, saved.submitted_at) == (R.SUBMITTED, at)
    assert (report.status, report.submitted_at) == (R.SUBMITTED, at)
    assert ReportStatusChange.objects.get() == change
    assert (change.report, change.actor, change.comment, change.created_at) == (
        report,
        alice,
        "Remis.",
        at,
    )


def test_a_submission_again_records_the_latest_instant(alice, olivia):
    report = report_in(R.DRAFT)
    first = report_transition(report=report, to_status=R.SUBMITTED, actor=alice)
    report_transition(
        report=report, to_status=R.CHANGES_REQUESTED, actor=olivia, comment="À compléter."
    )
    again = report_transition(report=report, to_status=R.SUBMITTED, actor=alice)
    saved = ProgressReport.objects.get(pk=report.pk)
    assert saved.submitted_at == again.created_at > first.created_at


def test_a_report_whose_state_changed_meanwhile_is_a_conflict_and_nothing_is_written(alice, olivia):
    report = report_in(R.SUBMITTED)
    stale = ProgressReport.objects.get(pk=report.pk)
    report_transition(report=report, to_status=R.ACCEPTED, actor=olivia)
    with pytest.raises(TransitionError) as refused:
        report_transition(
            report=stale, to_status=R.CHANGES_REQUESTED, actor=olivia, comment="Trop tard."
        )
    assert refused.value.conflict
    assert "changé d'état entre-temps" in refused.value.message
    assert ProgressReport.objects.get(pk=report.pk).status == R.ACCEPTED
    assert list(ReportStatusChange.objects.values_list("to_status", flat=True)) == [R.ACCEPTED]


def test_the_status_is_not_editable_outside_the_workflow():
    field = ProgressReport._meta.get_field("status")
    assert not field.editable
    assert not ProgressReport._meta.get_field("submitted_at").editable


def test_the_database_refuses_a_report_out_of_draft_without_its_submission_instant():
    report = report_in(R.DRAFT)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(status=R.SUBMITTED)
    assert "reporting_progressreport_submitted_has_instant" in str(refused.value)


@pytest.mark.django_db(transaction=True)
def test_two_officers_answering_at_the_same_instant_on_postgresql(authority, olivia):
    require(connection.vendor == "postgresql", "row locks are tested on PostgreSQL (as in CI)")
    application = f.project(call=f.CallFactory(programme__managing_authority=authority))
    report = report_in(R.SUBMITTED, application=application)
    olga = f.UserFactory(email="olga@authority.example.org")
    f.AuthorityMemberFactory(user=olga, authority=authority, role=AuthorityRole.OFFICER)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def answer(actor, accept):
        try:
            mine = ProgressReport.objects.get(pk=report.pk)
            barrier.wait()
            if accept:
                outcomes["accept"] = report_accept(report=mine, actor=actor)
            else:
                outcomes["changes"] = report_request_changes(
                    report=mine, actor=actor, comment="Complétez."
                )
        except ReportRefused as refused:
            outcomes["accept" if accept else "changes"] = refused
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=answer, args=(olivia, True)),
        threading.Thread(target=answer, args=(olga, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    refused = [k for k, v in outcomes.items() if isinstance(v, ReportRefused)]
    won = [k for k, v in outcomes.items() if isinstance(v, ReportStatusChange)]
    assert len(refused) == 1 and len(won) == 1, outcomes
    assert outcomes[refused[0]].conflict
    assert ReportStatusChange.objects.filter(report=report).count() == 1
