"""The sections of a dossier as the applicant fills them: their order, their pages, whether
each is complete, and which of the eligibility engine's verdicts belongs to which section.

The side menu of every dossier page is built here in a constant number of queries (one for
the counts, plus the eligibility checklist), whatever the number of partners.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calls.choices import CostModel
from calls.eligibility.kinds import Section as EngineSection
from partners.choices import PartnerRole

from .models import Application, Attachment, BudgetLine, Cofinancing, Indicator, WorkPackage

IDENTIFICATION = "identification"
CONTEXT = "context"
PRIORITIES = "priorities"
CONSORTIUM = "consortium"
WORK_PACKAGES = "work_packages"
BUDGET = "budget"
COFINANCING = "cofinancing"
INDICATORS = "indicators"
ATTACHMENTS = "attachments"
SUBMISSION = "submission"


@dataclass(frozen=True)
class SectionSpec:
    key: str
    label: str | Promise
    url_name: str


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(IDENTIFICATION, _("Identification"), "applications:identification"),
    SectionSpec(CONTEXT, _("Contexte et objectifs"), "applications:context"),
    SectionSpec(PRIORITIES, _("Priorités et publics cibles"), "applications:priorities"),
    SectionSpec(CONSORTIUM, _("Partenariat"), "applications:consortium"),
    SectionSpec(WORK_PACKAGES, _("Modules de travail"), "applications:work_packages"),
    SectionSpec(BUDGET, _("Budget"), "applications:budget"),
    SectionSpec(COFINANCING, _("Plan de financement"), "applications:cofinancing"),
    SectionSpec(INDICATORS, _("Indicateurs"), "applications:indicators"),
    SectionSpec(ATTACHMENTS, _("Pièces jointes"), "applications:attachments"),
    SectionSpec(SUBMISSION, _("Vérification et dépôt"), "applications:submit"),
)
SECTION_BY_KEY = {section.key: section for section in SECTIONS}

# The engine names the part of the dossier each rule reads; this is the page that fixes it.
ENGINE_SECTION_TO_PAGE = {
    EngineSection.IDENTIFICATION: IDENTIFICATION,
    EngineSection.CONSORTIUM: CONSORTIUM,
    EngineSection.PRIORITIES: PRIORITIES,
    EngineSection.BUDGET: BUDGET,
    EngineSection.COFINANCING: COFINANCING,
    EngineSection.ATTACHMENTS: ATTACHMENTS,
    EngineSection.SUBMISSION: SUBMISSION,
}


def section_url(key: str, application: Application) -> str:
    return reverse(SECTION_BY_KEY[key].url_name, args=[application.reference])


def _count(queryset, field: str = "pk"):
    subquery = queryset.order_by().values(field).annotate(n=Count("*")).values("n")[:1]
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)


def _count_distinct(model, relation: str, field: str):
    subquery = (
        model.objects.filter(**{relation: OuterRef("pk")})
        .order_by()
        .values(relation)
        .annotate(n=Count(field, distinct=True))
        .values("n")[:1]
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)


def section_counts(application: Application) -> dict[str, int]:
    """What the completion marks read, in one query."""
    through_priorities = Application.priorities.through
    through_groups = Application.target_groups.through
    row = (
        Application.objects.filter(pk=application.pk)
        .annotate(
            n_work_packages=_count(
                WorkPackage.objects.filter(application=OuterRef("pk")), "application"
            ),
            n_indicators=_count(
                Indicator.objects.filter(application=OuterRef("pk")), "application"
            ),
            n_priorities=_count(
                through_priorities.objects.filter(application=OuterRef("pk")), "application"
            ),
            n_target_groups=_count(
                through_groups.objects.filter(application=OuterRef("pk")), "application"
            ),
            n_partners_with_budget=_count_distinct(BudgetLine, "partner__application", "partner"),
            n_partners_with_cofinancing=_count_distinct(
                Cofinancing, "partner__application", "partner"
            ),
            n_call_priorities=_count(
                Application.call.field.related_model.priorities.through.objects.filter(
                    call=OuterRef("call_id")
                ),
                "call",
            ),
            n_call_target_groups=_count(
                Application.call.field.related_model.target_groups.through.objects.filter(
                    call=OuterRef("call_id")
                ),
                "call",
            ),
        )
        .values(
            "n_work_packages",
            "n_indicators",
            "n_priorities",
            "n_target_groups",
            "n_partners_with_budget",
            "n_partners_with_cofinancing",
            "n_call_priorities",
            "n_call_target_groups",
        )
        .get()
    )
    return row


def missing_required_attachments(application: Application, partners) -> int:
    """How many of the call's required documents are missing: one per dossier, or one per
    partner (associated partners excepted) for a per-partner type, where the lead's own may
    be joined at the dossier's level. Two queries."""
    required = list(application.call.required_document_types.values_list("pk", "per_partner"))
    if not required:
        return 0
    joined = set(
        Attachment.objects.filter(application=application)
        .values_list("document_type_id", "partner_id")
        .distinct()
    )
    types_joined = {kind for kind, _partner in joined}
    consortium = [p for p in partners if p.role != PartnerRole.ASSOCIATED]
    missing = 0
    for kind, per_partner in required:
        if not per_partner:
            missing += kind not in types_joined
            continue
        for partner in consortium:
            if (kind, partner.pk) not in joined and not (
                partner.is_lead and (kind, None) in joined
            ):
                missing += 1
    return missing


@dataclass
class MenuItem:
    key: str
    label: str | Promise
    url: str
    complete: bool
    problems: int
    current: bool


def section_menu(access, *, outcome, current: str) -> list[MenuItem]:
    """The side menu: every section with its completion mark and the number of blocking
    eligibility failures it must fix."""
    application = access.application
    counts = section_counts(application)
    partners = access.partners
    n_partners = len(partners)
    lump_sum_call = application.call.cost_model == CostModel.LUMP_SUM
    problems: dict[str, int] = {}
    for result in outcome.blocking_failures:
        page = ENGINE_SECTION_TO_PAGE.get(result.section, SUBMISSION)
        problems[page] = problems.get(page, 0) + 1
    complete = {
        IDENTIFICATION: bool(
            application.acronym
            and application.title
            and application.summary
            and application.start_date
            and application.end_date
            and (application.measure_id or not application.call.measures.exists())
        ),
        CONTEXT: bool(application.context and application.objectives),
        PRIORITIES: (counts["n_priorities"] > 0 or not counts["n_call_priorities"])
        and (counts["n_target_groups"] > 0 or not counts["n_call_target_groups"]),
        CONSORTIUM: n_partners > 0
        and all(p.contact_name and p.contact_email and p.commitment_signed_at for p in partners),
        WORK_PACKAGES: counts["n_work_packages"] > 0,
        BUDGET: bool(application.lump_sum)
        if lump_sum_call
        else counts["n_partners_with_budget"] == n_partners,
        COFINANCING: counts["n_partners_with_cofinancing"] == n_partners,
        INDICATORS: counts["n_indicators"] > 0,
        ATTACHMENTS: not missing_required_attachments(application, partners),
        SUBMISSION: application.submitted_at is not None,
    }
    return [
        MenuItem(
            key=section.key,
            label=section.label,
            url=section_url(section.key, application),
            complete=complete[section.key] and not problems.get(section.key),
            problems=problems.get(section.key, 0),
            current=section.key == current,
        )
        for section in SECTIONS
    ]


def checklist_items(application: Application, outcome) -> list[dict]:
    """The engine's verdicts, failures first, each with the page that fixes it."""
    order = {"fail": 0, "warning": 1, "pass": 2, "not_applicable": 3}
    items = []
    for result in outcome.results:
        page = ENGINE_SECTION_TO_PAGE.get(result.section, SUBMISSION)
        items.append(
            {
                "result": result,
                "page": SECTION_BY_KEY[page],
                "url": section_url(page, application),
            }
        )
    items.sort(key=lambda item: (order.get(item["result"].status, 9), not item["result"].blocking))
    return items
