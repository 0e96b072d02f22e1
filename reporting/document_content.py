"""What each kind of document shows: its template under ``templates/pdf/``, its title, the
authority and reference of its running header, the fingerprint of its footer, and the data
its template reads. Each builder reads with a constant number of queries and never writes.

- the dossier as submitted and the acknowledgement of receipt read the frozen version
  (``Snapshot``): what was submitted, never the live dossier;
- the decision letter reads the decision and the version under review;
- an authority's summary of a call counts and sums its dossiers per measure and per
  country (frozen amounts requested, amounts granted), with charts;
- a programme's summary of its projects in progress lists their reports due, late, the
  consumption of their budgets and their indicators against their targets;
- a progress report reads ``reporting.selectors`` (financials, indicators).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.choices import ApplicationStatus as S
from applications.choices import DecisionOutcome
from applications.models import Application, Decision, Indicator, Snapshot
from applications.snapshot import fingerprint
from calls.models import Call, Programme
from calls.templatetags.portal_format import money
from partners.choices import COUNTRY_CHOICES, PartnerRole
from partners.models import Partner

from .charts import Group, bar_chart
from .choices import DocumentKind, ReportStatus
from .models import Expenditure, GeneratedDocument, IndicatorProgress, ProgressReport

ZERO = Decimal("0.00")
COUNTRIES = dict(COUNTRY_CHOICES)
RECEIVED = [status for status in S.values if status not in (S.DRAFT, S.WITHDRAWN)]
ELIGIBLE = [
    S.ADMISSIBLE, S.UNDER_ASSESSMENT, S.SELECTED, S.RESERVE, S.REJECTED, S.CONTRACTED,
    S.IN_PROGRESS, S.CLOSED,
]  # fmt: skip
SELECTED = [S.SELECTED, S.CONTRACTED, S.IN_PROGRESS, S.CLOSED]


class ContentError(Exception):
    """The document cannot be made from its subject as it stands (no frozen version, no
    decision): a permanent failure, said to the reader."""


@dataclass
class Content:
    template: str
    title: str
    authority: str
    reference: str
    fingerprint: str
    fingerprint_label: str
    context: dict = field(default_factory=dict)


def _rate(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if not whole or part is None:
        return None
    return (part * 100 / whole).quantize(Decimal("0.01"))


# --- the dossier, its acknowledgement, its decision letter ---------------------------------


def _snapshot_of(document: GeneratedDocument) -> Snapshot:
    snapshot = document.snapshot
    if snapshot is None:
        raise ContentError(_("Ce dossier n'a pas de version déposée."))
    return snapshot


def dossier_content(document: GeneratedDocument) -> Content:
    from review.readable import readable_dossier

    snapshot = _snapshot_of(document)
    application = snapshot.application
    call = application.call
    return Content(
        template="pdf/dossier.html",
        title=_("Dossier %(reference)s tel que déposé (version %(number)s)")
        % {"reference": application.reference, "number": snapshot.number},
        authority=call.authority.name,
        reference=application.reference,
        fingerprint=snapshot.sha256,
        fingerprint_label=_("Empreinte SHA-256 de la version déposée"),
        context={
            "application": application,
            "call": call,
            "snapshot": snapshot,
            "dossier": readable_dossier(application, snapshot),
        },
    )


def acknowledgement_content(document: GeneratedDocument) -> Content:
    snapshot = _snapshot_of(document)
    application = snapshot.application
    call = application.call
    lead = next(
        (p for p in snapshot.data.get("partners", []) if p.get("role") == PartnerRole.LEAD), {}
    )
    return Content(
        template="pdf/acknowledgement.html",
        title=_("Accusé de réception du dossier %(reference)s")
        % {"reference": application.reference},
        authority=call.authority.name,
        reference=application.reference,
        fingerprint=snapshot.sha256,
        fingerprint_label=_("Empreinte SHA-256 de la version déposée"),
        context={
            "application": application,
            "call": call,
            "authority": call.authority,
            "snapshot": snapshot,
            "data": snapshot.data,
            "lead": lead.get("organisation", {}),
            "partners": snapshot.data.get("partners", []),
            "attachments": snapshot.data.get("attachments", []),
        },
    )


def decision_letter_content(document: GeneratedDocument) -> Content:
    application = document.application
    decision = Decision.objects.select_related("decided_by").filter(application=application).first()
    if decision is None:
        raise ContentError(_("Aucune décision n'est enregistrée pour ce dossier."))
    call = application.call
    lead = (
        Partner.objects.select_related("organisation")
        .filter(application=application, role=PartnerRole.LEAD)
        .first()
    )
    snapshot = application.current_snapshot
    return Content(
        template="pdf/decision_letter.html",
        title=_("Décision relative au dossier %(reference)s")
        % {"reference": application.reference},
        authority=call.authority.name,
        reference=application.reference,
        fingerprint=snapshot.sha256 if snapshot else "",
        fingerprint_label=_("Empreinte SHA-256 de la version déposée"),
        context={
            "application": application,
            "call": call,
            "authority": call.authority,
            "decision": decision,
            "selected": decision.outcome == DecisionOutcome.SELECTED,
            "lead": lead.organisation if lead else None,
            "contact": lead.contact_name if lead else "",
            "snapshot": snapshot,
            "requested": snapshot.eu_requested if snapshot else None,
            "total_budget": snapshot.total_budget if snapshot else None,
        },
    )


# --- an authority's summary of a call -------------------------------------------------------


@dataclass
class Tally:
    label: str
    received: int = 0
    eligible: int = 0
    selected: int = 0
    requested: Decimal = ZERO
    granted: Decimal = ZERO


def call_summary_content(document: GeneratedDocument) -> Content:
    call = Call.objects.select_related("authority", "programme").get(pk=document.call_id)
    rows = (
        Application.objects.filter(call=call, status__in=RECEIVED)
        .order_by("reference")
        .values(
            "pk",
            "status",
            "measure__code",
            "measure__name",
            "current_snapshot__eu_requested",
            "decision__outcome",
            "decision__amount_granted",
        )
    )
    leads = dict(
        Partner.objects.filter(
            application__call=call, application__status__in=RECEIVED, role=PartnerRole.LEAD
        ).values_list("application__pk", "organisation__country")
    )
    total = Tally(label=_("Total"))
    per_measure: dict[str, Tally] = {}
    per_country: dict[str, Tally] = {}
    for row in rows:
        pk = row["pk"]
        measure = (
            f"{row['measure__code']} — {row['measure__name']}"
            if row["measure__code"]
            else _("Sans mesure")
        )
        country = COUNTRIES.get(leads.get(pk), leads.get(pk) or "—")
        for tally in (
            total,
            per_measure.setdefault(measure, Tally(label=measure)),
            per_country.setdefault(country, Tally(label=str(country))),
        ):
            tally.received += 1
            if row["status"] in ELIGIBLE:
                tally.eligible += 1
            if row["status"] in SELECTED:
                tally.selected += 1
            tally.requested += row["current_snapshot__eu_requested"] or ZERO
            if row["decision__outcome"] == DecisionOutcome.SELECTED:
                tally.granted += row["decision__amount_granted"] or ZERO
    measures = sorted(per_measure.values(), key=lambda t: t.label)
    countries = sorted(per_country.values(), key=lambda t: str(t.label))
    series = [_("Demandé (UE)"), _("Accordé")]

    def chart(tallies, title):
        return bar_chart(
            [Group(t.label, [t.requested, t.granted]) for t in tallies],
            series=series,
            title=title,
            value_label=lambda value: money(value, 0),
        )

    data = {
        "call": call.reference,
        "measures": [(t.label, t.received, str(t.requested), str(t.granted)) for t in measures],
        "countries": [(t.label, t.received, str(t.requested), str(t.granted)) for t in countries],
    }
    return Content(
        template="pdf/call_summary.html",
        title=_("Synthèse de l'appel %(reference)s") % {"reference": call.reference},
        authority=call.authority.name,
        reference=call.reference,
        fingerprint=fingerprint(data),
        fingerprint_label=_("Empreinte SHA-256 des données de la synthèse"),
        context={
            "call": call,
            "total": total,
            "measures": measures,
            "countries": countries,
            "envelope_rate": _rate(total.granted, call.budget_envelope),
            "measure_chart": chart(measures, _("Montants demandés et accordés par mesure")),
            "country_chart": chart(countries, _("Montants demandés et accordés par pays")),
        },
    )


# --- a programme's summary of its projects in progress --------------------------------------


@dataclass
class ProjectLine:
    application: Application
    lead: str
    budget: Decimal
    declared: Decimal
    consumption: Decimal | None
    reports_due: int
    reports_filed: int
    reports_late: int
    next_due: dt.date | None
    indicators: list = field(default_factory=list)


def programme_summary_content(document: GeneratedDocument) -> Content:
    from review.decisions import report_calendar

    programme = Programme.objects.select_related("managing_authority", "fund").get(
        pk=document.programme_id
    )
    today = timezone.localdate()
    projects = list(
        Application.objects.filter(call__programme=programme, status=S.IN_PROGRESS)
        .select_related("current_snapshot", "call")
        .prefetch_related(
            Prefetch(
                "partners",
                queryset=Partner.objects.filter(role=PartnerRole.LEAD).select_related(
                    "organisation"
                ),
                to_attr="leads",
            ),
            Prefetch(
                "progress_reports",
                queryset=ProgressReport.objects.order_by("number"),
                to_attr="reports",
            ),
            Prefetch("indicators", queryset=Indicator.objects.order_by("code", "pk")),
        )
        .order_by("reference")
    )
    ids = [project.pk for project in projects]
    filed = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
    declared = dict(
        Expenditure.objects.filter(report__application__in=ids, report__status__in=filed)
        .order_by()
        .values("report__application")
        .annotate(total=Sum("amount"))
        .values_list("report__application", "total")
    )
    # The latest value reached by each indicator, in the latest report filed.
    latest: dict[int, Decimal] = {}
    for indicator_id, value in (
        IndicatorProgress.objects.filter(report__application__in=ids, report__status__in=filed)
        .order_by("indicator_id", "report__number")
        .values_list("indicator_id", "value_reached")
    ):
        latest[indicator_id] = value
    lines = []
    for project in projects:
        months = programme.report_interval_months or 12
        due_dates = (
            report_calendar(project.start_date, project.end_date, months)
            if project.start_date and project.end_date
            else []
        )
        due = [day for day in due_dates if day <= today]
        numbers_filed = {r.number for r in project.reports if r.status in filed}
        late = sum(1 for number, _day in enumerate(due, start=1) if number not in numbers_filed)
        budget = project.current_snapshot.total_budget if project.current_snapshot else ZERO
        spent = declared.get(project.pk) or ZERO
        lines.append(
            ProjectLine(
                application=project,
                lead=project.leads[0].organisation.legal_name if project.leads else "—",
                budget=budget,
                declared=spent,
                consumption=_rate(spent, budget),
                reports_due=len(due),
                reports_filed=len(numbers_filed),
                reports_late=late,
                next_due=next((day for day in due_dates if day > today), None),
                indicators=[
                    {
                        "indicator": indicator,
                        "reached": latest.get(indicator.pk),
                        "rate": _rate(latest.get(indicator.pk), indicator.target_value),
                    }
                    for indicator in project.indicators.all()
                ],
            )
        )
    totals = {
        "budget": sum((line.budget for line in lines), ZERO),
        "declared": sum((line.declared for line in lines), ZERO),
        "due": sum(line.reports_due for line in lines),
        "late": sum(line.reports_late for line in lines),
    }
    totals["consumption"] = _rate(totals["declared"], totals["budget"])
    chart = bar_chart(
        [Group(f"{line.application.reference}", [line.budget, line.declared]) for line in lines],
        series=[_("Budget"), _("Dépenses déclarées")],
        title=_("Consommation des budgets par projet"),
        value_label=lambda value: money(value, 0),
    )
    data = {
        "programme": programme.code,
        "lines": [
            (line.application.reference, str(line.budget), str(line.declared), line.reports_late)
            for line in lines
        ],
        "on": today.isoformat(),
    }
    return Content(
        template="pdf/programme_summary.html",
        title=_("Projets en cours du programme %(name)s") % {"name": programme.name},
        authority=programme.managing_authority.name,
        reference=programme.short_name or programme.code,
        fingerprint=fingerprint(data),
        fingerprint_label=_("Empreinte SHA-256 des données de la synthèse"),
        context={
            "programme": programme,
            "lines": lines,
            "totals": totals,
            "today": today,
            "chart": chart,
        },
    )


# --- a progress report ----------------------------------------------------------------------


def progress_report_content(document: GeneratedDocument) -> Content:
    from . import selectors

    report = ProgressReport.objects.select_related(
        "application__call__authority", "application__call__programme"
    ).get(pk=document.report_id)
    application = report.application
    packages = selectors.report_work_packages(report)
    financials = selectors.report_financials(report)
    indicators = selectors.report_indicators(report)
    attachments = list(report.attachments.order_by("uploaded_at", "pk"))
    data = {
        "attachments": [(a.original_name, a.size, a.sha256) for a in attachments],
        "report": report.pk,
        "number": report.number,
        "status": report.status,
        "period": [report.period_start.isoformat(), report.period_end.isoformat()],
        "overall_progress": report.overall_progress,
        "results": report.results,
        "added_value": report.added_value,
        "work_packages": repr(packages),
        "financials": repr(financials),
        "indicators": repr(indicators),
    }
    return Content(
        template="pdf/progress_report.html",
        title=_("Rapport d'avancement n° %(number)s du projet %(reference)s")
        % {"number": report.number, "reference": application.reference},
        authority=application.call.authority.name,
        reference=application.reference,
        fingerprint=fingerprint(data),
        fingerprint_label=_("Empreinte SHA-256 du rapport"),
        context={
            "report": report,
            "application": application,
            "packages": packages,
            "financials": financials,
            "indicators": indicators,
            "attachments": attachments,
        },
    )


BUILDERS = {
    DocumentKind.DOSSIER: dossier_content,
    DocumentKind.ACKNOWLEDGEMENT: acknowledgement_content,
    DocumentKind.DECISION_LETTER: decision_letter_content,
    DocumentKind.CALL_SUMMARY: call_summary_content,
    DocumentKind.PROGRAMME_SUMMARY: programme_summary_content,
    DocumentKind.PROGRESS_REPORT: progress_report_content,
}


def content_of(document: GeneratedDocument) -> Content:
    try:
        builder = BUILDERS[document.kind]
    except KeyError:
        raise ContentError(_("Ce type de document n'est pas rendu en PDF.")) from None
    return builder(document)
