"""Writes on progress reports: open the report of a period, save its sections, submit it,
accept it or ask for changes.

Each service takes the acting user, checks who may act (``reporting.permissions``), runs in
one transaction with the report's row locked (so that a partner's save never interleaves
with the submission that freezes the report), changes the status only through
``reporting.workflow`` (compare-and-set, a ``ReportStatusChange`` row), and sends its
e-mails once the transaction is committed, to each recipient in their own language.

A refusal is a :class:`ReportRefused`: ``message`` says why, ``errors`` maps a field to its
message (the pages show it beside the field, HTTP 422), ``conflict`` says someone else
acted first (HTTP 409). Nothing is written when a service refuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from applications.choices import CostCategory
from applications.models import Application, Indicator, WorkPackage
from applications.services import ServiceRefused
from audit import services as audit
from audit.choices import AuditAction
from calls.choices import AuthorityRole, CostModel
from calls.models import AuthorityMember
from partners.choices import PartnerRole
from partners.models import Membership, Partner
from review.assessment import is_officer_of

from .choices import ReportStatus as R
from .choices import WorkPackageState
from .models import (
    Expenditure,
    IndicatorProgress,
    ProgressReport,
    ReportStatusChange,
    WorkPackageProgress,
)
from .permissions import EDITABLE_STATUSES, OPENABLE_STATUS, is_lead_member, is_partner_member
from .selectors import project_periods
from .workflow import OFFICER, TransitionError, may_fire, report_transition

# A work package in these states needs its narrative: what is not done, and why.
EXPLAINED_STATES = (WorkPackageState.LATE, WorkPackageState.NOT_STARTED)


class ReportRefused(ServiceRefused):
    """A write on a report refused: ``message`` says why; ``conflict`` when someone else
    acted first; ``errors`` maps a field (or a row) to its message."""

    def __init__(self, message: str, *, conflict: bool = False, errors: Mapping | None = None):
        super().__init__(message)
        self.conflict = conflict
        self.errors = dict(errors or {})


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _status_label(status: str) -> str:
    return str(R(status).label)


# --- who may act ------------------------------------------------------------------------


def _require_lead(actor, application: Application) -> None:
    if not is_lead_member(actor, application):
        raise ReportRefused(
            _("Seuls les membres du chef de file peuvent faire cette action sur le rapport.")
        )


def _require_officer(actor, application: Application, to_status: str) -> None:
    if not may_fire(OFFICER, to_status) or not is_officer_of(actor, application.call.authority_id):
        raise ReportRefused(
            _("Seuls les agents de l'autorité qui gère l'appel peuvent faire cette action.")
        )


def _locked(report: ProgressReport) -> ProgressReport:
    """The report's row, locked until the end of the transaction, with its project."""
    return (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("application__call")
        .get(pk=report.pk)
    )


def _require_editable(locked: ProgressReport) -> None:
    if locked.status not in EDITABLE_STATUSES:
        raise ReportRefused(
            _("Ce rapport est à l'état « %(status)s » : il se lit, il ne se modifie plus.")
            % {"status": _status_label(locked.status)},
            conflict=True,
        )


def _require_seen(locked: ProgressReport, from_status: str | None) -> None:
    """Refuse when the page was built from another state than the report's (a stale form:
    someone else acted first)."""
    if from_status is not None and from_status != locked.status:
        raise ReportRefused(
            _(
                "Le rapport a changé d'état entre-temps (il est maintenant « %(status)s ») : "
                "rechargez la page."
            )
            % {"status": _status_label(locked.status)},
            conflict=True,
        )


def _touch(locked: ProgressReport, report: ProgressReport, now: datetime) -> None:
    ProgressReport.objects.filter(pk=locked.pk).update(updated_at=now)
    report.updated_at = now


# --- opening a report -------------------------------------------------------------------


def report_open(
    *, application: Application, period_number: int, actor, today: date | None = None
) -> ProgressReport:
    """Open the report of period ``period_number`` of the project's calendar (its number,
    period and due date are the calendar's), as a draft, by a member of the lead. Refused
    before the project is in progress (or after it is closed), for a period that has not
    started yet, and for a period whose report is already opened."""
    today = today or timezone.localdate()
    _require_lead(actor, application)
    if application.status != OPENABLE_STATUS:
        raise ReportRefused(
            _(
                "Le projet est à l'état « %(status)s » : les rapports d'avancement s'ouvrent "
                "pendant sa réalisation."
            )
            % {"status": application.get_status_display()}
        )
    periods = project_periods(application)
    if not periods:
        raise ReportRefused(
            _(
                "Le calendrier des rapports ne peut pas être calculé : le programme ne fixe pas "
                "de rythme de rapports, ou les dates du projet manquent."
            )
        )
    period = next((item for item in periods if item.number == period_number), None)
    if period is None:
        raise ReportRefused(
            _("Le calendrier du projet n'a pas de période n° %(number)s.")
            % {"number": period_number}
        )
    if period.start > today:
        raise ReportRefused(
            _(
                "La période n° %(number)s commence le %(start)s : son rapport ne peut pas encore "
                "être ouvert."
            )
            % {"number": period.number, "start": _day(period.start)}
        )
    already = _(
        "Le rapport de la période n° %(number)s est déjà ouvert : il n'y a qu'un rapport par "
        "période."
    ) % {"number": period.number}
    if ProgressReport.objects.filter(application=application, number=period.number).exists():
        raise ReportRefused(already, conflict=True)
    try:
        with transaction.atomic():
            report = ProgressReport.objects.create(
                application=application,
                number=period.number,
                period_start=period.start,
                period_end=period.end,
                due_date=period.end,
                is_final=period.is_final,
                created_by=actor,
            )
    except IntegrityError:
        # Opened by someone else between the check and the insert.
        raise ReportRefused(already, conflict=True) from None
    return report


# --- saving the sections ----------------------------------------------------------------


def report_save_general(
    *,
    report: ProgressReport,
    actor,
    report_date: date | None,
    overall_progress: str,
    results: str,
    added_value: str,
    today: date | None = None,
) -> ProgressReport:
    """The report's date, the overall progress, the main results and the cross-border (or
    transnational) added value, by the lead's members. The date may not be in the future
    nor before the period starts."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked(report)
        _require_lead(actor, locked.application)
        _require_editable(locked)
        errors = {}
        if report_date is not None and report_date > today:
            errors["report_date"] = _("La date du rapport ne peut pas être dans le futur.")
        elif report_date is not None and report_date < locked.period_start:
            errors["report_date"] = _(
                "La date du rapport ne peut pas précéder le début de la période (%(start)s)."
            ) % {"start": _day(locked.period_start)}
        if errors:
            raise ReportRefused(
                _("Le formulaire contient des erreurs : rien n'a été enregistré."), errors=errors
            )
        values = {
            "report_date": report_date,
            "overall_progress": (overall_progress or "").strip(),
            "results": (results or "").strip(),
            "added_value": (added_value or "").strip(),
            "updated_at": timezone.now(),
        }
        ProgressReport.objects.filter(pk=locked.pk).update(**values)
    for name, value in values.items():
        setattr(report, name, value)
    return report


@dataclass(frozen=True)
class WorkPackageEntry:
    """A work package's state ("" when not filled) and narrative, as typed."""

    work_package_id: int
    state: str
    narrative: str = ""


def report_save_work_packages(
    *, report: ProgressReport, actor, entries: Iterable[WorkPackageEntry]
) -> None:
    """Each work package's state (done, in progress, late, not started) and narrative, by
    the lead's members. A late or not started package says why; a narrative needs a state.
    A package left without state nor narrative has no row. ``errors`` are keyed by
    ``(work_package_id, "state" | "narrative")``."""
    entries = list(entries)
    with transaction.atomic():
        locked = _locked(report)
        _require_lead(actor, locked.application)
        _require_editable(locked)
        packages = set(
            WorkPackage.objects.filter(application_id=locked.application_id).values_list(
                "pk", flat=True
            )
        )
        errors: dict = {}
        keep, clear = {}, set()
        for entry in entries:
            narrative = (entry.narrative or "").strip()
            if entry.work_package_id not in packages:
                raise ReportRefused(_("Ce module n'appartient pas au projet."))
            if entry.state and entry.state not in WorkPackageState.values:
                errors[(entry.work_package_id, "state")] = _(
                    "Choisissez l'état du module : réalisé, en cours, en retard ou non démarré."
                )
            elif not entry.state and narrative:
                errors[(entry.work_package_id, "state")] = _(
                    "Choisissez l'état du module que ce récit décrit."
                )
            elif entry.state in EXPLAINED_STATES and not narrative:
                errors[(entry.work_package_id, "narrative")] = _(
                    "Expliquez pourquoi le module est « %(state)s » et ce qui est prévu."
                ) % {"state": WorkPackageState(entry.state).label}
            elif entry.state:
                keep[entry.work_package_id] = (entry.state, narrative)
            else:
                clear.add(entry.work_package_id)
        if errors:
            raise ReportRefused(
                _("Des modules contiennent des erreurs : rien n'a été enregistré."),
                errors=errors,
            )
        WorkPackageProgress.objects.filter(report=locked, work_package_id__in=clear).delete()
        existing = {
            row.work_package_id: row
            for row in WorkPackageProgress.objects.filter(
                report=locked, work_package_id__in=list(keep)
            )
        }
        changed, created = [], []
        for package_id, (state, narrative) in keep.items():
            row = existing.get(package_id)
            if row is None:
                created.append(
                    WorkPackageProgress(
                        report=locked, work_package_id=package_id, state=state, narrative=narrative
                    )
                )
            elif (row.state, row.narrative) != (state, narrative):
                row.state, row.narrative = state, narrative
                changed.append(row)
        WorkPackageProgress.objects.bulk_create(created)
        WorkPackageProgress.objects.bulk_update(changed, ["state", "narrative"])
        _touch(locked, report, timezone.now())


@dataclass(frozen=True)
class IndicatorEntry:
    """The value an indicator reached (None when not reported) and a comment."""

    indicator_id: int
    value: Decimal | None
    comment: str = ""


def report_save_indicators(
    *, report: ProgressReport, actor, entries: Iterable[IndicatorEntry]
) -> None:
    """The value each indicator reached at the report's date (cumulated since the start of
    the project) and a comment, by the lead's members. ``errors`` are keyed by
    ``(indicator_id, "value" | "comment")``."""
    entries = list(entries)
    with transaction.atomic():
        locked = _locked(report)
        _require_lead(actor, locked.application)
        _require_editable(locked)
        indicators = set(
            Indicator.objects.filter(application_id=locked.application_id).values_list(
                "pk", flat=True
            )
        )
        errors: dict = {}
        keep, clear = {}, set()
        for entry in entries:
            comment = (entry.comment or "").strip()
            if entry.indicator_id not in indicators:
                raise ReportRefused(_("Cet indicateur n'appartient pas au projet."))
            if entry.value is None:
                if comment:
                    errors[(entry.indicator_id, "value")] = _(
                        "Indiquez la valeur atteinte que ce commentaire explique."
                    )
                else:
                    clear.add(entry.indicator_id)
            elif entry.value < 0:
                errors[(entry.indicator_id, "value")] = _(
                    "La valeur atteinte ne peut pas être négative."
                )
            else:
                keep[entry.indicator_id] = (entry.value, comment)
        if errors:
            raise ReportRefused(
                _("Des indicateurs contiennent des erreurs : rien n'a été enregistré."),
                errors=errors,
            )
        IndicatorProgress.objects.filter(report=locked, indicator_id__in=clear).delete()
        existing = {
            row.indicator_id: row
            for row in IndicatorProgress.objects.filter(report=locked, indicator_id__in=list(keep))
        }
        changed, created = [], []
        for indicator_id, (value, comment) in keep.items():
            row = existing.get(indicator_id)
            if row is None:
                created.append(
                    IndicatorProgress(
                        report=locked,
                        indicator_id=indicator_id,
                        value_reached=value,
                        comment=comment,
                    )
                )
            elif (row.value_reached, row.comment) != (value, comment):
                row.value_reached, row.comment = value, comment
                changed.append(row)
        IndicatorProgress.objects.bulk_create(created)
        IndicatorProgress.objects.bulk_update(changed, ["value_reached", "comment"])
        _touch(locked, report, timezone.now())


@dataclass(frozen=True)
class ExpenditureEntry:
    """A line of expenditure as typed: cost category, description, amount."""

    cost_category: str
    amount: Decimal
    description: str = ""


def expenditure_categories(application: Application) -> list[tuple[str, str]]:
    """The cost categories a partner declares expenditure in: those of budget lines (every
    category but the lump sum) on a real-cost call, the lump sum on a lump-sum call."""
    lump_sum = application.call.cost_model == CostModel.LUMP_SUM
    return [
        (value, label)
        for value, label in CostCategory.choices
        if (value == CostCategory.LUMP_SUM) == lump_sum
    ]


def report_save_expenditure(
    *, report: ProgressReport, partner: Partner, actor, entries: Iterable[ExpenditureEntry]
) -> None:
    """Replace ``partner``'s expenditure declared in ``report`` by ``entries``, by that
    partner's members only (only the organisation that paid a cost declares it). ``errors``
    are keyed by ``(index, "cost_category" | "amount" | "description")``."""
    entries = list(entries)
    with transaction.atomic():
        locked = _locked(report)
        if partner.application_id != locked.application_id:
            raise ReportRefused(_("Ce partenaire n'appartient pas au projet."))
        if not is_partner_member(actor, partner):
            raise ReportRefused(
                _(
                    "Seuls les membres de %(organisation)s déclarent ses dépenses : vous pouvez "
                    "les lire."
                )
                % {"organisation": partner.organisation}
            )
        _require_editable(locked)
        allowed = {value for value, _label in expenditure_categories(locked.application)}
        errors: dict = {}
        for index, entry in enumerate(entries):
            if entry.cost_category not in allowed:
                errors[(index, "cost_category")] = _(
                    "Choisissez l'une des catégories de coûts proposées."
                )
            if entry.amount is None or entry.amount < 0:
                errors[(index, "amount")] = _("Le montant ne peut pas être négatif.")
            if len(entry.description or "") > 255:
                errors[(index, "description")] = _("Le libellé tient en 255 caractères au plus.")
        if errors:
            raise ReportRefused(
                _("Des lignes contiennent des erreurs : rien n'a été enregistré."), errors=errors
            )
        Expenditure.objects.filter(report=locked, partner=partner).delete()
        Expenditure.objects.bulk_create(
            Expenditure(
                report=locked,
                partner=partner,
                cost_category=entry.cost_category,
                description=(entry.description or "").strip(),
                amount=entry.amount,
            )
            for entry in entries
        )
        _touch(locked, report, timezone.now())


# --- the workflow -----------------------------------------------------------------------


def submission_problems(report: ProgressReport) -> list[str]:
    """What keeps ``report`` from being submitted: the overall progress to describe, the
    state of every work package of the project. Two queries."""
    problems = []
    if not report.overall_progress.strip():
        problems.append(_("Décrivez l'état d'avancement général du projet."))
    stated = set(
        WorkPackageProgress.objects.filter(report=report).values_list("work_package_id", flat=True)
    )
    for number, title in (
        WorkPackage.objects.filter(application_id=report.application_id)
        .exclude(pk__in=stated)
        .order_by("number")
        .values_list("number", "title")
    ):
        problems.append(
            _("Indiquez l'état du module %(number)s « %(title)s ».")
            % {"number": number, "title": title}
        )
    return problems


def report_submit(
    *,
    report: ProgressReport,
    actor,
    from_status: str | None = None,
    now: datetime | None = None,
) -> ReportStatusChange:
    """The lead's members hand the report to the authority (again, after changes were
    asked). The overall progress and every work package's state must be filled; a report
    without a date is dated of the day. The officers of the call's authority are e-mailed
    once committed."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(report)
        _require_lead(actor, locked.application)
        _require_seen(locked, from_status)
        if locked.status not in EDITABLE_STATUSES:
            raise ReportRefused(
                _("Ce rapport est à l'état « %(status)s » : il ne peut pas être remis.")
                % {"status": _status_label(locked.status)},
                conflict=True,
            )
        problems = submission_problems(locked)
        if problems:
            raise ReportRefused(
                _("Le rapport ne peut pas encore être remis : %(problems)s")
                % {"problems": " ".join(problems)},
                errors={"__all__": problems},
            )
        if locked.report_date is None:
            locked.report_date = timezone.localdate(now)
            ProgressReport.objects.filter(pk=locked.pk).update(report_date=locked.report_date)
        comment = _("Rapport d'avancement n° %(number)s remis le %(date)s.") % {
            "number": locked.number,
            "date": locked.report_date.strftime("%d-%m-%Y"),
        }
        change = _transition(locked, R.SUBMITTED, actor, comment, now)
        pk = change.pk
        transaction.on_commit(lambda: send_submission_notice(change_id=pk))
    _refresh(report, locked)
    return change


def report_accept(
    *, report: ProgressReport, actor, comment: str = "", from_status: str | None = None
) -> ReportStatusChange:
    """An officer of the call's authority accepts the submitted report (with an optional
    comment); the lead's members are e-mailed once committed."""
    return _review(report, actor, R.ACCEPTED, (comment or "").strip(), from_status)


def report_request_changes(
    *, report: ProgressReport, actor, comment: str, from_status: str | None = None
) -> ReportStatusChange:
    """An officer of the call's authority sends the submitted report back to the lead, with
    the changes asked for (required: they are e-mailed to the lead's members)."""
    comment = (comment or "").strip()
    if not comment:
        raise ReportRefused(
            _("Indiquez les modifications demandées : elles sont envoyées au chef de file."),
            errors={"comment": _("Indiquez les modifications demandées au chef de file.")},
        )
    return _review(report, actor, R.CHANGES_REQUESTED, comment, from_status)


def _review(report, actor, to_status, comment, from_status) -> ReportStatusChange:
    with transaction.atomic():
        locked = _locked(report)
        _require_officer(actor, locked.application, to_status)
        _require_seen(locked, from_status)
        if locked.status != R.SUBMITTED:
            raise ReportRefused(
                _(
                    "Ce rapport est à l'état « %(status)s » : seul un rapport remis peut être "
                    "accepté ou renvoyé pour modifications."
                )
                % {"status": _status_label(locked.status)},
                conflict=True,
            )
        change = _transition(locked, to_status, actor, comment, None)
        audit.record(
            actor=actor,
            action=AuditAction.REPORT_ACCEPTED
            if to_status == R.ACCEPTED
            else AuditAction.REPORT_CHANGES_REQUESTED,
            subject=("report", f"{locked.application.reference}/{locked.number}"),
            call=locked.application.call,
        )
        pk = change.pk
        transaction.on_commit(lambda: send_review_notice(change_id=pk))
    _refresh(report, locked)
    return change


def _transition(locked, to_status, actor, comment, now) -> ReportStatusChange:
    try:
        return report_transition(
            report=locked, to_status=to_status, actor=actor, comment=comment, at=now
        )
    except TransitionError as error:
        raise ReportRefused(error.message, conflict=error.conflict) from None


def _refresh(report: ProgressReport, locked: ProgressReport) -> None:
    for name in ("status", "submitted_at", "updated_at", "report_date"):
        setattr(report, name, getattr(locked, name))


# --- e-mails ----------------------------------------------------------------------------


def _language(user) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def _change(change_id: int) -> ReportStatusChange:
    return ReportStatusChange.objects.select_related("report__application__call", "actor").get(
        pk=change_id
    )


def send_submission_notice(*, change_id: int) -> int:
    """Tell the officers of the call's authority, each in their language, that a report was
    submitted (or submitted again after changes). Returns the number of messages sent."""
    change = _change(change_id)
    report = change.report
    application = report.application
    officers = (
        AuthorityMember.objects.filter(
            authority_id=application.call.authority_id,
            role=AuthorityRole.OFFICER,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__email")
    )
    again = change.from_status == R.CHANGES_REQUESTED
    sent = 0
    for member in officers:
        with translation.override(_language(member.user)):
            if again:
                subject = _(
                    "Rapport d'avancement n° %(number)s remis à nouveau : %(reference)s"
                ) % {"number": report.number, "reference": application.reference}
            else:
                subject = _("Rapport d'avancement n° %(number)s remis : %(reference)s") % {
                    "number": report.number,
                    "reference": application.reference,
                }
            body = render_to_string(
                "reporting/email/report_submitted.txt",
                {
                    "application": application,
                    "report": report,
                    "change": change,
                    "again": again,
                    "submitted_at": formats.date_format(
                        timezone.localtime(change.created_at), "DATETIME_FORMAT"
                    ),
                },
            )
        sent += send_mail(subject, body, None, [member.user.email])
    return sent


def send_review_notice(*, change_id: int) -> int:
    """Tell the lead's members, each in their language, that their report was accepted or
    sent back for changes (with the officer's comment). Returns the number sent."""
    change = _change(change_id)
    report = change.report
    application = report.application
    members = (
        Membership.objects.filter(
            organisation__partnerships__application=application,
            organisation__partnerships__role=PartnerRole.LEAD,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__email")
    )
    sent = 0
    for membership in members:
        user = membership.user
        with translation.override(_language(user)):
            if change.to_status == R.ACCEPTED:
                subject = _("Rapport d'avancement n° %(number)s accepté : %(reference)s") % {
                    "number": report.number,
                    "reference": application.reference,
                }
            else:
                subject = _(
                    "Modifications demandées sur le rapport d'avancement n° %(number)s : "
                    "%(reference)s"
                ) % {"number": report.number, "reference": application.reference}
            body = render_to_string(
                "reporting/email/report_reviewed.txt",
                {"application": application, "report": report, "change": change},
            )
        sent += send_mail(subject, body, None, [user.email])
    return sent
