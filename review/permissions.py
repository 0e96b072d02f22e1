"""Who may see and do what on the authorities' side: decided here, and only here.

An officer sees the dossiers submitted to the calls of the authorities they are an active
officer of, never a draft and never another authority's: for them another authority's
dossier, call or assessment does not exist (404), and its counts are never shown. An
assessor sees only the dossiers assigned to them, and the other assessors' scores of a
dossier only once their own assessment is submitted.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from applications.choices import ApplicationStatus, AssessmentStatus
from applications.models import Application, Assessment
from calls.choices import AuthorityRole
from calls.models import Authority, AuthorityMember, Call


def authorities_of(user, role: str = AuthorityRole.OFFICER) -> QuerySet[Authority]:
    """The authorities ``user`` is an active ``role`` (officer by default) of."""
    if not user.is_authenticated:
        return Authority.objects.none()
    return Authority.objects.filter(
        members__user=user, members__role=role, members__is_active=True
    ).distinct()


def is_officer(user) -> bool:
    return (
        user.is_authenticated
        and AuthorityMember.objects.filter(
            user=user, role=AuthorityRole.OFFICER, is_active=True
        ).exists()
    )


def is_assessor(user) -> bool:
    return (
        user.is_authenticated
        and AuthorityMember.objects.filter(
            user=user, role=AuthorityRole.ASSESSOR, is_active=True
        ).exists()
    )


def calls_for_officer(user) -> QuerySet[Call]:
    """The calls of the authorities ``user`` is an officer of."""
    return Call.objects.filter(authority__in=authorities_of(user))


def officer_instructs(user) -> Q:
    """The condition on dossiers an officer instructs: submitted (not a draft) to a call of
    their authorities. A condition, so that a union of readers' rules (the API's) stays
    one scan of the dossiers."""
    return Q(call__in=calls_for_officer(user)) & ~Q(status=ApplicationStatus.DRAFT)


def applications_for_officer(user) -> QuerySet[Application]:
    """The dossiers an officer instructs: every dossier submitted (not a draft) to a call of
    their authorities."""
    return Application.objects.filter(officer_instructs(user))


def officer_application_or_404(user, reference: str) -> Application:
    return get_object_or_404(
        applications_for_officer(user).select_related(
            "call__authority", "call__programme", "measure"
        ),
        reference=reference,
    )


def officer_call_or_404(user, reference: str) -> Call:
    return get_object_or_404(
        calls_for_officer(user).select_related("authority", "programme"), reference=reference
    )


def assessments_of(user) -> QuerySet[Assessment]:
    """The assessments assigned to ``user`` on dossiers of calls of an authority they are
    an active assessor of."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    return Assessment.objects.filter(
        assessor=user,
        application__call__authority__in=authorities_of(user, AuthorityRole.ASSESSOR),
    )


def assessment_opens_dossier(assessment: Assessment) -> bool:
    """An assessor reads the dossier of an assessment once they have declared no conflict
    of interest, and never after declining it."""
    return (
        assessment.no_conflict_declared_at is not None
        and assessment.status != AssessmentStatus.DECLINED
    )


def assessments_opening_dossiers(user) -> QuerySet[Assessment]:
    """``user``'s assessments whose dossier they may read (:func:`assessment_opens_dossier`,
    as a queryset): the API and the documents apply the assessment pages' rule."""
    return (
        assessments_of(user)
        .filter(no_conflict_declared_at__isnull=False)
        .exclude(status=AssessmentStatus.DECLINED)
    )


def assessment_or_404(user, pk: int) -> Assessment:
    return get_object_or_404(
        assessments_of(user).select_related("application__call__authority"), pk=pk
    )


def assessor_pool(authority: Authority):
    """The active assessors of ``authority``: those an officer may assign."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            authority_memberships__authority=authority,
            authority_memberships__role=AuthorityRole.ASSESSOR,
            authority_memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )
