"""Pages of the account's security: changing the password or the e-mail address (the
current password asked again), confirming a new address; for staff, the current login
lockouts and unlocking them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from . import lockout, services
from .forms import EmailChangeForm, PortalPasswordChangeForm
from .sessions import session_remember, sessions_end_all


class PasswordChangeView(auth_views.PasswordChangeView):
    """The current password, then the new one: this session stays open (Django's
    ``update_session_auth_hash``), every other session of the account ends."""

    form_class = PortalPasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        # update_session_auth_hash gave this session a new key: record it, end the others.
        session_remember(user=form.user, request=self.request)
        sessions_end_all(
            user=form.user,
            keep_session_key=self.request.session.session_key,
            revoke_token=False,
        )
        messages.success(
            self.request,
            _(
                "Votre mot de passe est changé. Vos autres sessions ouvertes (autres "
                "navigateurs, autres appareils) sont fermées."
            ),
        )
        return response


@method_decorator(login_required, name="dispatch")
class EmailChangeView(FormView):
    """The new address and the current password: a link goes to the new address, a
    notice to the current one; nothing changes until the link is followed."""

    form_class = EmailChangeForm
    template_name = "portal/email_change_form.html"
    success_url = reverse_lazy("account")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "request": self.request}

    def form_valid(self, form):
        new_email = form.cleaned_data["new_email"]
        services.email_change_request(
            user=self.request.user, new_email=new_email, request=self.request
        )
        messages.success(
            self.request,
            _(
                "Un lien de confirmation a été envoyé à %(email)s. Votre adresse ne changera "
                "qu'une fois ce lien ouvert."
            )
            % {"email": new_email},
        )
        return super().form_valid(form)


def email_change_confirm(request, token: str):
    """Following the link applies the change once; a wrong, expired or used link changes
    nothing and says so."""
    user = services.email_change_accept(token=token)
    if user is None:
        return render(request, "portal/email_change_invalid.html", status=400)
    messages.success(
        request,
        _("Votre adresse e-mail est maintenant %(email)s : utilisez-la pour vous connecter.")
        % {"email": user.email},
    )
    return redirect("account" if request.user.is_authenticated else "login")


# --- staff: login lockouts -------------------------------------------------------------------


def _staff_only(request) -> None:
    """Another person gets the page that does not exist, not a refusal that confirms it."""
    if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
        raise Http404


def lockouts(request):
    """The addresses whose login is locked now, with a button to unlock each."""
    _staff_only(request)
    response = render(request, "portal/lockouts.html", {"lockouts": lockout.current_lockouts()})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def lockout_unlock(request):
    _staff_only(request)
    email = request.POST.get("email", "")
    if lockout.account_unlock(email=email):
        messages.success(
            request,
            _("La connexion de %(email)s est débloquée.") % {"email": email.strip().lower()},
        )
    else:
        messages.info(request, _("Cette adresse n'était pas bloquée."))
    return redirect("lockouts")
