"""Who may see and do what with a project's progress reports: decided here, and only here.

A funded project (contracted, in progress or closed) and its reports are seen by:

- the active members of its partner organisations (``applications.permissions``): the
  lead's members open, fill and submit the reports; each partner's members read them and
  fill only their own partner's expenditure rows, while the report is a draft or changes
  are requested;
- the active officers of the authority running the call (``review.permissions``): they
  read every part of a report once it has been submitted (never a draft, as they never see
  a draft dossier), accept it or ask for changes.

For anyone else (another organisation, another authority, an assessor) the project and its
reports do not exist: a 404, never a 403 that would confirm they exist. The pages, the
services and the documents (the report's PDF) use these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from applications.choices import ApplicationStatus
from applications.models import Application
from applications.permissions import (
    DossierAccess,
    _member_of_partner,
    applications_visible_to,
)
from partners.choices import PartnerRole
from partners.models import Partner
from partners.permissions import is_member
from review.permissions import applications_for_officer

from .choices import ReportStatus
from .models import ProgressReport

# The states of a dossier that is a funded project: its report calendar is shown; reports
# are opened while it is in progress.
PROJECT_STATUSES = (
    ApplicationStatus.CONTRACTED,
    ApplicationStatus.IN_PROGRESS,
    ApplicationStatus.CLOSED,
)
OPENABLE_STATUS = ApplicationStatus.IN_PROGRESS
# The states in which a report is filled in (by the lead; each partner its expenditure).
EDITABLE_STATUSES = frozenset({ReportStatus.DRAFT, ReportStatus.CHANGES_REQUESTED})


def projects_visible_to(user) -> QuerySet[Application]:
    """The funded projects ``user`` may read the reports of: those of their organisations
    (lead or partner) and those of their authorities' calls."""
    if not user.is_authenticated:
        return Application.objects.none()
    return Application.objects.filter(status__in=PROJECT_STATUSES).filter(
        Q(pk__in=applications_visible_to(user).values("pk"))
        | Q(pk__in=applications_for_officer(user).values("pk"))
    )


def reports_visible_to(user) -> QuerySet[ProgressReport]:
    """The progress reports ``user`` may read: every report of their organisations'
    projects, and the reports of their authorities' projects that were submitted at least
    once (not a draft)."""
    if not user.is_authenticated:
        return ProgressReport.objects.none()
    return ProgressReport.objects.filter(
        Q(application__in=applications_visible_to(user).values("pk"))
        | (
            Q(application__in=applications_for_officer(user).values("pk"))
            & ~Q(status=ReportStatus.DRAFT)
        )
    )


def _partners(user) -> QuerySet[Partner]:
    """Partners with their organisation, each annotated with whether ``user`` is one of its
    active members (as ``applications.permissions.dossier_access`` reads them)."""
    return (
        Partner.objects.select_related("organisation")
        .annotate(viewer_is_member=_member_of_partner(user))
        .order_by("number")
    )


def _officer_of(user, application_ref: str) -> Exists:
    return Exists(applications_for_officer(user).filter(pk=OuterRef(application_ref)))


@dataclass
class ProjectAccess:
    """What ``user`` may do with a funded project's reports, computed once per request
    from the project and its partners (each annotated with whether the user is one of its
    members). The consortium's roles are read through ``DossierAccess``."""

    application: Application
    user: object
    partners: list[Partner]
    is_officer: bool

    @cached_property
    def dossier(self) -> DossierAccess:
        return DossierAccess(application=self.application, user=self.user, partners=self.partners)

    @property
    def lead(self) -> Partner | None:
        return self.dossier.lead

    @property
    def my_partners(self) -> list[Partner]:
        return self.dossier.my_partners

    @property
    def is_lead_member(self) -> bool:
        return self.dossier.is_lead_member

    @property
    def is_member(self) -> bool:
        """A member of one of the project's partners (the lead included)."""
        return bool(self.my_partners)

    @property
    def can_open(self) -> bool:
        """Open the report of a period: the lead's members, while the project runs."""
        return self.is_lead_member and self.application.status == OPENABLE_STATUS

    def partner_by_number(self, number: int) -> Partner:
        return self.dossier.partner_by_number(number)


def project_access(user, reference: str) -> ProjectAccess:
    """The funded project ``reference`` with what ``user`` may do with its reports, or a
    404. Two queries: the project with its call and the user's officer flag, its partners
    with their organisations."""
    if not user.is_authenticated:
        raise Http404
    application = (
        projects_visible_to(user)
        .select_related("call__programme", "call__authority")
        .annotate(viewer_is_officer=_officer_of(user, "pk"))
        .prefetch_related(Prefetch("partners", queryset=_partners(user)))
        .filter(reference=reference)
        .first()
    )
    if application is None:
        raise Http404
    return ProjectAccess(
        application=application,
        user=user,
        partners=list(application.partners.all()),
        is_officer=application.viewer_is_officer,
    )


@dataclass
class ReportAccess:
    """What ``user`` may do with one progress report."""

    report: ProgressReport
    project: ProjectAccess

    @property
    def application(self) -> Application:
        return self.project.application

    @property
    def user(self):
        return self.project.user

    @property
    def partners(self) -> list[Partner]:
        return self.project.partners

    @property
    def my_partners(self) -> list[Partner]:
        return self.project.my_partners

    @property
    def is_lead_member(self) -> bool:
        return self.project.is_lead_member

    @property
    def is_member(self) -> bool:
        return self.project.is_member

    @property
    def is_officer(self) -> bool:
        return self.project.is_officer

    @property
    def is_editable(self) -> bool:
        """Whether the report can be changed at all: a draft, or changes requested."""
        return self.report.status in EDITABLE_STATUSES

    @property
    def can_edit_report(self) -> bool:
        """The report's own sections (date, progress, work packages, indicators): the
        lead's members, when editable."""
        return self.is_editable and self.is_lead_member

    def can_edit_expenditure(self, partner: Partner) -> bool:
        """A partner's expenditure rows: that partner's members only, when editable."""
        return self.is_editable and any(p.pk == partner.pk for p in self.my_partners)

    @property
    def can_edit_any_expenditure(self) -> bool:
        return self.is_editable and self.is_member

    @property
    def can_submit(self) -> bool:
        return self.is_lead_member and self.report.status in EDITABLE_STATUSES

    @property
    def can_review(self) -> bool:
        """Accept, or ask for changes: an officer of the call's authority, once submitted."""
        return self.is_officer and self.report.status == ReportStatus.SUBMITTED

    def partner_by_number(self, number: int) -> Partner:
        return self.project.partner_by_number(number)


def _report_access(user, reports: QuerySet[ProgressReport]) -> ReportAccess:
    report = (
        reports.select_related(
            "application__call__programme", "application__call__authority", "created_by"
        )
        .annotate(viewer_is_officer=_officer_of(user, "application_id"))
        .first()
    )
    if report is None:
        raise Http404
    application = report.application
    partners = list(_partners(user).filter(application=application))
    return ReportAccess(
        report=report,
        project=ProjectAccess(
            application=application,
            user=user,
            partners=partners,
            is_officer=report.viewer_is_officer,
        ),
    )


def report_access(user, report: ProgressReport | int) -> ReportAccess:
    """The report ``report`` (an instance or its pk) with what ``user`` may do with it, or
    a 404 when the user may not read it. Visibility is decided by
    :func:`reports_visible_to`, whatever the instance passed. Two queries."""
    if not user.is_authenticated:
        raise Http404
    pk = getattr(report, "pk", report)
    return _report_access(user, reports_visible_to(user).filter(pk=pk))


def report_access_by_number(user, reference: str, number: int) -> ReportAccess:
    """The report ``number`` of project ``reference`` for ``user``, or a 404 (the pages'
    addresses name reports this way). Two queries."""
    if not user.is_authenticated:
        raise Http404
    return _report_access(
        user, reports_visible_to(user).filter(application__reference=reference, number=number)
    )


def is_lead_member(user, application: Application) -> bool:
    """Whether ``user`` is an active member of ``application``'s lead organisation. One
    query."""
    if not user.is_authenticated:
        return False
    return (
        Partner.objects.filter(application=application, role=PartnerRole.LEAD)
        .filter(_member_of_partner(user))
        .exists()
    )


def is_partner_member(user, partner: Partner) -> bool:
    """Whether ``user`` is an active member of ``partner``'s organisation. One query."""
    return is_member(user, partner.organisation)
