"""Who may see and edit what of a dossier: decided here, and only here.

A dossier is seen by the active members of its partner organisations (the lead and every
partner); for anyone else its pages and files do not exist (404), so that the answer never
confirms that it exists. Among those who see it:

- the lead's members edit the shared sections (identification, context, priorities, work
  packages, indicators, the dossier's own attachments), invite and remove partners and
  change the lead;
- each partner's members edit only their own partner's parts (identity and contact, budget
  lines, co-financing plan, commitment letter, their own attachments) and read the rest;
- nobody edits a dossier once it has left the draft state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from partners.models import Membership, Partner

from .choices import ApplicationStatus
from .models import Application

EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT})


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
        """Whether the dossier is in a state where it can be changed at all."""
        return self.application.status in EDITABLE_STATUSES

    @property
    def can_edit_shared(self) -> bool:
        """The sections common to the consortium: the lead's members, on a draft."""
        return self.is_editable and self.is_lead_member

    def can_edit_partner(self, partner: Partner) -> bool:
        """A partner's own parts: that partner's members only, on a draft."""
        return self.is_editable and any(p.pk == partner.pk for p in self.my_partners)

    @property
    def can_manage_consortium(self) -> bool:
        """Invite and remove partners, change the lead: the lead's members, on a draft."""
        return self.can_edit_shared

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


def dossier_access(user, reference: str) -> DossierAccess:
    """The dossier ``reference`` with what ``user`` may do with it, or a 404 when the user
    may not see it. Two queries: the dossier with its call, the partners with their
    organisations."""
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
    return DossierAccess(
        application=application, user=user, partners=list(application.partners.all())
    )
