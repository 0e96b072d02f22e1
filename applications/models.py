"""An application (dossier) and its sections, its workflow history, its frozen snapshots,
and its review: eligibility screening, assessments, decision."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    DECISION_ANNOUNCED_STATUSES,
    ApplicationStatus,
    AssessmentStatus,
    CostCategory,
    DecisionOutcome,
    FrozenVerdict,
    FundingSource,
    IndicatorKind,
    ScreeningVerdict,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


def months_between(start: date, end: date) -> int:
    """Months covered by the period [start, end], a started month counting as a whole one."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if after.day > start.day:
        months += 1
    return months


class Application(models.Model):
    """A dossier filed by an organisation (its lead partner) in answer to a call.

    Totals (budget, co-financing, EU rate) are computed from the lines, never stored. The
    status changes only through ``applications.workflow``.
    """

    call = models.ForeignKey(
        "calls.Call", on_delete=models.PROTECT, related_name="applications", verbose_name=_("appel")
    )
    measure = models.ForeignKey(
        "calls.Measure",
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
        verbose_name=_("mesure"),
    )
    reference = models.CharField(_("référence"), max_length=40, unique=True)
    acronym = models.CharField(_("acronyme"), max_length=40, blank=True)
    title = models.CharField(_("intitulé"), max_length=255)
    summary = models.TextField(_("résumé"), blank=True)
    context = models.TextField(_("contexte et besoins"), blank=True)
    objectives = models.TextField(_("objectifs"), blank=True)
    cross_border_added_value = models.TextField(_("valeur ajoutée transnationale"), blank=True)
    target_groups = models.ManyToManyField(
        "calls.TargetGroup",
        related_name="applications",
        blank=True,
        verbose_name=_("publics cibles"),
    )
    priorities = models.ManyToManyField(
        "calls.Priority", related_name="applications", blank=True, verbose_name=_("priorités")
    )
    start_date = models.DateField(_("date de début"), null=True, blank=True)
    end_date = models.DateField(_("date de fin"), null=True, blank=True)
    lump_sum = models.DecimalField(
        _("montant forfaitaire demandé (EUR)"), null=True, blank=True, **MONEY
    )
    status = models.CharField(
        _("état"),
        max_length=30,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications_created",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    submitted_at = models.DateTimeField(_("déposé le"), null=True, blank=True, editable=False)
    contract_reference = models.CharField(
        _("référence de la convention"), max_length=60, blank=True
    )
    contract_signed_on = models.DateField(_("convention signée le"), null=True, blank=True)
    current_snapshot = models.OneToOneField(
        "Snapshot",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("version à l'instruction"),
        help_text=_("La dernière version déposée : celle que les services instruisent."),
    )

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="applications_application_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(lump_sum__isnull=True) | Q(lump_sum__gt=0),
                name="applications_application_lump_sum_positive",
            ),
            models.UniqueConstraint(
                fields=["contract_reference"],
                condition=~Q(contract_reference=""),
                name="applications_application_unique_contract_reference",
            ),
        ]
        indexes = [
            # The officers' queue reads these columns of every dossier of an authority's
            # calls to filter, count and sort: an index-only scan instead of the wide rows.
            models.Index(
                fields=["call", "status", "id", "current_snapshot", "submitted_at"],
                name="applications_queue_idx",
            ),
            models.Index(fields=["updated_at"], name="applications_updated_idx"),
            # The API's list, newest first: a page is read in index order and stops at
            # its last row instead of sorting every readable dossier.
            models.Index(fields=["-created_at", "reference"], name="applications_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.acronym or self.title}"

    @property
    def duration_months(self) -> int | None:
        """Months from start to end inclusive, a started month counting as a whole one:
        01-07-2020 → 31-12-2022 is 30 months."""
        if not (self.start_date and self.end_date):
            return None
        return months_between(self.start_date, self.end_date)

    @property
    def decision_is_announced(self) -> bool:
        """Whether the dossier's applicants are shown its decision (its state says it is
        decided or beyond)."""
        return self.status in DECISION_ANNOUNCED_STATUSES

    @property
    def lead_partner(self):
        for partner in self.partners.all():
            if partner.is_lead:
                return partner
        return None


class SectionVersion(models.Model):
    """The version of one section of a dossier (``identification``, ``budget-12``...): every
    save raises it by one under a compare-and-set, so two people editing the same section
    from the same version cannot overwrite each other's work silently. A section never
    saved has no row (version 0)."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="section_versions",
        verbose_name=_("dossier"),
    )
    key = models.CharField(_("section"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifiée par"),
    )
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)

    class Meta:
        verbose_name = _("version d'une section")
        verbose_name_plural = _("versions des sections")
        ordering = ["application", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "key"], name="applications_sectionversion_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.key} v{self.version}"


class StatusChangeBase(models.Model):
    """A line of an audit trail of states: from, to, who, when, why. Subclasses name the
    object and the choices of its states; rows are written by a workflow, never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    comment = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now, editable=False, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class StatusChange(StatusChangeBase):
    """One change of an application's state, written by ``applications.workflow`` only."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("dossier"),
    )
    from_status = models.CharField(_("de"), max_length=30, choices=ApplicationStatus.choices)
    to_status = models.CharField(_("vers"), max_length=30, choices=ApplicationStatus.choices)

    class Meta:
        verbose_name = _("changement d'état")
        verbose_name_plural = _("changements d'état")
        ordering = ["application", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.from_status} → {self.to_status}"


class Snapshot(models.Model):
    """The whole dossier frozen as JSON at a submission, with its sha256 and the
    eligibility results the applicant saw. A clarification adds a new one; earlier ones stay
    readable."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("dossier")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    data = models.JSONField(_("contenu"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    eligibility_results = models.JSONField(_("résultats d'éligibilité"), default=list)
    # Facts of this frozen version, read from ``data`` and ``eligibility_results`` when it
    # is frozen (``applications.services.snapshot_freeze``): the queue filters and sorts on
    # them without reading every dossier's lines and JSON.
    verdict = models.CharField(
        _("éligibilité au dépôt"), max_length=10, choices=FrozenVerdict.choices
    )
    total_budget = models.DecimalField(_("budget total déposé (EUR)"), **MONEY)
    eu_requested = models.DecimalField(_("montant UE demandé (EUR)"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par")
    )
    created_at = models.DateTimeField(_("figé le"), default=timezone.now, editable=False)
    # A person named in this version asked to be forgotten (``portal.personal_data``):
    # ``data`` now holds the pseudonymised content, whose fingerprint is
    # ``pseudonymised_sha256``; ``sha256`` stays the fingerprint of the content as filed,
    # the one printed on the acknowledgement of receipt and on the PDFs already issued.
    pseudonymised_at = models.DateTimeField(
        _("pseudonymisée le"), null=True, blank=True, editable=False
    )
    pseudonymised_sha256 = models.CharField(
        _("empreinte après pseudonymisation"), max_length=64, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("version déposée")
        verbose_name_plural = _("versions déposées")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="applications_snapshot_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(total_budget__gte=0) & Q(eu_requested__gte=0),
                name="applications_snapshot_totals_not_negative",
            ),
        ]
        indexes = [
            # The queue filters on the verdict and sorts on the budget of every dossier's
            # version under review: an index-only scan instead of the wide rows (the
            # frozen data and results).
            models.Index(
                fields=["id", "verdict", "total_budget"], name="applications_snapshot_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} v{self.number}"


class WorkPackage(models.Model):
    """A work package (module de travail) with its months and lead partner."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="work_packages",
        verbose_name=_("dossier"),
    )
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    lead_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_work_packages",
        verbose_name=_("partenaire responsable"),
    )
    start_month = models.PositiveSmallIntegerField(_("mois de début"), default=1)
    end_month = models.PositiveSmallIntegerField(_("mois de fin"), default=1)

    class Meta:
        verbose_name = _("module de travail")
        verbose_name_plural = _("modules de travail")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="applications_workpackage_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(start_month__gte=1) & Q(end_month__gte=F("start_month")),
                name="applications_workpackage_months_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Module')} {self.number} — {self.title}"


class Activity(models.Model):
    """An activity of a work package."""

    work_package = models.ForeignKey(
        WorkPackage, on_delete=models.CASCADE, related_name="activities", verbose_name=_("module")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    start_month = models.PositiveSmallIntegerField(_("mois de début"), default=1)
    end_month = models.PositiveSmallIntegerField(_("mois de fin"), default=1)

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")
        ordering = ["work_package", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__gte=1) & Q(end_month__gte=F("start_month")),
                name="applications_activity_months_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Deliverable(models.Model):
    """A deliverable of a work package, due in a month of the project."""

    work_package = models.ForeignKey(
        WorkPackage, on_delete=models.CASCADE, related_name="deliverables", verbose_name=_("module")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    due_month = models.PositiveSmallIntegerField(_("mois d'échéance"), default=1)

    class Meta:
        verbose_name = _("livrable")
        verbose_name_plural = _("livrables")
        ordering = ["work_package", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_month__gte=1), name="applications_deliverable_due_month_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class BudgetLine(models.Model):
    """A line of a partner's budget: cost category, year, amount (real-cost calls)."""

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        related_name="budget_lines",
        verbose_name=_("partenaire"),
    )
    work_package = models.ForeignKey(
        WorkPackage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="budget_lines",
        verbose_name=_("module"),
    )
    cost_category = models.CharField(
        _("catégorie de coûts"), max_length=30, choices=CostCategory.choices
    )
    year = models.PositiveSmallIntegerField(_("année"))
    description = models.CharField(_("libellé"), max_length=255, blank=True)
    amount = models.DecimalField(_("montant (EUR)"), **MONEY)

    class Meta:
        verbose_name = _("ligne budgétaire")
        verbose_name_plural = _("lignes budgétaires")
        ordering = ["partner", "year", "cost_category", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="applications_budgetline_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="applications_budgetline_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_cost_category_display()} {self.year}: {self.amount}"


class Cofinancing(models.Model):
    """One resource of a partner's financing plan: EU fund, national or regional public
    co-financing, own funds, private funding."""

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        related_name="cofinancings",
        verbose_name=_("partenaire"),
    )
    source = models.CharField(_("origine"), max_length=30, choices=FundingSource.choices)
    funder = models.CharField(_("financeur"), max_length=255, blank=True)
    amount = models.DecimalField(_("montant (EUR)"), **MONEY)
    is_secured = models.BooleanField(_("acquis"), default=False)

    class Meta:
        verbose_name = _("cofinancement")
        verbose_name_plural = _("cofinancements")
        ordering = ["partner", "source", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="applications_cofinancing_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.amount}"


class Indicator(models.Model):
    """An indicator of the dossier with its target (participants reached, sessions held...)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("dossier")
    )
    code = models.CharField(_("code"), max_length=30, blank=True)
    name = models.CharField(_("intitulé"), max_length=255)
    kind = models.CharField(
        _("nature"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.OUTPUT
    )
    unit = models.CharField(_("unité"), max_length=60, blank=True)
    target_value = models.DecimalField(_("valeur cible"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["application", "code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_value__gte=0), name="applications_indicator_target_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """Never trust the uploaded name: files are stored under a random name, the original
    name is kept in a field for display."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A document joined to the dossier (statutes, bank details, a partner's commitment
    letter...), stored under a random name outside the web root."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("dossier")
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("partenaire concerné"),
    )
    document_type = models.ForeignKey(
        "calls.DocumentType",
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("type"),
    )
    file = models.FileField(_("fichier"), upload_to=attachment_upload_to)
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
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["application", "document_type", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.document_type}: {self.original_name}"


class ClarificationRequest(models.Model):
    """An officer's request for clarification on a submitted dossier: the question and the
    sections it reopens. Only those sections can be edited until the applicant resubmits;
    the resubmission freezes a new snapshot and the earlier one stays readable."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="clarifications",
        verbose_name=_("dossier"),
    )
    question = models.TextField(_("question"))
    sections = models.JSONField(_("sections rouvertes"), default=list)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("demandée par"),
    )
    asked_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("répondue par"),
    )

    class Meta:
        verbose_name = _("demande de compléments")
        verbose_name_plural = _("demandes de compléments")
        ordering = ["application", "asked_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(question=""), name="applications_clarification_has_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.question[:60]}"


class EligibilityScreening(models.Model):
    """The officer's screening of one eligibility rule of a submitted dossier: the engine's
    verdict as frozen at submission, and the officer's confirmed (or overridden) verdict
    with a justification."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="screenings", verbose_name=_("dossier")
    )
    rule = models.ForeignKey(
        "calls.EligibilityRule",
        on_delete=models.PROTECT,
        related_name="screenings",
        verbose_name=_("règle"),
    )
    engine_verdict = models.CharField(
        _("verdict du moteur"), max_length=20, choices=ScreeningVerdict.choices
    )
    officer_verdict = models.CharField(
        _("verdict de l'agent"), max_length=20, choices=ScreeningVerdict.choices
    )
    justification = models.TextField(_("justification"), blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agent"),
    )
    decided_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("contrôle de recevabilité")
        verbose_name_plural = _("contrôles de recevabilité")
        ordering = ["application", "rule__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "rule"], name="applications_screening_once_per_rule"
            ),
            models.CheckConstraint(
                condition=Q(officer_verdict=F("engine_verdict")) | ~Q(justification=""),
                name="applications_screening_override_justified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.get_officer_verdict_display()}"

    @property
    def is_override(self) -> bool:
        return self.officer_verdict != self.engine_verdict


class Assessment(models.Model):
    """One assessor's assessment of one dossier: conflict-of-interest declaration first,
    then a score and a comment per criterion of the call."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("dossier")
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("évaluateur"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("attribuée par"),
    )
    assigned_at = models.DateTimeField(_("attribuée le"), auto_now_add=True)
    status = models.CharField(
        _("état"),
        max_length=20,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.ASSIGNED,
    )
    no_conflict_declared_at = models.DateTimeField(
        _("absence de conflit d'intérêts déclarée le"), null=True, blank=True
    )
    overall_comment = models.TextField(_("appréciation générale"), blank=True)
    submitted_at = models.DateTimeField(_("remise le"), null=True, blank=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["application", "assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "assessor"], name="applications_assessment_once_per_assessor"
            ),
            models.CheckConstraint(
                condition=~Q(status=AssessmentStatus.SUBMITTED)
                | Q(no_conflict_declared_at__isnull=False),
                name="applications_assessment_submitted_after_declaration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} — {self.assessor}"


class Score(models.Model):
    """An assessor's score on one criterion, with its justification."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("évaluation")
    )
    criterion = models.ForeignKey(
        "calls.AssessmentCriterion",
        on_delete=models.PROTECT,
        related_name="scores",
        verbose_name=_("critère"),
    )
    score = models.DecimalField(_("note"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("justification"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["assessment", "criterion__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="applications_score_once_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0), name="applications_score_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Decision(models.Model):
    """The decision on a dossier: selected, reserve list or rejected, the amount granted,
    the committee, the reasons and conditions."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="decision", verbose_name=_("dossier")
    )
    outcome = models.CharField(_("décision"), max_length=20, choices=DecisionOutcome.choices)
    amount_granted = models.DecimalField(_("montant accordé (EUR)"), null=True, blank=True, **MONEY)
    committee = models.CharField(_("instance de décision"), max_length=255, blank=True)
    decided_on = models.DateField(_("date de la décision"))
    reasons = models.TextField(_("motifs"))
    conditions = models.TextField(_("conditions"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enregistrée par"),
    )
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    # A decision is rewritten when the committee revises it (reserve → selected): clients
    # that synchronise see the change.
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["-decided_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_granted__isnull=True) | Q(amount_granted__gte=0),
                name="applications_decision_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=DecisionOutcome.SELECTED) | Q(amount_granted__isnull=False),
                name="applications_decision_selected_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.get_outcome_display()}"
