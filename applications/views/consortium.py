"""The consortium of a dossier: its partners and the invitations waiting for an answer; each
partner's page (its registered identity, its contact for the dossier, its commitment
letter); inviting, removing a partner, changing the lead; accepting an invitation.

Everything works with plain forms (POST, then a redirect); the pages that change the
consortium ask for a confirmation first. Who may do what is read from ``DossierAccess``;
the services check it again under the dossier's lock.
"""

from __future__ import annotations

import copy
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views import View

from partners import services as partner_services
from partners.choices import InvitationStatus, PartnerRole
from partners.forms import PartnerContactForm, PartnerInvitationAcceptForm, PartnerInvitationForm
from partners.models import Invitation, Partner, hash_token
from partners.permissions import organisations_of

from .. import sections
from ..permissions import applications_visible_to
from ..services import ServiceRefused
from .base import DossierMixin, SectionView

STATUS_INVALID = 422


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


def _consortium_url(application) -> str:
    return reverse("applications:consortium", args=[application.reference])


def _partner_url(partner: Partner) -> str:
    return reverse(
        "applications:partner_edit", args=[partner.application.reference, partner.number]
    )


# --- the consortium page, inviting, cancelling an invitation --------------------------------


class ConsortiumView(DossierMixin, View):
    """The partners (number, organisation, country, role, contact, commitment), the
    invitations waiting for an answer and, for the lead's members on a draft, the form to
    invite a partner. A constant number of queries, whatever the number of partners."""

    section = sections.CONSORTIUM
    template_name = "applications/consortium/consortium.html"

    def page(self, *, form=None, status: int = 200) -> HttpResponse:
        access = self.access
        now = timezone.now()
        invitations = list(
            self.application.invitations.filter(status=InvitationStatus.PENDING)
            .select_related("invited_by")
            .order_by("created_at")
        )
        for invitation in invitations:
            invitation.expired = invitation.expires_at <= now
        if form is None and access.can_manage_consortium:
            form = PartnerInvitationForm()
        context = {
            **self.layout_context(),
            "partners": access.partners,
            "invitations": invitations,
            "form": form if access.can_manage_consortium else None,
            "can_manage": access.can_manage_consortium,
        }
        return render(self.request, self.template_name, context, status=status)

    def refuse(self, message: str, *, status: int = 403) -> HttpResponse:
        messages.error(self.request, message)
        return self.page(status=status)

    def manage_refusal(self) -> str:
        if not self.access.is_editable:
            return _(
                "Ce dossier est à l'état « %(status)s » : son partenariat ne se modifie plus."
            ) % {"status": self.application.get_status_display()}
        return _(
            "Seuls les membres du chef de file peuvent inviter ou retirer des partenaires et "
            "changer de chef de file."
        )

    def get(self, request, reference):
        return self.page()


class InviteView(ConsortiumView):
    """Invite a partner by e-mail (POST); the form is on the consortium page."""

    def get(self, request, reference):
        return HttpResponseRedirect(_consortium_url(self.application))

    def post(self, request, reference):
        if not self.access.can_manage_consortium:
            return self.refuse(self.manage_refusal())
        form = PartnerInvitationForm(request.POST)
        if not form.is_valid():
            return self.page(form=form, status=STATUS_INVALID)
        try:
            invitation = partner_services.partner_invite(
                application=self.application,
                email=form.cleaned_data["email"],
                message=form.cleaned_data["message"],
                actor=request.user,
                site_url=_site_url(request),
            )
        except partner_services.ServiceRefused as refused:
            form.add_error("email", refused.message)
            return self.page(form=form, status=STATUS_INVALID)
        messages.success(
            request,
            _("Une invitation est envoyée à %(email)s. Son lien est valable jusqu'au %(expires)s.")
            % {
                "email": invitation.email,
                "expires": formats.date_format(
                    timezone.localtime(invitation.expires_at), "DATETIME_FORMAT"
                ),
            },
        )
        return HttpResponseRedirect(_consortium_url(self.application))


class InvitationCancelView(ConsortiumView):
    """Cancel an invitation waiting for an answer (POST): its link stops working."""

    def get(self, request, reference, pk):
        return HttpResponseRedirect(_consortium_url(self.application))

    def post(self, request, reference, pk):
        invitation = get_object_or_404(
            Invitation.objects.select_related("application"), pk=pk, application=self.application
        )
        if not self.access.can_manage_consortium:
            return self.refuse(self.manage_refusal())
        try:
            partner_services.partner_invitation_cancel(invitation=invitation, actor=request.user)
        except partner_services.ServiceRefused as refused:
            return self.refuse(refused.message, status=409)
        messages.success(
            request,
            _("L'invitation envoyée à %(email)s est annulée : son lien ne fonctionne plus.")
            % {"email": invitation.email},
        )
        return HttpResponseRedirect(_consortium_url(self.application))


# --- a partner's page: identity, contact, commitment; removing it, making it the lead -------


class PartnerView(SectionView):
    """One partner: its registered identity (read-only, from the organisation's record),
    its contact for this dossier (edited by its own members on a draft, with the section
    autosave), its commitment letter, and for the lead's members the links to remove it or
    make it the lead."""

    section = sections.CONSORTIUM
    template_name = "applications/consortium/partner.html"
    form_template = "applications/consortium/_partner_form.html"

    @cached_property
    def partner(self) -> Partner:
        return self.access.partner_by_number(self.kwargs["number"])

    def version_key(self) -> str:
        return f"partner-{self.partner.pk}"

    def can_edit(self) -> bool:
        return self.access.can_edit_partner(self.partner)

    def build_forms(self, data=None, files=None) -> dict:
        # A copy: validating the form must not change the partner the page lists.
        return {"form": PartnerContactForm(data, instance=copy.copy(self.partner))}

    def write(self, forms: dict) -> None:
        data = forms["form"].cleaned_data
        try:
            partner_services.partner_update_contact(
                partner=self.partner,
                actor=self.request.user,
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_phone=data.get("contact_phone") or "",
            )
        except partner_services.ServiceRefused as refused:
            raise ServiceRefused(refused.message) from None

    def read_only_reason(self) -> str:
        if not self.access.is_editable:
            return super().read_only_reason()
        return _(
            "Cette partie est remplie par les membres de %(organisation)s : vous pouvez la lire."
        ) % {"organisation": self.partner.organisation.legal_name}

    def extra_context(self) -> dict:
        partner = self.partner
        return {
            "partner": partner,
            "organisation": partner.organisation,
            "signer": partner.commitment_signed_by if partner.commitment_signed_at else None,
            "can_sign": self.access.can_edit_partner(partner)
            and partner.commitment_signed_at is None,
            "can_manage": self.access.can_manage_consortium and not partner.is_lead,
            "current_section": {
                "label": _("Partenaire n° %(number)s : %(organisation)s")
                % {"number": partner.number, "organisation": partner.organisation.legal_name}
            },
        }

    def refuse(self, message: str, *, status: int = 403) -> HttpResponse:
        messages.error(self.request, message)
        return render(
            self.request, self.template_name, self.context(self.build_forms()), status=status
        )


class CommitmentView(PartnerView):
    """Sign the partner's commitment letter (POST), for its members on a draft."""

    def get(self, request, *args, **kwargs):
        return HttpResponseRedirect(_partner_url(self.partner))

    def post(self, request, *args, **kwargs):
        partner = self.partner
        if not self.access.can_edit_partner(partner):
            if not self.access.is_editable:
                return self.refuse(self.read_only_reason())
            return self.refuse(
                _("Seuls les membres de %(organisation)s peuvent signer sa lettre d'engagement.")
                % {"organisation": partner.organisation.legal_name}
            )
        try:
            partner_services.partner_sign_commitment(partner=partner, actor=request.user)
        except partner_services.ServiceRefused as refused:
            return self.refuse(refused.message, status=409)
        messages.success(
            request,
            _("La lettre d'engagement de %(organisation)s est signée.")
            % {"organisation": partner.organisation.legal_name},
        )
        return HttpResponseRedirect(_partner_url(partner))


class _ConsortiumChangeView(PartnerView):
    """A change of the consortium about one partner, for the lead's members on a draft: a
    confirmation page (GET), then the change (POST)."""

    confirm_template: str = ""

    def refusal(self) -> str | None:
        access = self.access
        if not access.is_editable:
            return _(
                "Ce dossier est à l'état « %(status)s » : son partenariat ne se modifie plus."
            ) % {"status": self.application.get_status_display()}
        if not access.can_manage_consortium:
            return _(
                "Seuls les membres du chef de file peuvent retirer des partenaires et changer "
                "de chef de file."
            )
        if self.partner.is_lead:
            return self.lead_refusal()
        return None

    def lead_refusal(self) -> str:
        raise NotImplementedError

    def change(self) -> str:
        """Make the change through its service; returns the message to show."""
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        refusal = self.refusal()
        if refusal:
            return self.refuse(refusal)
        context = {**self.layout_context(), **self.extra_context()}
        return render(request, self.confirm_template, context)

    def post(self, request, *args, **kwargs):
        refusal = self.refusal()
        if refusal:
            return self.refuse(refusal)
        try:
            message = self.change()
        except partner_services.ServiceRefused as refused:
            return self.refuse(refused.message, status=409)
        messages.success(request, message)
        return HttpResponseRedirect(_consortium_url(self.application))


class RemoveView(_ConsortiumChangeView):
    confirm_template = "applications/consortium/partner_remove.html"

    def lead_refusal(self) -> str:
        return _(
            "Le chef de file ne peut pas être retiré du partenariat : désignez d'abord un autre "
            "chef de file."
        )

    def change(self) -> str:
        partner_services.partner_remove(partner=self.partner, actor=self.request.user)
        return _("%(organisation)s ne fait plus partie du partenariat.") % {
            "organisation": self.partner.organisation.legal_name
        }


class MakeLeadView(_ConsortiumChangeView):
    confirm_template = "applications/consortium/partner_make_lead.html"

    def lead_refusal(self) -> str:
        return _("%(organisation)s est déjà le chef de file de ce dossier.") % {
            "organisation": self.partner.organisation.legal_name
        }

    def change(self) -> str:
        partner_services.partner_make_lead(partner=self.partner, actor=self.request.user)
        return _("%(organisation)s est désormais le chef de file du dossier.") % {
            "organisation": self.partner.organisation.legal_name
        }


# --- the invitation's link ------------------------------------------------------------------


def _unusable(request, token: str, message: str) -> HttpResponse:
    """A link that cannot be used: say why. The person who accepted it is taken to the
    dossier instead (a second click on the button)."""
    if request.user.is_authenticated:
        accepted = (
            Invitation.objects.filter(
                token_hash=hash_token(token),
                status=InvitationStatus.ACCEPTED,
                accepted_by=request.user,
            )
            .select_related("application")
            .first()
        )
        if (
            accepted is not None
            and applications_visible_to(request.user).filter(pk=accepted.application_id).exists()
        ):
            messages.info(request, _("Vous avez déjà accepté cette invitation."))
            return redirect("applications:overview", reference=accepted.application.reference)
    return render(
        request,
        "applications/consortium/invitation_unusable.html",
        {"message": message},
        status=404,
    )


def invitation_accept(request, token: str):
    """The page of an invitation's link: what it offers; for a visitor, how to log in or
    create an account and come back; for a logged-in user, the choice of one of their
    organisations (or creating one), then accepting (POST)."""
    try:
        invitation = partner_services.partner_invitation_for(token=token)
    except partner_services.InvitationUnusable as unusable:
        return _unusable(request, token, unusable.message)
    application = invitation.application
    lead = (
        Partner.objects.filter(application=application, role=PartnerRole.LEAD)
        .select_related("organisation")
        .first()
    )
    context = {
        "invitation": invitation,
        "application": application,
        "call": application.call,
        "lead": lead.organisation if lead else None,
        "token": token,
    }
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "applications/consortium/invitation.html", context)
    mine = organisations_of(request.user).order_by("legal_name")
    already = list(mine.filter(partnerships__application=application))
    available = mine.exclude(pk__in=[org.pk for org in already])
    form = PartnerInvitationAcceptForm(
        request.POST if request.method == "POST" else None, organisations=available
    )
    choices = list(available)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            organisation = form.cleaned_data["organisation"]
            try:
                partner_services.partner_invitation_accept(
                    token=token, actor=request.user, organisation=organisation
                )
            except partner_services.InvitationUnusable as unusable:
                return _unusable(request, token, unusable.message)
            except partner_services.ServiceRefused as refused:
                form.add_error("organisation", refused.message)
            else:
                messages.success(
                    request,
                    _(
                        "%(organisation)s a rejoint le partenariat du dossier %(reference)s. "
                        "Complétez maintenant sa partie : contact, budget, plan de financement "
                        "et lettre d'engagement."
                    )
                    % {"organisation": organisation.legal_name, "reference": application.reference},
                )
                return redirect("applications:overview", reference=application.reference)
        status = STATUS_INVALID
    elif len(choices) == 1:
        form.fields["organisation"].initial = choices[0].pk
    context.update({"form": form, "already": already, "has_choices": bool(choices)})
    return render(request, "applications/consortium/invitation.html", context, status=status)


consortium = ConsortiumView.as_view()
invite = InviteView.as_view()
invitation_cancel = InvitationCancelView.as_view()
commitment = CommitmentView.as_view()
remove = RemoveView.as_view()
make_lead = MakeLeadView.as_view()
accept = invitation_accept
