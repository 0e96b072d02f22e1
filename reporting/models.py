"""Progress reports of funded projects, and the documents (PDF, exports) the workers
render."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from applications.choices import CostCategory
from applications.models import StatusChangeBase

from .choices import DocumentKind, DocumentStatus, ReportStatus, WorkPackageState

MONEY = {"max_digits": 14, "decimal_places": 2}


class ProgressReport(models.Model):
    """A funded project's report for a period: per work package the state and narrative,
    indicators reached, expenditure declared per partner and category, results and
    cross-border added value. Its own small workflow: draft, submitted, changes requested,
    accepted; the status changes only through ``reporting.workflow``."""

    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        related_name="progress_reports",
        verbose_name=_("projet"),
    )
    number = models.PositiveSmallIntegerField(_("numéro"))
    period_start = models.DateField(_("début de la période"))
    period_end = models.DateField(_("fin de la période"))
    due_date = models.DateField(_("échéance"))
    report_date = models.DateField(_("date du rapport"), null=True, blank=True)
    is_final = models.BooleanField(_("rapport final"), default=False)
    overall_progress = models.TextField(_("état d'avancement général"), blank=True)
    results = models.TextField(_("principaux résultats"), blank=True)
    added_value = models.TextField(_("plus-value transfrontalière ou transnationale"), blank=True)
    status = models.CharField(
        _("état"),
        max_length=20,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
        editable=False,
    )
    submitted_at = models.DateTimeField(_("remis le"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("ouvert par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("rapport d'avancement")
        verbose_name_plural = _("rapports d'avancement")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="reporting_progressreport_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="reporting_progressreport_period_ordered",
            ),
            # A report out of the draft state has been submitted at least once: the instant
            # of its latest submission is known (``reporting.workflow`` sets both at once).
            models.CheckConstraint(
                condition=Q(status=ReportStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="reporting_progressreport_submitted_has_instant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} — {_('rapport')} {self.number}"


class ReportStatusChange(StatusChangeBase):
    """One change of a progress report's state, with who and why."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("rapport"),
    )
    from_status = models.CharField(_("de"), max_length=20, choices=ReportStatus.choices)
    to_status = models.CharField(_("vers"), max_length=20, choices=ReportStatus.choices)

    class Meta:
        verbose_name = _("changement d'état d'un rapport")
        verbose_name_plural = _("changements d'état des rapports")
        ordering = ["report", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.report}: {self.from_status} → {self.to_status}"


class WorkPackageProgress(models.Model):
    """A work package's state and narrative in one report: what was done, what is late or
    not started, and why."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="work_package_progress",
        verbose_name=_("rapport"),
    )
    work_package = models.ForeignKey(
        "applications.WorkPackage",
        on_delete=models.CASCADE,
        related_name="progress",
        verbose_name=_("module"),
    )
    state = models.CharField(_("état"), max_length=20, choices=WorkPackageState.choices)
    narrative = models.TextField(_("récit"), blank=True)

    class Meta:
        verbose_name = _("avancement d'un module")
        verbose_name_plural = _("avancement des modules")
        ordering = ["report", "work_package__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "work_package"],
                name="reporting_workpackageprogress_once_per_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_package}: {self.get_state_display()}"


class IndicatorProgress(models.Model):
    """The value an indicator reached at the report's date, against its target."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="indicator_progress",
        verbose_name=_("rapport"),
    )
    indicator = models.ForeignKey(
        "applications.Indicator",
        on_delete=models.CASCADE,
        related_name="progress",
        verbose_name=_("indicateur"),
    )
    value_reached = models.DecimalField(_("valeur atteinte"), max_digits=12, decimal_places=2)
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("indicateur atteint")
        verbose_name_plural = _("indicateurs atteints")
        ordering = ["report", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator"], name="reporting_indicatorprogress_once_per_report"
            ),
            models.CheckConstraint(
                condition=Q(value_reached__gte=0), name="reporting_indicatorprogress_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value_reached}"


class Expenditure(models.Model):
    """Expenditure a partner declares in a report, per cost category."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="expenditures",
        verbose_name=_("rapport"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        related_name="expenditures",
        verbose_name=_("partenaire"),
    )
    cost_category = models.CharField(
        _("catégorie de coûts"), max_length=30, choices=CostCategory.choices
    )
    description = models.CharField(_("libellé"), max_length=255, blank=True)
    amount = models.DecimalField(_("montant (EUR)"), **MONEY)

    class Meta:
        verbose_name = _("dépense déclarée")
        verbose_name_plural = _("dépenses déclarées")
        ordering = ["report", "partner", "cost_category"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="reporting_expenditure_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.get_cost_category_display()} {self.amount}"


def document_upload_to(instance: GeneratedDocument, filename: str) -> str:
    return f"documents/{instance.kind}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


class GeneratedDocument(models.Model):
    """A PDF or export asked for by someone and rendered by a worker: kind, subject, status,
    file with its size and sha256, who asked and when, the error if it failed."""

    kind = models.CharField(_("nature"), max_length=30, choices=DocumentKind.choices)
    status = models.CharField(
        _("état"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("dossier"),
    )
    snapshot = models.ForeignKey(
        "applications.Snapshot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("version déposée"),
    )
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("rapport"),
    )
    call = models.ForeignKey(
        "calls.Call",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("appel"),
    )
    programme = models.ForeignKey(
        "calls.Programme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("programme"),
    )
    language = models.CharField(_("langue"), max_length=5, default="fr")
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    file = models.FileField(_("fichier"), upload_to=document_upload_to, blank=True)
    size = models.PositiveBigIntegerField(_("taille (octets)"), null=True, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    progress = models.PositiveSmallIntegerField(_("progression (%)"), default=0)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    task_id = models.CharField(_("tâche"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents_requested",
        verbose_name=_("demandé par"),
    )
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("document généré")
        verbose_name_plural = _("documents générés")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="reporting_generateddocument_progress_max_100"
            ),
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.DONE) | (~Q(file="") & ~Q(sha256="")),
                name="reporting_generateddocument_done_has_file",
            ),
            models.CheckConstraint(
                condition=Q(application__isnull=False)
                | Q(report__isnull=False)
                | Q(call__isnull=False)
                | Q(programme__isnull=False),
                name="reporting_generateddocument_has_subject",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="reporting_doc_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


def report_attachment_upload_to(instance: ReportAttachment, filename: str) -> str:
    """Never trust the uploaded name: stored under a random name, the original kept for
    display."""
    return f"report-attachments/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


class ReportAttachment(models.Model):
    """A document joined to a progress report (attendance sheets, deliverables, proofs of
    expenditure), by a member of the lead or of a partner, with its fingerprint."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("rapport"),
    )
    title = models.CharField(_("intitulé"), max_length=200)
    file = models.FileField(_("fichier"), upload_to=report_attachment_upload_to)
    original_name = models.CharField(_("nom d'origine"), max_length=255)
    content_type = models.CharField(_("type de contenu"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe d'un rapport")
        verbose_name_plural = _("pièces jointes des rapports")
        ordering = ["report", "uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0), name="reporting_reportattachment_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report}: {self.original_name}"
