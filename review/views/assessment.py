"""Assessment pages: the officer assigns assessors to a dossier; an assessor lists their
assessments, declares no conflict of interest (or declines), then scores each criterion.

Each page parses the input, calls one service of ``review.assessment`` and renders. Another
authority's dossier, or an assessment not assigned to the visitor, is a 404; a refusal is
422 (invalid entries), 403 (not allowed now) or 409 (someone else acted first).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from applications.choices import AssessmentStatus as A
from applications.models import Assessment, Score, Snapshot
from applications.snapshot import dossier_as_data

from .. import permissions
from ..assessment import (
    ASSIGNABLE_STATUSES,
    ReviewRefused,
    assessment_assign,
    assessment_declare_no_conflict,
    assessment_decline,
    assessment_remove,
    assessment_save_scores,
    assessment_submit,
    visible_scores,
)
from ..forms_assessment import AssignForm, DeclareForm, DeclineForm, ScoresForm

STATUS_FORBIDDEN = 403
STATUS_CONFLICT = 409
STATUS_INVALID = 422


def _refusal_status(refused: ReviewRefused) -> int:
    return STATUS_CONFLICT if refused.conflict else STATUS_INVALID


# --- the officer assigns assessors ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assign(request, reference):
    """``instruction/dossiers/<ref>/evaluateurs/``: the dossier's assessors and their
    progress; the pool's other assessors to assign; removing an assignment not started."""
    application = permissions.officer_application_or_404(request.user, reference)
    assessments = list(
        application.assessments.select_related("assessor")
        .annotate(score_count=Count("scores"))
        .order_by("assigned_at", "pk")
    )
    assigned_ids = [assessment.assessor_id for assessment in assessments]
    pool = permissions.assessor_pool(application.call.authority).exclude(pk__in=assigned_ids)
    can_assign = application.status in ASSIGNABLE_STATUSES
    form = AssignForm(pool=pool)
    refusal, status = "", 200
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            return _remove(request, application, assessments)
        if not can_assign:
            refusal = _(
                "Ce dossier est à l'état « %(status)s » : des évaluateurs ne peuvent lui être "
                "attribués que lorsqu'il est recevable ou en évaluation."
            ) % {"status": application.get_status_display()}
            status = STATUS_CONFLICT
        else:
            form = AssignForm(request.POST, pool=pool)
            if form.is_valid():
                try:
                    created = assessment_assign(
                        application=application,
                        assessors=form.cleaned_data["assessors"],
                        actor=request.user,
                    )
                except ReviewRefused as refused:
                    refusal, status = refused.message, _refusal_status(refused)
                else:
                    messages.success(
                        request,
                        _("Évaluateurs désignés : %(names)s. Ils sont prévenus par e-mail.")
                        % {
                            "names": ", ".join(
                                a.assessor.get_full_name() or a.assessor.email for a in created
                            )
                        },
                    )
                    return HttpResponseRedirect(reverse("review:assign", args=[reference]))
            else:
                status = STATUS_INVALID
    return render(
        request,
        "review/assign.html",
        {
            "application": application,
            "call": application.call,
            "assessments": assessments,
            "form": form,
            "can_assign": can_assign,
            "refusal": refusal,
        },
        status=status,
    )


def _remove(request, application, assessments):
    try:
        pk = int(request.POST.get("assessment", ""))
    except ValueError:
        raise Http404 from None
    assessment = next((a for a in assessments if a.pk == pk), None)
    if assessment is None:
        raise Http404
    try:
        assessment_remove(assessment=assessment, actor=request.user)
    except ReviewRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("La désignation de %(name)s est retirée.")
            % {"name": assessment.assessor.get_full_name() or assessment.assessor.email},
        )
    return HttpResponseRedirect(reverse("review:assign", args=[application.reference]))


# --- the assessor's pages ---------------------------------------------------------------


def _assessment_or_404(user, pk: int) -> Assessment:
    return (
        permissions.assessments_of(user)
        .select_related("application__call__authority", "application__call__programme")
        .filter(pk=pk)
        .first()
    ) or _not_found()


def _not_found():
    raise Http404


@login_required
def my_assessments(request):
    """``evaluations/``: the dossiers assigned to the assessor, with the state of each."""
    if not permissions.is_assessor(request.user):
        raise Http404
    assessments = list(
        permissions.assessments_of(request.user)
        .select_related("application__call")
        .order_by("status", "-assigned_at", "pk")
    )
    return render(request, "review/my_assessments.html", {"assessments": assessments})


@login_required
@require_http_methods(["GET", "POST"])
def declare(request, pk):
    """``evaluations/<pk>/conflit/``: declare no conflict of interest, or decline with a
    reason (the officer is told)."""
    assessment = _assessment_or_404(request.user, pk)
    application = assessment.application
    declare_form, decline_form = DeclareForm(), DeclineForm()
    refusal, status = "", 200
    if (
        request.method == "GET"
        and assessment.no_conflict_declared_at
        and (assessment.status != A.DECLINED)
    ):
        return HttpResponseRedirect(reverse("review:assess", args=[pk]))
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decline":
                decline_form = DeclineForm(request.POST)
                if decline_form.is_valid():
                    assessment_decline(
                        assessment=assessment,
                        actor=request.user,
                        reason=decline_form.cleaned_data["reason"],
                    )
                    messages.success(
                        request,
                        _(
                            "Vous avez décliné l'évaluation du dossier %(reference)s. L'agent "
                            "instructeur en est informé."
                        )
                        % {"reference": application.reference},
                    )
                    return HttpResponseRedirect(reverse("review:my_assessments"))
                status = STATUS_INVALID
            else:
                declare_form = DeclareForm(request.POST)
                if declare_form.is_valid():
                    assessment_declare_no_conflict(assessment=assessment, actor=request.user)
                    return HttpResponseRedirect(reverse("review:assess", args=[pk]))
                status = STATUS_INVALID
        except ReviewRefused as refused:
            refusal, status = refused.message, _refusal_status(refused)
            assessment.refresh_from_db()
    return render(
        request,
        "review/assess_declare.html",
        {
            "assessment": assessment,
            "application": application,
            "declare_form": declare_form,
            "decline_form": decline_form,
            "refusal": refusal,
        },
        status=status,
    )


def dossier_summary(application) -> dict:
    """The compact summary an assessor reads: identification, partners and budget totals,
    from the latest snapshot (what was submitted); the live dossier when none."""
    snapshot = (
        Snapshot.objects.filter(application=application)
        .order_by("-number")
        .only("number", "data", "sha256", "created_at")
        .first()
    )
    data = snapshot.data if snapshot else dossier_as_data(application)
    partners = []
    total_budget = total_resources = total_eu = Decimal("0")
    for partner in data.get("partners", []):
        budget = sum((Decimal(line["amount"]) for line in partner.get("budget", [])), Decimal(0))
        resources = sum(
            (Decimal(item["amount"]) for item in partner.get("cofinancing", [])), Decimal(0)
        )
        eu = sum(
            (
                Decimal(item["amount"])
                for item in partner.get("cofinancing", [])
                if item.get("source") == "eu"
            ),
            Decimal(0),
        )
        total_budget += budget
        total_resources += resources
        total_eu += eu
        organisation = partner.get("organisation", {})
        partners.append(
            {
                "number": partner.get("number"),
                "is_lead": partner.get("role") == "lead",
                "name": organisation.get("legal_name", ""),
                "country": organisation.get("country", ""),
                "city": organisation.get("city", ""),
                "budget": budget,
                "eu": eu,
            }
        )
    return {
        "snapshot": snapshot,
        "data": data,
        "partners": partners,
        "budget": total_budget,
        "resources": total_resources,
        "eu": total_eu,
        "lump_sum": Decimal(data["lump_sum"]) if data.get("lump_sum") else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def assess(request, pk):
    """``evaluations/<pk>/``: after the declaration, the dossier as submitted and one score
    and comment per criterion; save as a draft or submit. The other assessors' scores are
    shown once this assessment is submitted."""
    assessment = _assessment_or_404(request.user, pk)
    application = assessment.application
    if not permissions.assessment_opens_dossier(assessment):
        if request.method == "POST":
            messages.error(
                request,
                _("Déclarez d'abord l'absence de conflit d'intérêts avant de noter ce dossier."),
            )
            return render(
                request,
                "review/assess_declare.html",
                {
                    "assessment": assessment,
                    "application": application,
                    "declare_form": DeclareForm(),
                    "decline_form": DeclineForm(),
                    "refusal": "",
                },
                status=STATUS_FORBIDDEN,
            )
        return HttpResponseRedirect(reverse("review:declare", args=[pk]))
    criteria = list(application.call.criteria.order_by("position", "id"))
    scores = {
        score.criterion_id: score
        for score in Score.objects.filter(assessment=assessment).order_by()
    }
    editable = assessment.status in (A.ASSIGNED, A.IN_PROGRESS)
    form = ScoresForm(
        criteria=criteria, scores=scores, initial={"overall_comment": assessment.overall_comment}
    )
    refusal, status = "", 200
    if request.method == "POST":
        if not editable:
            refusal = _(
                "Cette évaluation est à l'état « %(status)s » : elle ne peut plus être modifiée."
            ) % {"status": assessment.get_status_display()}
            status = STATUS_CONFLICT
        else:
            form = ScoresForm(request.POST, criteria=criteria)
            submit = request.POST.get("action") == "submit"
            if form.is_valid():
                try:
                    if submit:
                        assessment_submit(
                            assessment=assessment,
                            actor=request.user,
                            scores=form.scores(),
                            overall_comment=form.cleaned_data["overall_comment"],
                        )
                        messages.success(
                            request,
                            _(
                                "Votre évaluation du dossier %(reference)s est remise. Les notes "
                                "des autres évaluateurs vous sont désormais visibles."
                            )
                            % {"reference": application.reference},
                        )
                    else:
                        assessment_save_scores(
                            assessment=assessment,
                            actor=request.user,
                            scores=form.scores(),
                            overall_comment=form.cleaned_data["overall_comment"],
                        )
                        messages.success(request, _("Vos notes sont enregistrées (brouillon)."))
                    return HttpResponseRedirect(reverse("review:assess", args=[pk]))
                except ReviewRefused as refused:
                    form.add_service_errors(refused.errors)
                    refusal, status = refused.message, _refusal_status(refused)
            else:
                status = STATUS_INVALID
    others = visible_scores(assessment)
    if others is not None:
        for other in others:
            other.by_criterion = {score.criterion_id: score for score in other.scores.all()}
    return render(
        request,
        "review/assess.html",
        {
            "assessment": assessment,
            "application": application,
            "call": application.call,
            "summary": dossier_summary(application),
            "criteria": criteria,
            "scores": scores,
            "form": form,
            "editable": editable,
            "others": others,
            "rows": _own_rows(criteria, scores, others),
            "refusal": refusal,
        },
        status=status,
    )


def _own_rows(criteria, scores, others):
    """Per criterion: own score, and the others' scores once visible."""
    return [
        {
            "criterion": criterion,
            "own": scores.get(criterion.pk),
            "others": [other.by_criterion.get(criterion.pk) for other in others or []],
        }
        for criterion in criteria
    ]
