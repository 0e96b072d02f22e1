"""Reads of the public pages: calls, programmes and funds, each with the joins it needs
spelled out so that the number of queries does not grow with the number of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .choices import PriorityKind
from .models import (
    Axis,
    Call,
    CallStatus,
    EligibilityRule,
    Fund,
    Measure,
    Priority,
    Programme,
)

# What every line of a list of calls shows: its programme, fund and receiving authority.
CALL_LIST_JOINS = ("programme__fund", "authority")


def _call_rows(queryset: QuerySet[Call]) -> QuerySet[Call]:
    return queryset.select_related(*CALL_LIST_JOINS)


@dataclass(frozen=True)
class HomePage:
    """What the home page lists, read at one instant."""

    now: dt.datetime
    open_calls: list[Call]
    upcoming_calls: list[Call]
    closed_count: int
    funds: list[Fund]


def home_page(*, when: dt.datetime | None = None) -> HomePage:
    """The open and upcoming calls, the number of closed ones and the funds with their
    programmes. Five queries, whatever the number of calls:

    1. open calls with programme, fund, authority;
    2. upcoming calls, same joins;
    3. count of closed calls;
    4. funds;
    5. their programmes.
    """
    now = when or timezone.now()
    calls = Call.objects.all()
    return HomePage(
        now=now,
        open_calls=list(_call_rows(calls.open_at(now)).order_by("closes_at", "reference")),
        upcoming_calls=list(_call_rows(calls.upcoming_at(now)).order_by("opens_at", "reference")),
        closed_count=calls.closed_at(now).count(),
        funds=list(
            Fund.objects.prefetch_related(
                Prefetch(
                    "programmes",
                    queryset=Programme.objects.order_by("-period_start_year", "name"),
                )
            )
        ),
    )


def call_list(
    *, status: str | None = None, fund: Fund | None = None, when: dt.datetime | None = None
) -> QuerySet[Call]:
    """Published calls, newest opening first, optionally narrowed to one status (at
    ``when``) and one fund."""
    now = when or timezone.now()
    calls = Call.objects.all()
    if status == CallStatus.OPEN:
        calls = calls.open_at(now)
    elif status == CallStatus.UPCOMING:
        calls = calls.upcoming_at(now)
    elif status == CallStatus.CLOSED:
        calls = calls.closed_at(now)
    else:
        calls = calls.published()
    if fund is not None:
        calls = calls.filter(programme__fund=fund)
    return _call_rows(calls).order_by("-opens_at", "reference")


def call_detail(*, reference: str) -> Call:
    """A published call with everything its page shows, or 404. Queries: the call with
    programme, fund, authority; measures with axis; their target groups; the call's
    priorities, target groups, lump sums, active rules, criteria, required documents."""
    measures = Measure.objects.select_related("axis").prefetch_related("target_groups")
    queryset = (
        Call.objects.published()
        .select_related(*CALL_LIST_JOINS)
        .prefetch_related(
            Prefetch("measures", queryset=measures),
            Prefetch(
                "priorities", queryset=Priority.objects.order_by("kind", "sector", "position")
            ),
            "target_groups",
            "lump_sums",
            Prefetch("rules", queryset=EligibilityRule.objects.filter(is_active=True)),
            "criteria",
            "required_document_types",
        )
    )
    return get_object_or_404(queryset, reference=reference)


def programme_list() -> list[Fund]:
    """Funds that have programmes, each with its programmes and their managing authority."""
    programmes = Programme.objects.select_related("managing_authority").order_by(
        "-period_start_year", "name"
    )
    return list(
        Fund.objects.filter(programmes__isnull=False)
        .distinct()
        .prefetch_related(Prefetch("programmes", queryset=programmes))
    )


def programme_detail(*, code: str) -> Programme:
    """A programme with its axes, their measures and target groups, its priorities and its
    published calls, or 404."""
    measures = Measure.objects.prefetch_related("target_groups")
    queryset = Programme.objects.select_related("fund", "managing_authority").prefetch_related(
        Prefetch(
            "axes", queryset=Axis.objects.prefetch_related(Prefetch("measures", queryset=measures))
        ),
        "priorities",
        Prefetch(
            "calls",
            queryset=_call_rows(Call.objects.published()).order_by("-opens_at", "reference"),
            to_attr="published_calls",
        ),
    )
    return get_object_or_404(queryset, code=code)


@dataclass
class PriorityGroup:
    """Priorities of one kind (and, for sectoral ones, one sector) shown together."""

    kind: str
    label: str
    sector: str = ""
    priorities: list[Priority] = field(default_factory=list)


def group_priorities(priorities) -> list[PriorityGroup]:
    """Horizontal priorities first, then the sectoral ones sector by sector, then the
    selection priorities; the order inside a group is kept."""
    order = {kind: index for index, kind in enumerate(PriorityKind.values)}
    ordered = sorted(priorities, key=lambda p: (order.get(p.kind, len(order)), p.sector))
    groups = []
    for (kind, sector), items in groupby(ordered, key=lambda p: (p.kind, p.sector)):
        shown_sector = sector if kind == PriorityKind.SECTORAL else ""
        if groups and groups[-1].kind == kind and groups[-1].sector == shown_sector:
            groups[-1].priorities.extend(items)
            continue
        groups.append(
            PriorityGroup(
                kind=kind,
                label=str(PriorityKind(kind).label) if kind in order else kind,
                sector=shown_sector,
                priorities=list(items),
            )
        )
    return groups
