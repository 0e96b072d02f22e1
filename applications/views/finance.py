"""Budget and co-financing plan, in total and per partner.

The call's cost model decides what the budget is:

- real costs: each partner fills its own budget lines (cost category, year, work package,
  amount) on its page; the budget page sums them per partner;
- lump sum (Erasmus+ KA2): the lead chooses one of the call's amounts on the budget page.
  The lump sum is one grant for the whole project; the application does not split it
  between the partners (the partnership agrees on the split among itself), so there are no
  partner budget pages for these calls.

Each partner's members fill that partner's financing plan (EU share, national and regional
public co-financing, own funds, private funding); the co-financing page shows the plan of
the consortium per source, the EU rate against the call's maximum and whether resources and
costs balance. Totals are computed from the lines (one query), and recomputed after each
autosave (swapped out of band beside the save status).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View

from calls.choices import CostModel

from .. import sections
from ..choices import CostCategory, FundingSource
from ..forms import BudgetLineFormSet, CofinancingFormSet, LumpSumForm
from ..models import BudgetLine, Cofinancing, WorkPackage
from ..selectors import ZERO, budget_overview, eu_rate
from .base import DossierMixin, SectionView

CHECKLIST_OOB = "applications/_checklist_oob.html"


def _is_lump_sum(application) -> bool:
    return application.call.cost_model == CostModel.LUMP_SUM


def _rate_above(eu: Decimal, total: Decimal, maximum: Decimal | None) -> bool:
    """Whether ``eu`` exceeds ``maximum`` percent of ``total``, compared exactly."""
    if maximum is None or not total:
        return False
    return eu * 100 > maximum * total


# --- totals -----------------------------------------------------------------------------


@dataclass
class BudgetTotals:
    """A partner's budget per cost category (rows) and year (columns), with the totals."""

    years: list[int]
    rows: list[dict]
    year_totals: list[Decimal]
    total: Decimal


def partner_budget_totals(partner, *, years: range | None) -> BudgetTotals:
    """One query: the sums of the partner's lines per category and year. The project's
    years are always shown as columns, with any other year found in the lines."""
    sums: dict[tuple[str, int], Decimal] = {
        (category, year): total
        for category, year, total in BudgetLine.objects.filter(partner=partner)
        .order_by()
        .values_list("cost_category", "year")
        .annotate(total=Sum("amount"))
    }
    all_years = sorted({year for _category, year in sums} | set(years or ()))
    rows = []
    for value, label in CostCategory.choices:
        cells = [sums.get((value, year), ZERO) for year in all_years]
        if any((value, year) in sums for year in all_years):
            rows.append({"label": label, "cells": cells, "total": sum(cells, ZERO)})
    year_totals = [
        sum((sums.get((value, year), ZERO) for value in CostCategory.values), ZERO)
        for year in all_years
    ]
    return BudgetTotals(
        years=all_years, rows=rows, year_totals=year_totals, total=sum(year_totals, ZERO)
    )


@dataclass
class PartnerPlan:
    """A partner's financing plan against its budget."""

    partner: object
    budget: Decimal
    resources: Decimal
    eu: Decimal
    by_source: list[Decimal]

    @property
    def difference(self) -> Decimal:
        """Resources minus costs: 0 when the plan balances."""
        return self.resources - self.budget

    @property
    def eu_rate(self) -> Decimal | None:
        return eu_rate(self.eu, self.budget)


# --- pages ------------------------------------------------------------------------------


class _PartnerPage(SectionView):
    """A page of one partner's own part, edited by that partner's members only."""

    @cached_property
    def partner(self):
        return self.access.partner_by_number(self.kwargs["number"])

    def can_edit(self) -> bool:
        return self.access.can_edit_partner(self.partner)

    def read_only_reason(self) -> str:
        if not self.access.is_editable:
            return super().read_only_reason()
        return _(
            "Cette partie est remplie par les membres de %(organisation)s : vous pouvez la lire."
        ) % {"organisation": self.partner.organisation}


class BudgetView(SectionView):
    """The budget of the consortium: per partner with the totals (real-cost calls), or the
    choice of the lump sum (lump-sum calls)."""

    section = sections.BUDGET
    template_name = "applications/sections/budget.html"
    form_template = "applications/sections/_budget_lump_sum_form.html"

    def version_key(self) -> str:
        return "budget"

    @cached_property
    def lump_sum_call(self) -> bool:
        return _is_lump_sum(self.application)

    def build_forms(self, data=None, files=None) -> dict:
        if not self.lump_sum_call:
            return {}
        amounts = [lump_sum.amount for lump_sum in self.application.call.lump_sums.all()]
        return {"form": LumpSumForm(data, instance=self.application, amounts=amounts)}

    def post(self, request, *args, **kwargs):
        if not self.lump_sum_call:
            # Real costs: the budget is the partners' lines, entered on their own pages.
            return HttpResponseNotAllowed(["GET"])
        return super().post(request, *args, **kwargs)

    def extra_context(self) -> dict:
        if self.lump_sum_call:
            return {"lump_sum_call": True}
        overview = budget_overview(application=self.application)
        mine = {partner.pk for partner in self.access.my_partners}
        return {
            "lump_sum_call": False,
            "overview": overview,
            "my_partner_ids": mine,
            "rate_above": _rate_above(
                overview.eu, overview.budget, self.application.call.max_cofinancing_rate
            ),
        }


class PartnerBudgetView(_PartnerPage):
    """A partner's budget lines (real-cost calls), with live totals per category and year."""

    section = sections.BUDGET
    template_name = "applications/sections/partner_budget.html"
    form_template = "applications/sections/_partner_budget_form.html"
    oob_templates = (CHECKLIST_OOB, "applications/sections/_budget_totals_oob.html")

    @cached_property
    def partner(self):
        if _is_lump_sum(self.application):
            raise Http404
        return super().partner

    def version_key(self) -> str:
        return f"budget-{self.partner.pk}"

    @cached_property
    def project_years(self) -> range | None:
        start, end = self.application.start_date, self.application.end_date
        if not (start and end):
            return None
        return range(start.year, end.year + 1)

    @cached_property
    def work_packages(self) -> list[WorkPackage]:
        return list(
            WorkPackage.objects.filter(application=self.application)
            .only("pk", "number", "title")
            .order_by("number")
        )

    def build_forms(self, data=None, files=None) -> dict:
        return {
            "formset": BudgetLineFormSet(
                data,
                instance=self.partner,
                prefix="lines",
                form_kwargs={"work_packages": self.work_packages, "years": self.project_years},
            )
        }

    def extra_context(self) -> dict:
        years = self.project_years
        return {
            "partner": self.partner,
            "project_years": years,
            "first_year": years.start if years else None,
            "last_year": years.stop - 1 if years else None,
            "totals": partner_budget_totals(self.partner, years=years),
        }


class CofinancingView(DossierMixin, View):
    """The consortium's financing plan: resources per partner and source, the EU rate of the
    total budget against the call's maximum, the balance of resources and costs."""

    section = sections.COFINANCING

    def get(self, request, reference):
        application = self.application
        overview = budget_overview(application=application)
        sums: dict[tuple[int, str], Decimal] = {
            (partner_id, source): total
            for partner_id, source, total in Cofinancing.objects.filter(
                partner__application=application
            )
            .order_by()
            .values_list("partner_id", "source")
            .annotate(total=Sum("amount"))
        }
        plans = [
            PartnerPlan(
                partner=row.partner,
                budget=row.budget,
                resources=row.resources,
                eu=row.eu,
                by_source=[sums.get((row.partner.pk, source), ZERO) for source in FundingSource],
            )
            for row in overview.partners
        ]
        source_totals = [
            sum((plan.by_source[i] for plan in plans), ZERO) for i in range(len(FundingSource))
        ]
        maximum = application.call.max_cofinancing_rate
        context = {
            **self.layout_context(),
            "lump_sum_call": _is_lump_sum(application),
            "sources": FundingSource.labels,
            "plans": plans,
            "source_totals": source_totals,
            "overview": overview,
            "difference": overview.resources - overview.budget,
            "max_rate": maximum,
            "rate_above": _rate_above(overview.eu, overview.budget, maximum),
            "my_partner_ids": {partner.pk for partner in self.access.my_partners},
        }
        return render(request, "applications/sections/cofinancing.html", context)


class PartnerCofinancingView(_PartnerPage):
    """A partner's financing plan, with its budget, resources, difference and EU rate
    recomputed after each save."""

    section = sections.COFINANCING
    template_name = "applications/sections/partner_cofinancing.html"
    form_template = "applications/sections/_partner_cofinancing_form.html"
    oob_templates = (CHECKLIST_OOB, "applications/sections/_cofinancing_totals_oob.html")

    def version_key(self) -> str:
        return f"cofinancing-{self.partner.pk}"

    def build_forms(self, data=None, files=None) -> dict:
        return {"formset": CofinancingFormSet(data, instance=self.partner, prefix="resources")}

    def extra_context(self) -> dict:
        overview = budget_overview(application=self.application)
        row = next(row for row in overview.partners if row.partner.pk == self.partner.pk)
        maximum = self.application.call.max_cofinancing_rate
        return {
            "partner": self.partner,
            "lump_sum_call": _is_lump_sum(self.application),
            "plan": PartnerPlan(
                partner=self.partner,
                budget=row.budget,
                resources=row.resources,
                eu=row.eu,
                by_source=[],
            ),
            "max_rate": maximum,
            "rate_above": _rate_above(row.eu, row.budget, maximum),
        }
