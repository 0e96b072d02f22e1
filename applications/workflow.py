"""The application's state machine: the allowed transitions and the one function that
changes an application's status.

Every change goes through :func:`transition`: compare-and-set on the current status inside
one transaction, a ``StatusChange`` row with the actor and the comment. Who may fire each
transition and the guards (eligibility at submission, deadline on the server's clock) are
added by the services that call it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ApplicationStatus as S
from .models import Application, StatusChange

# A dossier may be withdrawn by its lead at any time until a decision is taken.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.ELIGIBILITY_REVIEW, S.CLARIFICATION_REQUESTED, S.WITHDRAWN}),
    S.CLARIFICATION_REQUESTED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.ELIGIBILITY_REVIEW: frozenset(
        {S.ADMISSIBLE, S.INELIGIBLE, S.CLARIFICATION_REQUESTED, S.WITHDRAWN}
    ),
    S.ADMISSIBLE: frozenset({S.UNDER_ASSESSMENT, S.WITHDRAWN}),
    S.UNDER_ASSESSMENT: frozenset({S.SELECTED, S.RESERVE, S.REJECTED, S.WITHDRAWN}),
    S.RESERVE: frozenset({S.SELECTED, S.REJECTED}),
    S.SELECTED: frozenset({S.CONTRACTED}),
    S.CONTRACTED: frozenset({S.IN_PROGRESS}),
    S.IN_PROGRESS: frozenset({S.CLOSED}),
    S.INELIGIBLE: frozenset(),
    S.REJECTED: frozenset(),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}


APPLICANT = "applicant"
OFFICER = "officer"

# Who fires each transition, by the state it leads to: the lead's members submit and
# withdraw; an officer of the call's authority does everything else. The services check it
# (``may_fire``) before calling ``transition``.
FIRED_BY: dict[str, str] = {
    S.SUBMITTED: APPLICANT,
    S.WITHDRAWN: APPLICANT,
    S.ELIGIBILITY_REVIEW: OFFICER,
    S.CLARIFICATION_REQUESTED: OFFICER,
    S.ADMISSIBLE: OFFICER,
    S.INELIGIBLE: OFFICER,
    S.UNDER_ASSESSMENT: OFFICER,
    S.SELECTED: OFFICER,
    S.RESERVE: OFFICER,
    S.REJECTED: OFFICER,
    S.CONTRACTED: OFFICER,
    S.IN_PROGRESS: OFFICER,
    S.CLOSED: OFFICER,
}


def may_fire(role: str, to_status: str) -> bool:
    """Whether ``role`` (APPLICANT or OFFICER) fires the transitions leading to
    ``to_status``."""
    return FIRED_BY.get(to_status) == role


class TransitionError(Exception):
    """The transition is not allowed from the current state, or the state changed meanwhile
    (someone else acted first)."""

    def __init__(self, message: str, *, conflict: bool = False):
        super().__init__(message)
        self.message = message
        self.conflict = conflict


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def transition(
    *,
    application: Application,
    to_status: str,
    actor,
    comment: str = "",
    at: datetime | None = None,
) -> StatusChange:
    """Move ``application`` from its current status to ``to_status``, or raise
    ``TransitionError``. Compare-and-set: if another request changed the status since
    ``application`` was read, nothing is written and the error says so.

    ``at`` is the instant of the change: the server's clock unless a dossier handled
    elsewhere is imported with its history (the demo's PASS'EMPLOI); pages and the API
    never pass it."""
    from_status = application.status
    if not can_transition(from_status, to_status):
        raise TransitionError(
            _("Un dossier à l'état « %(from)s » ne peut pas passer à l'état « %(to)s ».")
            % {"from": S(from_status).label, "to": S(to_status).label}
        )
    now = at or timezone.now()
    changes = {"status": to_status, "updated_at": now}
    if to_status == S.SUBMITTED:
        changes["submitted_at"] = now
    with transaction.atomic():
        updated = Application.objects.filter(pk=application.pk, status=from_status).update(
            **changes
        )
        if updated == 0:
            raise TransitionError(
                _("Le dossier a changé d'état entre-temps ; rechargez la page."), conflict=True
            )
        change = StatusChange.objects.create(
            application=application,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            comment=comment,
            created_at=now,
        )
    for field, value in changes.items():
        setattr(application, field, value)
    return change
