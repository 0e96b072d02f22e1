"""The portal's own pages: the home page, logging in and out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from calls.selectors import home_page

from .forms import EmailAuthenticationForm


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


class LogoutView(auth_views.LogoutView):
    """Logs out on POST only (Django 5), then says so on the home page."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Vous êtes déconnecté."))
        return response
