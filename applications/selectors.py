"""Reads on applications that must stay efficient: totals are computed from the lines, never
stored beside them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from calls.eligibility import check_applications
from calls.models import Call, CallStatus
from partners.choices import InvitationStatus, MembershipRole, PartnerRole
from partners.models import ColleagueInvitation, Invitation, Membership, Partner
from partners.permissions import organisations_of

from .choices import ApplicationStatus, FundingSource
from .models import Application, BudgetLine, Cofinancing
from .permissions import applications_visible_to

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sum_per_partner(queryset) -> Coalesce:
    """The sum of ``amount`` over ``queryset``'s rows of the outer partner (0 when none), as
    a subquery: summing two reverse relations in one query's joins would multiply rows."""
    total = (
        queryset.filter(partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def eu_rate(eu_amount: Decimal, total: Decimal) -> Decimal | None:
    """The EU share of ``total`` in percent, to the hundredth; None when there is no cost."""
    if not total:
        return None
    return (eu_amount * 100 / total).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PartnerTotals:
    partner: Partner
    budget: Decimal
    resources: Decimal
    eu: Decimal

    @property
    def eu_rate(self) -> Decimal | None:
        return eu_rate(self.eu, self.budget)


@dataclass(frozen=True)
class BudgetOverview:
    """The dossier's budget and financing plan per partner and in total."""

    partners: list[PartnerTotals]

    @property
    def budget(self) -> Decimal:
        return sum((row.budget for row in self.partners), ZERO)

    @property
    def resources(self) -> Decimal:
        return sum((row.resources for row in self.partners), ZERO)

    @property
    def eu(self) -> Decimal:
        return sum((row.eu for row in self.partners), ZERO)

    @property
    def eu_rate(self) -> Decimal | None:
        return eu_rate(self.eu, self.budget)


def budget_overview(*, application: Application) -> BudgetOverview:
    """Budget, resources and EU share per partner of ``application``: one query."""
    partners = (
        Partner.objects.filter(application=application)
        .select_related("organisation")
        .annotate(
            budget_total=_sum_per_partner(BudgetLine.objects.all()),
            resources_total=_sum_per_partner(Cofinancing.objects.all()),
            eu_total=_sum_per_partner(Cofinancing.objects.filter(source=FundingSource.EU)),
        )
        .order_by("number")
    )
    return BudgetOverview(
        partners=[
            PartnerTotals(
                partner=partner,
                budget=partner.budget_total,
                resources=partner.resources_total,
                eu=partner.eu_total,
            )
            for partner in partners
        ]
    )


# --- the applicant's dashboard -----------------------------------------------------------

DEADLINE_HORIZON_DAYS = 30


@dataclass
class DashboardDeadline:
    """A call closing soon, or the call of one of the user's drafts, with those drafts."""

    call: Call
    drafts: list[Application]


@dataclass
class Dashboard:
    """What the applicant's dashboard shows, read at one instant."""

    now: datetime
    organisations: list
    pending_memberships: list[Membership]
    drafts: list[Application]
    submitted: list[Application]
    invitations: list[Invitation]
    colleague_invitations: list[ColleagueInvitation]
    deadlines: list[DashboardDeadline]

    @property
    def has_organisation(self) -> bool:
        return bool(self.organisations)


def _lead_name(application_field: str) -> Subquery:
    """The legal name of the lead organisation of the outer row's dossier."""
    return Subquery(
        Partner.objects.filter(
            application=OuterRef(application_field), role=PartnerRole.LEAD
        ).values("organisation__legal_name")[:1]
    )


def dashboard_for(user, *, when: datetime | None = None) -> Dashboard:
    """The applicant's dashboard. A constant number of queries, whatever the number of
    organisations, dossiers, partners and invitations:

    1. the user's organisations with their role;
    2. their requests to join an organisation, still waiting;
    3. the dossiers they see, with their call, programme, fund and lead organisation's name;
    4. the eligibility checklist of their drafts (the engine's batch: a constant number);
    5. the partner invitations waiting for their e-mail address;
    6. the colleague invitations waiting for their e-mail address;
    7. the open calls closing in the next 30 days.
    """
    now = when or timezone.now()
    role_labels = dict(MembershipRole.choices)
    organisations = list(organisations_of(user).order_by("legal_name"))
    for organisation in organisations:
        organisation.viewer_role_label = role_labels.get(organisation.viewer_role, "")
    pending_memberships = list(
        Membership.objects.filter(user=user, is_active=False)
        .select_related("organisation")
        .order_by("organisation__legal_name")
    )

    visible = applications_visible_to(user)
    applications = list(
        visible.select_related("call__programme__fund")
        .annotate(lead_name=_lead_name("pk"))
        .order_by("call__closes_at", "reference")
    )
    drafts = [a for a in applications if a.status == ApplicationStatus.DRAFT]
    submitted = sorted(
        (a for a in applications if a.status != ApplicationStatus.DRAFT),
        key=lambda a: a.submitted_at or a.created_at,
        reverse=True,
    )
    if drafts:
        outcomes = {
            outcome.application_id: outcome
            for outcome in check_applications(
                visible.filter(status=ApplicationStatus.DRAFT), at=now
            )
        }
        for draft in drafts:
            draft.outcome = outcomes.get(draft.pk)

    invitations = list(
        Invitation.objects.filter(
            email__iexact=user.email, status=InvitationStatus.PENDING, expires_at__gt=now
        )
        .select_related("application__call", "invited_by")
        .annotate(lead_name=_lead_name("application_id"))
        .order_by("expires_at")
    )
    colleague_invitations = list(
        ColleagueInvitation.objects.filter(
            email__iexact=user.email, accepted_at__isnull=True, expires_at__gt=now
        )
        .select_related("organisation", "invited_by")
        .order_by("expires_at")
    )

    closing = {
        call.pk: call
        for call in Call.objects.open_at(now)
        .filter(closes_at__lte=now + timedelta(days=DEADLINE_HORIZON_DAYS))
        .select_related("programme__fund")
    }
    drafts_by_call: dict[int, list] = {}
    for draft in drafts:
        drafts_by_call.setdefault(draft.call_id, []).append(draft)
        if draft.call.status_at(now) == CallStatus.OPEN:
            closing.setdefault(draft.call_id, draft.call)
    deadlines = [
        DashboardDeadline(call=call, drafts=drafts_by_call.get(call.pk, []))
        for call in sorted(closing.values(), key=lambda c: (c.closes_at, c.reference))
    ]
    return Dashboard(
        now=now,
        organisations=organisations,
        pending_memberships=pending_memberships,
        drafts=drafts,
        submitted=submitted,
        invitations=invitations,
        colleague_invitations=colleague_invitations,
        deadlines=deadlines,
    )
