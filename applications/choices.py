"""Choices of the applications app: workflow states, cost categories, funding sources..."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposé")
    CLARIFICATION_REQUESTED = "clarification_requested", _("Compléments demandés")
    ELIGIBILITY_REVIEW = "eligibility_review", _("Recevabilité en cours")
    INELIGIBLE = "ineligible", _("Irrecevable")
    ADMISSIBLE = "admissible", _("Recevable")
    UNDER_ASSESSMENT = "under_assessment", _("En évaluation")
    SELECTED = "selected", _("Retenu")
    RESERVE = "reserve", _("Liste de réserve")
    REJECTED = "rejected", _("Rejeté")
    CONTRACTED = "contracted", _("Conventionné")
    IN_PROGRESS = "in_progress", _("En cours de réalisation")
    CLOSED = "closed", _("Clôturé")
    WITHDRAWN = "withdrawn", _("Retiré")


# The states in which a dossier's decision is announced to its applicants (its page, its
# decision letter, the API): decided, then contracted, in progress and closed.
DECISION_ANNOUNCED_STATUSES = frozenset(
    {
        ApplicationStatus.SELECTED,
        ApplicationStatus.RESERVE,
        ApplicationStatus.REJECTED,
        ApplicationStatus.CONTRACTED,
        ApplicationStatus.IN_PROGRESS,
        ApplicationStatus.CLOSED,
    }
)


class CostCategory(models.TextChoices):
    STAFF = "staff", _("Frais de personnel")
    OFFICE_ADMIN = "office_admin", _("Frais de bureau et administratifs")
    TRAVEL = "travel", _("Frais de déplacement et d'hébergement")
    EXTERNAL = "external", _("Prestations et expertises externes")
    EQUIPMENT = "equipment", _("Équipement")
    INFRASTRUCTURE = "infrastructure", _("Infrastructures et travaux")
    DIRECT_RUNNING = "direct_running", _("Frais de fonctionnement directs")
    INDIRECT = "indirect", _("Coûts indirects (taux forfaitaire)")
    LUMP_SUM = "lump_sum", _("Montant forfaitaire")


class FundingSource(models.TextChoices):
    EU = "eu", _("Fonds européen (FSE, FEDER, Erasmus+)")
    NATIONAL_PUBLIC = "national_public", _("Cofinancement public national")
    REGIONAL_PUBLIC = "regional_public", _("Cofinancement public régional ou local")
    OWN_FUNDS = "own_funds", _("Autofinancement")
    PRIVATE = "private", _("Financement privé")


class IndicatorKind(models.TextChoices):
    OUTPUT = "output", _("Réalisation")
    RESULT = "result", _("Résultat")


class AssessmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Attribuée")
    IN_PROGRESS = "in_progress", _("En cours")
    SUBMITTED = "submitted", _("Remise")
    DECLINED = "declined", _("Déclinée (conflit d'intérêts)")


class DecisionOutcome(models.TextChoices):
    SELECTED = "selected", _("Retenu")
    RESERVE = "reserve", _("Liste de réserve")
    REJECTED = "rejected", _("Rejeté")


class ScreeningVerdict(models.TextChoices):
    PASS = "pass", _("Conforme")
    FAIL = "fail", _("Non conforme")
    WARNING = "warning", _("Avertissement")
    NOT_APPLICABLE = "not_applicable", _("Sans objet")


class FrozenVerdict(models.TextChoices):
    """The eligibility verdict frozen with a submitted version: a blocking rule failed, a
    rule warned (or failed without blocking), or every rule passed."""

    PASS = "pass", _("Conforme")
    WARNING = "warning", _("Avec avertissements")
    FAIL = "fail", _("Règle bloquante non satisfaite")
