"""Choices of the reporting app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Remis")
    CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")
    ACCEPTED = "accepted", _("Accepté")


class WorkPackageState(models.TextChoices):
    DONE = "done", _("Réalisé")
    IN_PROGRESS = "in_progress", _("En cours")
    LATE = "late", _("En retard")
    NOT_STARTED = "not_started", _("Non démarré")


class DocumentKind(models.TextChoices):
    DOSSIER = "dossier", _("Dossier tel que déposé")
    ACKNOWLEDGEMENT = "acknowledgement", _("Accusé de réception")
    DECISION_LETTER = "decision_letter", _("Lettre de décision")
    PROGRESS_REPORT = "progress_report", _("Rapport d'avancement")
    CALL_SUMMARY = "call_summary", _("Synthèse d'un appel")
    PROGRAMME_SUMMARY = "programme_summary", _("Synthèse des projets d'un programme")
    EXPORT = "export", _("Export de données")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Prêt")
    FAILED = "failed", _("Échec")
