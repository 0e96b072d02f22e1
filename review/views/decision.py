"""Ranking, decision and contracting pages of the officers of the call's authority.

Each page parses the input, calls one service of ``review.decisions`` and renders. Another
authority's call or dossier is a 404; a refusal is 422 (invalid entries) or 409 (someone
else decided first: nothing is written, the page says so).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from applications.choices import ApplicationStatus as S
from applications.models import Decision

from .. import permissions
from ..assessment import ReviewRefused, call_ranking, consolidated_scores
from ..decisions import (
    DECIDABLE_STATUSES,
    application_contract,
    application_start,
    decision_record,
    decisions_record_ranking,
    report_periods,
    requested_amount,
)
from ..forms_assessment import ContractForm, DecisionForm, RankingForm

STATUS_CONFLICT = 409
STATUS_INVALID = 422


def _status(refused: ReviewRefused) -> int:
    return STATUS_CONFLICT if refused.conflict else STATUS_INVALID


# --- ranking ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ranking(request, reference):
    """``instruction/appels/<ref>/classement/``: the call's assessed dossiers ranked by
    consolidated score, with the recommendation and the spread; the committee's decisions
    for the whole ranking at once."""
    call = permissions.officer_call_or_404(request.user, reference)
    criteria = list(call.criteria.order_by("position", "id"))
    rows = call_ranking(call, criteria)
    form = RankingForm(rows=rows, initial={"decided_on": timezone.localdate()})
    refusal, status = "", 200
    if request.method == "POST":
        form = RankingForm(request.POST, rows=rows)
        if form.is_valid():
            try:
                decisions = decisions_record_ranking(
                    call=call,
                    decisions=form.decisions(),
                    committee=form.cleaned_data["committee"],
                    decided_on=form.cleaned_data["decided_on"],
                    reasons=form.cleaned_data["reasons"],
                    actor=request.user,
                )
            except ReviewRefused as refused:
                form.add_service_errors(refused.errors)
                refusal, status = refused.message, _status(refused)
            else:
                messages.success(
                    request,
                    _(
                        "%(count)s décision(s) enregistrée(s). Les demandeurs sont prévenus par "
                        "e-mail."
                    )
                    % {"count": len(decisions)},
                )
                return HttpResponseRedirect(reverse("review:ranking", args=[reference]))
        else:
            status = STATUS_INVALID
    table = [{"row": row, "fields": form.fields_of(row.application)} for row in rows]
    return render(
        request,
        "review/ranking.html",
        {
            "call": call,
            "criteria": criteria,
            "table": table,
            "form": form,
            "has_decidable": bool(form.decidable),
            "refusal": refusal,
        },
        status=status,
    )


# --- one dossier's decision -------------------------------------------------------------


def _decision_of(application) -> Decision | None:
    return Decision.objects.filter(application=application).select_related("decided_by").first()


@login_required
@require_http_methods(["GET", "POST"])
def decide(request, reference):
    """``instruction/dossiers/<ref>/decision/``: the consolidated scores, the amount
    requested, and the decision (outcome, amount, committee, date, reasons, conditions)."""
    application = permissions.officer_application_or_404(request.user, reference)
    can_decide = application.status in DECIDABLE_STATUSES
    form = DecisionForm(application=application, initial={"decided_on": timezone.localdate()})
    refusal, status = "", 200
    if request.method == "POST":
        form = DecisionForm(request.POST, application=application)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decision_record(
                    application=application,
                    outcome=data["outcome"],
                    amount_granted=data["amount_granted"],
                    committee=data["committee"],
                    decided_on=data["decided_on"],
                    reasons=data["reasons"],
                    conditions=data["conditions"],
                    actor=request.user,
                    from_status=data["from_status"] or None,
                )
            except ReviewRefused as refused:
                form.add_service_errors(refused.errors)
                refusal, status = refused.message, _status(refused)
                if refused.conflict:
                    application.refresh_from_db()
                    can_decide = application.status in DECIDABLE_STATUSES
            else:
                messages.success(
                    request,
                    _(
                        "La décision sur le dossier %(reference)s est enregistrée : "
                        "« %(outcome)s ». Le demandeur est prévenu par e-mail."
                    )
                    % {
                        "reference": application.reference,
                        "outcome": application.get_status_display(),
                    },
                )
                return HttpResponseRedirect(reverse("review:decide", args=[reference]))
        else:
            status = STATUS_INVALID
    return render(
        request,
        "review/decide.html",
        {
            "application": application,
            "call": application.call,
            "consolidation": consolidated_scores(application),
            "requested": requested_amount(application),
            "decision": _decision_of(application),
            "form": form,
            "can_decide": can_decide,
            "refusal": refusal,
        },
        status=status,
    )


# --- contracting ------------------------------------------------------------------------


CONTRACT_STATUSES = (S.SELECTED, S.CONTRACTED, S.IN_PROGRESS, S.CLOSED)


@login_required
@require_http_methods(["GET", "POST"])
def contract(request, reference):
    """``instruction/dossiers/<ref>/convention/``: a selected dossier's agreement (reference
    and date), then "Démarrer le projet"; the calendar of its progress reports."""
    application = permissions.officer_application_or_404(request.user, reference)
    form = ContractForm(initial={"from_status": application.status})
    refusal, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "start":
                application_start(
                    application=application,
                    actor=request.user,
                    from_status=request.POST.get("from_status") or None,
                )
                messages.success(
                    request,
                    _("Le projet %(reference)s est en cours de réalisation.")
                    % {"reference": application.reference},
                )
                return HttpResponseRedirect(reverse("review:contract", args=[reference]))
            form = ContractForm(request.POST)
            if form.is_valid():
                application_contract(
                    application=application,
                    contract_reference=form.cleaned_data["contract_reference"],
                    signed_on=form.cleaned_data["signed_on"],
                    actor=request.user,
                    from_status=form.cleaned_data["from_status"] or None,
                )
                messages.success(
                    request,
                    _("La convention %(contract)s du dossier %(reference)s est enregistrée.")
                    % {"contract": application.contract_reference, "reference": reference},
                )
                return HttpResponseRedirect(reverse("review:contract", args=[reference]))
            status = STATUS_INVALID
        except ReviewRefused as refused:
            form.add_service_errors(refused.errors)
            refusal, status = refused.message, _status(refused)
            application.refresh_from_db()
    interval = application.call.programme.report_interval_months
    periods = []
    if interval and application.start_date and application.end_date:
        periods = report_periods(application.start_date, application.end_date, interval)
    return render(
        request,
        "review/contract.html",
        {
            "application": application,
            "call": application.call,
            "decision": _decision_of(application),
            "form": form,
            "interval": interval,
            "periods": periods,
            "in_contract_phase": application.status in CONTRACT_STATUSES,
            "refusal": refusal,
        },
        status=status,
    )
