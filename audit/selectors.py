"""Reading the audit log: what an officer may read, and the journal's filters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from review.permissions import authorities_of

from .choices import AuditAction
from .models import AuditEvent

PARIS = ZoneInfo("Europe/Paris")


def events_visible_to(user, *, authority_ids: list[int] | None = None) -> QuerySet[AuditEvent]:
    """The events an officer reads: those of the calls (and authorities) they are an
    active officer of, whoever acted; their own events tied to no authority (logins,
    logouts, API tokens, refused accesses, an export across authorities); and the failed
    logins typed with their address. Never an event of another authority.

    ``authority_ids``: the user's authorities when already read (as plain values the
    planner uses the index on authority and time, where a subquery scans the table)."""
    if not user.is_authenticated:
        return AuditEvent.objects.none()
    if authority_ids is None:
        authority_ids = list(authorities_of(user).values_list("pk", flat=True))
    return AuditEvent.objects.filter(
        Q(authority_id__in=authority_ids)
        | Q(authority__isnull=True, actor=user)
        | Q(authority__isnull=True, action=AuditAction.LOGIN_FAILED, actor_label=user.email.lower())
    )


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)


def filter_events(
    events: QuerySet[AuditEvent],
    *,
    call=None,
    action: str = "",
    person: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """``events`` of one call, of one kind, of a person (a part of their e-mail address),
    between two days of Paris (both included)."""
    if call is not None:
        events = events.filter(call=call)
    if action:
        events = events.filter(action=action)
    if person:
        events = events.filter(actor_label__icontains=person.strip())
    if since is not None:
        events = events.filter(at__gte=_start_of(since))
    if until is not None:
        events = events.filter(at__lt=_start_of(until + dt.timedelta(days=1)))
    return events
