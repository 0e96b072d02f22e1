"""Reads on applications that must stay efficient: totals are computed from the lines, never
stored beside them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from partners.models import Partner

from .choices import FundingSource
from .models import Application, BudgetLine, Cofinancing

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sum_per_partner(queryset) -> Coalesce:
    """The sum of ``amount`` over ``queryset``'s rows of the outer partner (0 when none), as
    a subquery: summing two reverse relations in one query's joins would multiply rows."""
    total = (
        queryset.filter(partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def eu_rate(eu_amount: Decimal, total: Decimal) -> Decimal | None:
    """The EU share of ``total`` in percent, to the hundredth; None when there is no cost."""
    if not total:
        return None
    return (eu_amount * 100 / total).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PartnerTotals:
    partner: Partner
    budget: Decimal
    resources: Decimal
    eu: Decimal

    @property
    def eu_rate(self) -> Decimal | None:
        return eu_rate(self.eu, self.budget)


@dataclass(frozen=True)
class BudgetOverview:
    """The dossier's budget and financing plan per partner and in total."""

    partners: list[PartnerTotals]

    @property
    def budget(self) -> Decimal:
        return sum((row.budget for row in self.partners), ZERO)

    @property
    def resources(self) -> Decimal:
        return sum((row.resources for row in self.partners), ZERO)

    @property
    def eu(self) -> Decimal:
        return sum((row.eu for row in self.partners), ZERO)

    @property
    def eu_rate(self) -> Decimal | None:
        return eu_rate(self.eu, self.budget)


def budget_overview(*, application: Application) -> BudgetOverview:
    """Budget, resources and EU share per partner of ``application``: one query."""
    partners = (
        Partner.objects.filter(application=application)
        .select_related("organisation")
        .annotate(
            budget_total=_sum_per_partner(BudgetLine.objects.all()),
            resources_total=_sum_per_partner(Cofinancing.objects.all()),
            eu_total=_sum_per_partner(Cofinancing.objects.filter(source=FundingSource.EU)),
        )
        .order_by("number")
    )
    return BudgetOverview(
        partners=[
            PartnerTotals(
                partner=partner,
                budget=partner.budget_total,
                resources=partner.resources_total,
                eu=partner.eu_total,
            )
            for partner in partners
        ]
    )
