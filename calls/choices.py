"""Choices of the calls app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthorityKind(models.TextChoices):
    MANAGING_AUTHORITY = "managing_authority", _("Autorité de gestion")
    INTERMEDIATE_BODY = "intermediate_body", _("Organisme intermédiaire (subvention globale)")
    NATIONAL_AGENCY = "national_agency", _("Agence nationale")
    REGIONAL_SERVICE = "regional_service", _("Service régional de l'État")
    JOINT_SECRETARIAT = "joint_secretariat", _("Secrétariat conjoint")
    NATIONAL_AUTHORITY = "national_authority", _("Autorité nationale")


class AuthorityRole(models.TextChoices):
    OFFICER = "officer", _("Chargé de mission (instruction)")
    ASSESSOR = "assessor", _("Évaluateur")


class CostModel(models.TextChoices):
    REAL_COSTS = "real_costs", _("Coûts réels (lignes budgétaires)")
    LUMP_SUM = "lump_sum", _("Montants forfaitaires")


class PriorityKind(models.TextChoices):
    HORIZONTAL = "horizontal", _("Priorité horizontale")
    SECTORAL = "sectoral", _("Priorité sectorielle")
    SELECTION = "selection", _("Priorité de sélection")


class RuleSeverity(models.TextChoices):
    BLOCKING = "blocking", _("Bloquante (empêche le dépôt)")
    WARNING = "warning", _("Avertissement")


class RuleKind(models.TextChoices):
    """The kinds of eligibility rule a call can carry; the engine gives each its behaviour."""

    LEAD_LEGAL_TYPES = "lead_legal_types", _("Statuts juridiques admis pour le chef de file")
    PARTNER_LEGAL_TYPES = (
        "partner_legal_types",
        _("Statuts juridiques admis pour chaque partenaire"),
    )
    VALID_IDENTIFIER = "valid_identifier", _("Organisation avec un identifiant valide de son pays")
    MIN_PARTNERS = "min_partners", _("Nombre minimal d'organisations")
    MIN_COUNTRIES = "min_countries", _("Nombre minimal de pays différents")
    REQUIRED_COUNTRIES = "required_countries", _("Pays requis (au moins un de chaque)")
    ALLOWED_COUNTRIES = "allowed_countries", _("Pays admis pour les partenaires")
    LEAD_COUNTRY = "lead_country", _("Pays admis pour le chef de file")
    ALLOWED_NUTS = "allowed_nuts", _("Territoire (régions NUTS admises)")
    DURATION_MONTHS = "duration_months", _("Durée en mois")
    START_DATE_WINDOW = "start_date_window", _("Fenêtre de date de début")
    MAX_GRANT = "max_grant", _("Plafond de la subvention demandée")
    LUMP_SUM_AMOUNT = "lump_sum_amount", _("Montant forfaitaire parmi ceux de l'appel")
    MAX_COFINANCING_RATE = "max_cofinancing_rate", _("Taux maximal de cofinancement UE")
    MIN_OWN_CONTRIBUTION = "min_own_contribution", _("Contribution propre minimale")
    MIN_PRIORITIES = "min_priorities", _("Nombre minimal de priorités choisies")
    MIN_TARGET_GROUPS = "min_target_groups", _("Nombre minimal de publics cibles")
    REQUIRED_ATTACHMENTS = "required_attachments", _("Pièces obligatoires jointes")
    COMMITMENTS_SIGNED = "commitments_signed", _("Lettres d'engagement signées par tous")
    SUBMISSION_WINDOW = "submission_window", _("Dépôt pendant la période d'ouverture")
