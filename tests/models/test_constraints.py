"""The database itself refuses inconsistent rows, whoever writes them: each test saves
directly (no full_clean) and expects the named constraint to fire."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from applications.choices import (
    AssessmentStatus,
    CostCategory,
    DecisionOutcome,
    ScreeningVerdict,
)
from applications.models import (
    Assessment,
    BudgetLine,
    Decision,
    EligibilityScreening,
    Score,
)
from calls.models import CallLumpSum
from partners.choices import PartnerRole
from partners.models import Invitation, Partner
from portal.models import User
from reporting.choices import DocumentKind, DocumentStatus
from reporting.models import Expenditure, GeneratedDocument, IndicatorProgress
from tests import factories as f

pytestmark = pytest.mark.django_db


@contextmanager
def refused_by(constraint: str, *, columns: tuple[str, ...] = ()):
    """The statement fails with an IntegrityError raised by ``constraint``. PostgreSQL and
    SQLite name a CHECK constraint; for a unique one SQLite names the columns instead."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    assert constraint in message or (columns and all(c in message for c in columns)), message


# Calls ------------------------------------------------------------------------------------


@pytest.mark.parametrize("hours_after_opening", [0, -1])
def test_a_call_that_closes_when_or_before_it_opens_is_refused(hours_after_opening):
    opens_at = timezone.now()
    with refused_by("calls_call_closes_after_opening"):
        f.CallFactory(
            opens_at=opens_at, closes_at=opens_at + dt.timedelta(hours=hours_after_opening)
        )


def test_a_call_with_a_negative_envelope_is_refused():
    with refused_by("calls_call_envelope_not_negative"):
        f.CallFactory(budget_envelope=Decimal("-0.01"))


@pytest.mark.parametrize("rate", [Decimal("100.01"), Decimal("150"), Decimal("-0.01")])
def test_a_call_with_a_cofinancing_rate_outside_0_to_100_is_refused(rate):
    with refused_by("calls_call_rate_between_0_and_100"):
        f.CallFactory(max_cofinancing_rate=rate)


@pytest.mark.parametrize("rate", [Decimal("0"), Decimal("100")])
def test_a_call_with_a_cofinancing_rate_of_0_or_100_is_accepted(rate):
    f.CallFactory(max_cofinancing_rate=rate)


def test_a_call_whose_maximum_duration_is_below_its_minimum_is_refused():
    with refused_by("calls_call_duration_bounds_ordered"):
        f.CallFactory(min_duration_months=24, max_duration_months=12)


def test_a_call_with_only_one_duration_bound_is_accepted():
    f.CallFactory(min_duration_months=None, max_duration_months=12)
    f.CallFactory(min_duration_months=24, max_duration_months=None)


def test_a_call_with_a_negative_grant_ceiling_is_refused():
    with refused_by("calls_call_max_grant_not_negative"):
        f.CallFactory(max_grant=Decimal("-1"))


def test_a_lump_sum_of_zero_is_refused():
    call = f.CallFactory()
    with refused_by("calls_calllumpsum_amount_positive"):
        CallLumpSum.objects.create(call=call, amount=Decimal("0"))


def test_the_same_lump_sum_twice_in_a_call_is_refused():
    call = f.CallFactory()
    CallLumpSum.objects.create(call=call, amount=Decimal("120000"))
    with refused_by(
        "calls_calllumpsum_unique_amount",
        columns=("calls_calllumpsum.call_id", "calls_calllumpsum.amount"),
    ):
        CallLumpSum.objects.create(call=call, amount=Decimal("120000.00"))


def test_a_criterion_whose_threshold_exceeds_its_maximum_is_refused():
    with refused_by("calls_assessmentcriterion_threshold_within_max"):
        f.AssessmentCriterionFactory(max_score=Decimal("20"), threshold=Decimal("20.5"))


def test_a_criterion_with_a_maximum_of_zero_is_refused():
    with refused_by("calls_assessmentcriterion_max_positive"):
        f.AssessmentCriterionFactory(max_score=Decimal("0"), threshold=None)


def test_the_same_criterion_code_twice_in_a_call_is_refused():
    call = f.CallFactory()
    f.AssessmentCriterionFactory(call=call, code="pertinence")
    f.AssessmentCriterionFactory(code="pertinence")  # another call may use it
    with refused_by(
        "calls_assessmentcriterion_unique_code",
        columns=("calls_assessmentcriterion.call_id", "calls_assessmentcriterion.code"),
    ):
        f.AssessmentCriterionFactory(call=call, code="pertinence")


def test_a_programme_that_ends_before_it_starts_is_refused():
    with refused_by("calls_programme_period_ordered"):
        f.ProgrammeFactory(period_start_year=2027, period_end_year=2021)


def test_the_same_axis_code_twice_in_a_programme_is_refused():
    programme = f.ProgrammeFactory()
    f.AxisFactory(programme=programme, code="4")
    f.AxisFactory(code="4")
    with refused_by(
        "calls_axis_unique_code", columns=("calls_axis.programme_id", "calls_axis.code")
    ):
        f.AxisFactory(programme=programme, code="4")


def test_the_same_measure_code_twice_in_an_axis_is_refused():
    axis = f.AxisFactory()
    f.MeasureFactory(axis=axis, code="213")
    f.MeasureFactory(code="213")
    with refused_by(
        "calls_measure_unique_code", columns=("calls_measure.axis_id", "calls_measure.code")
    ):
        f.MeasureFactory(axis=axis, code="213")


# Applications -----------------------------------------------------------------------------


def test_an_application_that_ends_before_it_starts_is_refused():
    with refused_by("applications_application_end_after_start"):
        f.ApplicationFactory(start_date=dt.date(2027, 1, 2), end_date=dt.date(2027, 1, 1))


def test_an_application_of_one_day_is_accepted():
    f.ApplicationFactory(start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 1, 1))


def test_two_applications_with_the_same_reference_are_refused():
    f.ApplicationFactory(reference="FSE-213-2026-0001")
    with refused_by(
        "applications_application_reference", columns=("applications_application.reference",)
    ):
        f.ApplicationFactory(reference="FSE-213-2026-0001")


def test_an_application_asking_for_a_lump_sum_of_zero_is_refused():
    with refused_by("applications_application_lump_sum_positive"):
        f.ApplicationFactory(lump_sum=Decimal("0"))


def test_two_applications_with_the_same_contract_reference_are_refused():
    f.ApplicationFactory(contract_reference="CONV-2027-001")
    with refused_by(
        "applications_application_unique_contract_reference",
        columns=("applications_application.contract_reference",),
    ):
        f.ApplicationFactory(contract_reference="CONV-2027-001")


def test_several_applications_without_a_contract_reference_are_allowed():
    f.ApplicationFactory(contract_reference="")
    f.ApplicationFactory(contract_reference="")


def test_a_second_lead_partner_in_an_application_is_refused():
    application = f.lead_application()
    with refused_by(
        "partners_partner_one_lead_per_application", columns=("partners_partner.application_id",)
    ):
        f.PartnerFactory(application=application, role=PartnerRole.LEAD, number=2)


def test_two_applications_each_have_their_own_lead_and_several_partners():
    for _ in range(2):
        application = f.lead_application()
        f.PartnerFactory(application=application, role=PartnerRole.PARTNER)
        f.PartnerFactory(application=application, role=PartnerRole.PARTNER)
        f.PartnerFactory(application=application, role=PartnerRole.ASSOCIATED)
    assert Partner.objects.filter(role=PartnerRole.LEAD).count() == 2
    assert Partner.objects.exclude(role=PartnerRole.LEAD).count() == 6


def test_the_same_organisation_twice_in_an_application_is_refused():
    organisation = f.OrganisationFactory()
    application = f.lead_application(organisation=organisation)
    with refused_by(
        "partners_partner_organisation_once_per_application",
        columns=("partners_partner.application_id", "partners_partner.organisation_id"),
    ):
        f.PartnerFactory(application=application, organisation=organisation, number=2)


def test_an_invitation_to_become_lead_partner_is_refused():
    application = f.lead_application()
    with refused_by("partners_invitation_not_for_lead"):
        Invitation.objects.create(
            application=application,
            email="bob@b.example.org",
            role=PartnerRole.LEAD,
            token_hash="a" * 64,
            invited_by=application.created_by,
            expires_at=timezone.now() + dt.timedelta(days=14),
        )


@pytest.mark.parametrize(
    ("start_month", "end_month"), [(6, 5), (0, 3)], ids=["ends-before-start", "month-0"]
)
def test_a_work_package_with_months_out_of_order_is_refused(start_month, end_month):
    with refused_by("applications_workpackage_months_ordered"):
        f.WorkPackageFactory(start_month=start_month, end_month=end_month)


def test_two_work_packages_with_the_same_number_in_an_application_are_refused():
    application = f.ApplicationFactory()
    f.WorkPackageFactory(application=application, number=1)
    with refused_by(
        "applications_workpackage_unique_number",
        columns=("applications_workpackage.application_id", "applications_workpackage.number"),
    ):
        f.WorkPackageFactory(application=application, number=1)


def test_a_negative_budget_line_is_refused():
    with refused_by("applications_budgetline_amount_not_negative"):
        f.BudgetLineFactory(amount=Decimal("-0.01"))


@pytest.mark.parametrize("year", [1999, 2101])
def test_a_budget_line_for_an_implausible_year_is_refused(year):
    with refused_by("applications_budgetline_year_plausible"):
        f.BudgetLineFactory(year=year)


def test_a_budget_amount_comes_back_as_the_exact_decimal():
    line = f.BudgetLineFactory(amount=Decimal("1234.56"))
    reloaded = BudgetLine.objects.get(pk=line.pk)
    assert isinstance(reloaded.amount, Decimal)
    assert reloaded.amount == Decimal("1234.56")


def test_a_budget_total_is_an_exact_decimal_not_a_float():
    partner = f.PartnerFactory()
    for amount in ["0.10", "0.20", "1234.56"]:
        f.BudgetLineFactory(partner=partner, cost_category=CostCategory.TRAVEL, amount=amount)
    total = BudgetLine.objects.filter(partner=partner).aggregate(total=Sum("amount"))["total"]
    assert isinstance(total, Decimal)
    assert total == Decimal("1234.86")


def test_a_negative_cofinancing_is_refused():
    with refused_by("applications_cofinancing_amount_not_negative"):
        f.CofinancingFactory(amount=Decimal("-1"))


def test_an_indicator_with_a_negative_target_is_refused():
    with refused_by("applications_indicator_target_not_negative"):
        f.IndicatorFactory(target_value=Decimal("-1"))


# Review: screening, assessment, decision --------------------------------------------------


def assessment_of(application, **kwargs) -> Assessment:
    return Assessment.objects.create(
        application=application,
        assessor=f.UserFactory(),
        assigned_by=f.UserFactory(),
        **kwargs,
    )


def test_a_negative_score_is_refused():
    application = f.ApplicationFactory()
    criterion = f.AssessmentCriterionFactory(call=application.call)
    assessment = assessment_of(application)
    with refused_by("applications_score_not_negative"):
        Score.objects.create(
            assessment=assessment, criterion=criterion, score=Decimal("-1"), comment="Faible."
        )


def test_two_scores_for_the_same_criterion_in_an_assessment_are_refused():
    application = f.ApplicationFactory()
    criterion = f.AssessmentCriterionFactory(call=application.call)
    assessment = assessment_of(application)
    Score.objects.create(assessment=assessment, criterion=criterion, score=10, comment="Bien.")
    with refused_by(
        "applications_score_once_per_criterion",
        columns=("applications_score.assessment_id", "applications_score.criterion_id"),
    ):
        Score.objects.create(assessment=assessment, criterion=criterion, score=12, comment="Mieux.")


def test_an_assessment_submitted_without_the_conflict_of_interest_declaration_is_refused():
    application = f.ApplicationFactory()
    with refused_by("applications_assessment_submitted_after_declaration"):
        assessment_of(application, status=AssessmentStatus.SUBMITTED, submitted_at=timezone.now())


def test_an_assessment_submitted_after_the_declaration_is_accepted():
    assessment_of(
        f.ApplicationFactory(),
        status=AssessmentStatus.SUBMITTED,
        no_conflict_declared_at=timezone.now(),
        submitted_at=timezone.now(),
    )


def decision_of(application, **kwargs) -> Decision:
    return Decision.objects.create(
        application=application,
        decided_on=dt.date(2027, 3, 1),
        reasons="Projet pertinent.",
        decided_by=f.UserFactory(),
        **kwargs,
    )


def test_a_selection_without_an_amount_is_refused():
    with refused_by("applications_decision_selected_has_amount"):
        decision_of(f.ApplicationFactory(), outcome=DecisionOutcome.SELECTED)


def test_a_rejection_without_an_amount_is_accepted():
    decision_of(f.ApplicationFactory(), outcome=DecisionOutcome.REJECTED)


def test_a_decision_with_a_negative_amount_is_refused():
    with refused_by("applications_decision_amount_not_negative"):
        decision_of(
            f.ApplicationFactory(), outcome=DecisionOutcome.RESERVE, amount_granted=Decimal("-1")
        )


def screening_of(application, **kwargs) -> EligibilityScreening:
    return EligibilityScreening.objects.create(
        application=application,
        rule=f.EligibilityRuleFactory(call=application.call),
        engine_verdict=ScreeningVerdict.PASS,
        officer=f.UserFactory(),
        **kwargs,
    )


def test_an_officer_overriding_the_engine_without_a_justification_is_refused():
    with refused_by("applications_screening_override_justified"):
        screening_of(f.ApplicationFactory(), officer_verdict=ScreeningVerdict.FAIL)


def test_an_officer_overriding_the_engine_with_a_justification_is_accepted():
    screening = screening_of(
        f.ApplicationFactory(),
        officer_verdict=ScreeningVerdict.FAIL,
        justification="Le partenaire B n'a pas signé sa lettre d'engagement.",
    )
    assert screening.is_override


def test_an_officer_confirming_the_engine_needs_no_justification():
    screening = screening_of(f.ApplicationFactory(), officer_verdict=ScreeningVerdict.PASS)
    assert not screening.is_override


# Reporting --------------------------------------------------------------------------------


def test_a_report_whose_period_ends_before_it_starts_is_refused():
    with refused_by("reporting_progressreport_period_ordered"):
        f.ProgressReportFactory(period_start=dt.date(2027, 7, 1), period_end=dt.date(2027, 6, 30))


def test_two_reports_with_the_same_number_for_a_project_are_refused():
    application = f.ApplicationFactory()
    f.ProgressReportFactory(application=application, number=1)
    with refused_by(
        "reporting_progressreport_unique_number",
        columns=("reporting_progressreport.application_id", "reporting_progressreport.number"),
    ):
        f.ProgressReportFactory(application=application, number=1)


def test_a_negative_indicator_value_reached_is_refused():
    report = f.ProgressReportFactory()
    indicator = f.IndicatorFactory(application=report.application)
    with refused_by("reporting_indicatorprogress_not_negative"):
        IndicatorProgress.objects.create(
            report=report, indicator=indicator, value_reached=Decimal("-1")
        )


def test_a_negative_expenditure_is_refused():
    report = f.ProgressReportFactory()
    partner = f.PartnerFactory(application=report.application)
    with refused_by("reporting_expenditure_not_negative"):
        Expenditure.objects.create(
            report=report,
            partner=partner,
            cost_category=CostCategory.STAFF,
            amount=Decimal("-0.01"),
        )


def test_a_generated_document_about_nothing_is_refused():
    with refused_by("reporting_generateddocument_has_subject"):
        GeneratedDocument.objects.create(kind=DocumentKind.EXPORT)


@pytest.mark.parametrize(
    ("file", "sha256"), [("", ""), ("documents/export/a.pdf", ""), ("", "0" * 64)]
)
def test_a_generated_document_done_without_its_file_and_hash_is_refused(file, sha256):
    with refused_by("reporting_generateddocument_done_has_file"):
        GeneratedDocument.objects.create(
            kind=DocumentKind.CALL_SUMMARY,
            call=f.CallFactory(),
            status=DocumentStatus.DONE,
            file=file,
            sha256=sha256,
        )


def test_a_generated_document_done_with_its_file_and_hash_is_accepted():
    GeneratedDocument.objects.create(
        kind=DocumentKind.CALL_SUMMARY,
        call=f.CallFactory(),
        status=DocumentStatus.DONE,
        file="documents/call_summary/a.pdf",
        sha256="0" * 64,
        progress=100,
    )


def test_a_generated_document_more_than_100_percent_done_is_refused():
    with refused_by("reporting_generateddocument_progress_max_100"):
        GeneratedDocument.objects.create(
            kind=DocumentKind.CALL_SUMMARY, call=f.CallFactory(), progress=101
        )


# Accounts ---------------------------------------------------------------------------------


def test_two_users_whose_e_mails_differ_only_by_case_are_refused():
    User(email="Alice@X.org").save()
    with refused_by("portal_user_email_ci_unique"):
        User(email="alice@x.org").save()
