"""Writes on applications that span models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from calls.choices import CostModel
from calls.models import Call
from partners.choices import PartnerRole
from partners.models import Membership, Partner

from .choices import ApplicationStatus
from .models import Application, ClarificationRequest, SectionVersion, Snapshot
from .snapshot import dossier_as_data, fingerprint, frozen_totals, frozen_verdict
from .workflow import TransitionError, transition


def application_next_reference(*, call: Call) -> str:
    """The next reference of a dossier in ``call`` (``FSE-213-2026-0007``). Numbers are
    attributed under a row lock on the call, so two dossiers created at the same time never
    share one; a number is never reused."""
    with transaction.atomic():
        Call.objects.filter(pk=call.pk).update(application_sequence=F("application_sequence") + 1)
        number = Call.objects.values_list("application_sequence", flat=True).get(pk=call.pk)
    return f"{call.application_prefix}-{number:04d}"


class SubmissionRefused(Exception):
    """The dossier cannot be submitted: each reason says why, with the figures."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def snapshot_freeze(
    *, application: Application, results: list[dict], actor, at: datetime | None = None
) -> Snapshot:
    """Freeze ``application`` as it stands, with the eligibility ``results`` the applicant
    saw (``calls.eligibility.freeze``), as its next version: the whole dossier as data, its
    sha256, and the facts the officers' queue filters and sorts on (verdict, total budget,
    EU amount requested). The new version becomes the one under review
    (``Application.current_snapshot``). The caller holds the dossier's row lock (or is the
    only writer, as an import is)."""
    data = dossier_as_data(application)
    total_budget, eu_requested = frozen_totals(
        data, lump_sum_call=application.call.cost_model == CostModel.LUMP_SUM
    )
    snapshot = Snapshot.objects.create(
        application=application,
        number=application.snapshots.count() + 1,
        data=data,
        sha256=fingerprint(data),
        eligibility_results=results,
        verdict=frozen_verdict(results),
        total_budget=total_budget,
        eu_requested=eu_requested,
        created_by=actor,
        created_at=at or timezone.now(),
    )
    Application.objects.filter(pk=application.pk).update(current_snapshot=snapshot)
    application.current_snapshot = snapshot
    return snapshot


def application_submit(*, application: Application, actor, now: datetime | None = None) -> Snapshot:
    """Submit ``application`` (a draft, or a dossier reopened for clarification): the
    deadline is checked on the server's clock, the eligibility engine runs and a failing
    blocking rule refuses the submission with its message; otherwise the whole dossier is
    frozen as a snapshot with its sha256 and the verdicts the applicant saw, the status
    changes through the workflow, and the acknowledgement is e-mailed once the transaction
    is committed."""
    from calls.eligibility import check_application, freeze

    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        )
        if locked.status not in (
            ApplicationStatus.DRAFT,
            ApplicationStatus.CLARIFICATION_REQUESTED,
        ):
            raise SubmissionRefused(
                [
                    _("Ce dossier est à l'état « %(status)s » : il ne peut pas être déposé.")
                    % {"status": locked.get_status_display()}
                ]
            )
        call = locked.call
        if locked.status == ApplicationStatus.DRAFT and now >= call.closes_at:
            raise SubmissionRefused(
                [
                    _(
                        "L'appel a été clos le %(closes)s (heure de Paris) : le dépôt n'est plus "
                        "possible."
                    )
                    % {
                        "closes": formats.date_format(
                            timezone.localtime(call.closes_at), "DATETIME_FORMAT"
                        )
                    }
                ]
            )
        outcome = check_application(locked, at=now)
        if not outcome.is_eligible:
            raise SubmissionRefused([result.message for result in outcome.blocking_failures])
        snapshot = snapshot_freeze(application=locked, results=freeze(outcome), actor=actor, at=now)
        if locked.status == ApplicationStatus.CLARIFICATION_REQUESTED:
            # The resubmission answers the officer's open request for clarification.
            ClarificationRequest.objects.filter(
                application=locked, answered_at__isnull=True
            ).update(answered_at=now, answered_by=actor)
        transition(application=locked, to_status=ApplicationStatus.SUBMITTED, actor=actor, at=now)
        transaction.on_commit(lambda: send_acknowledgement(snapshot_id=snapshot.pk))
        transaction.on_commit(lambda: send_submission_notice(snapshot_id=snapshot.pk))
    application.refresh_from_db()
    return snapshot


def send_submission_notice(*, snapshot_id: int) -> int:
    """Tell the officers of the call's authority, each in their language, that a dossier
    was submitted (or submitted again after a clarification), with the link to it in their
    queue. Returns the number of messages sent."""
    from calls.choices import AuthorityRole
    from calls.models import AuthorityMember

    snapshot = Snapshot.objects.select_related("application__call").get(pk=snapshot_id)
    application = snapshot.application
    officers = AuthorityMember.objects.filter(
        authority_id=application.call.authority_id,
        role=AuthorityRole.OFFICER,
        is_active=True,
        user__is_active=True,
    ).select_related("user")
    sent = 0
    for member in officers:
        with translation.override(member.user.preferred_language):
            if snapshot.number == 1:
                subject = _("Nouveau dossier déposé : %(reference)s") % {
                    "reference": application.reference
                }
            else:
                subject = _("Dossier %(reference)s déposé à nouveau (version %(number)s)") % {
                    "reference": application.reference,
                    "number": snapshot.number,
                }
            body = render_to_string(
                "applications/email/submission_notice.txt",
                {
                    "application": application,
                    "call": application.call,
                    "snapshot": snapshot,
                    "submitted_at": formats.date_format(
                        timezone.localtime(snapshot.created_at), "DATETIME_FORMAT"
                    ),
                },
            )
        sent += send_mail(subject, body, None, [member.user.email])
    return sent


def send_acknowledgement(*, snapshot_id: int) -> int:
    """E-mail the acknowledgement of receipt of a submission to the lead organisation's
    members (each in their language) and to every partner's contact: the reference, the
    instant and the fingerprint. Returns the number of messages sent."""
    snapshot = Snapshot.objects.select_related("application__call").get(pk=snapshot_id)
    application = snapshot.application
    recipients: dict[str, str] = {}
    lead_members = Membership.objects.filter(
        organisation__partnerships__application=application,
        organisation__partnerships__role=PartnerRole.LEAD,
        is_active=True,
        user__is_active=True,
    ).select_related("user")
    for membership in lead_members:
        recipients[membership.user.email.lower()] = membership.user.preferred_language
    for email in application.partners.exclude(contact_email="").values_list(
        "contact_email", flat=True
    ):
        recipients.setdefault(email.lower(), settings.LANGUAGE_CODE)
    sent = 0
    for email, language in sorted(recipients.items()):
        with translation.override(language):
            context = {
                "application": application,
                "call": application.call,
                "snapshot": snapshot,
                "submitted_at": formats.date_format(
                    timezone.localtime(snapshot.created_at), "DATETIME_FORMAT"
                ),
            }
            subject = _("Accusé de réception de votre dossier %(reference)s") % {
                "reference": application.reference
            }
            body = render_to_string("applications/email/acknowledgement.txt", context)
        sent += send_mail(subject, body, None, [email])
    return sent


class ServiceRefused(Exception):
    """A write the actor may not make, or not now: the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _say_instant(instant: datetime) -> str:
    return formats.date_format(timezone.localtime(instant), "DATETIME_FORMAT")


def call_window_refusal(*, call: Call, now: datetime) -> str:
    """Why a dossier cannot be created in ``call`` at ``now`` (its dates), or "" when the
    call is open. Said by ``application_create`` and by the page before its form."""
    if not call.is_published or now < call.opens_at:
        return _(
            "L'appel %(reference)s ouvre le %(opens)s (heure de Paris) : un dossier ne "
            "peut pas encore y être créé."
        ) % {"reference": call.reference, "opens": _say_instant(call.opens_at)}
    if now >= call.closes_at:
        return _(
            "L'appel %(reference)s a été clos le %(closes)s (heure de Paris) : un dossier "
            "ne peut plus y être créé."
        ) % {"reference": call.reference, "closes": _say_instant(call.closes_at)}
    return ""


def application_create(
    *, call: Call, organisation, actor, now: datetime | None = None, **fields
) -> Application:
    """A new draft on ``call`` for ``organisation`` as lead partner, created by one of its
    members. A call that is not open refuses, with its dates."""
    now = now or timezone.now()
    if not Membership.objects.filter(
        user=actor, organisation=organisation, is_active=True
    ).exists():
        raise ServiceRefused(
            _("Seuls les membres de %(organisation)s peuvent créer un dossier en son nom.")
            % {"organisation": organisation}
        )
    refusal = call_window_refusal(call=call, now=now)
    if refusal:
        raise ServiceRefused(refusal)
    with transaction.atomic():
        application = Application.objects.create(
            call=call,
            reference=application_next_reference(call=call),
            created_by=actor,
            title=fields.pop("title", "") or _("Nouveau dossier"),
            **fields,
        )
        Partner.objects.create(
            application=application,
            organisation=organisation,
            role=PartnerRole.LEAD,
            number=1,
            contact_name=actor.get_full_name(),
            contact_email=actor.email,
        )
    return application


def application_withdraw(*, application: Application, actor, reason: str = "") -> None:
    """The lead withdraws its dossier, at any time until a decision is taken."""
    try:
        transition(
            application=application,
            to_status=ApplicationStatus.WITHDRAWN,
            actor=actor,
            comment=reason,
        )
    except TransitionError as error:
        raise ServiceRefused(error.message) from None


class SectionConflict(Exception):
    """The section was saved by someone else since the form was opened: the save is refused
    and nothing is written; the message names who saved it and when."""

    def __init__(self, *, key: str, version: int, updated_by, updated_at: datetime | None):
        self.key = key
        self.version = version
        self.updated_by = updated_by
        self.updated_at = updated_at
        who = (updated_by.get_full_name() or updated_by.email) if updated_by else _("quelqu'un")
        when = _say_instant(updated_at) if updated_at else ""
        self.message = _(
            "Cette section a été modifiée par %(who)s le %(when)s depuis que vous l'avez "
            "ouverte : vos saisies n'ont pas été enregistrées. Elles sont conservées ci-dessous ; "
            "comparez-les avec la version enregistrée avant de les enregistrer à nouveau."
        ) % {"who": who, "when": when}
        super().__init__(self.message)


def section_version(*, application: Application, key: str) -> int:
    """The current version of section ``key`` of ``application`` (0 when never saved)."""
    return (
        SectionVersion.objects.filter(application=application, key=key)
        .values_list("version", flat=True)
        .first()
        or 0
    )


def section_versions(*, application: Application, keys) -> dict[str, int]:
    """The current versions of several sections, in one query (0 for those never saved)."""
    found = dict(
        SectionVersion.objects.filter(application=application, key__in=list(keys)).values_list(
            "key", "version"
        )
    )
    return {key: found.get(key, 0) for key in keys}


# Version keys whose prefix is not the name of their section.
_KEY_PREFIX_SECTIONS = {"wp": "work_packages", "partner": "consortium"}


def _section_of_key(key: str) -> str:
    prefix = key.split("-", 1)[0]
    return _KEY_PREFIX_SECTIONS.get(prefix, prefix)


def section_save(
    *,
    application: Application,
    key: str,
    version: int,
    actor,
    write: Callable[[], object],
    now: datetime | None = None,
    section: str | None = None,
) -> int:
    """Save section ``key`` of a draft dossier with ``write``, if the section is still at
    ``version`` (the one the editor's form was built from); returns the new version. While
    a clarification is requested, only a section the request reopens is saved: ``section``
    names it (by default the key's prefix: ``budget-12`` is the budget section).

    The dossier's row is locked for the save, so a save never interleaves with a submission
    (which freezes the dossier under the same lock); the section's version is raised with a
    compare-and-set, and a version that moved meanwhile raises :class:`SectionConflict`
    before anything is written."""
    from .permissions import EDITABLE_STATUSES, REOPENED_STATUS, reopened_sections

    now = now or timezone.now()
    section = section or _section_of_key(key)
    with transaction.atomic():
        locked = Application.objects.select_for_update().only("status").get(pk=application.pk)
        if locked.status not in EDITABLE_STATUSES and not (
            locked.status == REOPENED_STATUS and section in reopened_sections(locked)
        ):
            if locked.status == REOPENED_STATUS:
                raise ServiceRefused(
                    _(
                        "La demande de compléments ne rouvre pas cette section : elle se lit, "
                        "elle ne se modifie pas."
                    )
                )
            raise ServiceRefused(
                _("Ce dossier est à l'état « %(status)s » : il ne peut plus être modifié.")
                % {"status": locked.get_status_display()}
            )
        at_version = SectionVersion.objects.filter(application=locked, key=key, version=version)
        bump = {"version": F("version") + 1, "updated_by": actor, "updated_at": now}
        updated = at_version.update(**bump)
        if not updated and SectionVersion.objects.get_or_create(application=locked, key=key)[1]:
            # The section's first save: its version row starts at 0.
            updated = at_version.update(**bump)
        if not updated:
            current = SectionVersion.objects.select_related("updated_by").get(
                application=locked, key=key
            )
            raise SectionConflict(
                key=key,
                version=current.version,
                updated_by=current.updated_by,
                updated_at=current.updated_at,
            )
        write()
        Application.objects.filter(pk=locked.pk).update(updated_at=now)
    return version + 1


def application_copy(*, application: Application, call: Call, actor) -> Application:
    """A new draft on ``call`` (open; the same call or another) copied from ``application``
    (in any state: a withdrawn or rejected dossier can be reused), with the same lead
    organisation, by one of its members. Copied: identification (title prefixed "Copie
    de"), context and objectives, dates, the priorities, target groups and measure that the
    target call offers, the lump sum when the target call offers that amount, work packages
    with their activities and deliverables, indicators, partners (organisations and
    contacts, not their commitment signatures), budget lines (on the copied partners and
    work packages) and co-financing. Not copied: attachments (files belong to one
    dossier), invitations, history and snapshots. One transaction; a constant number of
    queries whatever the size of the dossier."""
    from calls.choices import CostModel
    from calls.models import CallLumpSum

    from .models import Activity, BudgetLine, Cofinancing, Deliverable, Indicator, WorkPackage

    partners = list(application.partners.select_related("organisation").order_by("number"))
    lead = next((partner for partner in partners if partner.is_lead), None)
    if lead is None:
        raise ServiceRefused(_("Ce dossier n'a pas de chef de file : il ne peut pas être copié."))
    title = _("Copie de %(title)s") % {"title": application.title}
    with transaction.atomic():
        copy = application_create(
            call=call, organisation=lead.organisation, actor=actor, title=title[:255]
        )
        # Identification, context and dates; the measure and lump sum when the call has them.
        copy.acronym = application.acronym
        copy.summary = application.summary
        copy.context = application.context
        copy.objectives = application.objectives
        copy.cross_border_added_value = application.cross_border_added_value
        copy.start_date = application.start_date
        copy.end_date = application.end_date
        if application.measure_id and call.measures.filter(pk=application.measure_id).exists():
            copy.measure_id = application.measure_id
        if (
            application.lump_sum is not None
            and call.cost_model == CostModel.LUMP_SUM
            and CallLumpSum.objects.filter(call=call, amount=application.lump_sum).exists()
        ):
            copy.lump_sum = application.lump_sum
        copy.save()
        # Priorities and target groups offered by the target call.
        priorities = Application.priorities.through
        priorities.objects.bulk_create(
            priorities(application_id=copy.pk, priority_id=priority_id)
            for priority_id in application.priorities.filter(calls=call).values_list(
                "pk", flat=True
            )
        )
        groups = Application.target_groups.through
        groups.objects.bulk_create(
            groups(application_id=copy.pk, targetgroup_id=group_id)
            for group_id in application.target_groups.filter(calls=call).values_list(
                "pk", flat=True
            )
        )
        # Partners: the lead created above takes the original lead's number and contacts.
        new_lead = copy.partners.get()
        new_lead.number = lead.number
        new_lead.contact_name = lead.contact_name
        new_lead.contact_email = lead.contact_email
        new_lead.contact_phone = lead.contact_phone
        new_lead.save(update_fields=["number", "contact_name", "contact_email", "contact_phone"])
        others = [partner for partner in partners if not partner.is_lead]
        copies = Partner.objects.bulk_create(
            Partner(
                application=copy,
                organisation_id=partner.organisation_id,
                role=partner.role,
                number=partner.number,
                contact_name=partner.contact_name,
                contact_email=partner.contact_email,
                contact_phone=partner.contact_phone,
            )
            for partner in others
        )
        partner_map = {lead.pk: new_lead.pk}
        partner_map.update({old.pk: new.pk for old, new in zip(others, copies, strict=True)})
        # Work packages, then their activities and deliverables.
        packages = list(application.work_packages.order_by("number"))
        package_copies = WorkPackage.objects.bulk_create(
            WorkPackage(
                application=copy,
                number=package.number,
                title=package.title,
                description=package.description,
                lead_partner_id=partner_map.get(package.lead_partner_id),
                start_month=package.start_month,
                end_month=package.end_month,
            )
            for package in packages
        )
        package_map = {old.pk: new.pk for old, new in zip(packages, package_copies, strict=True)}
        Activity.objects.bulk_create(
            Activity(
                work_package_id=package_map[activity.work_package_id],
                position=activity.position,
                title=activity.title,
                description=activity.description,
                start_month=activity.start_month,
                end_month=activity.end_month,
            )
            for activity in Activity.objects.filter(work_package__application=application)
        )
        Deliverable.objects.bulk_create(
            Deliverable(
                work_package_id=package_map[deliverable.work_package_id],
                position=deliverable.position,
                title=deliverable.title,
                description=deliverable.description,
                due_month=deliverable.due_month,
            )
            for deliverable in Deliverable.objects.filter(work_package__application=application)
        )
        Indicator.objects.bulk_create(
            Indicator(
                application=copy,
                code=indicator.code,
                name=indicator.name,
                kind=indicator.kind,
                unit=indicator.unit,
                target_value=indicator.target_value,
            )
            for indicator in application.indicators.all()
        )
        # Each partner's budget lines and co-financing plan, on the copied rows.
        BudgetLine.objects.bulk_create(
            BudgetLine(
                partner_id=partner_map[line.partner_id],
                work_package_id=package_map.get(line.work_package_id),
                cost_category=line.cost_category,
                year=line.year,
                description=line.description,
                amount=line.amount,
            )
            for line in BudgetLine.objects.filter(partner__application=application)
        )
        Cofinancing.objects.bulk_create(
            Cofinancing(
                partner_id=partner_map[resource.partner_id],
                source=resource.source,
                funder=resource.funder,
                amount=resource.amount,
                is_secured=resource.is_secured,
            )
            for resource in Cofinancing.objects.filter(partner__application=application)
        )
    return copy
