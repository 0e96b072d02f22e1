"""Decisions on assessed dossiers (one at a time, or a whole ranking at once by a selection
committee), contracting and the start of the project, and the calendar of its progress
reports.

Every change of state goes through ``applications.workflow.transition`` (compare-and-set):
when two officers decide the same dossier at once, one wins and the other is told, and
nothing is written twice. The lead organisation's members are e-mailed once committed, in
their language.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from applications.choices import ApplicationStatus as S
from applications.choices import DecisionOutcome, FundingSource
from applications.models import Application, Cofinancing, Decision
from applications.workflow import TransitionError, can_transition, transition
from audit import services as audit
from audit.choices import AuditAction
from calls.choices import CostModel
from calls.models import Call
from partners.choices import PartnerRole
from partners.models import Membership

from .assessment import ReviewRefused, require_officer

ZERO = Decimal("0.00")
DECIDABLE_STATUSES = (S.UNDER_ASSESSMENT, S.RESERVE)


# --- the amount requested ---------------------------------------------------------------


def requested_amounts(applications: Sequence[Application], *, call: Call) -> dict[int, Decimal]:
    """The EU amount each dossier requests: the one frozen with its version under review
    (what was submitted), or from the live dossier when it has none: the application's lump
    sum on a lump-sum call, else the sum of its EU co-financing rows. Two queries at most."""
    if not applications:
        return {}
    ids = [application.pk for application in applications]
    frozen = dict(
        Application.objects.filter(pk__in=ids, current_snapshot__isnull=False)
        .order_by()
        .values_list("pk", "current_snapshot__eu_requested")
    )
    lump_sum = call.cost_model == CostModel.LUMP_SUM
    amounts: dict[int, Decimal] = {}
    live_needed = []
    for application in applications:
        if application.pk in frozen:
            amounts[application.pk] = frozen[application.pk]
        elif lump_sum:
            amounts[application.pk] = application.lump_sum or ZERO
        else:
            live_needed.append(application.pk)
    if live_needed:
        live = dict(
            Cofinancing.objects.filter(
                partner__application_id__in=live_needed, source=FundingSource.EU
            )
            .order_by()
            .values("partner__application_id")
            .annotate(total=Sum("amount"))
            .values_list("partner__application_id", "total")
        )
        for pk in live_needed:
            amounts[pk] = live.get(pk) or ZERO
    return amounts


def requested_amount(application: Application) -> Decimal:
    return requested_amounts([application], call=application.call)[application.pk]


# --- decisions --------------------------------------------------------------------------


@dataclass
class DecisionInput:
    """One dossier's decision as typed by an officer. ``from_status``: the state the form
    was built from (a stale form is a conflict)."""

    application: Application
    outcome: str
    amount_granted: Decimal | None = None
    reasons: str = ""
    conditions: str = ""
    from_status: str | None = None


def _money(amount: Decimal) -> str:
    return formats.number_format(amount, 2, use_l10n=True, force_grouping=True) + "\u00a0€"


def decision_errors(
    item: DecisionInput, *, requested: Decimal, decided_on: date | None, today: date
) -> dict[str, str]:
    """What is wrong with ``item``, by field (empty when it can be recorded)."""
    application = item.application
    call = application.call
    errors: dict[str, str] = {}
    if item.outcome not in DecisionOutcome.values:
        errors["outcome"] = _("Choisissez la décision : retenu, liste de réserve ou rejeté.")
        return errors
    if application.status not in DECIDABLE_STATUSES or not can_transition(
        application.status, item.outcome
    ):
        errors["outcome"] = _(
            "Un dossier à l'état « %(status)s » ne peut pas recevoir la décision « %(outcome)s »."
        ) % {
            "status": application.get_status_display(),
            "outcome": DecisionOutcome(item.outcome).label,
        }
    amount = item.amount_granted
    if item.outcome == DecisionOutcome.SELECTED:
        if amount is None:
            errors["amount_granted"] = _("Indiquez le montant accordé à un dossier retenu.")
        elif amount <= 0:
            errors["amount_granted"] = _("Le montant accordé doit être supérieur à zéro.")
        elif amount > requested:
            errors["amount_granted"] = _(
                "Le montant accordé (%(amount)s) ne peut pas dépasser le montant demandé "
                "(%(requested)s)."
            ) % {"amount": _money(amount), "requested": _money(requested)}
        elif call.max_grant is not None and amount > call.max_grant:
            errors["amount_granted"] = _(
                "Le montant accordé (%(amount)s) ne peut pas dépasser le plafond de l'appel "
                "(%(ceiling)s)."
            ) % {"amount": _money(amount), "ceiling": _money(call.max_grant)}
    elif amount is not None:
        errors["amount_granted"] = _("Un montant n'est accordé qu'à un dossier retenu.")
    if not item.reasons.strip():
        errors["reasons"] = _("Motivez la décision : les motifs sont communiqués au demandeur.")
    if decided_on is None:
        errors["decided_on"] = _("Indiquez la date de la décision.")
    elif decided_on > today:
        errors["decided_on"] = _("La date de la décision ne peut pas être dans le futur.")
    return errors


def _write_decision(item: DecisionInput, *, committee: str, decided_on: date, actor) -> Decision:
    """Transition (compare-and-set) then the Decision row; inside the caller's transaction."""
    application = item.application
    if item.from_status is not None and item.from_status != application.status:
        raise ReviewRefused(
            _(
                "Le dossier %(reference)s a changé d'état entre-temps (il est maintenant "
                "« %(status)s ») : rechargez la page avant de décider."
            )
            % {"reference": application.reference, "status": application.get_status_display()},
            conflict=True,
        )
    try:
        transition(
            application=application,
            to_status=item.outcome,
            actor=actor,
            comment=item.reasons.strip(),
        )
    except TransitionError as error:
        raise ReviewRefused(
            _("Dossier %(reference)s : %(message)s")
            % {"reference": application.reference, "message": error.message},
            conflict=error.conflict,
        ) from None
    decision, _created = Decision.objects.update_or_create(
        application=application,
        defaults={
            "outcome": item.outcome,
            "amount_granted": item.amount_granted
            if item.outcome == DecisionOutcome.SELECTED
            else None,
            "committee": committee.strip(),
            "decided_on": decided_on,
            "reasons": item.reasons.strip(),
            "conditions": item.conditions.strip(),
            "decided_by": actor,
        },
    )
    audit.record(
        actor=actor,
        action=AuditAction.DECISION_RECORDED,
        subject=application,
        details={
            "outcome": decision.outcome,
            "amount_granted": decision.amount_granted,
            "committee": decision.committee,
            "decided_on": decision.decided_on,
        },
    )
    pk = decision.pk
    transaction.on_commit(lambda: send_decision_notice(decision_id=pk))
    return decision


def decision_record(
    *,
    application: Application,
    outcome: str,
    decided_on: date | None,
    reasons: str,
    actor,
    amount_granted: Decimal | None = None,
    committee: str = "",
    conditions: str = "",
    from_status: str | None = None,
) -> Decision:
    """Record the decision on one dossier under assessment (or on the reserve list):
    selected with an amount (above zero, within the amount requested and the call's
    ceiling), reserve list or rejected, with the reasons sent to the applicant."""
    require_officer(actor, application, outcome if outcome in DecisionOutcome.values else None)
    item = DecisionInput(
        application=application,
        outcome=outcome,
        amount_granted=amount_granted,
        reasons=reasons or "",
        conditions=conditions or "",
        from_status=from_status,
    )
    if from_status is not None and from_status != application.status:
        raise ReviewRefused(
            _(
                "Le dossier %(reference)s a changé d'état entre-temps (il est maintenant "
                "« %(status)s ») : rechargez la page avant de décider."
            )
            % {"reference": application.reference, "status": application.get_status_display()},
            conflict=True,
        )
    errors = decision_errors(
        item,
        requested=requested_amount(application),
        decided_on=decided_on,
        today=timezone.localdate(),
    )
    if errors:
        raise ReviewRefused(
            _("La décision contient des erreurs : rien n'a été enregistré."), errors=errors
        )
    with transaction.atomic():
        return _write_decision(item, committee=committee, decided_on=decided_on, actor=actor)


def decisions_record_ranking(
    *,
    call: Call,
    decisions: Iterable[DecisionInput],
    committee: str,
    decided_on: date | None,
    reasons: str,
    actor,
) -> list[Decision]:
    """Record the selection committee's decisions for a whole ranking at once: every row
    with an outcome is checked first, then all are written in one transaction (all or
    nothing). ``reasons`` is common to all rows; a row's own reasons are added after it.
    ``ReviewRefused.errors`` maps each wrong dossier's reference to its messages."""
    items = [item for item in decisions if item.outcome]
    if not items:
        raise ReviewRefused(_("Choisissez une décision pour au moins un dossier du classement."))
    for item in items:
        if item.application.call_id != call.pk:
            raise ReviewRefused(_("Un dossier du classement n'appartient pas à cet appel."))
        item.application.call = call
    require_officer(actor, items[0].application)
    common = (reasons or "").strip()
    for item in items:
        own = (item.reasons or "").strip()
        item.reasons = "\n\n".join(part for part in (common, own) if part)
    requested = requested_amounts([item.application for item in items], call=call)
    today = timezone.localdate()
    errors: dict[str, dict[str, str]] = {}
    for item in items:
        if item.from_status is not None and item.from_status != item.application.status:
            errors[item.application.reference] = {
                "outcome": _("Ce dossier a changé d'état entre-temps : rechargez la page.")
            }
            continue
        found = decision_errors(
            item, requested=requested[item.application.pk], decided_on=decided_on, today=today
        )
        if found:
            errors[item.application.reference] = found
    if errors:
        conflict = all(
            item.from_status is not None and item.from_status != item.application.status
            for item in items
            if item.application.reference in errors
        )
        raise ReviewRefused(
            _("Des décisions contiennent des erreurs : rien n'a été enregistré."),
            errors=errors,
            conflict=conflict,
        )
    with transaction.atomic():
        return [
            _write_decision(item, committee=committee, decided_on=decided_on, actor=actor)
            for item in items
        ]


# --- contracting ------------------------------------------------------------------------


def application_contract(
    *,
    application: Application,
    contract_reference: str,
    signed_on: date | None,
    actor,
    from_status: str | None = None,
) -> Application:
    """A selected dossier's grant agreement (convention) is signed: its reference (unique)
    and date are recorded and the dossier moves to "contracted"."""
    require_officer(actor, application, S.CONTRACTED)
    reference = (contract_reference or "").strip()
    errors = {}
    if not reference:
        errors["contract_reference"] = _("Indiquez la référence de la convention.")
    elif (
        Application.objects.filter(contract_reference__iexact=reference)
        .exclude(pk=application.pk)
        .exists()
    ):
        errors["contract_reference"] = _(
            "La référence %(reference)s est déjà celle de la convention d'un autre dossier."
        ) % {"reference": reference}
    if signed_on is None:
        errors["signed_on"] = _("Indiquez la date de signature de la convention.")
    elif signed_on > timezone.localdate():
        errors["signed_on"] = _("La date de signature ne peut pas être dans le futur.")
    else:
        decision = Decision.objects.filter(application=application).first()
        if decision is not None and signed_on < decision.decided_on:
            errors["signed_on"] = _(
                "La convention ne peut pas être signée avant la décision (%(date)s)."
            ) % {"date": formats.date_format(decision.decided_on, "SHORT_DATE_FORMAT")}
    if from_status is not None and from_status != application.status:
        raise ReviewRefused(
            _("Le dossier a changé d'état entre-temps : rechargez la page."), conflict=True
        )
    if errors:
        raise ReviewRefused(
            _("La convention contient des erreurs : rien n'a été enregistré."), errors=errors
        )
    try:
        with transaction.atomic():
            transition(
                application=application,
                to_status=S.CONTRACTED,
                actor=actor,
                comment=_("Convention %(reference)s signée.") % {"reference": reference},
            )
            Application.objects.filter(pk=application.pk).update(
                contract_reference=reference, contract_signed_on=signed_on
            )
            audit.record(
                actor=actor,
                action=AuditAction.CONTRACT_RECORDED,
                subject=application,
                details={"contract_reference": reference, "signed_on": signed_on},
            )
            pk = application.pk
            transaction.on_commit(
                lambda: send_contract_notice(application_id=pk, template="contract_signed")
            )
    except TransitionError as error:
        application.refresh_from_db(fields=["status"])
        raise ReviewRefused(error.message, conflict=error.conflict) from None
    except IntegrityError:
        application.refresh_from_db(fields=["status"])
        raise ReviewRefused(
            _("La référence %(reference)s vient d'être attribuée à un autre dossier.")
            % {"reference": reference},
            conflict=True,
            errors={"contract_reference": _("Choisissez une autre référence.")},
        ) from None
    application.contract_reference = reference
    application.contract_signed_on = signed_on
    return application


def application_start(
    *, application: Application, actor, from_status: str | None = None
) -> Application:
    """A contracted project starts: it moves to "in progress", from which its progress
    reports are due."""
    require_officer(actor, application, S.IN_PROGRESS)
    if from_status is not None and from_status != application.status:
        raise ReviewRefused(
            _("Le dossier a changé d'état entre-temps : rechargez la page."), conflict=True
        )
    try:
        with transaction.atomic():
            transition(
                application=application,
                to_status=S.IN_PROGRESS,
                actor=actor,
                comment=_("Démarrage du projet."),
            )
            audit.record(actor=actor, action=AuditAction.PROJECT_STARTED, subject=application)
            pk = application.pk
            transaction.on_commit(
                lambda: send_contract_notice(application_id=pk, template="contract_started")
            )
    except TransitionError as error:
        raise ReviewRefused(error.message, conflict=error.conflict) from None
    return application


# --- the report calendar ----------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` months, the day clamped to the month's length (31 Jan + 1
    month = 28 or 29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def report_calendar(start: date, end: date, months: int) -> list[date]:
    """The due dates of a project's progress reports: the end of each period of ``months``
    months from ``start``, the last one being ``end`` (the final report, over a shorter
    period when the project's length is not a multiple). 1 Jan 2027 → 31 Dec 2028 every 6
    months: 30 Jun 2027, 31 Dec 2027, 30 Jun 2028, 31 Dec 2028."""
    if months < 1:
        raise ValueError("months must be at least 1")
    if end < start:
        raise ValueError("end before start")
    dates = []
    step = 1
    while True:
        due = add_months(start, step * months) - timedelta(days=1)
        if due >= end:
            break
        dates.append(due)
        step += 1
    dates.append(end)
    return dates


@dataclass(frozen=True)
class ReportPeriod:
    number: int
    start: date
    end: date
    is_final: bool


def report_periods(start: date, end: date, months: int) -> list[ReportPeriod]:
    """``report_calendar`` as numbered periods (start, end), for display."""
    dues = report_calendar(start, end, months)
    periods, begin = [], start
    for number, due in enumerate(dues, start=1):
        periods.append(
            ReportPeriod(number=number, start=begin, end=due, is_final=number == len(dues))
        )
        begin = due + timedelta(days=1)
    return periods


# --- e-mails ----------------------------------------------------------------------------


def _lead_members(application: Application):
    return (
        Membership.objects.filter(
            organisation__partnerships__application=application,
            organisation__partnerships__role=PartnerRole.LEAD,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__email")
    )


def _mail_lead(application: Application, subject_fn, template: str, context: dict) -> int:
    sent = 0
    for membership in _lead_members(application):
        user = membership.user
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject = subject_fn()
            body = render_to_string(template, {**context, "application": application})
        sent += send_mail(subject, body, None, [user.email])
    return sent


def send_decision_notice(*, decision_id: int) -> int:
    """E-mail the lead's members the decision on their dossier, with its reasons."""
    decision = Decision.objects.select_related("application__call").get(pk=decision_id)
    application = decision.application
    return _mail_lead(
        application,
        lambda: (
            _("Décision sur votre dossier %(reference)s") % {"reference": application.reference}
        ),
        "review/email/decision.txt",
        {"decision": decision, "call": application.call},
    )


def send_contract_notice(*, application_id: int, template: str) -> int:
    """E-mail the lead's members that the agreement is signed, or that the project started."""
    application = Application.objects.select_related("call").get(pk=application_id)
    if template == "contract_started":

        def subject():
            return _("Votre projet %(reference)s a démarré") % {"reference": application.reference}
    else:

        def subject():
            return _("Convention signée pour votre dossier %(reference)s") % {
                "reference": application.reference
            }

    return _mail_lead(
        application, subject, f"review/email/{template}.txt", {"call": application.call}
    )
