"""A report's finances and indicators as plain data: per partner and cost category the
budget, the expenditure declared in the report and in the earlier reports filed, the
cumulative amount and the consumption rate, to the cent, on PASS'EMPLOI's budget; the
indicators reached against their targets; a constant number of queries."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.choices import CostCategory as C
from partners.choices import PartnerRole
from portal.demo import DEMO_DIR
from reporting.choices import ReportStatus as R
from reporting.selectors import Amounts, report_financials, report_indicators, share
from tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal


def pass_emploi_budget() -> dict[tuple[int, str], Decimal]:
    """PASS'EMPLOI's budget lines (demo data set) summed per partner and category."""
    data = json.loads((DEMO_DIR / "30-applications.json").read_text(encoding="utf-8"))
    record = next(a for a in data["applications"] if a["acronym"] == "PASS'EMPLOI")
    lines = defaultdict(list)
    for line in record["budget_lines"]:
        lines[(line["partner"], line["category"])].append(D(line["amount"]))
    return lines


@pytest.fixture
def pass_emploi():
    """A project with PASS'EMPLOI's three partners and budget lines (957 913,76 EUR)."""
    application = f.project()
    lead = application.partners.get()
    lead.organisation.legal_name = "Lillo Mômes"
    lead.organisation.save()
    partners = {
        1: lead,
        2: f.PartnerFactory(
            application=application, number=2, organisation__legal_name="PEH", role="partner"
        ),
        3: f.PartnerFactory(
            application=application, number=3, organisation__legal_name="IRFMPE", role="partner"
        ),
    }
    for (number, category), amounts in pass_emploi_budget().items():
        for year, amount in enumerate(amounts, start=2020):
            f.BudgetLineFactory(
                partner=partners[number], cost_category=category, year=year, amount=amount
            )
    return application, partners


def declare(report, partner, category, amount):
    return f.ExpenditureFactory(
        report=report, partner=partner, cost_category=category, amount=D(amount)
    )


@pytest.fixture
def second_report(pass_emploi):
    """Report 1 accepted, report 2 (the one read) a draft, report 3 submitted later."""
    application, p = pass_emploi
    first = f.ProgressReportFactory(application=application, number=1)
    declare(first, p[1], C.STAFF, "45982.36")
    declare(first, p[1], C.TRAVEL, "1257.10")
    declare(first, p[2], C.STAFF, "36879.68")
    declare(first, p[3], C.STAFF, "22351.32")
    f.report_walked(first, R.SUBMITTED, R.ACCEPTED)
    second = f.ProgressReportFactory(application=application, number=2)
    declare(second, p[1], C.STAFF, "30000.00")
    declare(second, p[1], C.STAFF, "16000.00")
    declare(second, p[1], C.EXTERNAL, "14656.08")
    declare(second, p[3], C.OFFICE_ADMIN, "3352.70")
    third = f.ProgressReportFactory(application=application, number=3)
    declare(third, p[1], C.STAFF, "99999.99")
    f.report_walked(third, R.SUBMITTED)
    return second


def line(partner_rows, category):
    return next(item for item in partner_rows.lines if item.cost_category == category)


def test_the_budget_is_pass_emplois_to_the_cent(second_report):
    financials = report_financials(second_report)
    assert financials.total.budget == D("957913.76")
    assert [row.total.budget for row in financials.partners] == [
        D("431061.19"),
        D("335269.82"),
        D("191582.75"),
    ]
    assert [(row.number, row.name, row.role) for row in financials.partners] == [
        (1, "Lillo Mômes", PartnerRole.LEAD),
        (2, "PEH", PartnerRole.PARTNER),
        (3, "IRFMPE", PartnerRole.PARTNER),
    ]


def test_each_category_says_budget_declared_previous_cumulative_and_rate(second_report):
    lead = report_financials(second_report).partners[0]
    staff = line(lead, C.STAFF)
    assert staff.label == "Frais de personnel"
    assert (staff.budget, staff.declared, staff.previous) == (
        D("275879.17"),
        D("46000.00"),
        D("45982.36"),
    )
    assert staff.cumulative == D("91982.36")
    assert staff.rate == D("33.34")
    assert staff.remaining == D("183896.81")
    travel = line(lead, C.TRAVEL)
    assert (travel.declared, travel.cumulative, travel.rate) == (D("0"), D("1257.10"), D("8.33"))
    external = line(lead, C.EXTERNAL)
    assert (external.declared, external.previous, external.rate) == (
        D("14656.08"),
        D("0"),
        D("16.67"),
    )
    equipment = line(lead, C.EQUIPMENT)
    assert (equipment.budget, equipment.cumulative, equipment.rate) == (
        D("10776.53"),
        D("0"),
        D("0.00"),
    )
    assert [item.cost_category for item in lead.lines] == [
        C.STAFF,
        C.OFFICE_ADMIN,
        C.TRAVEL,
        C.EXTERNAL,
        C.EQUIPMENT,
    ]


def test_totals_per_partner_and_for_the_project(second_report):
    financials = report_financials(second_report)
    lead, peh, irfmpe = financials.partners
    assert (lead.total.declared, lead.total.cumulative, lead.total.rate) == (
        D("60656.08"),
        D("107895.54"),
        D("25.03"),
    )
    assert (peh.total.declared, peh.total.cumulative, peh.total.rate) == (
        D("0"),
        D("36879.68"),
        D("11.00"),
    )
    assert (irfmpe.total.cumulative, irfmpe.total.rate) == (D("25704.02"), D("13.42"))
    total = financials.total
    assert (total.declared, total.previous, total.cumulative) == (
        D("64008.78"),
        D("106470.46"),
        D("170479.24"),
    )
    assert total.rate == D("17.80")
    staff = next(item for item in financials.categories if item.cost_category == C.STAFF)
    assert (staff.budget, staff.cumulative, staff.rate) == (
        D("631265.17"),
        D("151213.36"),
        D("23.95"),
    )
    for amount in (total.budget, total.declared, total.cumulative, total.rate):
        assert isinstance(amount, Decimal)


def test_only_earlier_reports_filed_count_in_the_cumulative_amounts(pass_emploi):
    application, p = pass_emploi
    draft = f.ProgressReportFactory(application=application, number=1)
    declare(draft, p[2], C.STAFF, "1000.00")
    sent_back = f.ProgressReportFactory(application=application, number=2)
    declare(sent_back, p[2], C.STAFF, "2000.00")
    f.report_walked(sent_back, R.SUBMITTED, R.CHANGES_REQUESTED)
    submitted = f.ProgressReportFactory(application=application, number=3)
    declare(submitted, p[2], C.STAFF, "4000.00")
    f.report_walked(submitted, R.SUBMITTED)
    current = f.ProgressReportFactory(application=application, number=4)
    declare(current, p[2], C.STAFF, "8000.00")
    staff = line(report_financials(current).partners[1], C.STAFF)
    assert (staff.declared, staff.previous, staff.cumulative) == (
        D("8000.00"),
        D("4000.00"),
        D("12000.00"),
    )
    # Read from an earlier report, the later ones do not count.
    earlier = line(report_financials(submitted).partners[1], C.STAFF)
    assert (earlier.declared, earlier.previous) == (D("4000.00"), D("0"))


def test_a_category_without_budget_has_no_rate(pass_emploi):
    application, p = pass_emploi
    report = f.ProgressReportFactory(application=application, number=1)
    declare(report, p[3], C.EQUIPMENT, "450.00")
    equipment = line(report_financials(report).partners[2], C.EQUIPMENT)
    assert (equipment.budget, equipment.declared, equipment.rate) == (D("0"), D("450.00"), None)
    assert Amounts().rate is None
    assert share(D("1"), D("0")) is None


def test_a_project_without_expenditure_consumes_nothing(pass_emploi):
    application, _partners = pass_emploi
    report = f.ProgressReportFactory(application=application, number=1)
    total = report_financials(report).total
    assert (total.budget, total.cumulative, total.rate) == (D("957913.76"), D("0"), D("0.00"))


def _project_with(partners: int):
    application = f.project()
    members = [application.partners.get()]
    members += [
        f.PartnerFactory(application=application, number=number)
        for number in range(2, partners + 1)
    ]
    report = f.ProgressReportFactory(application=application, number=2)
    earlier = f.ProgressReportFactory(application=application, number=1)
    for partner in members:
        f.BudgetLineFactory(partner=partner, cost_category=C.STAFF, amount=D("10000"))
        f.BudgetLineFactory(partner=partner, cost_category=C.TRAVEL, amount=D("900"))
        declare(report, partner, C.STAFF, "1234.56")
        declare(earlier, partner, C.TRAVEL, "100.00")
    f.report_walked(earlier, R.SUBMITTED)
    return report


@pytest.mark.parametrize("partners", [2, 10])
def test_the_finances_take_three_queries_whatever_the_number_of_partners(partners):
    report = _project_with(partners)
    with CaptureQueriesContext(connection) as queries:
        financials = report_financials(report)
    # 1. the partners with their organisations; 2. the budget summed per partner and
    # category; 3. the expenditure of this report and of the earlier ones filed, summed.
    assert len(queries) == 3, [q["sql"] for q in queries]
    assert len(financials.partners) == partners
    assert financials.total.cumulative == partners * (D("1234.56") + D("100.00"))


def test_indicators_say_target_reached_and_rate(pass_emploi):
    application, _partners = pass_emploi
    report = f.ProgressReportFactory(application=application, number=1)
    trained = f.IndicatorFactory(
        application=application, code="I1", name="Demandeurs d'emploi formés", target_value=60
    )
    modules = f.IndicatorFactory(
        application=application, code="I2", name="Modules créés", unit="modules", target_value=5
    )
    f.IndicatorFactory(application=application, code="I3", name="Étude-action", target_value=1)
    f.IndicatorFactory(application=application, code="I9", name="Sans cible", target_value=0)
    f.IndicatorProgressFactory(report=report, indicator=trained, value_reached=D("18"))
    f.IndicatorProgressFactory(
        report=report, indicator=modules, value_reached=D("5"), comment="Les cinq modules."
    )
    other = f.ProgressReportFactory(application=application, number=2)
    f.IndicatorProgressFactory(report=other, indicator=trained, value_reached=D("40"))
    with CaptureQueriesContext(connection) as queries:
        lines = report_indicators(report)
    assert len(queries) == 2
    assert [(i.code, i.target, i.reached, i.rate) for i in lines] == [
        ("I1", D("60.00"), D("18.00"), D("30.00")),
        ("I2", D("5.00"), D("5.00"), D("100.00")),
        ("I3", D("1.00"), None, None),
        ("I9", D("0.00"), None, None),
    ]
    assert lines[1].comment == "Les cinq modules." and lines[1].unit == "modules"
    assert lines[0].kind_label == "Réalisation"
