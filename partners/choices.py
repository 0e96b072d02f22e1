"""Choices of the partners app: legal types, countries, roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalType(models.TextChoices):
    """Legal types of the organisations the funds serve (French and Belgian)."""

    ASSOCIATION = "association", _("Association (loi 1901)")
    ASBL = "asbl", _("ASBL / VZW (Belgique)")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")
    INTERMUNICIPAL = "intermunicipal", _("Établissement public de coopération intercommunale")
    PUBLIC_BODY = "public_body", _("Établissement public")
    TRAINING_BODY = "training_body", _("Organisme de formation")
    EDUCATION = "education", _("Établissement d'enseignement")
    HIGHER_EDUCATION = "higher_education", _("Établissement d'enseignement supérieur")
    RESEARCH = "research", _("Organisme de recherche")
    COMPANY = "company", _("Entreprise")
    PROFESSIONAL_BRANCH = "professional_branch", _("Branche professionnelle, chambre consulaire")
    PUBLIC_EMPLOYMENT_SERVICE = "public_employment_service", _("Service public de l'emploi")
    MISSION_LOCALE = "mission_locale", _("Mission locale")
    PLIE = "plie", _("Plan local pour l'insertion et l'emploi (PLIE)")
    MAISON_EMPLOI = "maison_emploi", _("Maison de l'emploi")
    INSERTION = "insertion", _("Structure d'insertion par l'activité économique")
    SOCIAL_PARTNER = "social_partner", _("Partenaire social")
    WOMEN_RIGHTS_CENTRE = "women_rights_centre", _("Centre d'information des droits des femmes")
    YOUTH_ORGANISATION = "youth_organisation", _("Organisation de jeunesse")
    OTHER = "other", _("Autre personne morale")


# EU Member States and the third countries associated to Erasmus+ (NO, IS, LI, MK, TR, RS).
COUNTRY_CHOICES = [
    ("AT", _("Autriche")),
    ("BE", _("Belgique")),
    ("BG", _("Bulgarie")),
    ("CY", _("Chypre")),
    ("CZ", _("Tchéquie")),
    ("DE", _("Allemagne")),
    ("DK", _("Danemark")),
    ("EE", _("Estonie")),
    ("ES", _("Espagne")),
    ("FI", _("Finlande")),
    ("FR", _("France")),
    ("GR", _("Grèce")),
    ("HR", _("Croatie")),
    ("HU", _("Hongrie")),
    ("IE", _("Irlande")),
    ("IT", _("Italie")),
    ("LT", _("Lituanie")),
    ("LU", _("Luxembourg")),
    ("LV", _("Lettonie")),
    ("MT", _("Malte")),
    ("NL", _("Pays-Bas")),
    ("PL", _("Pologne")),
    ("PT", _("Portugal")),
    ("RO", _("Roumanie")),
    ("SE", _("Suède")),
    ("SI", _("Slovénie")),
    ("SK", _("Slovaquie")),
    ("IS", _("Islande")),
    ("LI", _("Liechtenstein")),
    ("NO", _("Norvège")),
    ("MK", _("Macédoine du Nord")),
    ("RS", _("Serbie")),
    ("TR", _("Turquie")),
]
EU_MEMBER_STATES = frozenset(code for code, _label in COUNTRY_CHOICES[:27])

# NUTS codes use EL for Greece where ISO 3166 says GR.
NUTS_COUNTRY_PREFIX = {"GR": "EL"}


class MembershipRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", _("Représentant légal")
    CONTACT = "contact", _("Personne de contact")
    EDITOR = "editor", _("Rédacteur")


class PartnerRole(models.TextChoices):
    LEAD = "lead", _("Chef de file")
    PARTNER = "partner", _("Partenaire")
    ASSOCIATED = "associated", _("Partenaire associé")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    DECLINED = "declined", _("Déclinée")
    REVOKED = "revoked", _("Retirée")
