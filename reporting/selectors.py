"""Reads on progress reports that must stay efficient: the project's calendar of reports, and
a report's work packages, indicators and finances as plain data (dataclasses of Decimals,
strings and dates, no HTML), for the pages and for the report's PDF alike.

Money is ``Decimal``; totals are computed from the lines, never stored. Each function runs a
constant number of queries, whatever the number of partners, lines or reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from applications.choices import CostCategory, IndicatorKind
from applications.models import Application, BudgetLine, Indicator, WorkPackage
from partners.choices import PartnerRole
from partners.models import Partner
from review.decisions import ReportPeriod, report_periods

from .choices import ReportStatus, WorkPackageState
from .models import Expenditure, IndicatorProgress, ProgressReport, WorkPackageProgress

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The reports whose expenditure counts in the cumulative amounts of the later reports: those
# handed to the authority (submitted) or accepted. A draft, or a report sent back for
# changes, is not counted until it is submitted again.
FILED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
# A report is late when its due date has passed and it was never submitted.
UNSUBMITTED_STATUSES = (ReportStatus.DRAFT,)


def share(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to the hundredth (``Decimal("23.45")`` is
    23,45 %); None when ``whole`` is zero or either is unknown."""
    if part is None or not whole:
        return None
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


# --- the calendar -----------------------------------------------------------------------


def project_periods(application: Application) -> list[ReportPeriod]:
    """The project's reporting periods, from its programme's rhythm
    (``report_interval_months``) between its start and end dates; empty when the programme
    sets no rhythm or the dates are missing. No query when the call and programme are
    loaded."""
    interval = application.call.programme.report_interval_months
    if not (interval and application.start_date and application.end_date):
        return []
    if application.end_date < application.start_date:
        return []
    return report_periods(application.start_date, application.end_date, interval)


@dataclass(frozen=True)
class CalendarRow:
    """One period of the calendar with its report, if opened."""

    number: int
    period_start: date
    period_end: date
    due_date: date
    is_final: bool
    report: ProgressReport | None
    is_late: bool
    in_calendar: bool = True

    @property
    def status(self) -> str | None:
        return self.report.status if self.report else None

    @property
    def status_label(self) -> str:
        return _label(ReportStatus, self.report.status) if self.report else ""


def project_calendar(application: Application, *, today: date | None = None) -> list[CalendarRow]:
    """The project's reports, due and opened: one row per period of the calendar (the due
    date is the opened report's own, else the end of the period, as ``report_calendar``
    says), then any report numbered outside the calendar (one imported with its own
    periods). A period is late when its due date has passed on the server's clock (Europe/
    Paris) and its report was never submitted. One query."""
    today = today or timezone.localdate()
    reports = {
        report.number: report
        for report in ProgressReport.objects.filter(application=application).order_by("number")
    }
    rows = []
    for period in project_periods(application):
        report = reports.pop(period.number, None)
        due = report.due_date if report else period.end
        rows.append(
            CalendarRow(
                number=period.number,
                period_start=report.period_start if report else period.start,
                period_end=report.period_end if report else period.end,
                due_date=due,
                is_final=report.is_final if report else period.is_final,
                report=report,
                is_late=due < today and (report is None or report.status in UNSUBMITTED_STATUSES),
            )
        )
    for report in reports.values():
        rows.append(
            CalendarRow(
                number=report.number,
                period_start=report.period_start,
                period_end=report.period_end,
                due_date=report.due_date,
                is_final=report.is_final,
                report=report,
                is_late=report.due_date < today and report.status in UNSUBMITTED_STATUSES,
                in_calendar=False,
            )
        )
    return sorted(rows, key=lambda row: row.number)


# --- work packages ----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkPackageLine:
    """A work package of the project and its state and narrative in the report (an empty
    state when not filled yet)."""

    work_package_id: int
    number: int
    title: str
    start_month: int
    end_month: int
    state: str
    state_label: str
    narrative: str


def report_work_packages(report: ProgressReport) -> list[WorkPackageLine]:
    """Every work package of the project, in order, with its progress in ``report``. Two
    queries."""
    progress = {
        row.work_package_id: row for row in WorkPackageProgress.objects.filter(report=report)
    }
    lines = []
    for package in WorkPackage.objects.filter(application_id=report.application_id).order_by(
        "number", "pk"
    ):
        row = progress.get(package.pk)
        lines.append(
            WorkPackageLine(
                work_package_id=package.pk,
                number=package.number,
                title=package.title,
                start_month=package.start_month,
                end_month=package.end_month,
                state=row.state if row else "",
                state_label=_label(WorkPackageState, row.state) if row else "",
                narrative=row.narrative if row else "",
            )
        )
    return lines


# --- indicators -------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorLine:
    """An indicator of the project: its target, the value reached at the report's date
    (None when not reported), and the rate reached (percent of the target)."""

    indicator_id: int
    code: str
    name: str
    kind: str
    kind_label: str
    unit: str
    target: Decimal
    reached: Decimal | None
    comment: str

    @property
    def rate(self) -> Decimal | None:
        return share(self.reached, self.target)


def report_indicators(report: ProgressReport) -> list[IndicatorLine]:
    """Every indicator of the project, target against the value reached in ``report``. Two
    queries."""
    progress = {row.indicator_id: row for row in IndicatorProgress.objects.filter(report=report)}
    lines = []
    for indicator in Indicator.objects.filter(application_id=report.application_id).order_by(
        "code", "pk"
    ):
        row = progress.get(indicator.pk)
        lines.append(
            IndicatorLine(
                indicator_id=indicator.pk,
                code=indicator.code,
                name=indicator.name,
                kind=indicator.kind,
                kind_label=_label(IndicatorKind, indicator.kind),
                unit=indicator.unit,
                target=indicator.target_value,
                reached=row.value_reached if row else None,
                comment=row.comment if row else "",
            )
        )
    return lines


# --- finances ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Amounts:
    """Budget against expenditure: ``declared`` in this report, ``previous`` in the earlier
    reports filed (submitted or accepted), ``cumulative`` = previous + declared, and the
    consumption ``rate``: cumulative in percent of the budget, to the hundredth (None when
    the budget is zero)."""

    budget: Decimal = ZERO
    declared: Decimal = ZERO
    previous: Decimal = ZERO

    @property
    def cumulative(self) -> Decimal:
        return self.previous + self.declared

    @property
    def rate(self) -> Decimal | None:
        return share(self.cumulative, self.budget)

    @property
    def remaining(self) -> Decimal:
        """Budget not consumed yet (negative when overspent)."""
        return self.budget - self.cumulative


def _add(items) -> Amounts:
    items = list(items)
    return Amounts(
        budget=sum((item.budget for item in items), ZERO),
        declared=sum((item.declared for item in items), ZERO),
        previous=sum((item.previous for item in items), ZERO),
    )


@dataclass(frozen=True)
class FinancialLine(Amounts):
    """One cost category of a partner (or of the project)."""

    cost_category: str = ""
    label: str = ""


@dataclass(frozen=True)
class PartnerFinancials:
    """One partner's budget and expenditure per cost category, with its total."""

    partner_id: int
    number: int
    name: str
    role: str
    role_label: str
    country: str
    lines: list[FinancialLine] = field(default_factory=list)

    @property
    def is_lead(self) -> bool:
        return self.role == PartnerRole.LEAD

    @property
    def total(self) -> Amounts:
        return _add(self.lines)


@dataclass(frozen=True)
class ReportFinancials:
    """A report's expenditure per partner and cost category against the budget; the
    project's totals per category and overall."""

    report_id: int
    report_number: int
    partners: list[PartnerFinancials]
    categories: list[FinancialLine]

    @property
    def total(self) -> Amounts:
        return _add(self.categories)

    def partner(self, partner_id: int) -> PartnerFinancials | None:
        return next((p for p in self.partners if p.partner_id == partner_id), None)


def report_financials(report: ProgressReport) -> ReportFinancials:
    """Per partner and per cost category: the budget (the sum of the partner's budget lines
    of that category, all years), the expenditure declared in ``report``, the expenditure
    declared in the earlier reports of the project that were filed (submitted or accepted),
    the cumulative amount (earlier filed reports + this one, whatever this one's state, so
    that a draft shows where its figures would lead) and the consumption rate. Categories
    with neither budget nor expenditure are left out. Three queries, whatever the number of
    partners and lines."""
    application_id = report.application_id
    partners = list(
        Partner.objects.filter(application_id=application_id)
        .select_related("organisation")
        .order_by("number")
    )
    budgets = {
        (row["partner_id"], row["cost_category"]): row["total"]
        for row in BudgetLine.objects.filter(partner__application_id=application_id)
        .order_by()
        .values("partner_id", "cost_category")
        .annotate(total=Sum("amount"))
    }
    this_report = Q(report_id=report.pk)
    spent = {
        (row["partner_id"], row["cost_category"]): (
            row["declared"] or ZERO,
            row["previous"] or ZERO,
        )
        for row in Expenditure.objects.filter(report__application_id=application_id)
        .filter(
            this_report | Q(report__number__lt=report.number, report__status__in=FILED_STATUSES)
        )
        .order_by()
        .values("partner_id", "cost_category")
        .annotate(
            declared=Sum("amount", filter=this_report),
            previous=Sum("amount", filter=~this_report),
        )
    }
    rows = []
    for partner in partners:
        lines = []
        for category, label in CostCategory.choices:
            key = (partner.pk, category)
            if key not in budgets and key not in spent:
                continue
            declared, previous = spent.get(key, (ZERO, ZERO))
            lines.append(
                FinancialLine(
                    cost_category=category,
                    label=str(label),
                    budget=budgets.get(key, ZERO),
                    declared=declared,
                    previous=previous,
                )
            )
        rows.append(
            PartnerFinancials(
                partner_id=partner.pk,
                number=partner.number,
                name=partner.organisation.legal_name,
                role=partner.role,
                role_label=_label(PartnerRole, partner.role),
                country=partner.organisation.country,
                lines=lines,
            )
        )
    categories = []
    for category, label in CostCategory.choices:
        found = [line for row in rows for line in row.lines if line.cost_category == category]
        if found:
            total = _add(found)
            categories.append(
                FinancialLine(
                    cost_category=category,
                    label=str(label),
                    budget=total.budget,
                    declared=total.declared,
                    previous=total.previous,
                )
            )
    return ReportFinancials(
        report_id=report.pk, report_number=report.number, partners=rows, categories=categories
    )
