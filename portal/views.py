"""The portal's own pages: the home page; registering, confirming the e-mail address,
logging in and out, resetting a forgotten password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from rest_framework.authtoken.models import Token

from calls.models import AuthorityMember
from calls.selectors import home_page
from partners.models import Membership

from . import services
from .accounts import lockout
from .forms import (
    EmailAuthenticationForm,
    PortalPasswordResetForm,
    RegistrationForm,
    ResendConfirmationForm,
)
from .redirects import safe_next


def home(request):
    """Open calls with their deadline, upcoming calls, a link to closed ones, the funds and
    their programmes."""
    return render(request, "portal/home.html", {"page": home_page()})


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Vous êtes connecté."))
        return response

    def form_invalid(self, form):
        """Locked out after too many failures (django-axes flags the request): the page
        says until when and how to get in sooner, with status 429."""
        if not getattr(self.request, "axes_locked_out", False):
            return super().form_invalid(form)
        until = lockout.locked_until(self.request, getattr(self.request, "axes_credentials", None))
        form.errors[NON_FIELD_ERRORS] = form.error_class(
            [
                format_html(
                    '{} <a href="{}">{}</a>',
                    lockout.lockout_message(until),
                    reverse("password_reset"),
                    _("Choisir un nouveau mot de passe"),
                )
            ]
        )
        return self.render_to_response(self.get_context_data(form=form), status=429)


class LogoutView(auth_views.LogoutView):
    """Logs out on POST only (Django 5), then says so on the home page."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Vous êtes déconnecté."))
        return response


# --- registering and confirming the e-mail address -----------------------------------------


class RegisterView(FormView):
    """A new account, inactive until the link e-mailed to its address is followed."""

    form_class = RegistrationForm
    template_name = "registration/register.html"
    success_url = reverse_lazy("register_done")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(safe_next(request) or "home")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        # Where the confirmation link leads after activating (an invitation, for example).
        return super().get_context_data(next=safe_next(self.request), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.account_register(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                preferred_language=data["preferred_language"],
                request=self.request,
                next_path=safe_next(self.request),
            )
        except IntegrityError:
            # Another request registered the address between the check and the insert.
            form.add_error("email", form.error_messages["email_taken"])
            return self.form_invalid(form)
        return super().form_valid(form)


class RegisterDoneView(TemplateView):
    """Check your inbox: said the same after registering and after asking for a new link,
    whether or not that address has an account."""

    template_name = "registration/register_done.html"


def confirm_email(request, uidb64: str, token: str):
    """Following the link of the confirmation e-mail activates the account and logs the
    person in; a wrong, expired or used link activates nothing and says so."""
    user = services.email_confirmation_accept(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "registration/confirm_email_invalid.html", status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request,
        _("Votre adresse e-mail est confirmée : votre compte est actif et vous êtes connecté."),
    )
    return redirect(safe_next(request) or "home")


class ResendConfirmationView(FormView):
    """A new confirmation link; the answer never tells whether the address has an account."""

    form_class = ResendConfirmationForm
    template_name = "registration/resend_confirmation.html"
    success_url = reverse_lazy("register_done")

    def form_valid(self, form):
        services.email_confirmation_resend(email=form.cleaned_data["email"], request=self.request)
        return super().form_valid(form)


# --- a forgotten password: Django's views, the portal's templates ---------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for the address; the same page follows whether or not it has an account."""

    form_class = PortalPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    @property
    def extra_email_context(self):
        return {"days": services.link_validity_days()}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    # The segment that replaces the token in the address once it is checked.
    reset_url_token = "choisir"

    def form_valid(self, form):
        # Whoever chose a new password from the e-mailed link may log in at once.
        lockout.account_unlock(email=form.user.email)
        return super().form_valid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


@require_POST
def session_keepalive(request):
    """Keep an idle session alive ("Rester connecté"): the session is saved again with a new
    expiry. htmx gets a 204; a plain post goes back to the page it came from. Anonymous
    posts are told to log in again."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    request.session.modified = True
    if request.headers.get("HX-Request") == "true":
        return HttpResponse(status=204)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    return redirect(target)


# --- the account page ----------------------------------------------------------------------


def _account_page(request, *, new_token: str = "", status: int = 200):
    user = request.user
    context = {
        "memberships": Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("organisation__legal_name"),
        "authority_roles": AuthorityMember.objects.filter(user=user, is_active=True)
        .select_related("authority")
        .order_by("authority__name"),
        "token": Token.objects.filter(user=user).only("created").first(),
        "new_token": new_token,
    }
    response = render(request, "portal/account.html", context, status=status)
    # The page may show a secret once: no cache, shared or private, keeps it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account(request):
    """The account's page: who it is, its organisations and authorities, its API token."""
    return _account_page(request)


@login_required
@require_POST
def account_token_issue(request):
    """A new API token, shown once on the page that answers; the old one stops working."""
    token = services.api_token_issue(user=request.user)
    messages.success(
        request,
        _("Nouveau jeton créé. Copiez-le maintenant : il ne sera plus affiché."),
    )
    return _account_page(request, new_token=token.key)


@login_required
@require_POST
def account_token_revoke(request):
    if services.api_token_revoke(user=request.user):
        messages.success(request, _("Jeton révoqué : il ne donne plus accès à l'API."))
    else:
        messages.info(request, _("Ce compte n'avait pas de jeton."))
    return redirect("account")
