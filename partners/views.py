"""Pages of organisations: the user's organisations, register one, join one, its page with
its members, edit it, invite a colleague, accept an invitation.

Every page needs a logged-in user. An organisation's pages exist only for its active
members (``permissions.organisation_or_404``); what only a legal representative may do is
refused to the other members. Views parse the input, call one service, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.redirects import safe_next

from . import services
from .choices import MembershipRole
from .forms import ColleagueInvitationForm, JoinForm, MembershipRoleForm, OrganisationForm
from .models import ColleagueInvitation, Membership
from .permissions import (
    invitable_roles,
    is_legal_representative,
    organisation_or_404,
    organisations_of,
)


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
def organisation_list(request):
    """The organisations the user belongs to, with their role, and the requests to join
    that still wait for a legal representative."""
    organisations = list(organisations_of(request.user).order_by("legal_name"))
    role_labels = dict(MembershipRole.choices)
    for organisation in organisations:
        organisation.viewer_role_label = role_labels[organisation.viewer_role]
    pending = (
        Membership.objects.filter(user=request.user, is_active=False)
        .select_related("organisation")
        .only("pk", "organisation__legal_name", "organisation__city")
        .order_by("organisation__legal_name")
    )
    return render(
        request,
        "partners/organisation_list.html",
        {"organisations": organisations, "pending": list(pending)},
    )


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_register(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _(
                    "L'organisation %(organisation)s est inscrite : vous en êtes le "
                    "représentant légal."
                )
                % {"organisation": organisation.legal_name},
            )
            # Back to where the registration was asked for (an invitation to a dossier).
            return redirect(
                safe_next(request) or reverse("partners:detail", args=[organisation.pk])
            )
    return render(
        request,
        "partners/organisation_form.html",
        {"form": form, "organisation": None, "next": safe_next(request)},
    )


@login_required
def organisation_edit(request, pk: int):
    organisation = organisation_or_404(request.user, pk)
    if not is_legal_representative(request.user, organisation):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                organisation=organisation, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except services.ServiceRefused as refused:
            raise PermissionDenied(refused.message) from None
        else:
            messages.success(request, _("La fiche de l'organisation est enregistrée."))
            return redirect("partners:detail", pk=organisation.pk)
    return render(
        request, "partners/organisation_form.html", {"form": form, "organisation": organisation}
    )


@login_required
def organisation_join(request):
    """Find an organisation by its identifier (GET), then ask to join it (POST). Only its
    legal name and city are shown."""
    data = request.POST if request.method == "POST" else request.GET
    form = JoinForm(data if "identifier" in data else None)
    organisation = form.organisation if form.is_bound and form.is_valid() else None
    if request.method == "POST" and organisation is not None:
        try:
            services.membership_request(
                organisation=organisation, actor=request.user, site_url=_site_url(request)
            )
        except services.ServiceRefused as refused:
            form.add_error("identifier", refused.message)
            organisation = None
        else:
            messages.success(
                request,
                _(
                    "Votre demande pour rejoindre %(organisation)s est envoyée à ses "
                    "représentants légaux. Vous recevrez un e-mail dès qu'elle sera acceptée."
                )
                % {"organisation": organisation.legal_name},
            )
            return redirect("partners:list")
    return render(request, "partners/organisation_join.html", {"form": form, "found": organisation})


@login_required
def organisation_detail(request, pk: int):
    organisation = organisation_or_404(request.user, pk)
    manager = is_legal_representative(request.user, organisation)
    members = list(
        organisation.memberships.filter(is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    pending = (
        list(
            organisation.memberships.filter(is_active=False)
            .select_related("user")
            .order_by("created_at")
        )
        if manager
        else []
    )
    invitations = list(
        organisation.colleague_invitations.filter(accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )
    return render(
        request,
        "partners/organisation_detail.html",
        {
            "organisation": organisation,
            "manager": manager,
            "members": members,
            "pending": pending,
            "invitations": invitations,
            "roles": MembershipRole.choices,
            "role_labels": dict(MembershipRole.choices),
        },
    )


def _membership_of(request, pk: int, membership_pk: int) -> Membership:
    """The membership ``membership_pk`` of organisation ``pk``, for one of its legal
    representatives: a 404 for a non-member, a 403 for another member."""
    organisation = organisation_or_404(request.user, pk)
    if not is_legal_representative(request.user, organisation):
        raise PermissionDenied
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_pk, organisation=organisation
    )
    membership.organisation = organisation
    return membership


def _refused(request, refused: services.ServiceRefused, pk: int) -> HttpResponse:
    messages.error(request, refused.message)
    return redirect("partners:detail", pk=pk)


def _person(membership: Membership) -> str:
    return membership.user.get_full_name() or membership.user.email


@login_required
@require_POST
def membership_approve(request, pk: int, membership_pk: int):
    membership = _membership_of(request, pk, membership_pk)
    try:
        services.membership_approve(
            membership=membership, actor=request.user, site_url=_site_url(request)
        )
    except services.ServiceRefused as refused:
        return _refused(request, refused, pk)
    messages.success(
        request,
        _("%(person)s est désormais membre de l'organisation.") % {"person": _person(membership)},
    )
    return redirect("partners:detail", pk=pk)


@login_required
@require_POST
def membership_refuse(request, pk: int, membership_pk: int):
    membership = _membership_of(request, pk, membership_pk)
    try:
        services.membership_refuse(membership=membership, actor=request.user)
    except services.ServiceRefused as refused:
        return _refused(request, refused, pk)
    messages.success(
        request, _("La demande de %(person)s est refusée.") % {"person": _person(membership)}
    )
    return redirect("partners:detail", pk=pk)


@login_required
@require_POST
def membership_role(request, pk: int, membership_pk: int):
    membership = _membership_of(request, pk, membership_pk)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez un des rôles proposés."))
        return redirect("partners:detail", pk=pk)
    try:
        services.membership_change_role(
            membership=membership, role=form.cleaned_data["role"], actor=request.user
        )
    except services.ServiceRefused as refused:
        return _refused(request, refused, pk)
    messages.success(
        request,
        _("%(person)s est désormais %(role)s.")
        % {"person": _person(membership), "role": membership.get_role_display().lower()},
    )
    return redirect("partners:detail", pk=pk)


@login_required
@require_POST
def membership_deactivate(request, pk: int, membership_pk: int):
    membership = _membership_of(request, pk, membership_pk)
    try:
        services.membership_deactivate(membership=membership, actor=request.user)
    except services.ServiceRefused as refused:
        return _refused(request, refused, pk)
    messages.success(
        request,
        _("%(person)s n'est plus membre actif de l'organisation.")
        % {"person": _person(membership)},
    )
    if membership.user_id == request.user.pk:
        return redirect("partners:list")
    return redirect("partners:detail", pk=pk)


@login_required
def colleague_invite(request, pk: int):
    organisation = organisation_or_404(request.user, pk)
    roles = invitable_roles(
        is_legal_representative=is_legal_representative(request.user, organisation)
    )
    form = ColleagueInvitationForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.colleague_invite(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                site_url=_site_url(request),
            )
        except services.ServiceRefused as refused:
            form.add_error("email", refused.message)
        else:
            messages.success(
                request,
                _("Une invitation est envoyée à %(email)s ; elle est valable 14 jours.")
                % {"email": invitation.email},
            )
            return redirect("partners:detail", pk=organisation.pk)
    return render(
        request,
        "partners/colleague_invite.html",
        {"form": form, "organisation": organisation},
    )


@login_required
def colleague_accept(request, token: str):
    """The page of an invitation's link: what it offers (GET), accepting it (POST)."""
    try:
        invitation: ColleagueInvitation = services.colleague_invitation_for(token=token)
    except services.InvitationUnusable as unusable:
        return render(
            request,
            "partners/colleague_invitation_unusable.html",
            {"message": unusable.message},
            status=404,
        )
    wrong_account = request.user.email.lower() != invitation.email.lower()
    if request.method == "POST" and not wrong_account:
        try:
            membership = services.colleague_invitation_accept(token=token, actor=request.user)
        except services.InvitationUnusable as unusable:
            return render(
                request,
                "partners/colleague_invitation_unusable.html",
                {"message": unusable.message},
                status=404,
            )
        except services.ServiceRefused as refused:
            messages.info(request, refused.message)
            return redirect("partners:list")
        messages.success(
            request,
            _("Vous êtes membre de %(organisation)s.")
            % {"organisation": invitation.organisation.legal_name},
        )
        return redirect("partners:detail", pk=membership.organisation_id)
    return render(
        request,
        "partners/colleague_invitation.html",
        {"invitation": invitation, "wrong_account": wrong_account, "token": token},
        status=403 if wrong_account else 200,
    )
