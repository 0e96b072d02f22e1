"""Assessors and their assessments: assignment from the authority's pool, the declaration of
no conflict of interest (or declining), scores per criterion, submission; and the
consolidation of the submitted assessments of a dossier and the ranking of a call.

Writes are services ``assessment_<verb>(*, ..., actor)``: one transaction, the row locked or
changed by compare-and-set, e-mails on commit in the recipient's language. Reads
(``consolidated_scores``, ``call_ranking``) take a constant number of queries.

The spread of the assessors' totals is flagged when it exceeds ``REVIEW_SCORE_SPREAD_MARGIN``:
a share of the call's maximum total (``Decimal("0.30")`` by default: 30 points on 100).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.choices import ApplicationStatus
from applications.choices import AssessmentStatus as A
from applications.models import Application, Assessment, Score
from applications.services import ServiceRefused
from applications.workflow import OFFICER, TransitionError, may_fire, transition
from audit import services as audit
from audit.choices import AuditAction
from calls.choices import AuthorityRole
from calls.models import AssessmentCriterion, AuthorityMember, Call

from .permissions import assessor_pool

DEFAULT_SPREAD_SHARE = Decimal("0.30")
HUNDREDTH = Decimal("0.01")

# The dossiers assessors work on, and those the ranking lists (assessed, then decided).
ASSIGNABLE_STATUSES = (ApplicationStatus.ADMISSIBLE, ApplicationStatus.UNDER_ASSESSMENT)
RANKED_STATUSES = (
    ApplicationStatus.UNDER_ASSESSMENT,
    ApplicationStatus.SELECTED,
    ApplicationStatus.RESERVE,
    ApplicationStatus.REJECTED,
    ApplicationStatus.CONTRACTED,
    ApplicationStatus.IN_PROGRESS,
    ApplicationStatus.CLOSED,
)


class ReviewRefused(ServiceRefused):
    """A review write refused: ``message`` says why; ``conflict`` when someone else acted
    first (HTTP 409); ``errors`` maps a field (or a dossier's reference) to its message."""

    def __init__(self, message: str, *, conflict: bool = False, errors: Mapping | None = None):
        super().__init__(message)
        self.conflict = conflict
        self.errors = dict(errors or {})


# --- who may act ------------------------------------------------------------------------


def is_officer_of(user, authority_id: int) -> bool:
    return (
        user.is_authenticated
        and AuthorityMember.objects.filter(
            user=user, authority_id=authority_id, role=AuthorityRole.OFFICER, is_active=True
        ).exists()
    )


def require_officer(actor, application: Application, to_status: str | None = None) -> None:
    """Refuse unless ``actor`` is an active officer of the call's authority (and the officer
    fires the transition to ``to_status``)."""
    if to_status is not None and not may_fire(OFFICER, to_status):
        raise ReviewRefused(_("Cette action n'est pas du ressort d'un agent instructeur."))
    if not is_officer_of(actor, application.call.authority_id):
        raise ReviewRefused(
            _("Seuls les agents de l'autorité qui gère l'appel peuvent faire cette action.")
        )


def _require_assessor(assessment: Assessment, actor) -> None:
    if assessment.assessor_id != actor.pk:
        raise ReviewRefused(_("Seul l'évaluateur désigné peut faire cette action."))


# --- scores -----------------------------------------------------------------------------


def parse_score(value) -> Decimal | None:
    """A score typed by a person (``12``, ``12,5``, ``12.50``) as a Decimal, or None when
    blank; ``ValueError`` when it is not a number."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def score_error(criterion: AssessmentCriterion, score: Decimal | None, comment: str) -> str:
    """Why this score of ``criterion`` cannot be saved, or "" when it can. A blank score with
    a blank comment is "not scored yet" (allowed in a draft)."""
    comment = (comment or "").strip()
    if score is None:
        if comment:
            return _("Donnez une note à ce critère, ou effacez le commentaire.")
        return ""
    if score < 0:
        return _("La note ne peut pas être négative.")
    if score > criterion.max_score:
        return _("La note ne peut pas dépasser %(max)s points pour ce critère.") % {
            "max": _plain_score(criterion.max_score)
        }
    if score != score.quantize(HUNDREDTH):
        return _("Une note a au plus deux décimales.")
    if not comment:
        return _("Justifiez la note par un commentaire : il est obligatoire.")
    return ""


def _plain_score(value: Decimal) -> str:
    normal = value.normalize()
    return f"{normal:f}".replace(".", ",")


@dataclass(frozen=True)
class ScoreInput:
    score: Decimal | None
    comment: str = ""


# --- writes -----------------------------------------------------------------------------


def assessment_assign(
    *, application: Application, assessors: Iterable, actor, now=None
) -> list[Assessment]:
    """Assign ``assessors`` (from the pool of the call's authority) to ``application``,
    admissible or already under assessment. The first assignment moves the dossier to
    "under assessment" through the workflow. Each assessor is e-mailed once committed."""
    assessors = list(assessors)
    require_officer(actor, application, ApplicationStatus.UNDER_ASSESSMENT)
    if not assessors:
        raise ReviewRefused(
            _("Choisissez au moins un évaluateur."), errors={"assessors": _("Choisissez-en un.")}
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update()
            .select_related("call__authority")
            .get(pk=application.pk)
        )
        if locked.status not in ASSIGNABLE_STATUSES:
            raise ReviewRefused(
                _(
                    "Ce dossier est à l'état « %(status)s » : des évaluateurs ne peuvent lui être "
                    "attribués que lorsqu'il est recevable ou en évaluation."
                )
                % {"status": locked.get_status_display()},
                conflict=locked.status != application.status,
            )
        pool = set(assessor_pool(locked.call.authority).values_list("pk", flat=True))
        outside = [person for person in assessors if person.pk not in pool]
        if outside:
            raise ReviewRefused(
                _("%(names)s ne fait pas partie des évaluateurs de l'autorité.")
                % {"names": ", ".join(_name(person) for person in outside)},
                errors={"assessors": _("Choisissez des évaluateurs de l'autorité.")},
            )
        already = set(
            Assessment.objects.filter(
                application=locked, assessor__in=[person.pk for person in assessors]
            ).values_list("assessor_id", flat=True)
        )
        if already:
            names = ", ".join(_name(person) for person in assessors if person.pk in already)
            raise ReviewRefused(
                _("%(names)s est déjà désigné(e) sur ce dossier.") % {"names": names},
                errors={"assessors": _("Ne choisissez que des évaluateurs non encore désignés.")},
            )
        if locked.status == ApplicationStatus.ADMISSIBLE:
            try:
                transition(
                    application=locked,
                    to_status=ApplicationStatus.UNDER_ASSESSMENT,
                    actor=actor,
                    comment=_("Évaluateurs désignés."),
                )
            except TransitionError as error:
                raise ReviewRefused(error.message, conflict=error.conflict) from None
        created = Assessment.objects.bulk_create(
            Assessment(application=locked, assessor=person, assigned_by=actor)
            for person in assessors
        )
        audit.record(
            actor=actor,
            action=AuditAction.ASSESSOR_ASSIGNED,
            subject=locked,
            details={"assessors": [person.email for person in assessors]},
        )
        ids = [assessment.pk for assessment in created]
        if any(pk is None for pk in ids):  # backends without RETURNING
            ids = list(
                Assessment.objects.filter(
                    application=locked, assessor__in=[p.pk for p in assessors]
                ).values_list("pk", flat=True)
            )
        transaction.on_commit(lambda: send_assignment_notices(assessment_ids=ids))
    application.status = locked.status
    return list(Assessment.objects.filter(pk__in=ids).select_related("assessor"))


def assessment_remove(*, assessment: Assessment, actor) -> None:
    """Remove an assignment that has no score yet (an assessor who has not started, or who
    declined)."""
    application = assessment.application
    require_officer(actor, application)
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
        if locked is None:
            raise ReviewRefused(_("Cette désignation a déjà été retirée."), conflict=True)
        if locked.status == A.SUBMITTED or Score.objects.filter(assessment=locked).exists():
            raise ReviewRefused(
                _(
                    "%(name)s a déjà commencé à noter ce dossier : la désignation ne peut plus "
                    "être retirée."
                )
                % {"name": _name(assessment.assessor)}
            )
        locked.delete()
        audit.record(
            actor=actor,
            action=AuditAction.ASSESSOR_REMOVED,
            subject=application,
            details={"assessor": assessment.assessor.email},
        )


def assessment_declare_no_conflict(*, assessment: Assessment, actor, now=None) -> Assessment:
    """The assessor declares having no conflict of interest with the dossier: only then may
    they read and score it."""
    _require_assessor(assessment, actor)
    _require_under_assessment(assessment)
    now = now or timezone.now()
    updated = Assessment.objects.filter(
        pk=assessment.pk, status=A.ASSIGNED, no_conflict_declared_at__isnull=True
    ).update(no_conflict_declared_at=now)
    if not updated:
        assessment.refresh_from_db()
        if assessment.no_conflict_declared_at and assessment.status != A.DECLINED:
            return assessment
        raise ReviewRefused(
            _("Cette évaluation est à l'état « %(status)s » : la déclaration n'est plus possible.")
            % {"status": assessment.get_status_display()},
            conflict=True,
        )
    assessment.no_conflict_declared_at = now
    return assessment


def assessment_decline(*, assessment: Assessment, actor, reason: str, now=None) -> Assessment:
    """The assessor declines the dossier (a conflict of interest, or unable to assess it):
    the reason is kept as the assessment's comment, draft scores are dropped, and the
    officer who assigned it is e-mailed once committed."""
    _require_assessor(assessment, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused(
            _("Indiquez le motif pour lequel vous déclinez cette évaluation."),
            errors={"reason": _("Le motif est obligatoire.")},
        )
    with transaction.atomic():
        updated = Assessment.objects.filter(
            pk=assessment.pk, status__in=[A.ASSIGNED, A.IN_PROGRESS]
        ).update(status=A.DECLINED, overall_comment=reason)
        if not updated:
            assessment.refresh_from_db()
            raise ReviewRefused(
                _("Cette évaluation est à l'état « %(status)s » : elle ne peut plus être déclinée.")
                % {"status": assessment.get_status_display()},
                conflict=True,
            )
        Score.objects.filter(assessment=assessment).delete()
        audit.record(
            actor=actor, action=AuditAction.ASSESSMENT_DECLINED, subject=assessment.application
        )
        transaction.on_commit(lambda: send_decline_notice(assessment_id=assessment.pk))
    assessment.status = A.DECLINED
    assessment.overall_comment = reason
    return assessment


def _require_under_assessment(assessment: Assessment) -> None:
    status = (
        Application.objects.filter(pk=assessment.application_id)
        .values_list("status", flat=True)
        .first()
    )
    if status != ApplicationStatus.UNDER_ASSESSMENT:
        raise ReviewRefused(
            _("Ce dossier n'est plus en évaluation : il ne peut plus être noté."), conflict=True
        )


def _criteria_of(assessment: Assessment) -> list[AssessmentCriterion]:
    return list(
        AssessmentCriterion.objects.filter(call_id=assessment.application.call_id).order_by(
            "position", "id"
        )
    )


def _write_scores(
    locked: Assessment,
    criteria: list[AssessmentCriterion],
    scores: Mapping[int, ScoreInput],
) -> dict[int, Score]:
    """Validate and write the scores given (criterion id -> ScoreInput); a blank one removes
    the criterion's score. Returns the scores saved, by criterion id."""
    errors = {}
    for criterion in criteria:
        given = scores.get(criterion.pk)
        if given is None:
            continue
        message = score_error(criterion, given.score, given.comment)
        if message:
            errors[criterion.pk] = message
    unknown = set(scores) - {criterion.pk for criterion in criteria}
    if unknown:
        raise ReviewRefused(_("Un critère noté n'appartient pas à l'appel de ce dossier."))
    if errors:
        raise ReviewRefused(
            _("Des notes contiennent des erreurs : rien n'a été enregistré."), errors=errors
        )
    existing = {score.criterion_id: score for score in Score.objects.filter(assessment=locked)}
    to_create, to_update, to_delete = [], [], []
    for criterion in criteria:
        given = scores.get(criterion.pk)
        if given is None:
            continue
        row = existing.get(criterion.pk)
        if given.score is None:
            if row is not None:
                to_delete.append(row.pk)
                del existing[criterion.pk]
            continue
        if row is None:
            row = Score(assessment=locked, criterion=criterion)
            to_create.append(row)
            existing[criterion.pk] = row
        else:
            to_update.append(row)
        row.score = given.score
        row.comment = given.comment.strip()
    if to_delete:
        Score.objects.filter(pk__in=to_delete).delete()
    if to_create:
        Score.objects.bulk_create(to_create)
    if to_update:
        Score.objects.bulk_update(to_update, ["score", "comment"])
    return existing


def _lock_for_scoring(assessment: Assessment, actor) -> Assessment:
    _require_assessor(assessment, actor)
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.no_conflict_declared_at is None:
        raise ReviewRefused(
            _("Déclarez d'abord l'absence de conflit d'intérêts avant de noter ce dossier.")
        )
    if locked.status not in (A.ASSIGNED, A.IN_PROGRESS):
        raise ReviewRefused(
            _("Cette évaluation est à l'état « %(status)s » : elle ne peut plus être modifiée.")
            % {"status": locked.get_status_display()},
            conflict=True,
        )
    _require_under_assessment(locked)
    return locked


def assessment_save_scores(
    *,
    assessment: Assessment,
    scores: Mapping[int, ScoreInput],
    actor,
    overall_comment: str | None = None,
) -> Assessment:
    """Save the assessor's scores as a draft (the assessment is then "in progress"): each
    score between 0 and the criterion's maximum, with its comment; criteria left blank stay
    unscored."""
    with transaction.atomic():
        locked = _lock_for_scoring(assessment, actor)
        _write_scores(locked, _criteria_of(assessment), scores)
        changes = {"status": A.IN_PROGRESS}
        if overall_comment is not None:
            changes["overall_comment"] = overall_comment.strip()
        Assessment.objects.filter(pk=locked.pk).update(**changes)
    for name, value in changes.items():
        setattr(assessment, name, value)
    return assessment


def assessment_submit(
    *,
    assessment: Assessment,
    actor,
    scores: Mapping[int, ScoreInput] | None = None,
    overall_comment: str | None = None,
    now=None,
) -> Assessment:
    """Submit the assessment (saving ``scores`` first when given): every criterion of the
    call must be scored. Once submitted it cannot change, and the assessor sees the other
    assessors' submitted scores."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_for_scoring(assessment, actor)
        criteria = _criteria_of(assessment)
        saved = (
            _write_scores(locked, criteria, scores)
            if scores is not None
            else {score.criterion_id: score for score in Score.objects.filter(assessment=locked)}
        )
        missing = [criterion for criterion in criteria if criterion.pk not in saved]
        if missing:
            raise ReviewRefused(
                _("Notez chaque critère avant de remettre l'évaluation : il manque %(names)s.")
                % {"names": ", ".join(criterion.name for criterion in missing)},
                errors={
                    criterion.pk: _("Ce critère doit être noté avant la remise.")
                    for criterion in missing
                },
            )
        changes = {"status": A.SUBMITTED, "submitted_at": now}
        if overall_comment is not None:
            changes["overall_comment"] = overall_comment.strip()
        Assessment.objects.filter(pk=locked.pk).update(**changes)
        audit.record(
            actor=actor, action=AuditAction.ASSESSMENT_SUBMITTED, subject=assessment.application
        )
    for name, value in changes.items():
        setattr(assessment, name, value)
    return assessment


# --- e-mails ----------------------------------------------------------------------------


def _name(user) -> str:
    return user.get_full_name() or user.email


def _send(user, subject_fn, template: str, context: dict) -> int:
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = subject_fn()
        body = render_to_string(template, context)
    return send_mail(subject, body, None, [user.email])


def send_assignment_notices(*, assessment_ids: list[int]) -> int:
    """E-mail each assessor their new assignment, in their language."""
    sent = 0
    for assessment in Assessment.objects.filter(pk__in=assessment_ids).select_related(
        "assessor", "application__call"
    ):
        if not assessment.assessor.is_active:
            continue
        application = assessment.application
        sent += _send(
            assessment.assessor,
            lambda application=application: (
                _("Dossier %(reference)s à évaluer") % {"reference": application.reference}
            ),
            "review/email/assessment_assigned.txt",
            {"assessment": assessment, "application": application, "call": application.call},
        )
    return sent


def send_decline_notice(*, assessment_id: int) -> int:
    """E-mail the officer who assigned the assessment that the assessor declined it."""
    assessment = Assessment.objects.select_related(
        "assessor", "assigned_by", "application__call"
    ).get(pk=assessment_id)
    officer = assessment.assigned_by
    if not officer.is_active:
        return 0
    application = assessment.application
    return _send(
        officer,
        lambda: (
            _("Évaluation déclinée : dossier %(reference)s") % {"reference": application.reference}
        ),
        "review/email/assessment_declined.txt",
        {
            "assessment": assessment,
            "application": application,
            "assessor_name": _name(assessment.assessor),
        },
    )


# --- consolidation ----------------------------------------------------------------------


def spread_margin(max_total: Decimal) -> Decimal:
    """The spread of the assessors' totals above which a dossier is flagged:
    ``REVIEW_SCORE_SPREAD_MARGIN`` (a share of the maximum total, 0.30 by default) times
    ``max_total``."""
    share = Decimal(str(getattr(settings, "REVIEW_SCORE_SPREAD_MARGIN", DEFAULT_SPREAD_SHARE)))
    return (max_total * share).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass
class CriterionResult:
    criterion: AssessmentCriterion
    mean: Decimal | None
    passes: bool | None  # None: no threshold, or no score


@dataclass
class Consolidation:
    """The consolidated scores of one dossier over its submitted assessments."""

    application: Application
    criteria: list[CriterionResult]
    totals: list[Decimal]  # one per submitted assessment
    mean_total: Decimal | None
    max_total: Decimal
    spread: Decimal | None
    margin: Decimal
    min_total: Decimal | None
    reasons: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.totals)

    @property
    def spread_flagged(self) -> bool:
        return self.spread is not None and self.spread > self.margin

    @property
    def recommendation(self) -> str | None:
        """``"pass"``, ``"fail"``, or None while no assessment is submitted."""
        if not self.totals:
            return None
        return "fail" if self.reasons else "pass"

    @property
    def first_mean(self) -> Decimal | None:
        return self.criteria[0].mean if self.criteria else None


def _consolidate(
    application: Application,
    criteria: list[AssessmentCriterion],
    rows: list[tuple[int, int, Decimal]],
    call: Call,
) -> Consolidation:
    """``rows``: (assessment id, criterion id, score) of the submitted assessments."""
    per_criterion: dict[int, list[Decimal]] = defaultdict(list)
    per_assessment: dict[int, Decimal] = defaultdict(Decimal)
    for assessment_id, criterion_id, score in rows:
        per_criterion[criterion_id].append(score)
        per_assessment[assessment_id] += score
    totals = [per_assessment[key] for key in sorted(per_assessment)]
    max_total = sum((criterion.max_score for criterion in criteria), Decimal(0))
    results, reasons = [], []
    for criterion in criteria:
        values = per_criterion.get(criterion.pk, [])
        mean = _mean(values) if values else None
        passes = None
        if mean is not None and criterion.threshold is not None:
            passes = mean >= criterion.threshold
            if not passes:
                reasons.append(
                    _("%(criterion)s : moyenne %(mean)s sous le seuil de %(threshold)s.")
                    % {
                        "criterion": criterion.name,
                        "mean": _plain_score(mean),
                        "threshold": _plain_score(criterion.threshold),
                    }
                )
        results.append(CriterionResult(criterion=criterion, mean=mean, passes=passes))
    mean_total = _mean(totals) if totals else None
    below_minimum = (
        mean_total is not None
        and call.min_total_score is not None
        and mean_total < call.min_total_score
    )
    if below_minimum:
        reasons.append(
            _("Total : moyenne %(mean)s sous le minimum de %(minimum)s.")
            % {"mean": _plain_score(mean_total), "minimum": _plain_score(call.min_total_score)}
        )
    return Consolidation(
        application=application,
        criteria=results,
        totals=totals,
        mean_total=mean_total,
        max_total=max_total,
        spread=(max(totals) - min(totals)) if totals else None,
        margin=spread_margin(max_total),
        min_total=call.min_total_score,
        reasons=reasons if totals else [],
    )


def _submitted_rows(application_filter: dict) -> dict[int, list[tuple[int, int, Decimal]]]:
    rows: dict[int, list] = defaultdict(list)
    for application_id, assessment_id, criterion_id, score in (
        Score.objects.filter(assessment__status=A.SUBMITTED, **application_filter)
        .order_by()
        .values_list("assessment__application_id", "assessment_id", "criterion_id", "score")
    ):
        rows[application_id].append((assessment_id, criterion_id, score))
    return rows


def consolidated_scores(application: Application) -> Consolidation:
    """Mean per criterion and total mean over the submitted assessments of ``application``,
    the spread of the totals (flagged above the margin) and the recommendation with its
    reasons. Two queries."""
    call = application.call
    criteria = list(call.criteria.order_by("position", "id"))
    rows = _submitted_rows({"assessment__application": application})
    return _consolidate(application, criteria, rows.get(application.pk, []), call)


@dataclass
class RankingRow:
    rank: int
    application: Application
    consolidation: Consolidation
    requested: Decimal | None

    @property
    def decision(self):
        return getattr(self.application, "decision_or_none", None)


def call_ranking(call: Call, criteria: list[AssessmentCriterion] | None = None) -> list[RankingRow]:
    """The dossiers of ``call`` under assessment or decided, ranked by consolidated total
    (highest first; not yet assessed last), ties broken by the first criterion's mean, then
    by reference. A constant number of queries whatever the number of dossiers."""
    from .decisions import requested_amounts

    if criteria is None:
        criteria = list(call.criteria.order_by("position", "id"))
    applications = list(
        Application.objects.filter(call=call, status__in=RANKED_STATUSES)
        .select_related("decision")
        .order_by("reference")
    )
    for application in applications:
        application.call = call
        try:
            application.decision_or_none = application.decision
        except Application.decision.RelatedObjectDoesNotExist:
            application.decision_or_none = None
    rows = _submitted_rows({"assessment__application__call": call})
    requested = requested_amounts(applications, call=call)
    consolidated = [
        (application, _consolidate(application, criteria, rows.get(application.pk, []), call))
        for application in applications
    ]

    def key(item):
        application, consolidation = item
        total = consolidation.mean_total
        first = consolidation.first_mean
        return (
            total is None,
            -(total or 0),
            first is None,
            -(first or 0),
            application.reference,
        )

    consolidated.sort(key=key)
    return [
        RankingRow(
            rank=index,
            application=application,
            consolidation=consolidation,
            requested=requested.get(application.pk),
        )
        for index, (application, consolidation) in enumerate(consolidated, start=1)
    ]


def visible_scores(assessment: Assessment) -> list[Assessment] | None:
    """The other assessors' submitted assessments of the same dossier (with their scores),
    once ``assessment`` itself is submitted; None before."""
    if assessment.status != A.SUBMITTED:
        return None
    return list(
        Assessment.objects.filter(application_id=assessment.application_id, status=A.SUBMITTED)
        .exclude(pk=assessment.pk)
        .select_related("assessor")
        .prefetch_related("scores")
        .order_by("submitted_at", "pk")
    )
