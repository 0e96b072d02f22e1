"""The progress report's state machine: the allowed transitions, who fires each, and the one
function that changes a report's status.

Every change goes through :func:`report_transition`: compare-and-set on the current status
inside one transaction, a ``ReportStatusChange`` row with the actor and the comment. Nothing
else assigns ``ProgressReport.status``. Who may fire a transition (the lead's members submit,
the officers of the call's authority accept or ask for changes) and the guards (a complete
report, a reason for the changes asked) are checked by ``reporting.services`` before it
calls this module, as ``applications.workflow`` leaves them to the applications' services.

::

    draft → submitted → accepted
                ↓   ↑
        changes_requested
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.workflow import APPLICANT, OFFICER, TransitionError

from .choices import ReportStatus as R
from .models import ProgressReport, ReportStatusChange

__all__ = [
    "APPLICANT",
    "FIRED_BY",
    "OFFICER",
    "TRANSITIONS",
    "TransitionError",
    "can_transition",
    "may_fire",
    "report_transition",
]

TRANSITIONS: dict[str, frozenset[str]] = {
    R.DRAFT: frozenset({R.SUBMITTED}),
    R.SUBMITTED: frozenset({R.ACCEPTED, R.CHANGES_REQUESTED}),
    R.CHANGES_REQUESTED: frozenset({R.SUBMITTED}),
    R.ACCEPTED: frozenset(),
}

# Who fires each transition, by the state it leads to: the lead's members submit (again);
# an officer of the call's authority accepts or asks for changes.
FIRED_BY: dict[str, str] = {
    R.SUBMITTED: APPLICANT,
    R.ACCEPTED: OFFICER,
    R.CHANGES_REQUESTED: OFFICER,
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def may_fire(role: str, to_status: str) -> bool:
    """Whether ``role`` (APPLICANT: the lead's members; OFFICER) fires the transitions
    leading to ``to_status``."""
    return FIRED_BY.get(to_status) == role


def _label(status: str) -> str:
    try:
        return str(R(status).label)
    except ValueError:
        return status


def report_transition(
    *,
    report: ProgressReport,
    to_status: str,
    actor,
    comment: str = "",
    at: datetime | None = None,
) -> ReportStatusChange:
    """Move ``report`` from its current status to ``to_status``, or raise
    ``TransitionError``. Compare-and-set: if another request changed the status since
    ``report`` was read, nothing is written and the error says so (``conflict=True``).

    A submission records its instant (``submitted_at``: the latest one). ``at`` is the
    instant of the change: the server's clock unless a report handled elsewhere is imported
    with its history (the demo's PASS'EMPLOI); pages never pass it."""
    from_status = report.status
    if not can_transition(from_status, to_status):
        raise TransitionError(
            _("Un rapport à l'état « %(from)s » ne peut pas passer à l'état « %(to)s ».")
            % {"from": _label(from_status), "to": _label(to_status)}
        )
    now = at or timezone.now()
    changes = {"status": to_status, "updated_at": now}
    if to_status == R.SUBMITTED:
        changes["submitted_at"] = now
    with transaction.atomic():
        updated = ProgressReport.objects.filter(pk=report.pk, status=from_status).update(**changes)
        if updated == 0:
            raise TransitionError(
                _("Le rapport a changé d'état entre-temps ; rechargez la page."), conflict=True
            )
        change = ReportStatusChange.objects.create(
            report=report,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            comment=comment,
            created_at=now,
        )
    for field, value in changes.items():
        setattr(report, field, value)
    return change
