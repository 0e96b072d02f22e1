"""The pages of a funded project's progress reports, for its partners and for the officers of
the call's authority.

- ``projets/<ref>/rapports/``: the calendar of the reports (period, due date, state, late
  or not on the server's clock), and for the lead's members the button that opens the
  report of a period;
- ``projets/<ref>/rapports/<n>/``: one report read in full (date and overall progress,
  work packages, indicators against their targets, expenditure per partner and cost
  category against the budget with the consumption rates, the history of its states), with
  the submission for the lead's members, and acceptance or the request for changes for the
  officers;
- one page per section to fill in: the general part, the work packages, the indicators (the
  lead's members), and each partner's expenditure (that partner's members).

Each page parses the input, calls one service of ``reporting.services`` and renders. Who
may do what comes from ``reporting.permissions``: a project or report one may not see is a
404; one who reads it but may not act gets the page read-only and 403 on a POST. A refusal
is 422 (invalid entries, each message beside its field, nothing saved) or 409 (someone else
acted first). Every page works without JavaScript (post, then redirect).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View

from ..attachments import can_join, can_remove
from ..choices import ReportStatus
from ..forms import (
    AcceptForm,
    ChangesForm,
    ExpenditureFormSet,
    GeneralForm,
    IndicatorsForm,
    SubmitForm,
    WorkPackagesForm,
    disable,
)
from ..permissions import ReportAccess, project_access, report_access_by_number
from ..selectors import (
    project_calendar,
    report_financials,
    report_indicators,
    report_work_packages,
)
from ..services import (
    ReportRefused,
    expenditure_categories,
    report_accept,
    report_open,
    report_request_changes,
    report_save_expenditure,
    report_save_general,
    report_save_indicators,
    report_save_work_packages,
    report_submit,
    submission_problems,
)

STATUS_FORBIDDEN = 403
STATUS_CONFLICT = 409
STATUS_INVALID = 422


def _status(refused: ReportRefused) -> int:
    return STATUS_CONFLICT if refused.conflict else STATUS_INVALID


def _report_url(report) -> str:
    return reverse("reporting:report_detail", args=[report.application.reference, report.number])


# --- the calendar -----------------------------------------------------------------------


def _calendar_page(request, access, *, refusal: str = "", status: int = 200):
    application = access.application
    today = timezone.localdate()
    rows = project_calendar(application, today=today)
    # The officers see a report once submitted: a draft is "not submitted" for them.
    hide_drafts = not access.is_member
    return render(
        request,
        "reporting/report_list.html",
        {
            "access": access,
            "application": application,
            "call": application.call,
            "rows": rows,
            "today": today,
            "hide_drafts": hide_drafts,
            "interval": application.call.programme.report_interval_months,
            "refusal": refusal,
        },
        status=status,
    )


@login_required
def report_list(request, reference):
    """``projets/<ref>/rapports/``: the calendar of the project's reports."""
    access = project_access(request.user, reference)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return _calendar_page(request, access)


@login_required
def open_report(request, reference, number):
    """``projets/<ref>/rapports/<n>/ouvrir/`` (POST): the lead opens the report of period
    ``n``, then lands on it."""
    access = project_access(request.user, reference)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not access.is_lead_member:
        return _calendar_page(
            request,
            access,
            refusal=_("Seuls les membres du chef de file ouvrent les rapports d'avancement."),
            status=STATUS_FORBIDDEN,
        )
    try:
        report = report_open(
            application=access.application, period_number=number, actor=request.user
        )
    except ReportRefused as refused:
        return _calendar_page(request, access, refusal=refused.message, status=_status(refused))
    messages.success(
        request,
        _(
            "Le rapport d'avancement n° %(number)s est ouvert : renseignez ses sections, puis "
            "remettez-le."
        )
        % {"number": report.number},
    )
    return HttpResponseRedirect(_report_url(report))


# --- one report -------------------------------------------------------------------------


def _layout(access: ReportAccess) -> dict:
    report = access.report
    return {
        "access": access,
        "report": report,
        "application": access.application,
        "call": access.application.call,
        "is_late": report.status == ReportStatus.DRAFT and report.due_date < timezone.localdate(),
    }


def _detail_page(
    request,
    access: ReportAccess,
    *,
    submit_form=None,
    accept_form=None,
    changes_form=None,
    refusal: str = "",
    problems=(),
    status: int = 200,
):
    report = access.report
    financials = report_financials(report)
    mine = {partner.pk for partner in access.my_partners}
    changes = list(report.status_changes.select_related("actor").order_by("created_at", "pk"))
    seen = {"from_status": report.status}
    context = {
        **_layout(access),
        "work_packages": report_work_packages(report),
        "indicators": report_indicators(report),
        "financials": financials,
        "editable_partner_ids": mine if access.can_edit_any_expenditure else set(),
        "status_changes": changes,
        "last_change": changes[-1] if changes else None,
        "attachments": [
            {"file": attachment, "removable": can_remove(access, attachment)}
            for attachment in report.attachments.select_related("uploaded_by")
        ],
        "can_join": can_join(access),
        "refusal": refusal,
    }
    if access.can_submit:
        context["problems"] = list(problems) or submission_problems(report)
        context["submit_form"] = submit_form or SubmitForm(initial=seen)
    if access.can_review:
        context["accept_form"] = accept_form or AcceptForm(prefix="accept", initial=seen)
        context["changes_form"] = changes_form or ChangesForm(prefix="changes", initial=seen)
    return render(request, "reporting/report_detail.html", context, status=status)


@login_required
def report_detail(request, reference, number):
    """``projets/<ref>/rapports/<n>/``: the report in full, its history, and the actions
    the user may take on it."""
    access = report_access_by_number(request.user, reference, number)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return _detail_page(request, access)


@login_required
def submit_report(request, reference, number):
    """``projets/<ref>/rapports/<n>/remettre/`` (POST): the lead hands the report in."""
    access = report_access_by_number(request.user, reference, number)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not access.is_lead_member:
        return _detail_page(
            request,
            access,
            refusal=_("Seuls les membres du chef de file remettent le rapport."),
            status=STATUS_FORBIDDEN,
        )
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, access, submit_form=form, status=STATUS_INVALID)
    try:
        report_submit(
            report=access.report,
            actor=request.user,
            from_status=form.cleaned_data["from_status"],
        )
    except ReportRefused as refused:
        access.report.refresh_from_db()
        return _detail_page(
            request,
            access,
            submit_form=form if access.can_submit else None,
            refusal=refused.message,
            problems=refused.errors.get("__all__", ()),
            status=_status(refused),
        )
    messages.success(
        request,
        _(
            "Le rapport d'avancement n° %(number)s est remis au service instructeur, qui en est "
            "prévenu par e-mail."
        )
        % {"number": access.report.number},
    )
    return HttpResponseRedirect(_report_url(access.report))


def _review_action(request, reference, number, *, accept: bool):
    access = report_access_by_number(request.user, reference, number)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not access.is_officer:
        return _detail_page(
            request,
            access,
            refusal=_(
                "Seuls les agents de l'autorité qui gère l'appel acceptent un rapport ou "
                "demandent des modifications."
            ),
            status=STATUS_FORBIDDEN,
        )
    if accept:
        form = AcceptForm(request.POST, prefix="accept")
        forms = {"accept_form": form}
    else:
        form = ChangesForm(request.POST, prefix="changes")
        forms = {"changes_form": form}
    if not form.is_valid():
        return _detail_page(request, access, **forms, status=STATUS_INVALID)
    service = report_accept if accept else report_request_changes
    try:
        service(
            report=access.report,
            actor=request.user,
            comment=form.cleaned_data["comment"],
            from_status=form.cleaned_data["from_status"],
        )
    except ReportRefused as refused:
        if refused.conflict:
            access.report.refresh_from_db()
            forms = {}
        elif hasattr(form, "add_service_errors"):
            form.add_service_errors(refused.errors)
        return _detail_page(
            request, access, **forms, refusal=refused.message, status=_status(refused)
        )
    if accept:
        message = _(
            "Le rapport n° %(number)s est accepté ; le chef de file est prévenu par e-mail."
        )
    else:
        message = _(
            "Le rapport n° %(number)s est renvoyé au chef de file avec les modifications "
            "demandées ; il est prévenu par e-mail."
        )
    messages.success(request, message % {"number": access.report.number})
    return HttpResponseRedirect(_report_url(access.report))


@login_required
def accept_report(request, reference, number):
    """``projets/<ref>/rapports/<n>/accepter/`` (POST): an officer accepts the report."""
    return _review_action(request, reference, number, accept=True)


@login_required
def request_changes(request, reference, number):
    """``projets/<ref>/rapports/<n>/modifications/`` (POST): an officer sends the report
    back to the lead with the changes asked (required)."""
    return _review_action(request, reference, number, accept=False)


# --- the sections -----------------------------------------------------------------------


class ReportSectionView(LoginRequiredMixin, View):
    """A page with one form of a report's section: read-only for those who read the
    report without editing it (403 on a POST), saved through one service otherwise.

    Subclasses set ``template_name`` and ``title``, and implement ``build_form(data)`` and
    ``save(form)``; ``can_edit()`` and ``read_only_reason()`` say who edits."""

    template_name = ""
    title = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.access = report_access_by_number(request.user, kwargs["reference"], kwargs["number"])
        self.report = self.access.report
        return super().dispatch(request, *args, **kwargs)

    def can_edit(self) -> bool:
        return self.access.can_edit_report

    def read_only_reason(self) -> str:
        if not self.access.is_editable:
            return _(
                "Ce rapport est à l'état « %(status)s » : il se lit, il ne se modifie plus."
            ) % {"status": self.report.get_status_display()}
        return _("Cette section est remplie par les membres du chef de file : vous pouvez la lire.")

    def build_form(self, data=None):
        raise NotImplementedError

    def save(self, form) -> None:
        raise NotImplementedError

    def extra_context(self) -> dict:
        return {}

    def render_page(self, form, *, refusal: str = "", status: int = 200):
        editable = self.can_edit()
        if not editable:
            disable(form)
        context = {
            **_layout(self.access),
            "form": form,
            "editable": editable,
            "read_only_reason": "" if editable else self.read_only_reason(),
            "title": self.title,
            "refusal": refusal,
            **self.extra_context(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_page(self.build_form())

    def post(self, request, *args, **kwargs):
        if not self.can_edit():
            return self.render_page(
                self.build_form(), refusal=self.read_only_reason(), status=STATUS_FORBIDDEN
            )
        form = self.build_form(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=STATUS_INVALID)
        try:
            self.save(form)
        except ReportRefused as refused:
            if refused.conflict:
                self.report.refresh_from_db()
                return self.render_page(
                    self.build_form(), refusal=refused.message, status=STATUS_CONFLICT
                )
            form.add_service_errors(refused.errors)
            # The errors are said beside their fields and in the form's summary.
            refusal = "" if refused.errors else refused.message
            return self.render_page(form, refusal=refusal, status=STATUS_INVALID)
        messages.success(
            request,
            _("%(section)s : enregistré à %(time)s.")
            % {"section": self.title, "time": timezone.localtime().strftime("%H:%M")},
        )
        return HttpResponseRedirect(self.success_url())

    def success_url(self) -> str:
        return _report_url(self.report)


class GeneralView(ReportSectionView):
    """``projets/<ref>/rapports/<n>/avancement/``: date, overall progress, results,
    added value."""

    template_name = "reporting/report_general.html"

    @property
    def title(self):
        return _("Date et état d'avancement")

    def build_form(self, data=None):
        report = self.report
        return GeneralForm(
            data,
            initial={
                "report_date": report.report_date,
                "overall_progress": report.overall_progress,
                "results": report.results,
                "added_value": report.added_value,
            },
        )

    def save(self, form) -> None:
        report_save_general(report=self.report, actor=self.request.user, **form.cleaned_data)


class WorkPackagesView(ReportSectionView):
    """``projets/<ref>/rapports/<n>/modules/``: each work package's state and narrative."""

    template_name = "reporting/report_work_packages.html"

    @property
    def title(self):
        return _("Avancement des modules")

    def build_form(self, data=None):
        return WorkPackagesForm(data, lines=report_work_packages(self.report))

    def save(self, form) -> None:
        report_save_work_packages(
            report=self.report, actor=self.request.user, entries=form.entries()
        )


class IndicatorsView(ReportSectionView):
    """``projets/<ref>/rapports/<n>/indicateurs/``: the value each indicator reached."""

    template_name = "reporting/report_indicators.html"

    @property
    def title(self):
        return _("Indicateurs")

    def build_form(self, data=None):
        return IndicatorsForm(data, lines=report_indicators(self.report))

    def save(self, form) -> None:
        report_save_indicators(report=self.report, actor=self.request.user, entries=form.entries())


class ExpenditureView(ReportSectionView):
    """``projets/<ref>/rapports/<n>/depenses/<partner>/``: one partner's expenditure lines,
    filled by that partner's members, with its budget and consumption per category."""

    template_name = "reporting/report_expenditure.html"

    @cached_property
    def partner(self):
        return self.access.partner_by_number(self.kwargs["partner"])

    @property
    def title(self):
        return _("Dépenses de %(organisation)s") % {"organisation": self.partner.organisation}

    def can_edit(self) -> bool:
        return self.access.can_edit_expenditure(self.partner)

    def read_only_reason(self) -> str:
        if not self.access.is_editable:
            return super().read_only_reason()
        return _(
            "Ces dépenses sont déclarées par les membres de %(organisation)s : vous pouvez les "
            "lire."
        ) % {"organisation": self.partner.organisation}

    def build_form(self, data=None):
        initial = [
            {
                "cost_category": row.cost_category,
                "description": row.description,
                "amount": row.amount,
            }
            for row in self.report.expenditures.filter(partner=self.partner).order_by(
                "cost_category", "pk"
            )
        ]
        formset = ExpenditureFormSet(
            data,
            initial=initial,
            prefix="expenditure",
            categories=expenditure_categories(self.access.application),
        )
        if not self.can_edit():
            formset.extra = 0
        return formset

    def success_url(self) -> str:
        # Back to the same lines, with a blank one to add another.
        return self.request.path

    def save(self, form) -> None:
        report_save_expenditure(
            report=self.report,
            partner=self.partner,
            actor=self.request.user,
            entries=form.entries(),
        )

    def extra_context(self) -> dict:
        financials = report_financials(self.report)
        return {
            "partner": self.partner,
            "partner_financials": financials.partner(self.partner.pk),
        }


general = GeneralView.as_view()
work_packages = WorkPackagesView.as_view()
indicators = IndicatorsView.as_view()
expenditure = ExpenditureView.as_view()
