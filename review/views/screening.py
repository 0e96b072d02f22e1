"""The eligibility screening of a dossier and the officer's requests for clarification.

``recevabilite/``: the officer opens the screening of a submitted dossier, confirms or
overrides the verdict frozen at submission of each rule of the call (an override needs a
justification; it stays marked, with who and when), then declares the dossier admissible or
ineligible with the reasons told to the applicant.

``complements/``: from a submitted dossier or one under screening, the officer names the
sections to reopen and writes the question.

Plain forms (POST, then a redirect). Invalid entries: the page again with the errors, HTTP
422, nothing saved. Another officer acted first (the state seen on the page is no longer the
dossier's), or a step not allowed from the current state: the page again with the message,
HTTP 409. For the officers of the call's authority only (404 for anyone else).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from applications.choices import ApplicationStatus
from applications.services import ServiceRefused
from applications.workflow import TransitionError
from review.permissions import officer_application_or_404

from ..forms_screening import ClarificationForm, ConclusionForm, RuleScreeningForm, StartForm
from ..screening import (
    ScreeningEntry,
    clarification_request,
    latest_snapshot,
    screening_conclude,
    screening_record,
    screening_rows,
    screening_start,
    section_labels,
)

STATUS_INVALID = 422
STATUS_CONFLICT = 409
CLARIFIABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBILITY_REVIEW)


def _as_seen(application, form) -> None:
    """Compare-and-set from the state the officer saw: if it is no longer the dossier's,
    the transition is refused as a conflict."""
    seen = form.cleaned_data.get("seen_status")
    if seen:
        application.status = seen


# --- screening -----------------------------------------------------------------------------


def _screening_page(
    request, application, *, rule_forms=None, conclusion=None, error="", status=200
):
    snapshot = latest_snapshot(application)
    rows = screening_rows(application, snapshot=snapshot)
    in_review = application.status == ApplicationStatus.ELIGIBILITY_REVIEW
    if rule_forms is None and in_review:
        rule_forms = [RuleScreeningForm(row=row) for row in rows]
    if conclusion is None and in_review:
        conclusion = ConclusionForm(initial={"seen_status": application.status})
    outcome_change = None
    if application.status in (ApplicationStatus.ADMISSIBLE, ApplicationStatus.INELIGIBLE):
        outcome_change = (
            application.status_changes.filter(to_status=application.status)
            .select_related("actor")
            .order_by("-created_at", "-pk")
            .first()
        )
    context = {
        "application": application,
        "call": application.call,
        "page_title": _("Recevabilité"),
        "snapshot": snapshot,
        "rows": rows,
        "rule_forms": rule_forms or [],
        "conclusion": conclusion,
        "start_form": StartForm(initial={"seen_status": application.status})
        if application.status == ApplicationStatus.SUBMITTED
        else None,
        "in_review": in_review,
        "outcome_change": outcome_change,
        "error": error,
        "unscreened": [row for row in rows if not row.is_screened],
        "blocking_failed": [row for row in rows if row.blocks_admissibility],
    }
    return render(request, "review/screening.html", context, status=status)


@login_required
def screening(request, reference):
    """``instruction/dossiers/<ref>/recevabilite/``."""
    application = officer_application_or_404(request.user, reference)
    if request.method != "POST":
        return _screening_page(request, application)
    action = request.POST.get("action")
    here = reverse("review:screening", args=[reference])
    if action == "start":
        form = StartForm(request.POST)
        if not form.is_valid():
            return _screening_page(
                request, application, error=_("Formulaire invalide."), status=STATUS_INVALID
            )
        _as_seen(application, form)
        try:
            screening_start(application=application, actor=request.user)
        except (TransitionError, ServiceRefused) as refused:
            return _refused(request, application, refused, _screening_page)
        messages.success(request, _("Le contrôle de recevabilité est ouvert."))
        return HttpResponseRedirect(here)
    if action == "record":
        rows = screening_rows(application, snapshot=latest_snapshot(application), fresh=False)
        forms = [RuleScreeningForm(request.POST, row=row) for row in rows]
        if not all(form.is_valid() for form in forms):
            return _screening_page(
                request,
                application,
                rule_forms=forms,
                error=_("Rien n'a été enregistré : corrigez les verdicts signalés ci-dessous."),
                status=STATUS_INVALID,
            )
        entries = [
            ScreeningEntry(
                rule_id=form.row.rule.pk,
                officer_verdict=form.cleaned_data["officer_verdict"],
                justification=form.cleaned_data.get("justification", ""),
            )
            for form in forms
        ]
        try:
            screening_record(application=application, entries=entries, actor=request.user)
        except ServiceRefused as refused:
            application.refresh_from_db()
            return _screening_page(
                request, application, rule_forms=forms, error=refused.message, status=STATUS_INVALID
            )
        messages.success(request, _("Les verdicts de l'agent sont enregistrés."))
        return HttpResponseRedirect(here)
    if action == "conclude":
        form = ConclusionForm(request.POST)
        if not form.is_valid():
            return _screening_page(
                request,
                application,
                conclusion=form,
                error=_("La recevabilité n'est pas conclue : corrigez les erreurs ci-dessous."),
                status=STATUS_INVALID,
            )
        _as_seen(application, form)
        try:
            screening_conclude(
                application=application,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data.get("reasons", ""),
                actor=request.user,
            )
        except TransitionError as refused:
            return _refused(request, application, refused, _screening_page)
        except ServiceRefused as refused:
            application.refresh_from_db()
            return _screening_page(
                request, application, conclusion=form, error=refused.message, status=STATUS_INVALID
            )
        outcome = ApplicationStatus(form.cleaned_data["outcome"]).label
        messages.success(
            request,
            _("Le dossier est déclaré « %(outcome)s ». Le porteur en est informé par e-mail.")
            % {"outcome": outcome},
        )
        return HttpResponseRedirect(reverse("review:dossier", args=[reference]))
    return _screening_page(request, application, error=_("Action inconnue."), status=STATUS_INVALID)


def _refused(request, application, refused, page):
    """A step refused by the workflow (another officer acted first, or not allowed from
    the current state): the page again, read afresh, with the message (409); a refusal
    of the service (422)."""
    application.refresh_from_db()
    status = STATUS_CONFLICT if isinstance(refused, TransitionError) else STATUS_INVALID
    return page(request, application, error=refused.message, status=status)


# --- clarification -------------------------------------------------------------------------


def _clarification_page(request, application, *, form=None, error="", status=200):
    can_ask = application.status in CLARIFIABLE
    if form is None and can_ask:
        form = ClarificationForm(initial={"seen_status": application.status})
    clarifications = list(
        application.clarifications.select_related("asked_by", "answered_by").order_by(
            "-asked_at", "-pk"
        )
    )
    for clarification in clarifications:
        clarification.section_labels = section_labels(clarification.sections)
    context = {
        "application": application,
        "call": application.call,
        "page_title": _("Demande de compléments"),
        "form": form if can_ask else None,
        "can_ask": can_ask,
        "clarifications": clarifications,
        "error": error,
    }
    return render(request, "review/clarification.html", context, status=status)


@login_required
def clarification(request, reference):
    """``instruction/dossiers/<ref>/complements/``."""
    application = officer_application_or_404(request.user, reference)
    if request.method != "POST":
        return _clarification_page(request, application)
    form = ClarificationForm(request.POST)
    if not form.is_valid():
        return _clarification_page(
            request,
            application,
            form=form,
            error=_("La demande n'est pas envoyée : corrigez les erreurs ci-dessous."),
            status=STATUS_INVALID,
        )
    _as_seen(application, form)
    try:
        clarification_request(
            application=application,
            sections=form.cleaned_data["sections"],
            question=form.cleaned_data["question"],
            actor=request.user,
        )
    except TransitionError as refused:
        return _refused(request, application, refused, _clarification_page)
    except ServiceRefused as refused:
        application.refresh_from_db()
        return _clarification_page(
            request, application, form=form, error=refused.message, status=STATUS_INVALID
        )
    messages.success(
        request,
        _(
            "La demande de compléments est envoyée aux membres du chef de file. Seules les "
            "sections rouvertes sont modifiables jusqu'au nouveau dépôt."
        ),
    )
    return HttpResponseRedirect(reverse("review:dossier", args=[reference]))
