"""The kinds of event the audit log records."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # The account.
    LOGIN_SUCCEEDED = "login_succeeded", _("Connexion réussie")
    LOGIN_FAILED = "login_failed", _("Échec de connexion")
    LOGOUT = "logout", _("Déconnexion")
    TOKEN_CREATED = "token_created", _("Jeton d'API créé")
    TOKEN_REVOKED = "token_revoked", _("Jeton d'API révoqué")
    ACCESS_DENIED = "access_denied", _("Accès refusé")
    # Downloads.
    DOSSIER_DOWNLOADED = "dossier_downloaded", _("Dossier téléchargé (PDF)")
    ATTACHMENT_DOWNLOADED = "attachment_downloaded", _("Pièce jointe téléchargée")
    DOCUMENT_DOWNLOADED = "document_downloaded", _("Document téléchargé")
    EXPORT_DOWNLOADED = "export_downloaded", _("Export téléchargé")
    # The officers' and assessors' actions.
    SCREENING_STARTED = "screening_started", _("Contrôle de recevabilité ouvert")
    SCREENING_RECORDED = "screening_recorded", _("Verdicts de recevabilité enregistrés")
    SCREENING_CONCLUDED = "screening_concluded", _("Recevabilité conclue")
    CLARIFICATION_REQUESTED = "clarification_requested", _("Compléments demandés")
    ASSESSOR_ASSIGNED = "assessor_assigned", _("Évaluateurs attribués")
    ASSESSOR_REMOVED = "assessor_removed", _("Évaluateur retiré")
    ASSESSMENT_SUBMITTED = "assessment_submitted", _("Évaluation remise")
    ASSESSMENT_DECLINED = "assessment_declined", _("Évaluation déclinée")
    DECISION_RECORDED = "decision_recorded", _("Décision enregistrée")
    CONTRACT_RECORDED = "contract_recorded", _("Convention enregistrée")
    PROJECT_STARTED = "project_started", _("Projet démarré")
    REPORT_ACCEPTED = "report_accepted", _("Rapport d'avancement accepté")
    REPORT_CHANGES_REQUESTED = (
        "report_changes_requested",
        _("Modifications demandées sur un rapport d'avancement"),
    )


# The events of a person's own account, shown to them whatever their authority.
ACCOUNT_ACTIONS = (
    AuditAction.LOGIN_SUCCEEDED,
    AuditAction.LOGIN_FAILED,
    AuditAction.LOGOUT,
    AuditAction.TOKEN_CREATED,
    AuditAction.TOKEN_REVOKED,
    AuditAction.ACCESS_DENIED,
)
