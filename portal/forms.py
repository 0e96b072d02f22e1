"""Forms of the portal's accounts."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """People log in with their e-mail address (the user model's ``USERNAME_FIELD``)."""

    error_messages = {
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie et réessayez."
        ),
        "inactive": _("Ce compte est désactivé."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Adresse e-mail")
        username.widget = forms.EmailInput(
            attrs={
                "autocomplete": "email",
                "autofocus": True,
                "maxlength": username.max_length,
                "aria-describedby": "id_username_hint",
            }
        )
        self.fields["password"].label = _("Mot de passe")
