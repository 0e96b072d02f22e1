"""The account's personal data pages (GDPR): download everything the portal holds about
oneself, and ask to be forgotten. Only for oneself: there is no identifier in the
addresses, the person is the logged-in account."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from . import personal_data


class ForgetConfirmationForm(forms.Form):
    """The account's password, asked again before an act that cannot be undone."""

    password = forms.CharField(
        label=_("Votre mot de passe"),
        help_text=_("Pour confirmer que c'est bien vous qui demandez l'effacement."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        # Through the authentication backends, so that failed attempts count like a
        # failed login wherever the portal counts them.
        checked = authenticate(self.request, username=user.email, password=password)
        if checked is None or checked.pk != user.pk:
            raise forms.ValidationError(_("Ce mot de passe n'est pas celui de votre compte."))
        return password


@login_required
@require_GET
def account_personal_data_export(request):
    """Everything the portal holds about the person, as a JSON file to download."""
    content = personal_data.personal_data_export_json(user=request.user)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="donnees-personnelles-{day}.json"'
    response["Cache-Control"] = "no-store"
    return response


def _forget_page(request, form, *, refusal: str = "", status: int = 200):
    response = render(
        request,
        "portal/personal_data_forget.html",
        {"form": form, "refusal": refusal},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_personal_data_forget(request):
    """Ask to be forgotten: what happens, then the password; the person is logged out and
    told it is done. A wrong password or a refusal (the last legal representative of an
    organisation) changes nothing and says why."""
    if request.method == "GET":
        return _forget_page(request, ForgetConfirmationForm(request=request))
    form = ForgetConfirmationForm(request.POST, request=request)
    if not form.is_valid():
        return _forget_page(request, form, status=400)
    try:
        personal_data.person_forget(user=request.user, actor=request.user)
    except personal_data.ForgetRefused as refused:
        return _forget_page(
            request, ForgetConfirmationForm(request=request), refusal=refused.message, status=409
        )
    # Logged out as the pseudonymised account: whatever listens to the logout (the
    # journal, the sessions' records) never sees the old name or address again.
    request.user.refresh_from_db()
    logout(request)
    response = render(request, "portal/personal_data_forgotten.html")
    response["Cache-Control"] = "no-store"
    return response
