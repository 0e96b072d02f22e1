"""The life of a dossier: start one from a call, submit it, withdraw it, copy it.

Each page parses the input, calls one service and renders; who may do what is read from
``permissions.dossier_access`` (a dossier one may not see is a 404; a partner who may read
it but not act on it gets the page without the form, and 403 on a POST).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from calls.models import Call
from calls.templatetags.portal_format import paris_datetime
from partners.permissions import organisations_of

from .. import sections, services
from ..choices import ApplicationStatus
from ..selectors import budget_overview
from ..services import (
    ServiceRefused,
    SubmissionRefused,
    application_copy,
    application_create,
    application_submit,
    application_withdraw,
)
from ..workflow import can_transition
from .base import DossierMixin

STATUS_INVALID = 422
STATUS_FORBIDDEN = 403
STATUS_CONFLICT = 409


# --- forms --------------------------------------------------------------------------------


class StartForm(forms.Form):
    """The organisation that leads the new dossier (one of the user's) and, optionally, a
    working title."""

    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation chef de file"),
        queryset=None,
        help_text=gettext_lazy(
            "Le dossier est déposé au nom de cette organisation, dont vous êtes membre."
        ),
        error_messages={
            "required": gettext_lazy("Choisissez l'organisation qui porte le dossier."),
            "invalid_choice": gettext_lazy(
                "Choisissez l'une de vos organisations : vous ne pouvez créer un dossier "
                "qu'au nom d'une organisation dont vous êtes membre."
            ),
        },
    )
    title = forms.CharField(
        label=gettext_lazy("Intitulé provisoire du projet (facultatif)"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Vous pourrez le modifier dans la section Identification."),
    )

    def __init__(self, *args, organisations, **kwargs):
        """``organisations``: the user's organisations (a queryset); when there is only
        one, it is chosen already."""
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations
        only = list(organisations[:2])
        if len(only) == 1:
            field.empty_label = None
            field.initial = only[0].pk


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Je certifie l'exactitude des informations fournies dans ce dossier et l'accord "
            "de chaque organisation partenaire pour y participer."
        ),
        error_messages={
            "required": gettext_lazy(
                "Cochez cette case pour certifier l'exactitude des informations avant le dépôt."
            )
        },
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du retrait (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Il est conservé dans l'historique du dossier."),
    )


class CopyForm(forms.Form):
    call = forms.ModelChoiceField(
        label=gettext_lazy("Appel du nouveau dossier"),
        queryset=None,
        to_field_name="reference",
        help_text=gettext_lazy("Seuls les appels ouverts sont proposés."),
        error_messages={
            "required": gettext_lazy("Choisissez l'appel dans lequel créer la copie."),
            "invalid_choice": gettext_lazy(
                "Cet appel n'est pas ouvert : choisissez l'un des appels proposés."
            ),
        },
    )

    def __init__(self, *args, calls, current, **kwargs):
        """``calls``: the open calls (a queryset); the dossier's own call is chosen when it
        is still open."""
        super().__init__(*args, **kwargs)
        field = self.fields["call"]
        field.queryset = calls
        if current.is_published and current.is_open:
            field.initial = current.reference
            field.empty_label = None


def _open_calls():
    return Call.objects.open_at(timezone.now()).order_by("closes_at", "reference")


# --- start a dossier ----------------------------------------------------------------------


class StartView(LoginRequiredMixin, View):
    """``appels/<call>/deposer/``: choose the lead organisation, then a draft is created
    and the applicant lands on its identification page."""

    template_name = "applications/lifecycle/start.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.call = get_object_or_404(
            Call.objects.published().select_related("programme__fund", "authority"),
            reference=kwargs["call_reference"],
        )
        self.organisations = organisations_of(request.user).order_by("legal_name")
        self.has_organisation = self.organisations.exists()
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, *, form=None, refusal: str = "", status: int = 200):
        return render(
            self.request,
            self.template_name,
            {
                "call": self.call,
                "form": form,
                "refusal": refusal,
                "has_organisation": self.has_organisation,
            },
            status=status,
        )

    def get(self, request, call_reference):
        refusal = services.call_window_refusal(call=self.call, now=timezone.now())
        if refusal or not self.has_organisation:
            return self.render_page(refusal=refusal)
        return self.render_page(form=StartForm(organisations=self.organisations))

    def post(self, request, call_reference):
        refusal = services.call_window_refusal(call=self.call, now=timezone.now())
        if refusal:
            return self.render_page(refusal=refusal, status=STATUS_CONFLICT)
        if not self.has_organisation:
            return self.render_page(status=STATUS_FORBIDDEN)
        form = StartForm(request.POST, organisations=self.organisations)
        if not form.is_valid():
            return self.render_page(form=form, status=STATUS_INVALID)
        try:
            application = application_create(
                call=self.call,
                organisation=form.cleaned_data["organisation"],
                actor=request.user,
                title=form.cleaned_data["title"],
            )
        except ServiceRefused as refused:
            return self.render_page(form=form, refusal=refused.message, status=STATUS_CONFLICT)
        messages.success(
            request,
            _(
                "Le dossier %(reference)s est créé : commencez par son identification. Chaque "
                "modification est enregistrée automatiquement."
            )
            % {"reference": application.reference},
        )
        return HttpResponseRedirect(sections.section_url(sections.IDENTIFICATION, application))


start = StartView.as_view()


# --- submit -------------------------------------------------------------------------------


class SubmitView(DossierMixin, View):
    """``dossiers/<ref>/depot/``: the checklist's blocking failures with the pages that fix
    them, the budget in total, the deadline on the server's clock and, for the lead's
    members, the confirmation and the button. Once submitted: the fingerprint and instant
    of the version filed, and the dossier is read-only."""

    section = sections.SUBMISSION
    template_name = "applications/lifecycle/submit.html"

    def render_page(self, *, form=None, reasons=(), status: int = 200):
        now = timezone.now()
        context = {
            **self.layout_context(),
            "overview": budget_overview(application=self.application),
            "snapshot": self.application.snapshots.order_by("-number").first(),
            "now": now,
            # A dossier reopened for clarification is not bound by the call's deadline.
            "deadline_passed": self.application.status == ApplicationStatus.DRAFT
            and now >= self.application.call.closes_at,
            "form": form if form is not None else SubmitForm(),
            "reasons": list(reasons),
        }
        context["failures"] = [
            item for item in context["checklist"] if item["result"].blocks_submission
        ]
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, reference):
        return self.render_page()

    def post(self, request, reference):
        if not self.access.can_submit:
            if self.access.is_lead_member:
                refusal = _(
                    "Ce dossier est à l'état « %(status)s » : il ne peut pas être déposé."
                ) % {"status": self.application.get_status_display()}
            else:
                refusal = _("Seuls les membres du chef de file peuvent déposer ce dossier.")
            messages.error(request, refusal)
            return self.render_page(status=STATUS_FORBIDDEN)
        form = SubmitForm(request.POST)
        if not form.is_valid():
            return self.render_page(form=form, status=STATUS_INVALID)
        try:
            snapshot = application_submit(application=self.application, actor=request.user)
        except SubmissionRefused as refused:
            self.application.refresh_from_db()
            return self.render_page(form=form, reasons=refused.reasons, status=STATUS_INVALID)
        messages.success(
            request,
            _(
                "Le dossier %(reference)s a été déposé le %(instant)s (heure de Paris). "
                "Empreinte SHA-256 de la version déposée : %(sha256)s. Un accusé de réception "
                "est envoyé par e-mail."
            )
            % {
                "reference": self.application.reference,
                "instant": paris_datetime(snapshot.created_at),
                "sha256": snapshot.sha256,
            },
        )
        return HttpResponseRedirect(reverse("applications:overview", args=[reference]))


submit = SubmitView.as_view()


# --- withdraw -----------------------------------------------------------------------------


class WithdrawView(DossierMixin, View):
    """``dossiers/<ref>/retrait/``: the lead's members withdraw the dossier, at any time
    until a decision, with an optional reason kept in its history."""

    section = sections.SUBMISSION
    template_name = "applications/lifecycle/withdraw.html"

    def refusal(self) -> str:
        if not self.access.is_lead_member:
            return _("Seuls les membres du chef de file peuvent retirer ce dossier.")
        if not can_transition(self.application.status, ApplicationStatus.WITHDRAWN):
            return _("Ce dossier est à l'état « %(status)s » : il ne peut plus être retiré.") % {
                "status": self.application.get_status_display()
            }
        return ""

    def render_page(self, *, form=None, refusal: str = "", status: int = 200):
        context = {
            **self.layout_context(),
            "form": form if form is not None else WithdrawForm(),
            "refusal": refusal or self.refusal(),
        }
        context["current_section"] = {"label": _("Retirer le dossier")}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, reference):
        return self.render_page()

    def post(self, request, reference):
        if not self.access.is_lead_member:
            return self.render_page(status=STATUS_FORBIDDEN)
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            return self.render_page(form=form, status=STATUS_INVALID)
        try:
            application_withdraw(
                application=self.application,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ServiceRefused as refused:
            self.application.refresh_from_db()
            return self.render_page(form=form, refusal=refused.message, status=STATUS_CONFLICT)
        messages.success(
            request,
            _("Le dossier %(reference)s est retiré. Il reste consultable.")
            % {"reference": self.application.reference},
        )
        return HttpResponseRedirect(reverse("applications:overview", args=[reference]))


withdraw = WithdrawView.as_view()


# --- copy ---------------------------------------------------------------------------------


class CopyView(DossierMixin, View):
    """``dossiers/<ref>/copier/``: a new draft for the same lead organisation, in the same
    call or another open one, whatever the state of this dossier."""

    section = sections.SUBMISSION
    template_name = "applications/lifecycle/copy.html"

    def render_page(self, *, form=None, refusal: str = "", status: int = 200):
        if form is None:
            form = CopyForm(calls=_open_calls(), current=self.application.call)
        context = {**self.layout_context(), "form": form, "refusal": refusal}
        context["current_section"] = {"label": _("Copier le dossier")}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, reference):
        return self.render_page()

    def post(self, request, reference):
        if not self.access.is_lead_member:
            return self.render_page(status=STATUS_FORBIDDEN)
        form = CopyForm(request.POST, calls=_open_calls(), current=self.application.call)
        if not form.is_valid():
            return self.render_page(form=form, status=STATUS_INVALID)
        try:
            copy = application_copy(
                application=self.application,
                call=form.cleaned_data["call"],
                actor=request.user,
            )
        except ServiceRefused as refused:
            return self.render_page(form=form, refusal=refused.message, status=STATUS_CONFLICT)
        messages.success(
            request,
            _(
                "Le dossier %(copy)s est créé à partir de %(original)s : c'est un brouillon à "
                "relire. Les pièces jointes et les engagements signés des partenaires ne sont "
                "pas repris."
            )
            % {"copy": copy.reference, "original": self.application.reference},
        )
        return HttpResponseRedirect(sections.section_url(sections.IDENTIFICATION, copy))


copy = CopyView.as_view()
