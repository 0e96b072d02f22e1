"""Reads of the authorities' side that must stay fast and permission-aware: the officers'
queue of dossiers, its counts per status, the choices of its filters.

Every queryset starts from ``review.permissions.applications_for_officer``: another
authority's dossier is never read, not even counted. The totals and the verdict are those
of the version under review, frozen with it at its submission (``Snapshot.total_budget``,
``eu_requested``, ``verdict``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)

from applications.choices import FrozenVerdict
from applications.models import Application, Assessment
from calls.choices import AuthorityRole
from calls.models import Measure
from partners.choices import PartnerRole
from partners.models import Partner

from .permissions import applications_for_officer, authorities_of, calls_for_officer

# --- the eligibility verdict frozen at submission ------------------------------------------

VERDICT_CHOICES = FrozenVerdict.choices


# --- the queue ---------------------------------------------------------------------------


def queue_base(user) -> QuerySet[Application]:
    """The officer's dossiers (never a draft, never another authority's) with what the
    filters and the sorts read, joined only when a filter, a sort or the rows use them
    (aliases): ``lead``, the lead partner (joined once: a dossier has exactly one lead), and
    the facts of the version under review (``Application.current_snapshot``, frozen at its
    submission): ``total_budget``, ``eu_amount`` and ``verdict``. The queue shows what was
    submitted: an answer being written to a clarification request does not move it."""
    return applications_for_officer(user).alias(
        lead=FilteredRelation("partners", condition=Q(partners__role=PartnerRole.LEAD)),
        total_budget=F("current_snapshot__total_budget"),
        eu_total=F("current_snapshot__eu_requested"),
        verdict=F("current_snapshot__verdict"),
    )


# The columns the rows read: the dossier's long texts and the call's are never loaded.
ROW_FIELDS = (
    "reference",
    "acronym",
    "title",
    "status",
    "submitted_at",
    "lump_sum",
    "call",
    "call__reference",
    "call__title",
    "call__cost_model",
    "measure",
    "measure__code",
    "measure__name",
)


def queue_rows(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """The columns of the queue's rows on a ``queue_base`` queryset: one query for the
    rows, one for their assessors, whatever their number."""
    return (
        queryset.select_related("call", "measure")
        .only(*ROW_FIELDS)
        .annotate(
            lead_name=F("lead__organisation__legal_name"),
            lead_country=F("lead__organisation__country"),
            lead_legal_type=F("lead__organisation__legal_type"),
            budget=F("total_budget"),
            eu_amount=F("eu_total"),
            frozen_verdict=F("verdict"),
        )
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.select_related("assessor").order_by(
                    "assessor__last_name", "assessor__first_name", "assessor__email"
                ),
            )
        )
    )


def queue_page_rows(user, ids: list[int]) -> list[Application]:
    """The rows of one page, given the page's ids in their order (two queries: the rows,
    their assessors; none for an empty page).

    The page's ids are read first by a narrow query (filters, sort, offset: no totals nor
    verdict computed but for sorting or filtering); the totals and the verdict are then
    computed for the page's rows only, not for every row the offset skips."""
    if not ids:
        return []
    position = {pk: index for index, pk in enumerate(ids)}
    rows = queue_rows(queue_base(user).filter(pk__in=ids))
    return sorted(rows, key=lambda row: position[row.pk])


def status_counts(queryset: QuerySet[Application]) -> dict[str, int]:
    """The number of dossiers per status of ``queryset`` (one query)."""
    return dict(
        queryset.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )


def submitted_between(queryset, start: dt.date | None, end: dt.date | None):
    """Dossiers submitted from ``start`` to ``end`` included, days in the server's time
    zone (Europe/Paris)."""
    from django.utils import timezone

    zone = timezone.get_current_timezone()
    if start:
        queryset = queryset.filter(
            submitted_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=zone)
        )
    if end:
        after = end + dt.timedelta(days=1)
        queryset = queryset.filter(
            submitted_at__lt=dt.datetime.combine(after, dt.time.min, tzinfo=zone)
        )
    return queryset


def search(queryset, text: str):
    """Dossiers whose reference, acronym or title contains ``text``, or one of whose
    organisations' legal name does (case-insensitive)."""
    text = text.strip()
    if not text:
        return queryset
    # Not correlated with the outer row: PostgreSQL hashes the matching dossiers once (and
    # its planner does not estimate a subquery per row, which would wake its JIT up).
    with_organisation = Partner.objects.filter(organisation__legal_name__icontains=text).values(
        "application_id"
    )
    return queryset.filter(
        Q(reference__icontains=text)
        | Q(acronym__icontains=text)
        | Q(title__icontains=text)
        | Q(pk__in=with_organisation)
    )


def assessed_by(queryset, assessor):
    return queryset.filter(
        Exists(Assessment.objects.filter(application=OuterRef("pk"), assessor=assessor))
    )


# --- the choices of the filters ----------------------------------------------------------


def measures_for_officer(user) -> QuerySet[Measure]:
    """The measures of the officer's calls."""
    return (
        Measure.objects.filter(calls__in=calls_for_officer(user))
        .distinct()
        .order_by("code", "name")
    )


def assessors_for_officer(user):
    """The active assessors of the authorities ``user`` is an officer of: the union of their
    pools (``review.permissions.assessor_pool``)."""
    return (
        get_user_model()
        .objects.filter(
            authority_memberships__authority__in=authorities_of(user),
            authority_memberships__role=AuthorityRole.ASSESSOR,
            authority_memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )
