"""The dossier's totals are computed from its lines, exactly, in one query."""

from decimal import Decimal

from applications.choices import FundingSource
from applications.selectors import budget_overview, eu_rate
from tests import factories as f


def test_totals_per_partner_are_exact_and_not_multiplied_by_the_other_lines(
    dossier, django_assert_num_queries
):
    lead, partner = dossier.partners.order_by("number")
    f.BudgetLineFactory(partner=lead, amount=Decimal("100000.10"))
    f.BudgetLineFactory(partner=lead, amount=Decimal("50000.05"), year=2028)
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("90000.09"))
    f.CofinancingFactory(partner=lead, source=FundingSource.OWN_FUNDS, amount=Decimal("30000"))
    f.CofinancingFactory(partner=lead, source=FundingSource.EU, amount=Decimal("0.01"))
    f.BudgetLineFactory(partner=partner, amount=Decimal("49999.85"))

    with django_assert_num_queries(1):
        overview = budget_overview(application=dossier)
        rows = {row.partner.pk: row for row in overview.partners}

    assert rows[lead.pk].budget == Decimal("150000.15")
    assert rows[lead.pk].resources == Decimal("120000.10")
    assert rows[lead.pk].eu == Decimal("90000.10")
    assert rows[lead.pk].eu_rate == Decimal("60.00")
    assert rows[partner.pk].budget == Decimal("49999.85")
    assert rows[partner.pk].resources == Decimal("0")
    assert rows[partner.pk].eu_rate == Decimal("0.00")
    assert overview.budget == Decimal("200000.00")
    assert overview.eu == Decimal("90000.10")
    assert overview.eu_rate == Decimal("45.00")
    assert isinstance(overview.budget, Decimal)


def test_a_dossier_without_costs_has_no_eu_rate(dossier):
    overview = budget_overview(application=dossier)
    assert overview.budget == Decimal("0")
    assert overview.eu_rate is None
    assert eu_rate(Decimal("10"), Decimal("0")) is None


def test_the_eu_rate_is_rounded_half_up_to_the_hundredth():
    assert eu_rate(Decimal("2"), Decimal("3")) == Decimal("66.67")
    assert eu_rate(Decimal("1"), Decimal("8")) == Decimal("12.50")
