"""Forms of the organisation pages: register or edit an organisation, find one to join,
invite a colleague, change a member's role.

Each field has its label and, where it helps, a hint; Django ties the hint and the errors to
the control (``aria-describedby``, ``aria-invalid``). The model's validators give the
messages about identifiers.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import services
from .choices import COUNTRY_CHOICES, LegalType, MembershipRole
from .models import Organisation, Partner

FIRST_COUNTRIES = ("FR", "BE")


def _https_urls(field: models.Field, **kwargs) -> forms.Field | None:
    # Web addresses typed without a scheme are read as https:// (Django 6's default).
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class OrganisationForm(forms.ModelForm):
    """Register an organisation, or edit it: identity, country and identifiers, address,
    contact. The identifier its country requires is required; a duplicate identifier is
    reported on its field, with the way to join the organisation already registered."""

    class Meta:
        model = Organisation
        fields = [
            "legal_name",
            "acronym",
            "legal_type",
            "country",
            "siret",
            "enterprise_number",
            "vat_number",
            "pic",
            "oid",
            "street",
            "postcode",
            "city",
            "nuts_code",
            "email",
            "phone",
            "website",
        ]
        formfield_callback = _https_urls
        help_texts = {
            "legal_name": _("Le nom officiel de l'organisation, tel qu'il figure au registre."),
            "acronym": _("Facultatif."),
            "siret": _(
                "Obligatoire pour une organisation établie en France : 14 chiffres, par "
                "exemple 732 829 320 00074."
            ),
            "enterprise_number": _(
                "Obligatoire pour une organisation établie en Belgique : 10 chiffres, par "
                "exemple 0403.170.701."
            ),
            "vat_number": _(
                "Avec le code du pays, par exemple FR44732829320. Hors de France et de "
                "Belgique, indiquez au moins le numéro de TVA, le code PIC ou l'OID."
            ),
            "pic": _(
                "Facultatif. Le Participant Identification Code du portail Funding & Tenders de "
                "la Commission européenne : 9 chiffres."
            ),
            "oid": _("Facultatif. E suivi de 8 chiffres, par exemple E10000001."),
            "nuts_code": _(
                "Facultatif. Le code de la région où l'organisation est établie, dans son "
                "pays : par exemple FRE11 pour le Nord."
            ),
            "email": _("Facultatif. Format attendu : nom@domaine.fr"),
            "phone": _("Facultatif."),
            "website": _("Facultatif. Par exemple https://www.exemple.fr"),
        }
        widgets = {
            "legal_name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "street": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "website": forms.URLInput(attrs={"autocomplete": "url"}),
        }

    #: The fieldsets of the page: a legend and the fields under it.
    GROUPS = (
        (_("Identité"), ("legal_name", "acronym", "legal_type")),
        (
            _("Pays et identifiants"),
            ("country", "siret", "enterprise_number", "vat_number", "pic", "oid"),
        ),
        (_("Adresse"), ("street", "postcode", "city", "nuts_code")),
        (_("Coordonnées"), ("email", "phone", "website")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(COUNTRY_CHOICES)
        self.fields["country"].choices = [
            ("", _("Choisissez un pays")),
            *((code, labels[code]) for code in FIRST_COUNTRIES),
            (
                _("Autres pays"),
                [(code, label) for code, label in COUNTRY_CHOICES if code not in FIRST_COUNTRIES],
            ),
        ]
        self.fields["legal_type"].choices = [
            ("", _("Choisissez un statut juridique")),
            *LegalType.choices,
        ]
        for name in ("street", "postcode", "city"):
            self.fields[name].required = True
        for name in ("siret", "enterprise_number", "vat_number", "pic", "oid", "nuts_code"):
            self.fields[name].widget.attrs.update(autocomplete="off", spellcheck="false")
        #: The identifier field whose value is already registered, if any.
        self.duplicate_field: str | None = None

    def groups(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean(self):
        cleaned = super().clean()
        missing = services.identifier_requirement_errors(
            country=cleaned.get("country") or "",
            **{
                name: (cleaned.get(name) or "").strip()
                for name in ("siret", "enterprise_number", "vat_number", "pic", "oid")
            },
        )
        for field, message in missing.items():
            if field not in self.errors:
                self.add_error(field, ValidationError(message, code="required"))
        # The SIREN is derived from the SIRET when the organisation is saved; a SIREN kept
        # from a former SIRET must not be compared with the new one.
        self.instance.siren = ""
        return cleaned

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or NON_FIELD_ERRORS not in self._errors:
            return
        # The model reports a duplicate identifier as a violation of its unique constraint,
        # for the whole form: show it on the identifier's field.
        remaining = []
        for error in self._errors[NON_FIELD_ERRORS].as_data():
            field = services.duplicate_identifier_field(error)
            if field and field in self.fields:
                self._errors.setdefault(field, self.error_class(renderer=self.renderer))
                self._errors[field].append(error)
                self.cleaned_data.pop(field, None)
                self.duplicate_field = self.duplicate_field or field
            else:
                remaining.append(error)
        if remaining:
            self._errors[NON_FIELD_ERRORS] = self.error_class(
                remaining, error_class="nonfield", renderer=self.renderer
            )
        else:
            del self._errors[NON_FIELD_ERRORS]

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the errors the service found (a duplicate saved in the meantime)."""
        for field, errors in error.message_dict.items():
            target = field if field in self.fields else None
            for message in errors:
                self.add_error(target, message)
            if target and services.duplicate_identifier_field(ValidationError(errors[0])):
                self.duplicate_field = self.duplicate_field or target


class JoinForm(forms.Form):
    """Find the organisation to join by one of its identifiers, typed in any usual form."""

    identifier = forms.CharField(
        label=_("Identifiant de l'organisation"),
        max_length=40,
        help_text=_(
            "Son SIRET ou son SIREN (France), son numéro d'entreprise BCE/KBO (Belgique), son "
            "numéro de TVA intracommunautaire, son code PIC ou son identifiant Erasmus+ (OID). "
            "Espaces, points et tirets sont acceptés."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_identifier(self):
        identifier = self.cleaned_data["identifier"]
        try:
            self.organisation = services.organisation_find(identifier=identifier)
        except services.ServiceRefused as refused:
            raise ValidationError(refused.message, code="unknown") from None
        return identifier


class ColleagueInvitationForm(forms.Form):
    """Invite a colleague by e-mail, with one of the roles the inviter may offer."""

    email = forms.EmailField(
        label=_("Adresse e-mail de votre collègue"),
        help_text=_(
            "Format attendu : nom@domaine.fr. Votre collègue recevra un lien valable 14 jours, "
            "à ouvrir avec un compte du portail à cette adresse."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Rôle proposé"))

    def __init__(self, *args, roles: list[MembershipRole], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]
        self.fields["role"].initial = MembershipRole.EDITOR
        if MembershipRole.LEGAL_REPRESENTATIVE not in roles:
            self.fields["role"].help_text = _(
                "Seul un représentant légal peut inviter un autre représentant légal."
            )


class MembershipRoleForm(forms.Form):
    """The new role of a member, chosen by a legal representative."""

    role = forms.ChoiceField(label=_("Rôle"), choices=MembershipRole.choices)


# --- the consortium of a dossier -------------------------------------------------------------


class PartnerInvitationForm(forms.Form):
    """Invite a partner organisation's contact into a dossier's consortium, by e-mail."""

    email = forms.EmailField(
        label=_("Adresse e-mail de la personne à inviter"),
        help_text=_(
            "Format attendu : nom@domaine.fr. Cette personne recevra un lien valable 14 jours "
            "pour faire entrer son organisation dans le partenariat."
        ),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    message = forms.CharField(
        label=_("Message personnel"),
        help_text=_(
            "Facultatif. Il figurera dans l'e-mail d'invitation (2 000 caractères au plus)."
        ),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PartnerInvitationAcceptForm(forms.Form):
    """The organisation, among the user's own, that accepts an invitation into a consortium."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation qui rejoint le partenariat"),
        queryset=Organisation.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choisissez l'organisation au nom de laquelle vous acceptez."),
            "invalid_choice": _(
                "Choisissez une organisation dont vous êtes membre et qui ne fait pas encore "
                "partie du partenariat."
            ),
        },
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].label_from_instance = lambda org: (
            f"{org.legal_name} ({org.city}, {org.get_country_display()})"
            if org.city
            else f"{org.legal_name} ({org.get_country_display()})"
        )


_PHONE = RegexValidator(
    r"^\+?[0-9 .()\-/]{6,30}$",
    _(
        "Indiquez un numéro de téléphone : chiffres, espaces, points ou tirets, par exemple "
        "+33 3 20 00 00 00."
    ),
)


class PartnerContactForm(forms.ModelForm):
    """The contact of a partner for one dossier: the person the authority writes to."""

    class Meta:
        model = Partner
        fields = ["contact_name", "contact_email", "contact_phone"]
        help_texts = {
            "contact_name": _("La personne qui suit le dossier pour cette organisation."),
            "contact_email": _("Format attendu : nom@domaine.fr"),
            "contact_phone": _("Facultatif. Par exemple +33 3 20 00 00 00."),
        }
        widgets = {
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_name"].required = True
        self.fields["contact_email"].required = True
        self.fields["contact_name"].error_messages["required"] = _(
            "Indiquez le nom de la personne de contact."
        )
        self.fields["contact_email"].error_messages["required"] = _(
            "Indiquez l'adresse e-mail de la personne de contact."
        )
        self.fields["contact_phone"].validators.append(_PHONE)
