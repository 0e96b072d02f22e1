"""Forms of the portal's accounts: logging in, registering, asking for a new confirmation
link, resetting a forgotten password."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import User
from .services import waiting_for_confirmation

EMAIL_HINT = _("Format attendu : nom@domaine.fr")
EMAIL_ERRORS = {
    "required": _("Indiquez votre adresse e-mail."),
    "invalid": _("Saisissez une adresse e-mail valide, par exemple nom@domaine.fr."),
}


def email_widget() -> forms.EmailInput:
    return forms.EmailInput(attrs={"autocomplete": "email"})


class LanguageSelect(forms.Select):
    """Each language named in itself, marked with its ``lang`` for screen readers."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"]["lang"] = value
        return option


class EmailAuthenticationForm(AuthenticationForm):
    """People log in with their e-mail address (the user model's ``USERNAME_FIELD``).

    Django's backend turns inactive accounts away before ``confirm_login_allowed``, so an
    account waiting for the confirmation of its address would only hear "incorrect": with
    the right password, it is told to confirm its address and offered a new link."""

    error_messages = {
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie et réessayez."
        ),
        "inactive": _("Ce compte est désactivé."),
        "unconfirmed": _("Confirmez d'abord votre adresse e-mail : un lien vous a été envoyé."),
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

    def get_invalid_login_error(self):
        user = self._inactive_user_with_this_password()
        if user is None:
            return super().get_invalid_login_error()
        if waiting_for_confirmation(user):
            return ValidationError(
                format_html(
                    '{} <a href="{}">{}</a>',
                    self.error_messages["unconfirmed"],
                    reverse("resend_confirmation"),
                    _("Recevoir un nouveau lien"),
                ),
                code="unconfirmed",
            )
        return ValidationError(self.error_messages["inactive"], code="inactive")

    def _inactive_user_with_this_password(self) -> User | None:
        user = User.objects.filter(
            email__iexact=self.cleaned_data["username"], is_active=False
        ).first()
        if user is not None and user.check_password(self.cleaned_data["password"]):
            return user
        return None


class RegistrationForm(BaseUserCreationForm):
    """A new account: the e-mail address (not already used, whatever its case), the
    person's names, a password the validators accept, twice, and the language of the
    e-mails (the current language unless chosen otherwise)."""

    error_messages = {
        **BaseUserCreationForm.error_messages,
        "email_taken": _(
            "Un compte existe déjà avec cette adresse ; connectez-vous ou réinitialisez "
            "votre mot de passe."
        ),
    }

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "preferred_language")
        labels = {
            "email": _("Adresse e-mail"),
            "first_name": _("Prénom"),
            "last_name": _("Nom de famille"),
            "preferred_language": _("Langue préférée"),
        }
        help_texts = {
            "email": EMAIL_HINT,
            "preferred_language": _("Les e-mails du portail vous sont écrits dans cette langue."),
        }
        error_messages = {
            "email": EMAIL_ERRORS,
            "first_name": {"required": _("Indiquez votre prénom.")},
            "last_name": {"required": _("Indiquez votre nom de famille.")},
        }
        widgets = {
            "email": email_widget(),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "preferred_language": LanguageSelect,
        }

    field_order = ["email", "first_name", "last_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The page explains itself before the form: no jump past it.
        self.fields["email"].widget.attrs.pop("autofocus", None)
        for name in ("first_name", "last_name"):
            self.fields[name].required = True
        language = self.fields["preferred_language"]
        current = translation.get_language()
        if current in dict(language.choices):
            language.initial = current

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(self.error_messages["email_taken"], code="email_taken")
        return email

    def save(self, commit=True):
        # An account is created inactive, with its confirmation e-mail: never from here.
        raise NotImplementedError("accounts are created by portal.tokens.account_register")


class ResendConfirmationForm(forms.Form):
    """The address of an account waiting for the confirmation of its e-mail."""

    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        help_text=_("L'adresse avec laquelle vous avez créé votre compte."),
        error_messages=EMAIL_ERRORS,
        widget=email_widget(),
    )


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form with the portal's wording; the e-mail is written in the
    person's language and links to the pages in that language."""

    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        help_text=_(
            "L'adresse de votre compte. Vous y recevrez un lien pour choisir un nouveau "
            "mot de passe."
        ),
        error_messages=EMAIL_ERRORS,
        widget=email_widget(),
    )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(context["user"].preferred_language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
