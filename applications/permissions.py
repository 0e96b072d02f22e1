"""Who may see and edit what of a dossier: decided here, and only here.

A dossier is seen by the active members of its partner organisations (the lead and every
partner); for anyone else its pages and files do not exist (404), so that the answer never
confirms that it exists. Among those who see it:

- the lead's members edit the shared sections (identification, context, priorities, work
  packages, indicators, the dossier's own attachments), invite and remove partners and
  change the lead;
- each partner's members edit only their own partner's parts (identity and contact, budget
  lines, co-financing plan, commitment letter, their own attachments) and read the rest;
- nobody edits a dossier once it has left the draft state, except while an officer's
  request for clarification is open: then only the sections it reopens are editable, by
  those who could edit them on a draft.

Officers of the call's authority do not see the applicant's pages; they read the dossier on
the authorities' side (``review``) and may download its files
(:func:`can_download_as_officer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from partners.models import Membership, Partner

from .choices import ApplicationStatus
from .models import Application, ClarificationRequest

EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT})
# The state in which the sections named by the open clarification request are editable.
REOPENED_STATUS = ApplicationStatus.CLARIFICATION_REQUESTED


def open_clarification(application: Application) -> ClarificationRequest | None:
    """The officer's request for clarification waiting for the applicant's answer (the
    latest unanswered one), when the dossier is in the state that reopens sections. One
    query, none in any other state."""
    if application.status != REOPENED_STATUS:
        return None
    return (
        ClarificationRequest.objects.filter(application=application, answered_at__isnull=True)
        .select_related("asked_by")
        .order_by("-asked_at", "-pk")
        .first()
    )


def reopened_sections(application: Application) -> frozenset[str]:
    """The sections the open clarification request reopens (empty outside that state)."""
    request = open_clarification(application)
    return frozenset(request.sections) if request else frozenset()


def can_download_as_officer(user, application: Application) -> bool:
    """An active officer of the authority running the dossier's call may download the
    files of a dossier that has been submitted (never of a draft)."""
    from calls.choices import AuthorityRole
    from calls.models import AuthorityMember

    return (
        user.is_authenticated
        and application.status != ApplicationStatus.DRAFT
        and AuthorityMember.objects.filter(
            user=user,
            authority_id=application.call.authority_id,
            role=AuthorityRole.OFFICER,
            is_active=True,
        ).exists()
    )


def _member_of_partner(user):
    return Exists(
        Membership.objects.filter(
            user=user, is_active=True, organisation=OuterRef("organisation_id")
        )
    )


def applications_visible_to(user) -> QuerySet[Application]:
    """The dossiers ``user`` may read: those where one of their organisations is a partner
    (lead or not)."""
    if not user.is_authenticated:
        return Application.objects.none()
    return Application.objects.filter(
        Exists(
            Partner.objects.filter(application=OuterRef("pk")).filter(
                Exists(
                    Membership.objects.filter(
                        user=user, is_active=True, organisation=OuterRef("organisation_id")
                    )
                )
            )
        )
    )


@dataclass
class DossierAccess:
    """What ``user`` may do with ``application``, computed once per request from the
    dossier and its partners (each annotated with whether the user is one of its members)."""

    application: Application
    user: object
    partners: list[Partner] = field(default_factory=list)
    # The open clarification request and the sections it reopens (only in that state).
    clarification: ClarificationRequest | None = None
    reopened: frozenset[str] = frozenset()
    # The section of the page being served (set by the dossier pages' base class): in the
    # clarification state, only a reopened section is editable.
    section: str | None = None

    @property
    def lead(self) -> Partner | None:
        return next((p for p in self.partners if p.is_lead), None)

    @property
    def my_partners(self) -> list[Partner]:
        return [p for p in self.partners if p.viewer_is_member]

    @property
    def is_lead_member(self) -> bool:
        lead = self.lead
        return bool(lead and lead.viewer_is_member)

    @property
    def is_editable(self) -> bool:
        """Whether the current section of the dossier can be changed at all: on a draft, or
        while a clarification is requested when the section is one it reopens."""
        status = self.application.status
        if status in EDITABLE_STATUSES:
            return True
        return (
            status == REOPENED_STATUS
            and self.section is not None
            and self.is_reopened(self.section)
        )

    def is_reopened(self, section: str) -> bool:
        return section in self.reopened

    @property
    def can_edit_shared(self) -> bool:
        """The sections common to the consortium: the lead's members, when editable."""
        return self.is_editable and self.is_lead_member

    def can_edit_partner(self, partner: Partner) -> bool:
        """A partner's own parts: that partner's members only, when editable."""
        return self.is_editable and any(p.pk == partner.pk for p in self.my_partners)

    @property
    def can_manage_consortium(self) -> bool:
        """Invite and remove partners, change the lead: the lead's members, on a draft only
        (a clarification may reopen the partners' contacts, never the composition)."""
        return self.can_edit_shared and self.application.status in EDITABLE_STATUSES

    @property
    def can_submit(self) -> bool:
        return self.is_lead_member and self.application.status in (
            ApplicationStatus.DRAFT,
            ApplicationStatus.CLARIFICATION_REQUESTED,
        )

    def partner_by_number(self, number: int) -> Partner:
        """The dossier's partner ``number``, or a 404."""
        for partner in self.partners:
            if partner.number == number:
                return partner
        raise Http404


def dossier_access(user, reference: str, *, section: str | None = None) -> DossierAccess:
    """The dossier ``reference`` with what ``user`` may do with it, or a 404 when the user
    may not see it. Two queries: the dossier with its call, the partners with their
    organisations; a third while a clarification is requested (the sections it reopens).
    ``section`` is the section about to be changed, if any."""
    application = get_object_or_404(
        applications_visible_to(user)
        .select_related("call__programme__fund", "call__authority", "measure")
        .prefetch_related(
            Prefetch(
                "partners",
                queryset=Partner.objects.select_related("organisation")
                .annotate(viewer_is_member=_member_of_partner(user))
                .order_by("number"),
            )
        ),
        reference=reference,
    )
    clarification = open_clarification(application)
    return DossierAccess(
        application=application,
        user=user,
        partners=list(application.partners.all()),
        clarification=clarification,
        reopened=frozenset(clarification.sections) if clarification else frozenset(),
        section=section,
    )
