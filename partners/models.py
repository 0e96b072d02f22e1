"""Organisations (only organisations apply), their members, their place in an application's
consortium, and the invitations that bring partners in."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    COUNTRY_CHOICES,
    InvitationStatus,
    LegalType,
    MembershipRole,
    PartnerRole,
)
from .fields import BelgianEnterpriseNumberField, IdentifierField
from .validators import (
    compact,
    nuts_matches_country,
    validate_be_enterprise_number,
    validate_iban,
    validate_nuts,
    validate_oid,
    validate_pic,
    validate_siren,
    validate_siret,
    validate_vat,
)


class Organisation(models.Model):
    """A legal person that applies or takes part: association, local authority, training
    body, company, ASBL... Identifiers are checked by their own check digits; the national
    identifier is unique (SIRET in France, enterprise number in Belgium)."""

    legal_name = models.CharField(_("raison sociale"), max_length=255)
    acronym = models.CharField(_("sigle"), max_length=60, blank=True)
    legal_type = models.CharField(_("statut juridique"), max_length=40, choices=LegalType.choices)
    country = models.CharField(_("pays"), max_length=2, choices=COUNTRY_CHOICES)
    nuts_code = IdentifierField(
        _("région (code NUTS)"), max_length=5, blank=True, validators=[validate_nuts]
    )
    street = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=20, blank=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    siret = IdentifierField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    siren = IdentifierField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    enterprise_number = BelgianEnterpriseNumberField(
        _("numéro d'entreprise (BCE/KBO)"),
        max_length=10,
        blank=True,
        validators=[validate_be_enterprise_number],
    )
    vat_number = IdentifierField(
        _("numéro de TVA"), max_length=16, blank=True, validators=[validate_vat]
    )
    pic = IdentifierField(_("code PIC"), max_length=9, blank=True, validators=[validate_pic])
    oid = IdentifierField(
        _("identifiant Erasmus+ (OID)"), max_length=9, blank=True, validators=[validate_oid]
    )
    iban = IdentifierField(_("IBAN"), max_length=34, blank=True, validators=[validate_iban])
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="partners_organisation_unique_siret",
                violation_error_message=_(
                    "Une organisation portant ce SIRET est déjà inscrite sur le portail ; "
                    "rejoignez-la plutôt que de la créer à nouveau."
                ),
            ),
            models.UniqueConstraint(
                fields=["enterprise_number"],
                condition=~Q(enterprise_number=""),
                name="partners_organisation_unique_enterprise_number",
                violation_error_message=_(
                    "Une organisation portant ce numéro d'entreprise (BCE/KBO) est déjà inscrite "
                    "sur le portail ; rejoignez-la plutôt que de la créer à nouveau."
                ),
            ),
            models.UniqueConstraint(
                fields=["pic"],
                condition=~Q(pic=""),
                name="partners_organisation_unique_pic",
                violation_error_message=_(
                    "Une organisation portant ce code PIC est déjà inscrite sur le portail."
                ),
            ),
            models.UniqueConstraint(
                fields=["oid"],
                condition=~Q(oid=""),
                name="partners_organisation_unique_oid",
                violation_error_message=_(
                    "Une organisation portant cet identifiant Erasmus+ (OID) est déjà inscrite "
                    "sur le portail."
                ),
            ),
            models.CheckConstraint(
                condition=Q(siret="") | Q(country="FR"),
                name="partners_organisation_siret_only_in_france",
            ),
            models.CheckConstraint(
                condition=Q(enterprise_number="") | Q(country="BE"),
                name="partners_organisation_enterprise_number_only_in_belgium",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.acronym})" if self.acronym else self.legal_name

    def save(self, *args, **kwargs):
        if self.siret and not self.siren:
            self.siren = compact(self.siret)[:9]
        super().save(*args, **kwargs)

    @property
    def national_identifier(self) -> str:
        """The identifier that names the organisation in its country's register."""
        if self.country == "FR":
            return self.siret or self.siren
        if self.country == "BE":
            return self.enterprise_number
        return self.vat_number

    def clean(self):
        errors = {}
        if self.siret and self.country != "FR":
            errors["siret"] = _("Le SIRET ne s'applique qu'aux organisations établies en France.")
        if self.enterprise_number and self.country != "BE":
            errors["enterprise_number"] = _(
                "Le numéro d'entreprise BCE/KBO ne s'applique qu'aux organisations établies en "
                "Belgique."
            )
        if self.siret and self.siren and compact(self.siret)[:9] != compact(self.siren):
            errors["siren"] = _(
                "Le SIREN %(siren)s ne correspond pas aux 9 premiers chiffres du SIRET %(siret)s."
            ) % {"siren": self.siren, "siret": self.siret}
        if (
            self.nuts_code
            and self.country
            and not nuts_matches_country(self.nuts_code, self.country)
        ):
            errors["nuts_code"] = _(
                "Le code NUTS %(nuts)s n'appartient pas au pays choisi (%(country)s)."
            ) % {"nuts": self.nuts_code, "country": self.country}
        if errors:
            raise ValidationError(errors)


class Membership(models.Model):
    """A person's place in an organisation: legal representative, contact, editor."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("personne"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("rôle"), max_length=30, choices=MembershipRole.choices, default=MembershipRole.EDITOR
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        ordering = ["organisation", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="partners_membership_unique_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class Partner(models.Model):
    """An organisation's place in one application's consortium. Exactly one lead partner per
    application: the database refuses a second one; the service that creates an application
    creates its lead in the same transaction."""

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="partners",
        verbose_name=_("dossier"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partnerships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("rôle"), max_length=20, choices=PartnerRole.choices)
    number = models.PositiveSmallIntegerField(_("numéro"), default=1)
    contact_name = models.CharField(_("personne de contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    contact_phone = models.CharField(_("téléphone de contact"), max_length=30, blank=True)
    commitment_signed_at = models.DateTimeField(_("engagement signé le"), null=True, blank=True)
    commitment_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("engagement signé par"),
    )
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(role=PartnerRole.LEAD),
                name="partners_partner_one_lead_per_application",
            ),
            models.UniqueConstraint(
                fields=["application", "organisation"],
                name="partners_partner_organisation_once_per_application",
            ),
            models.UniqueConstraint(
                fields=["application", "number"], name="partners_partner_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.get_role_display()} ({self.application.reference})"

    @property
    def is_lead(self) -> bool:
        return self.role == PartnerRole.LEAD

    @property
    def has_signed_commitment(self) -> bool:
        return self.commitment_signed_at is not None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An invitation sent by the lead to a partner organisation's contact. Only the token's
    sha256 is stored: the link in the e-mail is the only copy of the token."""

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("dossier"),
    )
    email = models.EmailField(_("e-mail invité"))
    role = models.CharField(
        _("rôle proposé"), max_length=20, choices=PartnerRole.choices, default=PartnerRole.PARTNER
    )
    message = models.TextField(_("message"), blank=True)
    token_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True)
    status = models.CharField(
        _("état"), max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="invitations_sent",
        verbose_name=_("invité par"),
    )
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
        verbose_name=_("acceptée par"),
    )
    partner = models.OneToOneField(
        Partner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name=_("partenaire créé"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=PartnerRole.LEAD), name="partners_invitation_not_for_lead"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="partners_invitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.application}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


COLLEAGUE_INVITATION_VALIDITY = timedelta(days=14)


class ColleagueInvitation(models.Model):
    """An invitation sent by a member of an organisation to a colleague, by e-mail, to
    become a member with a role. Any active member may invite an editor or a contact; only a
    legal representative may invite another legal representative. Only the token's sha256
    is stored: the link in the e-mail is the only copy of the token. Accepted once, by the
    account whose e-mail address is the invited one, within 14 days.

    Not to be confused with ``Invitation``, which brings a partner organisation into an
    application's consortium."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="colleague_invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail invité"))
    role = models.CharField(
        _("rôle proposé"),
        max_length=30,
        choices=MembershipRole.choices,
        default=MembershipRole.EDITOR,
    )
    token_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="colleague_invitations_sent",
        verbose_name=_("invité par"),
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="colleague_invitations_accepted",
        verbose_name=_("acceptée par"),
    )

    class Meta:
        verbose_name = _("invitation d'un collègue")
        verbose_name_plural = _("invitations de collègues")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="partners_colleagueinvitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation} ({self.get_role_display()})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None
