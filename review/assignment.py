"""Assigning assessors to dossiers: the one service that creates ``Assessment`` rows.

An officer assigns assessors of the pool of the dossier's call's authority
(``review.permissions.assessor_pool``) to dossiers that are admissible or already under
assessment; an admissible dossier moves to "under assessment" through the workflow when
its first assessors are assigned, and each assessor is e-mailed once committed: the same
rules as ``review.assessment.assessment_assign`` (one dossier, from its page), for many
dossiers at once from the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from applications import workflow
from applications.choices import ApplicationStatus
from applications.models import Application, Assessment
from applications.services import ServiceRefused
from audit import services as audit
from audit.choices import AuditAction
from calls.choices import AuthorityRole
from calls.models import AuthorityMember

from .permissions import authorities_of

ASSESSABLE_STATUSES = frozenset({ApplicationStatus.ADMISSIBLE, ApplicationStatus.UNDER_ASSESSMENT})


@dataclass
class AssignmentResult:
    """What ``assessments_assign`` did: the assessments created, the pairs (dossier,
    assessor) that already existed, the dossiers skipped because of their state, and those
    whose assessment started (admissible -> under assessment)."""

    created: list[Assessment] = field(default_factory=list)
    existing: list[tuple[Application, object]] = field(default_factory=list)
    skipped: list[Application] = field(default_factory=list)
    started: list[Application] = field(default_factory=list)


def _name(person) -> str:
    return person.get_full_name() or person.email


def assessments_assign(
    *, applications: Iterable[Application], assessors, actor
) -> AssignmentResult:
    """Assign each of ``assessors`` to each of ``applications``, in one transaction.

    Refused (``ServiceRefused``, nothing written) when the actor is not an officer of a
    dossier's call's authority, a dossier is a draft, or an assessor is not in the pool of
    the authority of a dossier's call. Dossiers neither admissible nor under assessment are
    skipped and reported; a pair already assigned is left as it is. The dossiers are locked
    while they are read, so that a concurrent assignment or state change waits."""
    ids = sorted({application.pk for application in applications})
    assessors = list({person.pk: person for person in assessors}.values())
    if not ids:
        raise ServiceRefused(_("Cochez au moins un dossier dans la liste."))
    if not assessors:
        raise ServiceRefused(_("Choisissez au moins un évaluateur."))

    result = AssignmentResult()
    with transaction.atomic():
        locked = list(
            Application.objects.select_for_update(of=("self",))
            .select_related("call__authority")
            .filter(pk__in=ids)
            .order_by("reference")
        )
        if len(locked) != len(ids):
            raise ServiceRefused(_("Un des dossiers cochés n'existe plus."))
        own_authorities = set(authorities_of(actor).values_list("pk", flat=True))
        for application in locked:
            if (
                application.status == ApplicationStatus.DRAFT
                or application.call.authority_id not in own_authorities
            ):
                raise ServiceRefused(
                    _("Vous n'instruisez pas le dossier %(reference)s.")
                    % {"reference": application.reference}
                )

        # The pools of the authorities concerned, in one query.
        pools: dict[int, set[int]] = {}
        for authority_id, user_id in AuthorityMember.objects.filter(
            authority_id__in={application.call.authority_id for application in locked},
            role=AuthorityRole.ASSESSOR,
            is_active=True,
            user__is_active=True,
        ).values_list("authority_id", "user_id"):
            pools.setdefault(authority_id, set()).add(user_id)
        for application in locked:
            pool = pools.get(application.call.authority_id, set())
            for person in assessors:
                if person.pk not in pool:
                    raise ServiceRefused(
                        _(
                            "%(person)s n'est pas évaluateur de %(authority)s, qui instruit "
                            "le dossier %(reference)s : aucune attribution n'a été faite."
                        )
                        % {
                            "person": _name(person),
                            "authority": application.call.authority.name,
                            "reference": application.reference,
                        }
                    )

        assessable = [a for a in locked if a.status in ASSESSABLE_STATUSES]
        result.skipped = [a for a in locked if a.status not in ASSESSABLE_STATUSES]
        existing = set(
            Assessment.objects.filter(
                application__in=[a.pk for a in assessable],
                assessor__in=[p.pk for p in assessors],
            ).values_list("application_id", "assessor_id")
        )
        new = []
        for application in assessable:
            for person in assessors:
                if (application.pk, person.pk) in existing:
                    result.existing.append((application, person))
                else:
                    new.append(
                        Assessment(application=application, assessor=person, assigned_by=actor)
                    )
        result.created = Assessment.objects.bulk_create(new)
        for application in assessable:
            if application.status == ApplicationStatus.ADMISSIBLE:
                workflow.transition(
                    application=application,
                    to_status=ApplicationStatus.UNDER_ASSESSMENT,
                    actor=actor,
                    comment=_("Évaluateurs attribués : %(names)s.")
                    % {"names": ", ".join(_name(person) for person in assessors)},
                )
                result.started.append(application)
        assigned: dict[int, list[str]] = {}
        for assessment in new:
            assigned.setdefault(assessment.application_id, []).append(assessment.assessor.email)
        for application in assessable:
            if application.pk in assigned:
                audit.record(
                    actor=actor,
                    action=AuditAction.ASSESSOR_ASSIGNED,
                    subject=application,
                    details={"assessors": assigned[application.pk]},
                )
        ids = [assessment.pk for assessment in result.created]
        if ids:
            # Each assessor is e-mailed their new assignments, as a single assignment does.
            from .assessment import send_assignment_notices

            transaction.on_commit(lambda: send_assignment_notices(assessment_ids=ids))
    return result
