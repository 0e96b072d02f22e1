"""Eligibility screening and clarification requests: what an officer of the call's authority
does with a submitted dossier before it is assessed.

Writes (services, ``<entity>_<verb>(*, ..., actor)``): each runs in one transaction, checks
that the actor is an active officer of the call's authority and that the officer's role
fires the transition (``workflow.may_fire``), changes the status only through
``workflow.transition`` (compare-and-set: a ``TransitionError`` with ``conflict=True`` means
another officer acted first) and sends its e-mails once the transaction is committed, each
in its recipient's language.

Reads: :func:`screening_rows` puts side by side, for every rule of the call, the verdict
frozen at submission, a fresh run of the engine and the officer's screening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from applications import workflow
from applications.choices import ApplicationStatus, ScreeningVerdict
from applications.models import (
    Application,
    ClarificationRequest,
    EligibilityScreening,
    Snapshot,
    StatusChange,
)
from applications.sections import SECTION_BY_KEY, SECTIONS, SUBMISSION
from applications.services import ServiceRefused
from audit import services as audit
from audit.choices import AuditAction
from calls.choices import AuthorityRole
from calls.eligibility import RuleResult, check_application, thaw
from calls.models import AuthorityMember, EligibilityRule
from partners.choices import PartnerRole
from partners.models import Membership

# The sections an officer may reopen: every section of the dossier but its submission page.
REOPENABLE_SECTIONS = tuple(section for section in SECTIONS if section.key != SUBMISSION)
SCREENING_OUTCOMES = (ApplicationStatus.ADMISSIBLE, ApplicationStatus.INELIGIBLE)


# --- reads ---------------------------------------------------------------------------------


@dataclass
class RuleRow:
    """One rule of the call: the engine's verdict frozen at submission, a fresh run, and
    the officer's screening if recorded."""

    rule: EligibilityRule
    frozen: RuleResult | None
    fresh: RuleResult | None
    screening: EligibilityScreening | None = None
    # The instant of the version screened: a verdict recorded before it (on an earlier
    # version, before a clarification) no longer counts.
    since: datetime | None = None

    @property
    def is_screened(self) -> bool:
        """The officer recorded a verdict on the version submitted last."""
        return self.screening is not None and (
            self.since is None or self.screening.decided_at >= self.since
        )

    @property
    def is_stale(self) -> bool:
        return self.screening is not None and not self.is_screened

    @property
    def engine_verdict(self) -> str:
        """The verdict the officer confirms or overrides: the one frozen at submission (a
        rule added to the call since is judged by a fresh run)."""
        result = self.frozen or self.fresh
        return result.status if result else ScreeningVerdict.NOT_APPLICABLE

    @property
    def engine_verdict_label(self) -> str:
        return str(ScreeningVerdict(self.engine_verdict).label)

    @property
    def blocking(self) -> bool:
        return self.frozen.blocking if self.frozen else self.rule.is_blocking

    @property
    def changed(self) -> bool:
        """The fresh run does not give the verdict frozen at submission."""
        return bool(self.frozen and self.fresh and self.frozen.status != self.fresh.status)

    @property
    def message(self) -> str:
        result = self.frozen or self.fresh
        return result.message if result else self.rule.describe()

    @property
    def blocks_admissibility(self) -> bool:
        """A blocking rule the officer confirmed as failed (or judged failed)."""
        return bool(
            self.is_screened
            and self.blocking
            and self.screening.officer_verdict == ScreeningVerdict.FAIL
        )


def latest_snapshot(application: Application) -> Snapshot | None:
    return application.snapshots.select_related("created_by").order_by("-number").first()


def screening_rows(
    application: Application, *, snapshot: Snapshot | None, fresh: bool = True
) -> list[RuleRow]:
    """Every rule of the dossier's call (the active ones and those judged at submission),
    in the call's order, with the frozen and fresh verdicts and the officer's screening.
    A constant number of queries: the rules, the screenings, and the engine's (when
    ``fresh``)."""
    frozen = (
        {result.rule_id: result for result in thaw(snapshot.eligibility_results)}
        if (snapshot)
        else {}
    )
    current: dict[int, RuleResult] = {}
    if fresh:
        # Judged at the instant of the submission, as the frozen verdicts were: only a
        # change of the dossier's or its organisations' data shows as a difference.
        at = snapshot.created_at if snapshot else application.submitted_at
        outcome = check_application(application, at=at)
        current = {result.rule_id: result for result in outcome.results}
    rules = [
        rule
        for rule in EligibilityRule.objects.filter(call_id=application.call_id).order_by(
            "position", "pk"
        )
        if rule.is_active or rule.pk in frozen
    ]
    screenings = {
        screening.rule_id: screening
        for screening in EligibilityScreening.objects.filter(
            application=application
        ).select_related("officer")
    }
    return [
        RuleRow(
            rule=rule,
            frozen=frozen.get(rule.pk),
            fresh=current.get(rule.pk),
            screening=screenings.get(rule.pk),
            since=snapshot.created_at if snapshot else None,
        )
        for rule in rules
    ]


# --- checks --------------------------------------------------------------------------------


def _check_officer(*, application: Application, actor, to_status: str) -> None:
    """The actor must be an active officer of the authority running the dossier's call,
    and the transition one an officer fires."""
    if not workflow.may_fire(workflow.OFFICER, to_status):
        raise ServiceRefused(_("Cette étape n'est pas du ressort du service instructeur."))
    if not (
        actor.is_authenticated
        and AuthorityMember.objects.filter(
            user=actor,
            authority_id=application.call.authority_id,
            role=AuthorityRole.OFFICER,
            is_active=True,
        ).exists()
    ):
        raise ServiceRefused(
            _("Seuls les agents de l'autorité qui gère cet appel peuvent instruire ce dossier.")
        )


def _check_officer_of_call(*, application: Application, actor) -> None:
    _check_officer(
        application=application, actor=actor, to_status=ApplicationStatus.ELIGIBILITY_REVIEW
    )


# --- screening -----------------------------------------------------------------------------


def screening_start(*, application: Application, actor) -> StatusChange:
    """The officer opens the eligibility screening of a submitted dossier."""
    _check_officer(
        application=application, actor=actor, to_status=ApplicationStatus.ELIGIBILITY_REVIEW
    )
    with transaction.atomic():
        change = workflow.transition(
            application=application,
            to_status=ApplicationStatus.ELIGIBILITY_REVIEW,
            actor=actor,
        )
        audit.record(actor=actor, action=AuditAction.SCREENING_STARTED, subject=application)
        return change


@dataclass(frozen=True)
class ScreeningEntry:
    """The officer's verdict on one rule, with the justification of an override."""

    rule_id: int
    officer_verdict: str
    justification: str = ""


def screening_record(
    *, application: Application, entries: list[ScreeningEntry], actor, now: datetime | None = None
) -> list[EligibilityScreening]:
    """Record the officer's verdict on rules of the call, all or none: each confirms the
    engine's verdict frozen at submission or overrides it with a justification (refused
    without one, nothing saved). The officer and the instant are kept with each verdict;
    a verdict recorded again replaces the earlier one with the new officer and instant."""
    _check_officer_of_call(application=application, actor=actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status != ApplicationStatus.ELIGIBILITY_REVIEW:
            raise ServiceRefused(
                _(
                    "Ce dossier est à l'état « %(status)s » : sa recevabilité ne se contrôle "
                    "pas (ou plus)."
                )
                % {"status": locked.get_status_display()}
            )
        rows = {
            row.rule.pk: row
            for row in screening_rows(locked, snapshot=latest_snapshot(locked), fresh=False)
        }
        saved = []
        for entry in entries:
            row = rows.get(entry.rule_id)
            if row is None:
                raise ServiceRefused(_("Cette règle n'est pas une règle de l'appel du dossier."))
            if entry.officer_verdict not in ScreeningVerdict.values:
                raise ServiceRefused(_("Ce verdict n'existe pas."))
            justification = entry.justification.strip()
            if entry.officer_verdict != row.engine_verdict and not justification:
                raise ServiceRefused(
                    _(
                        "« %(rule)s » : pour modifier le verdict du moteur (%(engine)s), une "
                        "justification est obligatoire. Rien n'a été enregistré."
                    )
                    % {"rule": row.message, "engine": row.engine_verdict_label}
                )
            screening = row.screening or EligibilityScreening(application=locked, rule=row.rule)
            screening.engine_verdict = row.engine_verdict
            screening.officer_verdict = entry.officer_verdict
            screening.justification = justification
            screening.officer = actor
            screening.decided_at = now
            screening.save()
            saved.append(screening)
        audit.record(
            actor=actor,
            action=AuditAction.SCREENING_RECORDED,
            subject=application,
            details={"verdicts": {str(s.rule_id): s.officer_verdict for s in saved}},
        )
    return saved


def screening_conclude(
    *, application: Application, outcome: str, reasons: str, actor
) -> StatusChange:
    """Declare the dossier admissible or ineligible, with the reasons told to the
    applicant. Ineligible requires reasons; admissible requires every rule screened and no
    blocking rule judged failed (unless overridden with a justification). The applicant is
    told by e-mail once committed. ``application.status`` is the state the officer saw: if
    it changed meanwhile, the transition raises a conflict."""
    if outcome not in SCREENING_OUTCOMES:
        raise ServiceRefused(_("La recevabilité se conclut par « recevable » ou « irrecevable »."))
    _check_officer(application=application, actor=actor, to_status=outcome)
    reasons = reasons.strip()
    if outcome == ApplicationStatus.INELIGIBLE and not reasons:
        raise ServiceRefused(
            _("Un dossier est déclaré irrecevable avec ses motifs : ils sont transmis au porteur.")
        )
    with transaction.atomic():
        if application.status == ApplicationStatus.ELIGIBILITY_REVIEW and (
            outcome == ApplicationStatus.ADMISSIBLE
        ):
            rows = screening_rows(application, snapshot=latest_snapshot(application), fresh=False)
            unscreened = [row for row in rows if not row.is_screened]
            if unscreened:
                raise ServiceRefused(
                    _(
                        "Chaque règle de l'appel doit être contrôlée avant de déclarer le "
                        "dossier recevable : %(count)s ne l'est pas encore."
                    )
                    % {"count": len(unscreened)}
                )
            failed = [row for row in rows if row.blocks_admissibility]
            if failed:
                raise ServiceRefused(
                    _(
                        "Une règle bloquante est jugée non conforme (%(rules)s) : le dossier ne "
                        "peut pas être déclaré recevable, sauf à modifier ce verdict avec une "
                        "justification."
                    )
                    % {"rules": " ; ".join(row.message for row in failed)}
                )
        change = workflow.transition(
            application=application, to_status=outcome, actor=actor, comment=reasons
        )
        audit.record(
            actor=actor,
            action=AuditAction.SCREENING_CONCLUDED,
            subject=application,
            details={"outcome": outcome},
        )
        transaction.on_commit(lambda: send_screening_outcome(status_change_id=change.pk))
    return change


# --- clarification -------------------------------------------------------------------------


def clarification_request(
    *, application: Application, sections: list[str], question: str, actor
) -> ClarificationRequest:
    """Ask the applicant for clarification on a submitted dossier (or one under screening):
    the question and the sections it reopens. The lead's members are told by e-mail once
    committed; only those sections are editable until the dossier is submitted again."""
    _check_officer(
        application=application, actor=actor, to_status=ApplicationStatus.CLARIFICATION_REQUESTED
    )
    question = question.strip()
    if not question:
        raise ServiceRefused(_("Écrivez la question posée au porteur."))
    allowed = [section.key for section in REOPENABLE_SECTIONS]
    if not sections:
        raise ServiceRefused(_("Choisissez au moins une section à rouvrir."))
    unknown = [key for key in sections if key not in allowed]
    if unknown:
        raise ServiceRefused(
            _("Ces sections ne peuvent pas être rouvertes : %(keys)s.")
            % {"keys": ", ".join(unknown)}
        )
    ordered = [key for key in allowed if key in sections]
    with transaction.atomic():
        workflow.transition(
            application=application,
            to_status=ApplicationStatus.CLARIFICATION_REQUESTED,
            actor=actor,
            comment=question,
        )
        request = ClarificationRequest.objects.create(
            application=application, question=question, sections=ordered, asked_by=actor
        )
        audit.record(
            actor=actor,
            action=AuditAction.CLARIFICATION_REQUESTED,
            subject=application,
            details={"sections": ordered},
        )
        transaction.on_commit(lambda: send_clarification_request(clarification_id=request.pk))
    return request


def section_labels(keys) -> list[str]:
    """The names of sections, in the current language, in the dossier's order."""
    return [str(SECTION_BY_KEY[key].label) for key in keys if key in SECTION_BY_KEY]


# --- e-mails -------------------------------------------------------------------------------


def _lead_members(application: Application) -> dict[str, str]:
    """The lead organisation's active members: e-mail -> preferred language."""
    memberships = Membership.objects.filter(
        organisation__partnerships__application=application,
        organisation__partnerships__role=PartnerRole.LEAD,
        is_active=True,
        user__is_active=True,
    ).select_related("user")
    return {m.user.email.lower(): m.user.preferred_language for m in memberships}


def _send(recipients: dict[str, str], *, subject, template: str, context: dict) -> int:
    sent = 0
    for email, language in sorted(recipients.items()):
        with translation.override(language or settings.LANGUAGE_CODE):
            body = render_to_string(template, context)
            sent += send_mail(str(subject()), body, None, [email])
    return sent


def send_screening_outcome(*, status_change_id: int) -> int:
    """E-mail the outcome of the screening (admissible or ineligible) and its reasons to
    the lead's members (in their language) and to every partner's contact."""
    change = StatusChange.objects.select_related("application__call").get(pk=status_change_id)
    application = change.application
    recipients = _lead_members(application)
    for email in application.partners.exclude(contact_email="").values_list(
        "contact_email", flat=True
    ):
        recipients.setdefault(email.lower(), settings.LANGUAGE_CODE)
    admissible = change.to_status == ApplicationStatus.ADMISSIBLE

    def subject():
        if admissible:
            return _("Votre dossier %(reference)s est recevable") % {
                "reference": application.reference
            }
        return _("Votre dossier %(reference)s est irrecevable") % {
            "reference": application.reference
        }

    return _send(
        recipients,
        subject=subject,
        template="review/email/screening_outcome.txt",
        context={
            "application": application,
            "call": application.call,
            "change": change,
            "admissible": admissible,
            "decided_at": formats.date_format(
                timezone.localtime(change.created_at), "DATETIME_FORMAT"
            ),
        },
    )


def send_clarification_request(*, clarification_id: int) -> int:
    """E-mail the officer's question and the reopened sections to the lead's members, each
    in their language."""
    request = ClarificationRequest.objects.select_related("application__call").get(
        pk=clarification_id
    )
    application = request.application

    class Sections:
        """The sections' names, said in the language active when the e-mail is written."""

        def __iter__(self):
            return iter(section_labels(request.sections))

    return _send(
        _lead_members(application),
        subject=lambda: (
            _("Demande de compléments sur votre dossier %(reference)s")
            % {"reference": application.reference}
        ),
        template="review/email/clarification_request.txt",
        context={
            "application": application,
            "call": application.call,
            "clarification": request,
            "sections": Sections(),
        },
    )
