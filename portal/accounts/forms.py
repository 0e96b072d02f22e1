"""Forms that ask for the current password again before a sensitive change. The password
is checked through ``authenticate`` with the request, so that failures count towards the
login lockout like those of the login page (a stolen session cannot guess it freely)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.forms import EMAIL_ERRORS, EMAIL_HINT, email_widget
from portal.models import User

WRONG_PASSWORD = _("Le mot de passe actuel est incorrect : rien n'a été changé.")


def check_current_password(*, request, user: User, password: str) -> None:
    authenticated = authenticate(request, username=user.email, password=password)
    if authenticated is None or authenticated.pk != user.pk:
        raise ValidationError(WRONG_PASSWORD, code="password_incorrect")


def current_password_field() -> forms.CharField:
    return forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Indiquez votre mot de passe actuel.")},
    )


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's form: the current password, then the new one twice."""

    error_messages = {**PasswordChangeForm.error_messages, "password_incorrect": WRONG_PASSWORD}

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"] = current_password_field()
        self.fields["old_password"].widget.attrs["autofocus"] = True
        self.fields["new_password1"].label = _("Nouveau mot de passe")
        self.fields["new_password2"].label = _("Nouveau mot de passe (confirmation)")
        self.order_fields(["old_password", "new_password1", "new_password2"])

    def clean_old_password(self):
        password = self.cleaned_data["old_password"]
        check_current_password(request=self.request, user=self.user, password=password)
        return password


class EmailChangeForm(forms.Form):
    """The new address (not the current one, not another account's) and the current
    password."""

    new_email = forms.EmailField(
        label=_("Nouvelle adresse e-mail"),
        max_length=254,
        help_text=EMAIL_HINT,
        error_messages=EMAIL_ERRORS,
        widget=email_widget(),
    )
    current_password = current_password_field()

    def __init__(self, *args, user: User, request, **kwargs):
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_new_email(self) -> str:
        email = self.cleaned_data["new_email"].strip().lower()
        if email == self.user.email.lower():
            raise ValidationError(_("C'est déjà l'adresse de votre compte."), code="unchanged")
        if User.objects.filter(email__iexact=email).exclude(pk=self.user.pk).exists():
            raise ValidationError(
                _("Un autre compte utilise déjà cette adresse."), code="email_taken"
            )
        return email

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        check_current_password(request=self.request, user=self.user, password=password)
        return password
